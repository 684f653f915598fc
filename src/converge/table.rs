//! The two tables a plan compares: the one the files declare and the one
//! the kernel holds.

use crate::ipvs::fasthash::FastMap;
use crate::ipvs::{
    Backend, BackendEntry, Kernel, KernelError, Op, Service, ServiceEntry, ServiceKey, Stats, Timeouts,
};
use crate::lang::ast::{HealthStmt, TimeoutsDecl};
use crate::lang::source::Span;

/// Where a declaration was written: which file (an index into the files
/// given) and where in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: usize,
    pub span: Span,
}

/// A service as the files declare it: exactly these settings and backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredService {
    pub service: Service,
    pub name: Option<String>,
    /// In the order written.
    pub backends: Vec<Backend>,
    pub origin: Origin,
}

/// What the files declare.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Desired {
    /// In the order written.
    pub services: Vec<DeclaredService>,
    /// The timeouts the files set; those they leave out are not managed.
    pub timeouts: Option<TimeoutsDecl>,
    /// Where the (last) `timeouts` statement is.
    pub timeouts_origin: Origin,
    /// The health checks declared (`lvsh keep` runs them), each with its service.
    pub health: Vec<(ServiceKey, HealthStmt, Origin)>,
}

impl Desired {
    /// The declared service with this key.
    pub fn service(&self, key: &ServiceKey) -> Option<&DeclaredService> {
        self.services.iter().find(|s| s.service.key == *key)
    }

    /// The table `live` is, as declarations: `apply --prune` of it gives it back.
    pub fn from_live(live: &Live) -> Desired {
        let services = live
            .services
            .iter()
            .map(|s| DeclaredService {
                service: s.service().clone(),
                name: None,
                // The kernel lists backends newest first: declared oldest first.
                backends: s.backends.iter().rev().map(|b| b.backend).collect(),
                origin: Origin::default(),
            })
            .collect();
        let t = live.timeouts;
        let timeouts = Some(TimeoutsDecl { tcp: Some(t.tcp), tcp_fin: Some(t.tcp_fin), udp: Some(t.udp) });
        Desired { services, timeouts, timeouts_origin: Origin::default(), health: Vec::new() }
    }

    /// The name the files give a service.
    pub fn name_of(&self, key: &ServiceKey) -> Option<&str> {
        self.service(key).and_then(|s| s.name.as_deref())
    }
}

/// A service in the kernel with its backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveService {
    pub entry: ServiceEntry,
    /// In the kernel's order (newest first).
    pub backends: Vec<BackendEntry>,
}

impl LiveService {
    /// The service's settings.
    pub fn service(&self) -> &Service {
        &self.entry.service
    }
}

/// What the kernel holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    /// In the kernel's dump order.
    pub services: Vec<LiveService>,
    pub timeouts: Timeouts,
}

impl Live {
    /// Reads every service with its backends, and the timeouts.
    /// (The backends' counters are not read: a plan compares settings.)
    pub fn read(kernel: &mut dyn Kernel) -> Result<Live, KernelError> {
        Ok(Live::of(kernel.table()?, kernel.timeouts()?))
    }

    /// The table [`Kernel::table`] gave (or a prefetch read), and the timeouts.
    pub fn of(table: Vec<(ServiceEntry, Vec<BackendEntry>)>, timeouts: Timeouts) -> Live {
        let services = table.into_iter().map(|(entry, backends)| LiveService { entry, backends }).collect();
        Live { services, timeouts }
    }

    /// The service with this key, if the kernel has it.
    pub fn service(&self, key: &ServiceKey) -> Option<&LiveService> {
        self.services.iter().find(|s| s.entry.service.key == *key)
    }
}

/// A table the kernel's operations are played on, one at a time, in
/// memory: what reading the kernel again would give (counters aside),
/// without a round trip per service. A run plays each batch as the kernel
/// answers it, while the next is being sent; the history counts what
/// changed from it ([`super::changes`]).
#[derive(Debug, Clone)]
pub struct Replay {
    by_key: FastMap<ServiceKey, LiveService>,
    timeouts: Timeouts,
}

impl Replay {
    /// Starts from `live`.
    pub fn of(live: &Live) -> Replay {
        Replay {
            by_key: live.services.iter().map(|s| (s.entry.service.key, s.clone())).collect(),
            timeouts: live.timeouts,
        }
    }

    /// Plays one operation the kernel took; `None` when it does not fit the
    /// table (it changed behind lvsh's back): read the kernel then.
    pub fn play(&mut self, op: &Op) -> Option<()> {
        let by_key = &mut self.by_key;
        match op {
            Op::AddService(service) => {
                let entry = ServiceEntry { service: service.clone(), stats: Stats::default() };
                if by_key.insert(service.key, LiveService { entry, backends: Vec::new() }).is_some() {
                    return None;
                }
            }
            Op::EditService(service) => by_key.get_mut(&service.key)?.entry.service = service.clone(),
            Op::DelService(key) => {
                by_key.remove(key)?;
            }
            Op::Flush => by_key.clear(),
            Op::AddBackend { service, backend } => {
                let s = by_key.get_mut(service)?;
                // The kernel lists the newest backend first.
                s.backends.insert(0, BackendEntry::idle(*backend));
            }
            Op::EditBackend { service, backend } => {
                let s = by_key.get_mut(service)?;
                s.backends.iter_mut().find(|b| b.backend.addr == backend.addr)?.backend = *backend;
            }
            Op::DelBackend { service, addr } => {
                let s = by_key.get_mut(service)?;
                let at = s.backends.iter().position(|b| b.backend.addr == *addr)?;
                s.backends.remove(at);
            }
            Op::SetTimeouts(t) => {
                // 0 leaves a timeout as it is.
                let set = |new: u32, old: u32| if new == 0 { old } else { new };
                let old = self.timeouts;
                self.timeouts = Timeouts {
                    tcp: set(t.tcp, old.tcp),
                    tcp_fin: set(t.tcp_fin, old.tcp_fin),
                    udp: set(t.udp, old.udp),
                };
            }
            Op::Zero(_) | Op::StartDaemon(_) | Op::StopDaemon(_) => {}
        }
        Some(())
    }

    /// The services as the operations played left them, in no order.
    pub fn services(&self) -> impl Iterator<Item = &LiveService> {
        self.by_key.values()
    }

    /// The timeouts as the operations played left them.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::Forward;

    fn service(addr: &str) -> Service {
        Service::new(ServiceKey::tcp(addr.parse().unwrap())).with_scheduler("rr")
    }

    fn backend(addr: &str, weight: u32) -> Backend {
        Backend::new(addr.parse().unwrap(), Forward::Masq).with_weight(weight)
    }

    /// `live` with `ops` played on it; `None` when one does not fit.
    fn replay(live: &Live, ops: &[Op]) -> Option<Live> {
        let mut replay = Replay::of(live);
        for op in ops {
            replay.play(op)?;
        }
        Some(Live { services: replay.services().cloned().collect(), timeouts: replay.timeouts() })
    }

    fn table(ops: &[Op]) -> Live {
        replay(&Live::default(), ops).expect("the operations fit")
    }

    #[test]
    fn a_replayed_table_is_what_the_operations_make() {
        let (web, api) = (service("10.0.0.1:80"), service("10.0.0.2:80"));
        let before = table(&[
            Op::AddService(web.clone()),
            Op::AddBackend { service: web.key, backend: backend("10.1.0.1:80", 1) },
            Op::AddService(api.clone()),
        ]);
        let after = replay(
            &before,
            &[
                Op::AddBackend { service: web.key, backend: backend("10.1.0.2:80", 1) },
                Op::EditBackend { service: web.key, backend: backend("10.1.0.1:80", 5) },
                Op::EditService(web.clone().with_scheduler("wlc")),
                Op::DelService(api.key),
                Op::SetTimeouts(Timeouts { tcp: 10, tcp_fin: 0, udp: 0 }),
            ],
        )
        .expect("the operations fit");
        assert_eq!(after.services.len(), 1);
        let s = &after.services[0];
        assert_eq!(s.service().scheduler.name(), "wlc");
        // The newest backend first, as the kernel lists them.
        let backends: Vec<(String, u32)> =
            s.backends.iter().map(|b| (b.backend.addr.to_string(), b.backend.weight)).collect();
        assert_eq!(backends, [("10.1.0.2:80".to_string(), 1), ("10.1.0.1:80".to_string(), 5)]);
        assert_eq!(after.timeouts.tcp, 10);
        assert_eq!(after.timeouts.udp, before.timeouts.udp);
    }

    #[test]
    fn a_service_deleted_and_added_again_is_there_once() {
        let web = service("10.0.0.1:80");
        let after =
            table(&[Op::AddService(web.clone()), Op::DelService(web.key), Op::AddService(web.clone())]);
        assert_eq!(after.services.len(), 1);
        assert_eq!(table(&[Op::AddService(web.clone()), Op::Flush]).services.len(), 0);
    }

    #[test]
    fn an_operation_that_does_not_fit_asks_for_a_read() {
        let web = service("10.0.0.1:80");
        assert_eq!(replay(&Live::default(), &[Op::DelService(web.key)]), None);
        assert_eq!(replay(&Live::default(), &[Op::AddService(web.clone()), Op::AddService(web)]), None);
        let orphan = Op::AddBackend {
            service: ServiceKey::tcp("10.9.9.9:80".parse().unwrap()),
            backend: backend("10.1.0.1:80", 1),
        };
        assert_eq!(replay(&Live::default(), &[orphan]), None);
    }
}
