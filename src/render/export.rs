//! `lvsh export`: the kernel's table as a `.lvs` file of declarations that
//! `lvsh apply` turns back into the same table: every service with every
//! setting, its backends in a block, and the timeouts.

use crate::converge::declare::service_decl;
use crate::converge::Live;
use crate::ipvs::{Backend, Forward, ServiceKey};
use crate::lang::ast::{StmtKind, TimeoutsDecl};
use crate::lang::print::print_stmt;

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

/// The sync daemons that run, as comments: `plan` and `apply` do not
/// manage daemons, so each is the `daemon start` line that starts it again
/// in a `lvsh run` script.
pub fn daemons(daemons: &[crate::ipvs::Daemon]) -> String {
    daemons
        .iter()
        .map(|d| {
            let line = print_stmt(&StmtKind::DaemonStart(crate::lang::ast::DaemonDecl { daemon: d.clone() }));
            format!("# a sync daemon runs (not managed by apply; `lvsh run` this line to start it): {line}\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::LiveService;
    use crate::ipvs::{
        BackendEntry, Family, Netmask, Persistence, SchedFlags, Service, ServiceEntry, Stats, Timeouts,
        Tunnel,
    };
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
    fn a_running_daemon_is_a_comment_holding_its_start_line() {
        let d = crate::ipvs::Daemon::new(crate::ipvs::DaemonState::Master, "eth1", 7);
        let text = daemons(&[d]);
        assert!(text.starts_with("# a sync daemon runs"), "{text}");
        assert!(text.contains(": daemon start master interface eth1 syncid 7"), "{text}");
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
