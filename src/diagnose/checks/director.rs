//! Checks of the director: IPVS itself, forwarding, routes to the
//! backends, services without usable backends, the `net.ipv4.vs.*`
//! settings that keep traffic on drained or deleted backends, and the sync
//! daemons' interfaces.

use std::net::SocketAddr;

use crate::diagnose::{Facts, Finding, Place, ServiceFacts, Severity};
use crate::ipvs::Forward;

pub const NO_IPVS: &str = "doctor::no-ipvs";
pub const NO_FORWARDING: &str = "doctor::no-forwarding";
pub const NO_ROUTE_TO_BACKEND: &str = "doctor::no-route-to-backend";
pub const NO_BACKENDS: &str = "doctor::no-backends";
pub const QUIESCENT_TEMPLATE: &str = "doctor::quiescent-template";
pub const NODEST_CONN: &str = "doctor::nodest-conn";
pub const CONN_REUSE: &str = "doctor::conn-reuse";
pub const SYNC_INTERFACE: &str = "doctor::sync-interface";

/// The director's place, with an interface or a service when they apply.
fn at_director(facts: &Facts) -> Place {
    Place { node: facts.director.clone(), ..Place::default() }
}

/// IPVS does not answer: nothing is balanced at all.
pub fn ipvs_loaded(facts: &Facts) -> Vec<Finding> {
    if facts.ipvs {
        return Vec::new();
    }
    vec![Finding {
        severity: Severity::Error,
        code: NO_IPVS,
        what: format!("IPVS is not loaded on {}", facts.director_name()),
        place: at_director(facts),
        why: "without the ip_vs module the kernel has no virtual services, so connections to a VIP are not balanced"
            .to_string(),
        fix: Some("modprobe ip_vs".to_string()),
    }]
}

/// Masq backends reply through the director, which must forward the replies.
pub fn forwarding(facts: &Facts) -> Vec<Finding> {
    if facts.ip_forward != Some(false) {
        return Vec::new();
    }
    let Some(svc) = facts.services.iter().find(|s| s.backends.iter().any(|b| b.forward == Forward::Masq))
    else {
        return Vec::new();
    };
    vec![Finding {
        severity: Severity::Error,
        code: NO_FORWARDING,
        what: format!("{} does not forward IPv4 (net.ipv4.ip_forward is 0)", facts.director_name()),
        place: Place { service: Some(svc.label.clone()), ..at_director(facts) },
        why: "the replies of masq backends pass through the director, which drops them instead of rewriting them back to the VIP".to_string(),
        fix: Some(facts.on_director("sysctl -w net.ipv4.ip_forward=1")),
    }]
}

/// A backend the director cannot route to gets no packets.
pub fn routes_to_backends(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for svc in &facts.services {
        for b in &svc.backends {
            let unrouted =
                facts.director_routes.iter().any(|(ip, route)| *ip == b.addr.ip() && route.is_none());
            if !unrouted || b.forward == Forward::Local {
                continue;
            }
            found.push(Finding {
                severity: Severity::Error,
                code: NO_ROUTE_TO_BACKEND,
                what: format!("{} has no route to {}", facts.director_name(), facts.names.ip(b.addr.ip())),
                place: Place {
                    service: Some(svc.label.clone()),
                    backend: Some(facts.names.addr(b.addr)),
                    ..at_director(facts)
                },
                why: "connections the scheduler gives this backend cannot be sent to it and are lost"
                    .to_string(),
                fix: None,
            });
        }
    }
    found
}

/// A service with no backend of weight above 0 refuses every new connection.
pub fn backends_in_service(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for svc in &facts.services {
        if svc.backends.iter().any(|b| b.weight > 0) {
            continue;
        }
        let place = Place { service: Some(svc.label.clone()), ..at_director(facts) };
        let (what, fix) = match svc.backends.first() {
            None => (format!("service {} has no backends", svc.label), None),
            Some(b) => (
                format!("every backend of service {} has weight 0", svc.label),
                Some(format!("set backend {} {} weight 1", svc.label, b.addr)),
            ),
        };
        found.push(Finding {
            severity: Severity::Error,
            code: NO_BACKENDS,
            what,
            place,
            why: "the scheduler has no backend to choose, so new connections to the VIP are refused"
                .to_string(),
            fix,
        });
    }
    found
}

/// A warning about a weight-0 backend that a `net.ipv4.vs.*` setting of 0
/// keeps in use: `what` is said of it, `sysctl` is the setting's name.
struct Drained {
    code: &'static str,
    what: &'static str,
    sysctl: &'static str,
    why: &'static str,
}

impl Drained {
    /// The finding for each weight-0 backend of each service `applies` to.
    fn findings(&self, facts: &Facts, applies: impl Fn(&ServiceFacts, SocketAddr) -> bool) -> Vec<Finding> {
        let mut found = Vec::new();
        for svc in &facts.services {
            for addr in svc.backends.iter().filter(|b| b.weight == 0).map(|b| b.addr) {
                if !applies(svc, addr) {
                    continue;
                }
                let backend = facts.names.addr(addr);
                found.push(Finding {
                    severity: Severity::Warning,
                    code: self.code,
                    what: format!(
                        "drained backend {backend} of service {} {}: net.ipv4.vs.{} is 0",
                        svc.label, self.what, self.sysctl
                    ),
                    place: Place {
                        service: Some(svc.label.clone()),
                        backend: Some(backend),
                        ..at_director(facts)
                    },
                    why: self.why.to_string(),
                    fix: Some(facts.on_director(&format!("sysctl -w net.ipv4.vs.{}=1", self.sysctl))),
                });
            }
        }
        found
    }
}

/// kubernetes/kubernetes#71809: with `expire_quiescent_template` 0, a
/// persistence template that points at a weight-0 backend stays, so its
/// client's new connections keep going there until the template expires.
pub fn quiescent_templates(facts: &Facts) -> Vec<Finding> {
    if facts.vs.expire_quiescent_template != Some(0) {
        return Vec::new();
    }
    let drained = Drained {
        code: QUIESCENT_TEMPLATE,
        what: "keeps its persistent clients",
        sysctl: "expire_quiescent_template",
        why: "a client whose persistence template points at this backend is sent to it again, \
              weight 0 or not, until the template expires",
    };
    drained.findings(facts, |svc, _| svc.service.persistence.is_some())
}

/// kubernetes/kubernetes#71358: with `expire_nodest_conn` 0, the packets
/// of a connection whose backend was deleted are dropped until its entry
/// expires, instead of the entry being expired at the first one.
pub fn nodest_connections(facts: &Facts) -> Vec<Finding> {
    if facts.vs.expire_nodest_conn != Some(0) {
        return Vec::new();
    }
    let backends: Vec<SocketAddr> =
        facts.services.iter().flat_map(|s| s.backends.iter().map(|b| b.addr)).collect();
    let mut orphans: Vec<SocketAddr> = facts
        .connections
        .iter()
        .filter(|c| !c.is_template() && c.state != "TIME_WAIT" && !backends.contains(&c.dest))
        .map(|c| c.dest)
        .collect();
    orphans.sort();
    orphans.dedup();
    orphans
        .into_iter()
        .map(|dest| Finding {
            severity: Severity::Warning,
            code: NODEST_CONN,
            what: format!(
                "connections to deleted backend {} stay: net.ipv4.vs.expire_nodest_conn is 0",
                facts.names.addr(dest)
            ),
            place: Place { backend: Some(facts.names.addr(dest)), ..at_director(facts) },
            why: "the director drops these clients' packets until each entry times out, instead of ending the connection so the client reconnects".to_string(),
            fix: Some(facts.on_director("sysctl -w net.ipv4.vs.expire_nodest_conn=1")),
        })
        .collect()
}

/// kubernetes/kubernetes#81775: with `conn_reuse_mode` 0, a new
/// connection from a client port that an old entry still holds reuses
/// that entry's backend, even one drained to weight 0.
pub fn connection_reuse(facts: &Facts) -> Vec<Finding> {
    if facts.vs.conn_reuse_mode != Some(0) {
        return Vec::new();
    }
    let drained = Drained {
        code: CONN_REUSE,
        what: "can still get new connections",
        sysctl: "conn_reuse_mode",
        why: "a client that reuses the port of one of its old connections is sent to that \
              connection's backend again instead of being scheduled",
    };
    drained.findings(facts, |_, addr| facts.connections.iter().any(|c| c.dest == addr && !c.is_template()))
}

/// A sync daemon on an interface the director lacks synchronises nothing.
pub fn sync_interfaces(facts: &Facts) -> Vec<Finding> {
    facts
        .daemons
        .iter()
        .filter(|d| !facts.interfaces.contains(&d.interface))
        .map(|d| Finding {
            severity: Severity::Error,
            code: SYNC_INTERFACE,
            what: format!("the {} sync daemon's interface {} does not exist", d.state, d.interface),
            place: Place { interface: Some(d.interface.clone()), ..at_director(facts) },
            why: "the daemon sends or hears no connection updates, so a failover loses every connection"
                .to_string(),
            fix: None,
        })
        .collect()
}
