//! Checks of the backends lvsh can enter: a masq backend's replies must go
//! back through the director, and something must listen on each backend's
//! port.

use std::net::{IpAddr, SocketAddr};

use crate::diagnose::{BackendHost, Facts, Finding, Place, Severity};
use crate::ipvs::{Forward, Protocol, ServiceKey};

pub const NO_REPLY_PATH: &str = "doctor::no-reply-path";
pub const NOT_LISTENING: &str = "doctor::not-listening";

/// The director's own address on the backend's network: the source of its
/// route to the backend, when that route is direct (no next hop).
pub(super) fn director_side(facts: &Facts, backend: IpAddr) -> Option<IpAddr> {
    let (_, route) = facts.director_routes.iter().find(|(ip, _)| *ip == backend)?;
    route.as_ref().filter(|r| r.via.is_none()).and_then(|r| r.src)
}

pub(super) fn host(facts: &Facts, ip: IpAddr) -> Option<&BackendHost> {
    facts.hosts.iter().find(|h| h.addr == ip)
}

/// A masq backend whose route to a client does not go via the director:
/// its replies keep the backend's address, and the client drops them.
pub fn reply_paths(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut seen: Vec<IpAddr> = Vec::new();
    for svc in &facts.services {
        for b in svc.backends.iter().filter(|b| b.forward == Forward::Masq) {
            let ip = b.addr.ip();
            let (Some(host), Some(inside)) = (host(facts, ip), director_side(facts, ip)) else { continue };
            if seen.contains(&ip) {
                continue;
            }
            let Some((client, route)) =
                host.routes.iter().find(|(_, r)| r.as_ref().and_then(|r| r.via) != Some(inside))
            else {
                continue;
            };
            seen.push(ip);
            let (how, verb) = match route {
                None => ("has no route".to_string(), "add"),
                Some(r) => match r.via {
                    Some(via) => (format!("routes via {} dev {}", facts.names.ip(via), r.dev), "replace"),
                    None => (format!("reaches it directly on {}", r.dev), "replace"),
                },
            };
            let client = match facts.vips_for_clients {
                true => format!("the VIP {client} (standing in for clients: `--clients` names them)"),
                false => format!("client {}", facts.names.ip(*client)),
            };
            found.push(Finding {
                severity: Severity::Error,
                code: NO_REPLY_PATH,
                what: format!("{} {how} to {client}, not via {} {inside}", host.node, facts.director_name()),
                place: Place {
                    node: Some(host.node.clone()),
                    interface: route.as_ref().map(|r| r.dev.clone()),
                    service: Some(svc.label.clone()),
                    backend: Some(facts.names.addr(b.addr)),
                },
                why: format!(
                    "a masq backend's replies must pass through {} to get the VIP back as their source; otherwise the client never sees them",
                    facts.director_name()
                ),
                fix: Some(facts.on(&host.node, &format!("ip route {verb} default via {inside}"))),
            });
        }
    }
    found
}

/// A backend with nothing on its port refuses what the director sends it.
pub fn listening(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut seen: Vec<(SocketAddr, bool)> = Vec::new();
    for svc in &facts.services {
        let udp = matches!(svc.service.key, ServiceKey::Inet { protocol: Protocol::Udp, .. });
        for b in &svc.backends {
            let Some(host) = host(facts, b.addr.ip()) else { continue };
            if b.addr.port() == 0 || seen.contains(&(b.addr, udp)) || host.listeners.serves(b.addr, udp) {
                continue;
            }
            seen.push((b.addr, udp));
            let proto = if udp { "UDP" } else { "TCP" };
            found.push(Finding {
                severity: Severity::Error,
                code: NOT_LISTENING,
                what: format!("nothing listens on {} port {} on {}", proto, b.addr.port(), host.node),
                place: Place {
                    node: Some(host.node.clone()),
                    service: Some(svc.label.clone()),
                    backend: Some(facts.names.addr(b.addr)),
                    ..Place::default()
                },
                why: "the connections the director sends this backend are refused: its server is not running, or listens on another port or address".to_string(),
                // lvsh's built-in server stands in for a lab backend; an
                // operator's own server is theirs to start.
                fix: facts
                    .lab
                    .then(|| format!("serve {} {}{}", host.node, b.addr.port(), if udp { " udp" } else { "" })),
            });
        }
    }
    found
}
