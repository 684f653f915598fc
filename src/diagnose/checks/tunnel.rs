//! Checks of tunnel backends: a device of the kind the encapsulation needs,
//! up (ipip and GUE carry IP in IP, taken by an ipip device; GRE by a gre
//! device), GUE's UDP port open, and no strict rp_filter on the device
//! (the decapsulated packet's source, the client, is routed elsewhere).

use std::net::IpAddr;

use super::backend::host;
use super::dr::{direct_backends, Direct};
use crate::diagnose::{BackendHost, ConfValues, Facts, Finding, Link, Place, Severity};
use crate::ipvs::{Forward, TunnelKind};

pub const NO_TUNNEL_DEVICE: &str = "doctor::no-tunnel-device";
pub const NO_GUE_PORT: &str = "doctor::no-gue-port";
pub const TUNNEL_RP_FILTER: &str = "doctor::tunnel-rp-filter";

/// Each tunnel backend on a host lvsh entered, once per (host, kind).
fn tunnels(facts: &Facts) -> Vec<(&BackendHost, Direct<'_>, TunnelKind)> {
    let mut seen: Vec<(IpAddr, TunnelKind)> = Vec::new();
    let mut found = Vec::new();
    for d in direct_backends(facts) {
        let Forward::Tunnel(t) = d.forward else { continue };
        let Some(h) = host(facts, d.addr.ip()) else { continue };
        if seen.contains(&(h.addr, t.kind)) {
            continue;
        }
        seen.push((h.addr, t.kind));
        found.push((h, d, t.kind));
    }
    found
}

/// The kernel's link type of the device that takes this encapsulation, the
/// name of the one a fix creates, and the module that makes that type (a collect-metadata device takes the
/// packets of every peer, and `tunl0`/`gre0`, the devices the modules make
/// in each namespace, may already exist down).
fn device_for(kind: TunnelKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        TunnelKind::Ipip | TunnelKind::Gue { .. } => ("ipip", "ipip0", "ipip"),
        TunnelKind::Gre => ("gre", "gre1", "ip_gre"),
    }
}

/// `modprobe MODULE; ` before a fix that needs a module not loaded yet, so
/// that the fix does not load it behind the user's back (`doctor --fix`
/// leaves such lines to the user: a module reaches every namespace).
fn load_first(facts: &Facts, module: &str) -> String {
    match facts.modules.iter().any(|m| m == module) {
        true => String::new(),
        false => format!("modprobe {module}; "),
    }
}

fn kind_name(kind: TunnelKind) -> String {
    match kind {
        TunnelKind::Ipip => "ipip".to_string(),
        TunnelKind::Gue { port } => format!("gue (port {port})"),
        TunnelKind::Gre => "gre".to_string(),
    }
}

fn place(facts: &Facts, h: &BackendHost, d: &Direct<'_>, interface: Option<String>) -> Place {
    Place {
        node: Some(h.node.clone()),
        interface,
        service: Some(d.svc.label.clone()),
        backend: Some(facts.names.addr(d.addr)),
    }
}

/// The up device of `link_type`, else the first one down, else none.
fn device<'a>(h: &'a BackendHost, link_type: &str) -> (Option<&'a Link>, Option<&'a Link>) {
    let of_type = || h.links.iter().filter(move |l| l.link_type == link_type);
    (of_type().find(|l| l.up), of_type().next())
}

/// Without an up device of the right kind the backend's kernel has nothing
/// to take the encapsulated packets, and answers them with an ICMP error.
pub fn tunnel_device(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for (h, d, kind) in tunnels(facts) {
        let (link_type, create, module) = device_for(kind);
        let (up, any) = device(h, link_type);
        if up.is_some() {
            continue;
        }
        let (what, fix, interface) = match any {
            Some(down) => (
                format!("{}'s {link_type} device {} is down", h.node, down.name),
                facts.on(&h.node, &format!("ip link set {} up", down.name)),
                Some(down.name.clone()),
            ),
            None => (
                format!("{} has no {link_type} device", h.node),
                format!(
                    "{}{}",
                    load_first(facts, module),
                    facts.on(&h.node, &format!("ip link add {create} up type {link_type} external"))
                ),
                None,
            ),
        };
        found.push(Finding {
            severity: Severity::Error,
            code: NO_TUNNEL_DEVICE,
            what: format!("{what} for the {} tunnel of service {}", kind_name(kind), d.svc.label),
            place: place(facts, h, &d, interface),
            why: format!(
                "the director sends this backend the client's packets inside {} packets, which only an up {link_type} device takes out; without one they are refused",
                match kind {
                    TunnelKind::Gue { .. } => "UDP (GUE) carrying IP-in-IP",
                    TunnelKind::Ipip => "IP-in-IP",
                    TunnelKind::Gre => "GRE",
                }
            ),
            fix: Some(fix),
        });
    }
    found
}

/// GUE arrives on a UDP port that a `fou` receiver must hold.
pub fn gue_port(facts: &Facts) -> Vec<Finding> {
    let mut found = Vec::new();
    for (h, d, kind) in tunnels(facts) {
        let TunnelKind::Gue { port } = kind else { continue };
        if h.listeners.udp.iter().any(|s| s.port() == port) {
            continue;
        }
        found.push(Finding {
            severity: Severity::Error,
            code: NO_GUE_PORT,
            what: format!("nothing takes GUE on UDP port {port} on {} for service {}", h.node, d.svc.label),
            place: place(facts, h, &d, None),
            why: "the director sends the client's packets in UDP to this port; without a fou receiver there the backend refuses them".to_string(),
            // fou's netlink family is not loaded on demand: the module comes first.
            fix: Some(format!("{}{}", load_first(facts, "fou"), facts.on(&h.node, &format!("ip fou add port {port} gue")))),
        });
    }
    found
}

/// A decapsulated packet comes in on the tunnel device with the client's
/// address as its source, which is routed out another interface: strict
/// rp_filter there drops it, and on a device without an address (the
/// modules' `tunl0`, `gre0`) loose rp_filter drops it too: the kernel's
/// reverse-path check (`__fib_validate_source`) then falls to its last
/// resort, which refuses any rp_filter but 0.
pub fn tunnel_rp_filter(facts: &Facts) -> Vec<Finding> {
    let rp = |v: &ConfValues| v.rp_filter;
    let mut found = Vec::new();
    for (h, d, kind) in tunnels(facts) {
        let (link_type, _, _) = device_for(kind);
        let (Some(dev), _) = device(h, link_type) else { continue };
        let no_address = dev.addrs.is_empty();
        let Some(value) = h.conf.effective(&dev.name, rp) else { continue };
        if value == 0 || (value == 2 && !no_address) {
            continue;
        }
        // The larger of `all` and the device's applies: lower each that drops.
        let drops = |v: Option<u32>| v.is_some_and(|v| v == 1 || (no_address && v != 0));
        let all_to = if no_address { 0 } else { 2 };
        let mut settings = Vec::new();
        if drops(h.conf.all(rp)) {
            settings.push(format!("net.ipv4.conf.all.rp_filter={all_to}"));
        }
        if h.conf.ifaces.iter().any(|(n, v)| *n == dev.name && drops(v.rp_filter)) {
            settings.push(format!("net.ipv4.conf.{}.rp_filter=0", dev.name));
        }
        let (what, why) = match no_address {
            true => (
                format!(
                    "{} has rp_filter {value} on its tunnel device {}, which has no address (service {})",
                    h.node, dev.name, d.svc.label
                ),
                "a decapsulated packet's source is the client, which is not routed out the tunnel device; on a device without an address the kernel's reverse-path check drops it unless rp_filter is 0 (the larger of `all` and the device's applies)".to_string(),
            ),
            false => (
                format!("{} has strict rp_filter on its tunnel device {} (service {})", h.node, dev.name, d.svc.label),
                "a decapsulated packet's source is the client, which is not routed out the tunnel device, so strict reverse-path filtering drops it".to_string(),
            ),
        };
        found.push(Finding {
            severity: Severity::Error,
            code: TUNNEL_RP_FILTER,
            what,
            place: place(facts, h, &d, Some(dev.name.clone())),
            why,
            fix: Some(facts.on(&h.node, &format!("sysctl -w {}", settings.join(" ")))),
        });
    }
    found
}
