//! What changed in a table between two reads of it, whoever changed it:
//! IPVS sends no netlink notifications, so `watch --json` and the keeper
//! read the table again and compare. Each change names its service (and
//! backend), with its settings before and after as lvsh declares them.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::converge::declare::{backend_decl, service_decl};
use crate::converge::{Live, LiveService};
use crate::ipvs::{Backend, ServiceKey};
use crate::lang::ast::StmtKind;
use crate::lang::print::print_stmt;

/// One change between two reads of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableChange {
    ServiceAdded { service: ServiceKey, to: String },
    ServiceRemoved { service: ServiceKey, from: String },
    ServiceChanged { service: ServiceKey, from: String, to: String },
    BackendAdded { service: ServiceKey, backend: SocketAddr, to: String },
    BackendRemoved { service: ServiceKey, backend: SocketAddr, from: String },
    BackendChanged { service: ServiceKey, backend: SocketAddr, from: String, to: String },
}

impl TableChange {
    /// The event's name: `service-added`, `backend-changed`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            TableChange::ServiceAdded { .. } => "service-added",
            TableChange::ServiceRemoved { .. } => "service-removed",
            TableChange::ServiceChanged { .. } => "service-changed",
            TableChange::BackendAdded { .. } => "backend-added",
            TableChange::BackendRemoved { .. } => "backend-removed",
            TableChange::BackendChanged { .. } => "backend-changed",
        }
    }
}

/// The changes from `before` to `after`: services in `after`'s order, then
/// those removed; within a service, its settings first, then its backends.
pub fn changes(before: &Live, after: &Live) -> Vec<TableChange> {
    let old: HashMap<ServiceKey, &LiveService> =
        before.services.iter().map(|s| (s.entry.service.key, s)).collect();
    let mut out = Vec::new();
    for now in &after.services {
        let service = now.entry.service.key;
        let Some(was) = old.get(&service) else {
            out.push(TableChange::ServiceAdded { service, to: service_text(now) });
            for b in &now.backends {
                out.push(TableChange::BackendAdded {
                    service,
                    backend: b.backend.addr,
                    to: backend_text(&b.backend),
                });
            }
            continue;
        };
        let (from, to) = (service_text(was), service_text(now));
        if from != to {
            out.push(TableChange::ServiceChanged { service, from, to });
        }
        let was_backends: HashMap<SocketAddr, &Backend> =
            was.backends.iter().map(|b| (b.backend.addr, &b.backend)).collect();
        for b in &now.backends {
            let to = backend_text(&b.backend);
            match was_backends.get(&b.backend.addr) {
                None => out.push(TableChange::BackendAdded { service, backend: b.backend.addr, to }),
                Some(w) if backend_text(w) != to => out.push(TableChange::BackendChanged {
                    service,
                    backend: b.backend.addr,
                    from: backend_text(w),
                    to,
                }),
                Some(_) => {}
            }
        }
        for b in
            was.backends.iter().filter(|b| !now.backends.iter().any(|n| n.backend.addr == b.backend.addr))
        {
            out.push(TableChange::BackendRemoved {
                service,
                backend: b.backend.addr,
                from: backend_text(&b.backend),
            });
        }
    }
    for was in before
        .services
        .iter()
        .filter(|s| !after.services.iter().any(|n| n.entry.service.key == s.entry.service.key))
    {
        out.push(TableChange::ServiceRemoved { service: was.entry.service.key, from: service_text(was) });
    }
    out
}

/// `service tcp 10.1.0.1:80 wrr persistent 300`.
fn service_text(s: &LiveService) -> String {
    print_stmt(&StmtKind::Service(service_decl(&s.entry.service, None, &[])))
}

/// `masq weight 3`: the backend's settings, its address said apart.
fn backend_text(b: &Backend) -> String {
    let decl = backend_decl(b);
    let line = print_stmt(&StmtKind::Backend(decl));
    let addr = b.addr.to_string();
    line.split_once(addr.as_str()).map_or(line.clone(), |(_, rest)| rest.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{BackendEntry, Forward, Service, ServiceEntry, Stats, Timeouts};

    /// A service's address, scheduler, and backends with their weights.
    type Row<'a> = (&'a str, &'a str, &'a [(&'a str, u32)]);

    fn live(services: &[Row<'_>]) -> Live {
        let services = services
            .iter()
            .map(|(addr, sched, backends)| {
                let key = ServiceKey::tcp(addr.parse().unwrap());
                let service = Service::new(key).with_scheduler(sched);
                let backends = backends
                    .iter()
                    .map(|(a, w)| {
                        let mut b = Backend::new(a.parse().unwrap(), Forward::Masq);
                        b.weight = *w;
                        BackendEntry::idle(b)
                    })
                    .collect();
                LiveService { entry: ServiceEntry { service, stats: Stats::default() }, backends }
            })
            .collect();
        Live { services, timeouts: Timeouts::default() }
    }

    #[test]
    fn every_kind_of_change_is_named_with_before_and_after() {
        let before = live(&[
            ("10.1.0.1:80", "rr", &[("10.2.0.2:8000", 3), ("10.2.0.3:8000", 2)]),
            ("10.1.0.9:80", "rr", &[]),
        ]);
        let after = live(&[
            ("10.1.0.1:80", "wrr", &[("10.2.0.3:8000", 9), ("10.2.0.4:8000", 1)]),
            ("10.1.0.5:80", "rr", &[("10.2.0.5:8000", 1)]),
        ]);
        let web = ServiceKey::tcp("10.1.0.1:80".parse().unwrap());
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let found = changes(&before, &after);
        assert_eq!(
            found[..4],
            [
                TableChange::ServiceChanged {
                    service: web,
                    from: "service tcp 10.1.0.1:80 rr".into(),
                    to: "service tcp 10.1.0.1:80 wrr".into()
                },
                TableChange::BackendChanged {
                    service: web,
                    backend: a("10.2.0.3:8000"),
                    from: "masq weight 2".into(),
                    to: "masq weight 9".into()
                },
                TableChange::BackendAdded { service: web, backend: a("10.2.0.4:8000"), to: "masq".into() },
                TableChange::BackendRemoved {
                    service: web,
                    backend: a("10.2.0.2:8000"),
                    from: "masq weight 3".into()
                },
            ]
        );
        let kinds: Vec<&str> = found[4..].iter().map(TableChange::kind).collect();
        assert_eq!(kinds, ["service-added", "backend-added", "service-removed"]);
        assert_eq!(changes(&after, &after), []);
    }
}
