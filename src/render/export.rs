//! `lvsh export`: the kernel's table as a `.lvs` file of declarations that
//! `lvsh apply` turns back into the same table: every service with every
//! setting, its backends in a block, and the timeouts.

use crate::converge::Live;
use crate::ipvs::{Backend, Forward, SchedFlags, Scheduler, Service, ServiceKey};
use crate::lang::ast::{BackendDecl, ServiceDecl, StmtKind, SvcOption, TimeoutsDecl};
use crate::lang::print::print_stmt;
use crate::lang::source::{Span, Spanned};

/// The table as declarations. `name_of` gives the services names (those
/// without one are declared by key).
pub fn export(live: &Live, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> String {
    let t = live.timeouts;
    let timeouts = TimeoutsDecl { tcp: Some(t.tcp), tcp_fin: Some(t.tcp_fin), udp: Some(t.udp) };
    let mut out = print_stmt(&StmtKind::Timeouts(timeouts)) + "\n";
    if live.services.is_empty() {
        out += "# no services\n";
    }
    for service in &live.services {
        // The kernel lists backends newest first: declared oldest first,
        // `apply` adds them in the same order again.
        let backends: Vec<&Backend> = service.backends.iter().rev().map(|b| &b.backend).collect();
        let (declarable, other): (Vec<&Backend>, Vec<&Backend>) =
            backends.into_iter().partition(|b| !matches!(b.forward, Forward::Bypass | Forward::Unknown(_)));
        let decl = service_decl(service.service(), name_of(&service.service().key), &declarable);
        out += &print_stmt(&StmtKind::Service(decl));
        out += "\n";
        for b in other {
            out += &format!(
                "# backend {} of {} forwards by {}, which .lvs cannot declare: not exported\n",
                b.addr,
                service.service().key,
                b.forward
            );
        }
    }
    out
}

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

/// A declaration of `service` with every setting that is not ipvsadm's default.
pub fn service_decl(service: &Service, name: Option<String>, backends: &[&Backend]) -> ServiceDecl {
    let mut options = Vec::new();
    if let Some(p) = service.persistence {
        options.push(SvcOption::Persistent(Some(p.timeout)));
    }
    if !service.netmask.is_full() {
        options.push(SvcOption::Netmask(service.netmask));
    }
    if service.one_packet {
        options.push(SvcOption::OnePacket);
    }
    if !service.sched_flags.is_empty() {
        options
            .push(SvcOption::Flags(service.sched_flags, flag_names(service.sched_flags, &service.scheduler)));
    }
    if let Some(pe) = &service.pe {
        options.push(SvcOption::Pe(pe.clone()));
    }
    ServiceDecl {
        name: name.map(spanned),
        key: spanned(service.key),
        scheduler: Some(spanned(service.scheduler.to_string())),
        options: options.into_iter().map(spanned).collect(),
        // A service without backends needs no block: `apply` gives it none.
        backends: (!backends.is_empty()).then(|| backends.iter().map(|b| spanned(backend_decl(b))).collect()),
    }
}

/// A block backend declaring `b`: its method always, the rest when not the default.
pub fn backend_decl(b: &Backend) -> BackendDecl {
    BackendDecl {
        service: None,
        addr: spanned(b.addr),
        forward: Some(spanned(b.forward)),
        weight: (b.weight != 1).then(|| spanned(b.weight)),
        upper: (b.upper != 0).then(|| spanned(b.upper)),
        lower: (b.lower != 0).then(|| spanned(b.lower)),
    }
}

/// Each set flag by the name `.lvs` reads: sh's and mh's own names, else `flag-N`.
fn flag_names(flags: SchedFlags, scheduler: &Scheduler) -> Vec<String> {
    let own = |n: usize| match (scheduler.name(), n) {
        ("sh", 1) => "sh-fallback".to_string(),
        ("sh", 2) => "sh-port".to_string(),
        ("mh", 1) => "mh-fallback".to_string(),
        ("mh", 2) => "mh-port".to_string(),
        (_, n) => format!("flag-{n}"),
    };
    [(flags.flag1, 1), (flags.flag2, 2), (flags.flag3, 3)]
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| own(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::LiveService;
    use crate::ipvs::{BackendEntry, Family, Netmask, Persistence, ServiceEntry, Stats, Timeouts, Tunnel};
    use crate::lang::source::Source;

    fn live(services: Vec<(Service, Vec<Backend>)>) -> Live {
        Live {
            services: services
                .into_iter()
                .map(|(service, backends)| LiveService {
                    entry: ServiceEntry { service, stats: Stats::default() },
                    backends: backends.into_iter().map(BackendEntry::idle).collect(),
                })
                .collect(),
            timeouts: Timeouts { tcp: 900, tcp_fin: 120, udp: 300 },
        }
    }

    #[test]
    fn the_tutorial_service_exports_as_its_declaration() {
        let key = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let b = |a: &str| Backend::new(a.parse().unwrap(), Forward::Masq);
        let table = live(vec![(
            Service::new(key).with_scheduler("rr"),
            vec![b("10.10.0.3:8000").with_weight(3), b("10.10.0.2:8000")],
        )]);
        let names = |k: &ServiceKey| (*k == key).then(|| "web".to_string());
        assert_eq!(
            export(&table, &names),
            "timeouts tcp 900 tcpfin 120 udp 300
service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8000 masq
    backend 10.10.0.3:8000 masq weight 3
}
"
        );
    }

    #[test]
    fn every_setting_survives_export_and_parse() {
        let mut sh = Service::new(ServiceKey::udp("[2001:db8::1]:53".parse().unwrap())).with_scheduler("sh");
        sh.persistence = Some(Persistence { timeout: 120 });
        sh.netmask = Netmask::V6(64);
        sh.one_packet = true;
        sh.sched_flags = SchedFlags { flag1: true, flag2: true, flag3: true };
        sh.pe = Some("sip".into());
        let fw = Service::new(ServiceKey::Fwmark { mark: 9, family: Family::V4 });
        let tunnel = Forward::Tunnel(Tunnel {
            kind: crate::ipvs::TunnelKind::Gue { port: 6080 },
            csum: crate::ipvs::TunnelCsum::RemCsum,
        });
        let backend = Backend {
            addr: "[2001:db8::2]:53".parse().unwrap(),
            forward: tunnel,
            weight: 0,
            upper: 50,
            lower: 10,
        };
        let table = live(vec![(sh.clone(), vec![backend]), (fw.clone(), vec![])]);
        let text = export(&table, &|_| None);
        let (script, diagnostics) = crate::lang::parse(&Source::new("export.lvs", text.clone()), |_| false);
        assert!(diagnostics.is_empty(), "{text}\n{diagnostics:?}");
        let stmts: Vec<&StmtKind> = script.stmts.iter().map(|s| &s.kind).collect();
        let StmtKind::Service(first) = stmts[1] else { panic!("{text}") };
        assert_eq!(crate::converge::desired::declared_service(first), sh);
        let declared = crate::converge::desired::declared_backend(&first.backends.as_ref().unwrap()[0].value);
        assert_eq!(declared, backend);
        let StmtKind::Service(second) = stmts[2] else { panic!("{text}") };
        assert_eq!(crate::converge::desired::declared_service(second), fw);
    }
}
