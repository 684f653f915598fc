//! The difference between the declared table and the kernel's, as a plan:
//! each service and backend to add, remove or change, with the fields that
//! change.

use std::net::SocketAddr;

use super::table::{Desired, Live, LiveService, Origin};
use crate::ipvs::fasthash::{FastMap, FastSet};
use crate::ipvs::{Backend, BackendEntry, Forward, Netmask, Op, Service, ServiceKey, Timeouts, TunnelKind};
use crate::lang::ast::TimeoutsDecl;

/// One setting that changes: its name as `.lvs` writes it, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub old: String,
    pub new: String,
}

/// What happens to one backend of a service that stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendPlan {
    Add(Backend),
    Remove(BackendEntry),
    Change { old: BackendEntry, new: Backend, fields: Vec<Field> },
}

impl BackendPlan {
    /// The operation that carries it out, in service `key`.
    pub fn op(&self, service: ServiceKey) -> Op {
        match self {
            BackendPlan::Add(backend) => Op::AddBackend { service, backend: *backend },
            BackendPlan::Remove(old) => Op::DelBackend { service, addr: old.backend.addr },
            BackendPlan::Change { new, .. } => Op::EditBackend { service, backend: *new },
        }
    }

    /// The backend's address.
    pub fn addr(&self) -> SocketAddr {
        match self {
            BackendPlan::Add(b) => b.addr,
            BackendPlan::Remove(b) | BackendPlan::Change { old: b, .. } => b.backend.addr,
        }
    }
}

/// What happens to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServicePlan {
    /// Declared, not in the kernel.
    Add { name: Option<String>, service: Service, backends: Vec<Backend>, origin: Origin },
    /// In the kernel, not declared, and pruned.
    Remove { live: LiveService },
    /// In both, different: the service's fields (maybe none) and backends.
    Change {
        name: Option<String>,
        old: Service,
        new: Service,
        fields: Vec<Field>,
        backends: Vec<BackendPlan>,
        origin: Origin,
    },
}

impl ServicePlan {
    /// The operation on the service itself; none when only its backends change.
    pub fn op(&self) -> Option<Op> {
        match self {
            ServicePlan::Add { service, .. } => Some(Op::AddService(service.clone())),
            ServicePlan::Remove { live } => Some(Op::DelService(live.service().key)),
            ServicePlan::Change { new, fields, .. } => {
                (!fields.is_empty()).then(|| Op::EditService(new.clone()))
            }
        }
    }

    /// The service's key.
    pub fn key(&self) -> ServiceKey {
        match self {
            ServicePlan::Add { service, .. } => service.key,
            ServicePlan::Remove { live } => live.service().key,
            ServicePlan::Change { new, .. } => new.key,
        }
    }

    /// Where the files declare it (a pruned service: nowhere, the default).
    pub fn origin(&self) -> Origin {
        match self {
            ServicePlan::Add { origin, .. } | ServicePlan::Change { origin, .. } => *origin,
            ServicePlan::Remove { .. } => Origin::default(),
        }
    }

    /// The name the files give it.
    pub fn name(&self) -> Option<&str> {
        match self {
            ServicePlan::Add { name, .. } | ServicePlan::Change { name, .. } => name.as_deref(),
            ServicePlan::Remove { .. } => None,
        }
    }
}

/// Everything `apply` would change, and what it leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Declared services first, in the files' order; then pruned ones.
    pub services: Vec<ServicePlan>,
    /// Services in the kernel the files do not declare, left as they are
    /// (without `--prune`).
    pub unmanaged: Vec<ServiceKey>,
    /// The timeouts, when the files set one the kernel does not have.
    pub timeouts: Option<(Timeouts, Timeouts)>,
    /// Where the files set them.
    pub timeouts_origin: Origin,
}

impl Plan {
    /// How many services it adds, changes and removes.
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for s in &self.services {
            counts[match s {
                ServicePlan::Add { .. } => 0,
                ServicePlan::Change { .. } => 1,
                ServicePlan::Remove { .. } => 2,
            }] += 1;
        }
        counts
    }

    /// Whether the kernel already is as declared.
    pub fn in_sync(&self) -> bool {
        self.services.is_empty() && self.timeouts.is_none()
    }

    /// What it changes, counted.
    pub fn changes(&self) -> Changes {
        Changes { services: self.counts(), timeouts: self.timeouts.is_some() }
    }
}

/// What a plan or a run changes, counted: services added, changed and
/// removed, and whether the timeouts change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changes {
    pub services: [usize; 3],
    pub timeouts: bool,
}

impl Changes {
    /// Whether nothing changes.
    pub fn none(&self) -> bool {
        self.services == [0; 3] && !self.timeouts
    }
}

/// What changed from `before` to a table whose services are `after` (each
/// once, in any order) and whose timeouts are `timeouts`, counted as
/// [`plan`] of that table declared whole, with `prune`, against `before`
/// counts it, without building that plan (the history's line after a run:
/// the plan of thousands of services copied every one of them twice).
pub fn changes<'a>(
    before: &Live,
    after: impl IntoIterator<Item = &'a LiveService>,
    timeouts: Timeouts,
) -> Changes {
    let by_key: FastMap<ServiceKey, &LiveService> =
        before.services.iter().map(|s| (s.entry.service.key, s)).collect();
    let mut services = [0; 3];
    let mut kept = 0;
    for now in after {
        let Some(was) = by_key.get(&now.service().key) else {
            services[0] += 1;
            continue;
        };
        kept += 1;
        // Declared as `Desired::from_live` declares them: oldest first.
        let declared: Vec<Backend> = now.backends.iter().rev().map(|b| b.backend).collect();
        if !service_fields(was.service(), now.service()).is_empty()
            || !backend_plans(&was.backends, &declared).is_empty()
        {
            services[1] += 1;
        }
    }
    services[2] = before.services.len().saturating_sub(kept);
    let declared =
        TimeoutsDecl { tcp: Some(timeouts.tcp), tcp_fin: Some(timeouts.tcp_fin), udp: Some(timeouts.udp) };
    Changes { services, timeouts: timeouts_change(Some(declared), before.timeouts).is_some() }
}

/// Compares what the files declare with what the kernel holds. With
/// `prune`, services the files do not declare are removed.
pub fn plan(desired: &Desired, live: &Live, prune: bool) -> Plan {
    let by_key: FastMap<ServiceKey, &LiveService> =
        live.services.iter().map(|s| (s.entry.service.key, s)).collect();
    let mut services = Vec::new();
    for declared in &desired.services {
        let name = declared.name.clone();
        let Some(current) = by_key.get(&declared.service.key) else {
            services.push(ServicePlan::Add {
                name,
                service: declared.service.clone(),
                backends: declared.backends.clone(),
                origin: declared.origin,
            });
            continue;
        };
        let fields = service_fields(current.service(), &declared.service);
        let backends = backend_plans(&current.backends, &declared.backends);
        if !fields.is_empty() || !backends.is_empty() {
            services.push(ServicePlan::Change {
                name,
                old: current.service().clone(),
                new: declared.service.clone(),
                fields,
                backends,
                origin: declared.origin,
            });
        }
    }
    let declared: FastSet<ServiceKey> = desired.services.iter().map(|s| s.service.key).collect();
    let others = live.services.iter().filter(|s| !declared.contains(&s.service().key));
    let mut unmanaged = Vec::new();
    for other in others {
        match prune {
            true => services.push(ServicePlan::Remove { live: other.clone() }),
            false => unmanaged.push(other.service().key),
        }
    }
    let timeouts = timeouts_change(desired.timeouts, live.timeouts);
    Plan { services, unmanaged, timeouts, timeouts_origin: desired.timeouts_origin }
}

/// The timeouts before and after, when those declared differ from the
/// kernel's (a timeout not declared, or 0, keeps the kernel's).
fn timeouts_change(declared: Option<TimeoutsDecl>, live: Timeouts) -> Option<(Timeouts, Timeouts)> {
    let t = declared?;
    let new = Timeouts {
        tcp: t.tcp.filter(|&s| s > 0).unwrap_or(live.tcp),
        tcp_fin: t.tcp_fin.filter(|&s| s > 0).unwrap_or(live.tcp_fin),
        udp: t.udp.filter(|&s| s > 0).unwrap_or(live.udp),
    };
    (new != live).then_some((live, new))
}

/// The backends to add, change and remove, in the declared order, then
/// the removed ones in the kernel's.
fn backend_plans(current: &[BackendEntry], declared: &[Backend]) -> Vec<BackendPlan> {
    // A service's few backends are searched in place; many, through a map.
    const FEW: usize = 16;
    let by_addr: FastMap<SocketAddr, &BackendEntry> = match current.len() > FEW {
        true => current.iter().map(|b| (b.backend.addr, b)).collect(),
        false => FastMap::default(),
    };
    let find = |addr: &SocketAddr| match current.len() > FEW {
        true => by_addr.get(addr).copied(),
        false => current.iter().find(|b| b.backend.addr == *addr),
    };
    let mut plans = Vec::new();
    for want in declared {
        match find(&want.addr) {
            None => plans.push(BackendPlan::Add(*want)),
            Some(have) if have.backend == *want => {}
            Some(have) => plans.push(BackendPlan::Change {
                old: (*have).clone(),
                new: *want,
                fields: backend_fields(&have.backend, want),
            }),
        }
    }
    let wanted: FastSet<SocketAddr> = match declared.len() > FEW {
        true => declared.iter().map(|b| b.addr).collect(),
        false => FastSet::default(),
    };
    let is_wanted = |addr: &SocketAddr| match declared.len() > FEW {
        true => wanted.contains(addr),
        false => declared.iter().any(|b| b.addr == *addr),
    };
    plans.extend(current.iter().filter(|b| !is_wanted(&b.backend.addr)).cloned().map(BackendPlan::Remove));
    plans
}

/// The service settings that differ, in the order `.lvs` writes them.
pub fn service_fields(old: &Service, new: &Service) -> Vec<Field> {
    let mut fields = Vec::new();
    // Equal settings print equal: nothing to format (most of a big plan).
    if old == new {
        return fields;
    }
    let mut field = |name, old: String, new: String| {
        if old != new {
            fields.push(Field { name, old, new })
        }
    };
    field("scheduler", old.scheduler.to_string(), new.scheduler.to_string());
    field("persistent", persistence(old), persistence(new));
    field("netmask", netmask(&old.netmask), netmask(&new.netmask));
    field("one-packet", yes_no(old.one_packet), yes_no(new.one_packet));
    field("flags", flags(old), flags(new));
    field(
        "pe",
        old.pe.clone().unwrap_or_else(|| "none".into()),
        new.pe.clone().unwrap_or_else(|| "none".into()),
    );
    fields
}

/// The backend settings that differ, in the order `.lvs` writes them.
pub fn backend_fields(old: &Backend, new: &Backend) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut field = |name, old: String, new: String| {
        if old != new {
            fields.push(Field { name, old, new })
        }
    };
    field("method", method(&old.forward), method(&new.forward));
    field("weight", old.weight.to_string(), new.weight.to_string());
    field("upper", old.upper.to_string(), new.upper.to_string());
    field("lower", old.lower.to_string(), new.lower.to_string());
    fields
}

/// A forwarding method as `.lvs` writes it, with a tunnel's kind.
pub fn method(forward: &Forward) -> String {
    match forward {
        Forward::Tunnel(t) => {
            let kind = match t.kind {
                TunnelKind::Ipip => "ipip".to_string(),
                TunnelKind::Gre => "gre".to_string(),
                TunnelKind::Gue { port } => format!("gue port {port}"),
            };
            let csum = match t.csum {
                crate::ipvs::TunnelCsum::NoCsum => "",
                crate::ipvs::TunnelCsum::Csum => " csum",
                crate::ipvs::TunnelCsum::RemCsum => " remcsum",
            };
            format!("tunnel {kind}{csum}")
        }
        other => other.to_string(),
    }
}

fn persistence(s: &Service) -> String {
    s.persistence.map_or_else(|| "no".to_string(), |p| format!("{}s", p.timeout))
}

fn netmask(mask: &Netmask) -> String {
    match mask {
        Netmask::V4(m) => m.to_string(),
        Netmask::V6(prefix) => format!("prefix {prefix}"),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn flags(s: &Service) -> String {
    let names = s.sched_flags.names(&s.scheduler);
    match names.is_empty() {
        true => "none".to_string(),
        false => names.join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::table::DeclaredService;
    use crate::ipvs::{ServiceEntry, Stats};

    fn key() -> ServiceKey {
        ServiceKey::tcp("111.111.0.1:80".parse().unwrap())
    }

    fn backend(addr: &str) -> Backend {
        Backend::new(addr.parse().unwrap(), Forward::Masq)
    }

    fn live(service: Service, backends: &[Backend]) -> LiveService {
        LiveService {
            entry: ServiceEntry { service, stats: Stats::default() },
            backends: backends.iter().map(|b| BackendEntry::idle(*b)).collect(),
        }
    }

    fn declared(service: Service, backends: &[Backend]) -> DeclaredService {
        DeclaredService {
            service,
            name: Some("web".into()),
            backends: backends.to_vec(),
            origin: Origin::default(),
        }
    }

    fn tutorial() -> (Service, Vec<Backend>) {
        (Service::new(key()).with_scheduler("rr"), vec![backend("10.10.0.2:8000"), backend("10.10.0.3:8000")])
    }

    fn desired_tutorial() -> Desired {
        let (s, b) = tutorial();
        Desired { services: vec![declared(s, &b)], ..Desired::default() }
    }

    #[test]
    fn a_runs_changes_count_as_the_plan_of_the_table_after_it_against_the_one_before() {
        let other =
            |port: u16| Service::new(ServiceKey::tcp(std::net::SocketAddr::from(([10, 0, 0, 1], port))));
        let (web, backends) = tutorial();
        let table = |services: Vec<LiveService>, tcp: u32| Live {
            services,
            timeouts: Timeouts { tcp, tcp_fin: 120, udp: 300 },
        };
        let before =
            table(vec![live(web.clone(), &backends), live(other(1).with_scheduler("wlc"), &[])], 900);
        let mut reweighted = backends.clone();
        reweighted[0].weight = 5;
        let afters = [
            // Nothing changed; the backends listed in another order.
            table(
                vec![
                    live(other(1).with_scheduler("wlc"), &[]),
                    live(web.clone(), &[backends[1], backends[0]]),
                ],
                900,
            ),
            // One added, one removed, one backend's weight changed.
            table(vec![live(web.clone(), &reweighted), live(other(2), &[backend("10.9.0.1:80")])], 900),
            // A scheduler changed, a backend removed, the timeouts changed.
            table(
                vec![
                    live(web.clone().with_scheduler("wrr"), &backends[..1]),
                    live(other(1).with_scheduler("wlc"), &[]),
                ],
                60,
            ),
            // A timeout of 0 keeps the one before; everything removed.
            table(Vec::new(), 0),
        ];
        let want = [[0, 0, 0], [1, 1, 1], [0, 1, 0], [0, 0, 2]];
        for (after, want) in afters.iter().zip(want) {
            let planned = plan(&Desired::from_live(after), &before, true).changes();
            let counted = changes(&before, &after.services, after.timeouts);
            assert_eq!(counted, planned, "{after:?}");
            assert_eq!(counted.services, want, "{after:?}");
        }
        assert!(changes(&before, &afters[0].services, afters[0].timeouts).none());
        assert!(changes(&before, &afters[2].services, afters[2].timeouts).timeouts);
    }

    #[test]
    fn a_few_backends_and_many_plan_alike() {
        for n in [2, 16, 17, 40] {
            let current: Vec<Backend> = (0..n).map(|i| backend(&format!("10.0.0.{}:80", i + 1))).collect();
            // The first reweighted, the last gone, one new.
            let mut wanted = current[..n - 1].to_vec();
            wanted[0] = wanted[0].with_weight(5);
            wanted.push(backend("10.0.1.1:80"));
            let live = live(Service::new(key()), &current);
            let plans = backend_plans(&live.backends, &wanted);
            let kinds: Vec<String> = plans
                .iter()
                .map(|p| match p {
                    BackendPlan::Add(b) => format!("+{}", b.addr),
                    BackendPlan::Change { new, .. } => format!("~{}", new.addr),
                    BackendPlan::Remove(b) => format!("-{}", b.backend.addr),
                })
                .collect();
            assert_eq!(
                kinds,
                ["~10.0.0.1:80".to_string(), "+10.0.1.1:80".into(), format!("-10.0.0.{n}:80")],
                "{n}"
            );
        }
    }

    #[test]
    fn a_table_as_declared_is_in_sync() {
        let (s, b) = tutorial();
        let live = Live { services: vec![live(s, &b)], timeouts: Timeouts::default() };
        assert!(plan(&desired_tutorial(), &live, true).in_sync());
    }

    #[test]
    fn a_changed_weight_and_a_deleted_backend_are_each_one_change() {
        let (s, b) = tutorial();
        let live = Live { services: vec![live(s, &[b[1].with_weight(3)])], timeouts: Timeouts::default() };
        let plan = plan(&desired_tutorial(), &live, false);
        let [ServicePlan::Change { fields, backends, .. }] = &plan.services[..] else { panic!("{plan:?}") };
        assert!(fields.is_empty());
        assert_eq!(backends.len(), 2);
        assert_eq!(backends[0], BackendPlan::Add(b[0]));
        let BackendPlan::Change { fields, .. } = &backends[1] else { panic!("{backends:?}") };
        assert_eq!(fields, &[Field { name: "weight", old: "3".into(), new: "1".into() }]);
    }

    #[test]
    fn a_service_the_files_do_not_declare_is_unmanaged_or_pruned() {
        let (s, b) = tutorial();
        let other = Service::new(ServiceKey::udp("111.111.0.1:53".parse().unwrap()));
        let live =
            Live { services: vec![live(s, &b), live(other.clone(), &[])], timeouts: Timeouts::default() };
        let kept = plan(&desired_tutorial(), &live, false);
        assert!(kept.in_sync());
        assert_eq!(kept.unmanaged, vec![other.key]);
        let pruned = plan(&desired_tutorial(), &live, true);
        assert_eq!(pruned.services.len(), 1);
        assert_eq!(pruned.services[0].key(), other.key);
    }

    #[test]
    fn a_flushed_table_adds_every_declared_service() {
        let plan = plan(&desired_tutorial(), &Live::default(), true);
        let [ServicePlan::Add { backends, .. }] = &plan.services[..] else { panic!("{plan:?}") };
        assert_eq!(backends.len(), 2);
    }

    #[test]
    fn a_scheduler_and_persistence_change_name_both_fields() {
        let (s, b) = tutorial();
        let mut old = s.clone().with_scheduler("wlc");
        old.persistence = Some(crate::ipvs::Persistence { timeout: 300 });
        let live = Live { services: vec![live(old, &b)], timeouts: Timeouts::default() };
        let plan = plan(&desired_tutorial(), &live, false);
        let [ServicePlan::Change { fields, backends, .. }] = &plan.services[..] else { panic!("{plan:?}") };
        let names: Vec<_> = fields.iter().map(|f| (f.name, f.old.as_str(), f.new.as_str())).collect();
        assert_eq!(names, [("scheduler", "wlc", "rr"), ("persistent", "300s", "no")]);
        assert!(backends.is_empty());
    }

    #[test]
    fn only_the_timeouts_the_files_set_are_compared() {
        let live = Live { services: vec![], timeouts: Timeouts { tcp: 900, tcp_fin: 120, udp: 300 } };
        let same = Desired {
            timeouts: Some(TimeoutsDecl { tcp: Some(900), tcp_fin: None, udp: None }),
            ..Desired::default()
        };
        assert!(plan(&same, &live, false).in_sync());
        let other =
            Desired { timeouts: Some(TimeoutsDecl { tcp: None, tcp_fin: None, udp: Some(60) }), ..same };
        let (old, new) = plan(&other, &live, false).timeouts.unwrap();
        assert_eq!((old.udp, new.udp, new.tcp), (300, 60, 900));
    }
}
