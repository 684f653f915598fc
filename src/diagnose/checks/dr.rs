//! Checks of direct-routing (and, where they are the same, tunnel)
//! services: the director must own the VIP and, when the backends' replies
//! come back through it (the lab's gw is their gateway), let them pass; a
//! backend must hold the VIP on an interface that answers no ARP, and must
//! not answer or announce ARP for it on its real interface.

use std::net::{IpAddr, SocketAddr};

use super::backend::{director_side, host};
use crate::diagnose::{BackendHost, ConfValues, Facts, Finding, Link, Place, ServiceFacts, Severity};
use crate::ipvs::{Forward, ServiceKey};

pub const VIP_NOT_LOCAL: &str = "doctor::vip-not-local";
pub const REPLIES_MARTIAN: &str = "doctor::replies-martian";
pub const DIRECTOR_RP_FILTER: &str = "doctor::director-rp-filter";
pub const BACKEND_LACKS_VIP: &str = "doctor::backend-lacks-vip";
pub const VIP_ON_ARP_INTERFACE: &str = "doctor::vip-on-arp-interface";
pub const ARP_IGNORE: &str = "doctor::arp-ignore";
pub const ARP_ANNOUNCE: &str = "doctor::arp-announce";

/// A backend that gets the client's packet unchanged (route or tunnel), so
/// it needs the VIP itself and replies to the client directly.
pub(super) struct Direct<'a> {
    pub svc: &'a ServiceFacts,
    pub vip: IpAddr,
    pub addr: SocketAddr,
    pub forward: Forward,
}

/// Each route and tunnel backend of each service with an address (not a
/// firewall mark).
pub(super) fn direct_backends(facts: &Facts) -> Vec<Direct<'_>> {
    let mut all = Vec::new();
    for svc in &facts.services {
        let ServiceKey::Inet { addr, .. } = svc.service.key else { continue };
        // By address, so that findings read in the same order whatever order the kernel lists.
        let mut backends: Vec<_> = svc
            .backends
            .iter()
            .filter(|b| matches!(b.forward, Forward::Route | Forward::Tunnel(_)))
            .collect();
        backends.sort_by_key(|b| b.addr);
        for b in backends {
            all.push(Direct { svc, vip: addr.ip(), addr: b.addr, forward: b.forward });
        }
    }
    all
}

/// The word for a backend's method: `route` or `tunnel`.
pub(super) fn method(forward: Forward) -> &'static str {
    match forward {
        Forward::Tunnel(_) => "tunnel",
        _ => "route",
    }
}

/// `/32` or `/128`: the VIP alone.
fn host_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// Whether `ip` lies in the network of `(addr, len)`.
fn in_network(ip: IpAddr, (addr, len): (IpAddr, u8)) -> bool {
    match (ip, addr) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// IPVS sees only packets addressed to the director itself: a DR or tunnel
/// VIP it does not own is never balanced.
pub fn vip_local(facts: &Facts) -> Vec<Finding> {
    if facts.director_links.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for d in direct_backends(facts) {
        if seen.contains(&d.vip) || facts.director_links.iter().any(|l| l.holds(d.vip)) {
            continue;
        }
        seen.push(d.vip);
        // On the interface whose network holds the VIP (so it answers ARP for it there), else lo.
        let dev = facts
            .director_links
            .iter()
            .find(|l| !l.noarp && l.addrs.iter().any(|a| in_network(d.vip, *a)))
            .map_or("lo", |l| l.name.as_str());
        found.push(Finding {
            severity: Severity::Error,
            code: VIP_NOT_LOCAL,
            what: format!(
                "the VIP {} of {} service {} is not an address of {}",
                d.vip,
                method(d.forward),
                d.svc.label,
                facts.director_name()
            ),
            place: Place { node: facts.director.clone(), service: Some(d.svc.label.clone()), ..Place::default() },
            why: "IPVS only sees packets addressed to the director itself, so connections to this VIP are never balanced".to_string(),
            fix: Some(facts.on_director(&format!("ip addr add {}/{} dev {dev}", d.vip, host_prefix(d.vip)))),
        });
    }
    found
}

/// A direct backend whose replies go back through the director: the
/// director's interface towards it, and the backend host.
struct ReturnPath<'a> {
    direct: Direct<'a>,
    dev: String,
    host: &'a BackendHost,
}

impl ReturnPath<'_> {
    /// The director's interface, with the service and the (first) backend.
    fn place(&self, facts: &Facts) -> Place {
        Place {
            node: facts.director.clone(),
            interface: Some(self.dev.clone()),
            service: Some(self.direct.svc.label.clone()),
            backend: Some(facts.names.addr(self.direct.addr)),
        }
    }
}

/// The direct backends that reply to a client via the director's inside
/// address (the lab's backends, whose gateway is gw).
fn through_director(facts: &Facts) -> Vec<ReturnPath<'_>> {
    let mut paths = Vec::new();
    for d in direct_backends(facts) {
        let ip = d.addr.ip();
        let (Some(host), Some(inside)) = (host(facts, ip), director_side(facts, ip)) else { continue };
        if !host.routes.iter().any(|(_, r)| r.as_ref().and_then(|r| r.via) == Some(inside)) {
            continue;
        }
        let Some(dev) = facts
            .director_routes
            .iter()
            .find(|(a, _)| *a == ip)
            .and_then(|(_, r)| r.as_ref())
            .map(|r| r.dev.clone())
        else {
            continue;
        };
        paths.push(ReturnPath { direct: d, dev, host });
    }
    paths
}

/// The first return path of each director interface, with the backends
/// that use it, named: `10.10.0.2:80 (int1), 10.10.0.3:80 (int2)`.
fn per_interface<'a>(facts: &Facts, paths: Vec<ReturnPath<'a>>) -> Vec<(ReturnPath<'a>, String)> {
    let mut firsts: Vec<(ReturnPath<'a>, Vec<String>)> = Vec::new();
    for p in paths {
        let name = facts.names.addr(p.direct.addr);
        match firsts.iter_mut().find(|(f, _)| f.dev == p.dev) {
            Some((_, names)) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => firsts.push((p, vec![name])),
        }
    }
    firsts.into_iter().map(|(p, names)| (p, names.join(", "))).collect()
}

/// Replies from DR and tunnel backends carry the VIP as their source; when
/// they pass through the director, which owns the VIP, it drops them as
/// martians unless `accept_local` is on where they come in.
pub fn replies_martian(facts: &Facts) -> Vec<Finding> {
    let paths = through_director(facts);
    let paths = paths
        .into_iter()
        .filter(|p| facts.director_links.iter().any(|l| l.holds(p.direct.vip)))
        .filter(|p| !facts.director_conf.accepts_local(&p.dev))
        .collect();
    per_interface(facts, paths)
        .into_iter()
        .map(|(p, backends)| Finding {
            severity: Severity::Error,
            code: REPLIES_MARTIAN,
            what: format!(
                "{} drops the replies of {} {backends} on {}: their source, the VIP {}, is its own address (net.ipv4.conf.{}.accept_local is 0)",
                facts.director_name(),
                method(p.direct.forward),
                p.dev,
                p.direct.vip,
                p.dev
            ),
            place: p.place(facts),
            why: format!(
                "{} is {}'s gateway, so the replies come back through it, and a packet from one of its own addresses is a martian unless accept_local is on",
                facts.director_name(),
                p.host.node
            ),
            fix: Some(facts.on_director(&format!("sysctl -w net.ipv4.conf.{}.accept_local=1", p.dev))),
        })
        .collect()
}

/// Strict reverse-path filtering on the interface where the replies come
/// in drops them: their source, the VIP, is routed out another interface.
pub fn director_rp_filter(facts: &Facts) -> Vec<Finding> {
    let rp = |v: &ConfValues| v.rp_filter;
    let paths = through_director(facts);
    let paths = paths
        .into_iter()
        .filter(|p| facts.director_conf.effective(&p.dev, rp) == Some(1))
        .filter(|p| !facts.director_links.iter().any(|l| l.name == p.dev && l.holds(p.direct.vip)))
        .collect();
    per_interface(facts, paths)
        .into_iter()
        .map(|(p, backends)| Finding {
            severity: Severity::Error,
            code: DIRECTOR_RP_FILTER,
            what: format!(
                "{}'s strict rp_filter on {} drops the replies of {} {backends}: their source, the VIP {}, is not routed out {}",
                facts.director_name(),
                p.dev,
                method(p.direct.forward),
                p.direct.vip,
                p.dev
            ),
            place: p.place(facts),
            why: "with rp_filter 1 (the larger of `all` and the interface's applies) a packet is dropped unless its source would be routed back out the interface it came in on".to_string(),
            // The larger of the two applies, so 2 on the interface makes it loose whatever `all` is.
            fix: Some(facts.on_director(&format!("sysctl -w net.ipv4.conf.{}.rp_filter=2", p.dev))),
        })
        .collect()
}

/// Each (host, VIP, backend) once, for the backend checks.
fn per_host<'a>(facts: &'a Facts) -> Vec<(&'a BackendHost, Direct<'a>)> {
    let mut seen: Vec<(IpAddr, IpAddr)> = Vec::new();
    let mut found = Vec::new();
    for d in direct_backends(facts) {
        let Some(h) = host(facts, d.addr.ip()) else { continue };
        if seen.contains(&(h.addr, d.vip)) {
            continue;
        }
        seen.push((h.addr, d.vip));
        found.push((h, d));
    }
    found
}

/// The backend gets packets addressed to the VIP: without it as a local
/// address its kernel drops them.
pub fn backend_vip(facts: &Facts) -> Vec<Finding> {
    per_host(facts)
        .into_iter()
        .filter(|(h, d)| !h.links.iter().any(|l| l.holds(d.vip)))
        .map(|(h, d)| Finding {
            severity: Severity::Error,
            code: BACKEND_LACKS_VIP,
            what: format!("{} does not hold the VIP {} of {} service {}", h.node, d.vip, method(d.forward), d.svc.label),
            place: Place {
                node: Some(h.node.clone()),
                service: Some(d.svc.label.clone()),
                backend: Some(facts.names.addr(d.addr)),
                ..Place::default()
            },
            why: format!(
                "a {} backend gets the client's packets still addressed to the VIP, and drops them unless the VIP is one of its addresses (on lo, which answers no ARP)",
                method(d.forward)
            ),
            fix: Some(facts.on(&h.node, &format!("ip addr add {}/{} dev lo", d.vip, host_prefix(d.vip)))),
        })
        .collect()
}

/// A VIP held on an interface that answers ARP draws the VIP's traffic
/// away from the director: arp_ignore cannot hide an address the asking
/// interface itself holds.
pub fn vip_on_arp_interface(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for (h, d) in per_host(facts) {
        for link in h.links.iter().filter(|l| !l.noarp) {
            let Some((_, len)) = link.addrs.iter().find(|(a, _)| *a == d.vip) else { continue };
            found.push(Finding {
                severity: Severity::Warning,
                code: VIP_ON_ARP_INTERFACE,
                what: format!(
                    "{} holds the VIP {} of {} service {} on {}, which answers ARP for it",
                    h.node,
                    d.vip,
                    method(d.forward),
                    d.svc.label,
                    link.name
                ),
                place: Place {
                    node: Some(h.node.clone()),
                    interface: Some(link.name.clone()),
                    service: Some(d.svc.label.clone()),
                    backend: Some(facts.names.addr(d.addr)),
                },
                why: "the backend answers ARP for the VIP on its network, so the router may send the VIP's traffic to it instead of the director; the VIP belongs on lo".to_string(),
                // Then `doctor` asks for it on lo, if no other interface holds it.
                fix: Some(facts.on(&h.node, &format!("ip addr del {}/{len} dev {}", d.vip, link.name))),
            });
        }
    }
    found
}

/// The backend's interface towards the director: the one holding its address.
fn real_interface(h: &BackendHost) -> Option<&Link> {
    h.links.iter().find(|l| l.holds(h.addr))
}

/// An ARP setting a backend holding the VIP needs on its real interface.
struct ArpSetting {
    code: &'static str,
    sysctl: &'static str,
    want: u32,
    pick: fn(&ConfValues) -> Option<u32>,
    why: &'static str,
}

const ARP_IGNORE_SETTING: ArpSetting = ArpSetting {
        code: ARP_IGNORE,
        sysctl: "arp_ignore",
        want: 1,
        pick: |v| v.arp_ignore,
        why: "with arp_ignore 0 the backend answers ARP for the VIP it holds on lo, so the router may send the VIP's traffic to it instead of the director",
};

const ARP_ANNOUNCE_SETTING: ArpSetting = ArpSetting {
        code: ARP_ANNOUNCE,
        sysctl: "arp_announce",
        want: 2,
        pick: |v| v.arp_announce,
        why: "with arp_announce below 2 the backend's own ARP requests may carry the VIP as their source, teaching its neighbours that the VIP is at the backend",
};

/// arp_ignore 1 keeps a backend that holds the VIP from answering ARP for it.
pub fn arp_ignore(facts: &Facts) -> Vec<Finding> {
    ARP_IGNORE_SETTING.findings(facts)
}

/// arp_announce 2 keeps a backend from announcing the VIP in its own ARP requests.
pub fn arp_announce(facts: &Facts) -> Vec<Finding> {
    ARP_ANNOUNCE_SETTING.findings(facts)
}

impl ArpSetting {
    /// One finding per backend node whose real interface has this setting too low.
    fn findings(&self, facts: &Facts) -> Vec<Finding> {
        let setting = self;
        let mut found: Vec<Finding> = Vec::new();
        for (h, d) in per_host(facts) {
            let Some(link) = real_interface(h) else { continue };
            let Some(now) = h.conf.effective(&link.name, setting.pick) else { continue };
            if now >= setting.want || found.iter().any(|f| f.place.node.as_deref() == Some(&h.node)) {
                continue;
            }
            found.push(Finding {
                severity: Severity::Warning,
                code: setting.code,
                what: format!(
                    "{} has net.ipv4.conf.{}.{} {now} (want {}) for the VIP {} of {} service {}",
                    h.node,
                    link.name,
                    setting.sysctl,
                    setting.want,
                    d.vip,
                    method(d.forward),
                    d.svc.label
                ),
                place: Place {
                    node: Some(h.node.clone()),
                    interface: Some(link.name.clone()),
                    service: Some(d.svc.label.clone()),
                    backend: Some(facts.names.addr(d.addr)),
                },
                why: setting.why.to_string(),
                // The larger of `all` and the interface's applies: `all` covers every interface.
                fix: Some(facts.on(
                    &h.node,
                    &format!("sysctl -w net.ipv4.conf.all.{}={}", setting.sysctl, setting.want),
                )),
            });
        }
        found
    }
}
