//! A plan as kernel operations, each with the operations that undo it:
//! additions and edits first (make before break), removals last.

use std::net::SocketAddr;

use super::diff::{BackendPlan, Plan, ServicePlan};
use super::table::Origin;
use crate::ipvs::{Backend, BackendEntry, Op, ServiceKey};

/// An operation, the operations that undo it, and the declaration it
/// carries out (a refusal points there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    pub undo: Vec<Op>,
    pub origin: Origin,
}

/// The operations of a plan, in the order to send them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Steps {
    /// With draining: the weight-0 edits of backends that go, sent first.
    pub drain: Vec<Step>,
    /// Everything else, in one batch.
    pub main: Vec<Step>,
    /// The backends `drain` quiesces, to wait for.
    pub draining: Vec<(ServiceKey, SocketAddr)>,
}

impl Steps {
    /// How many operations reach the kernel.
    pub fn len(&self) -> usize {
        self.drain.len() + self.main.len()
    }

    /// Whether nothing reaches the kernel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The operations that carry out `plan`. With `drain`, backends that are
/// removed (alone or with their service) first get weight 0.
pub fn steps(plan: &Plan, drain: bool) -> Steps {
    let mut steps = Steps::default();
    if let Some((old, new)) = plan.timeouts {
        let origin = plan.timeouts_origin;
        steps.main.push(Step { op: Op::SetTimeouts(new), undo: vec![Op::SetTimeouts(old)], origin });
    }
    let mut removals = Vec::new();
    for service in &plan.services {
        let (key, origin) = (service.key(), service.origin());
        let step = |op: Op, undo: Op| Step { op, undo: vec![undo], origin };
        match service {
            ServicePlan::Add { service, backends, .. } => {
                steps.main.push(step(Op::AddService(service.clone()), Op::DelService(key)));
                steps.main.extend(backends.iter().map(|b| {
                    step(BackendPlan::Add(*b).op(key), Op::DelBackend { service: key, addr: b.addr })
                }));
            }
            ServicePlan::Change { old, backends, .. } => {
                if let Some(edit) = service.op() {
                    steps.main.push(step(edit, Op::EditService(old.clone())));
                }
                for b in backends {
                    let undo = match b {
                        BackendPlan::Add(backend) => Op::DelBackend { service: key, addr: backend.addr },
                        BackendPlan::Change { old, .. } => {
                            Op::EditBackend { service: key, backend: old.backend }
                        }
                        BackendPlan::Remove(old) => {
                            let left = quiesce(&mut steps, drain, key, old, origin);
                            removals.push(step(b.op(key), Op::AddBackend { service: key, backend: left }));
                            continue;
                        }
                    };
                    steps.main.push(step(b.op(key), undo));
                }
            }
            ServicePlan::Remove { live } => {
                let left: Vec<Backend> =
                    live.backends.iter().map(|b| quiesce(&mut steps, drain, key, b, origin)).collect();
                // The kernel lists backends newest first: add them back oldest first.
                let mut undo = vec![Op::AddService(live.service().clone())];
                undo.extend(left.into_iter().rev().map(|backend| Op::AddBackend { service: key, backend }));
                removals.push(Step { op: Op::DelService(key), undo, origin });
            }
        }
    }
    steps.main.extend(removals);
    steps
}

/// With draining, gives a backend that goes weight 0 first; returns the
/// backend as it will be when it is removed.
fn quiesce(
    steps: &mut Steps,
    drain: bool,
    service: ServiceKey,
    entry: &BackendEntry,
    origin: Origin,
) -> Backend {
    let backend = entry.backend;
    if !drain || backend.weight == 0 {
        return backend;
    }
    let drained = backend.with_weight(0);
    steps.drain.push(Step {
        op: Op::EditBackend { service, backend: drained },
        undo: vec![Op::EditBackend { service, backend }],
        origin,
    });
    steps.draining.push((service, backend.addr));
    drained
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::diff::plan;
    use crate::converge::table::{DeclaredService, Desired, Live, LiveService};
    use crate::ipvs::{Forward, Service, ServiceEntry, Stats, Timeouts};

    fn key() -> ServiceKey {
        ServiceKey::tcp("111.111.0.1:80".parse().unwrap())
    }

    fn backend(addr: &str, weight: u32) -> Backend {
        Backend::new(addr.parse().unwrap(), Forward::Masq).with_weight(weight)
    }

    fn live(backends: &[Backend]) -> Live {
        let service = LiveService {
            entry: ServiceEntry { service: Service::new(key()), stats: Stats::default() },
            backends: backends.iter().map(|b| BackendEntry::idle(*b)).collect(),
        };
        Live { services: vec![service], timeouts: Timeouts::default() }
    }

    fn desired(backends: &[Backend]) -> Desired {
        let service = DeclaredService {
            service: Service::new(key()),
            name: None,
            backends: backends.to_vec(),
            origin: Origin::default(),
        };
        Desired { services: vec![service], ..Desired::default() }
    }

    #[test]
    fn one_changed_weight_is_one_operation() {
        let b = backend("10.10.0.2:8000", 1);
        let steps = steps(&plan(&desired(&[b.with_weight(3)]), &live(&[b]), false), false);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps.main[0].op, Op::EditBackend { service: key(), backend: b.with_weight(3) });
    }

    #[test]
    fn a_removal_comes_after_the_additions() {
        let (a, b) = (backend("10.10.0.2:8000", 1), backend("10.10.0.3:8000", 1));
        let steps = steps(&plan(&desired(&[b]), &live(&[a]), false), false);
        let ops: Vec<&Op> = steps.main.iter().map(|s| &s.op).collect();
        assert_eq!(
            ops,
            [
                &Op::AddBackend { service: key(), backend: b },
                &Op::DelBackend { service: key(), addr: a.addr }
            ]
        );
    }

    #[test]
    fn draining_quiesces_first_and_the_undo_restores_the_weight() {
        let a = backend("10.10.0.2:8000", 4);
        let steps = steps(&plan(&desired(&[]), &live(&[a]), false), true);
        assert_eq!(steps.draining, [(key(), a.addr)]);
        assert_eq!(steps.drain[0].undo, [Op::EditBackend { service: key(), backend: a }]);
        // The removal's undo adds back the drained backend; the drain's undo then restores weight 4.
        assert_eq!(steps.main[0].undo, [Op::AddBackend { service: key(), backend: a.with_weight(0) }]);
    }

    #[test]
    fn a_pruned_service_is_undone_with_its_backends_oldest_first() {
        let (a, b) = (backend("10.10.0.2:8000", 1), backend("10.10.0.3:8000", 1));
        let steps = steps(&plan(&Desired::default(), &live(&[b, a]), true), false);
        let [Step { op: Op::DelService(k), undo, .. }] = &steps.main[..] else { panic!("{steps:?}") };
        assert_eq!(*k, key());
        assert_eq!(
            undo[1..],
            [Op::AddBackend { service: key(), backend: a }, Op::AddBackend { service: key(), backend: b }]
        );
    }
}
