//! A virtual server, once read, as the services keepalived makes of it:
//! the defaults and corrections of check_data.c's `validate_check_config`,
//! one service per group member, and each real server on the port
//! ipvswrapper.c gives it (`ipvs_group_cmd`, `ipvs_set_drule`).

use std::collections::HashSet;
use std::net::SocketAddr;

use super::groups::Member;
use super::keepalived::Importer;
use super::virtual_server::{Target, Vs};
use super::{bad_value, DUPLICATE};
use crate::ipvs::{Backend, Family, Forward, Netmask, Persistence, Protocol, Scheduler, Service, ServiceKey};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::keepalived::Node;

impl Importer<'_> {
    /// The services a virtual server makes, each with its backends.
    pub(super) fn services(
        &mut self,
        vs: &mut Vs,
        target: &Target,
        node: &Node,
    ) -> Result<Vec<(Service, Vec<Backend>)>, Box<Diagnostic>> {
        let protocol = vs.protocol.unwrap_or(Protocol::Udp);
        let family = vs.family.unwrap_or_else(|| vs.tunnelled_family());
        let mut services = Vec::new();
        match target {
            Target::Addr(addr) => {
                let key = ServiceKey::Inet { protocol, addr: *addr };
                services.push((key, Port::Service(addr.port())));
            }
            Target::Fwmark(mark) => services.push((ServiceKey::Fwmark { mark: *mark, family }, Port::Mark)),
            Target::Group(members) => {
                for member in members.iter() {
                    match member {
                        Member::Addresses { addrs, port } => services.extend(addrs.iter().map(|ip| {
                            (
                                ServiceKey::Inet { protocol, addr: SocketAddr::new(*ip, *port) },
                                Port::Member(*port),
                            )
                        })),
                        Member::Fwmark { mark, family: own } => services.push((
                            ServiceKey::Fwmark { mark: *mark, family: own.unwrap_or(family) },
                            Port::Mark,
                        )),
                    }
                }
            }
        }
        port_notes(vs, target);
        let mut made = Vec::new();
        for (key, port) in services {
            if let Some(first) = self.made.insert(key, node.line_span()) {
                return Err(Box::new(
                    Diagnostic::error(
                        DUPLICATE,
                        format!("service {key} is made twice"),
                        node.line_span(),
                        "made again here",
                    )
                    .with_secondary(first, "first made here")
                    .with_help("keepalived cannot add a service twice: keep one virtual server for it"),
                ));
            }
            let service = service(vs, key, node)?;
            let backends = backends(vs, &key, port);
            made.push((service, backends));
        }
        Ok(made)
    }
}

/// A service with the virtual server's settings.
fn service(vs: &Vs, key: ServiceKey, node: &Node) -> Result<Service, Box<Diagnostic>> {
    let mut service = Service::new(key);
    service.scheduler = Scheduler::new(vs.scheduler.as_deref().unwrap_or("wlc"));
    service.sched_flags = vs.flags;
    service.one_packet = vs.one_packet;
    service.persistence = vs.persistence.map(|timeout| Persistence { timeout });
    if let Some(mask) = vs.granularity {
        let fits =
            matches!((mask, key.family()), (Netmask::V4(_), Family::V4) | (Netmask::V6(_), Family::V6));
        if !fits {
            return Err(bad_value(
                node.line_span(),
                format!("persistence_granularity is for the other address family than service {key}"),
                "a service of the other family",
                "give IPv4 and IPv6 services virtual servers of their own",
            ));
        }
        service.netmask = mask;
    }
    service.pe = vs.pe.clone();
    Ok(service)
}

/// The backends of one service: the real servers of its family (or
/// tunnelled), each on the port keepalived gives it.
fn backends(vs: &Vs, key: &ServiceKey, port: Port) -> Vec<Backend> {
    vs.reals
        .iter()
        .filter(|r| Family::of(r.ip) == key.family() || matches!(r.forward, Some(Forward::Tunnel(_))))
        .map(|r| {
            let forward = r.forward.unwrap_or(Forward::Masq);
            let nat = forward == Forward::Masq;
            let port = match port {
                Port::Service(_) if nat && r.port != 0 => r.port,
                Port::Service(p) => p,
                Port::Member(p) if !nat => p,
                Port::Mark if !nat => 0,
                Port::Member(_) | Port::Mark => r.port,
            };
            Backend {
                addr: SocketAddr::new(r.ip, port),
                forward,
                weight: r.weight.unwrap_or(1),
                upper: r.upper.as_ref().map_or(0, |u| u.value),
                lower: r.lower.as_ref().map_or(0, |l| l.value),
            }
        })
        .collect()
}

/// A note for each real server whose port keepalived changes, and each
/// that a group member of another family leaves out.
fn port_notes(vs: &mut Vs, target: &Target) {
    let mut notes = Vec::new();
    for r in &vs.reals {
        let not_nat = r.forward != Some(Forward::Masq);
        let why = match target {
            Target::Addr(addr) if not_nat && r.port != 0 && r.port != addr.port() => {
                Some(format!("keepalived gives it the virtual server's port {}, as direct routing and tunnels keep the port", addr.port()))
            }
            Target::Fwmark(_) if not_nat && r.port != 0 => {
                Some("keepalived clears its port: a firewall-mark service's direct-routed or tunnelled backends keep the packet's port".to_string())
            }
            Target::Group(members) if not_nat && r.port != 0 && members.iter().any(|m| member_port(m) != r.port) => {
                Some("keepalived gives it each group member's port (0 on a mark), as direct routing and tunnels keep the port".to_string())
            }
            _ => None,
        };
        if let Some(why) = why {
            notes.push(format!("line {}: {}: {why}", r.line, r.words));
        }
    }
    if let Target::Group(members) = target {
        let families: HashSet<Family> = members
            .iter()
            .flat_map(|m| match m {
                Member::Addresses { addrs, .. } => addrs.iter().map(|a| Family::of(*a)).collect::<Vec<_>>(),
                Member::Fwmark { family, .. } => family.iter().copied().collect(),
            })
            .collect();
        for r in vs.reals.iter().filter(|r| !matches!(r.forward, Some(Forward::Tunnel(_)))) {
            if families.iter().any(|f| *f != Family::of(r.ip)) {
                let why = "not a backend of the group's services of the other address family: only a tunnel may cross families";
                notes.push(format!("line {}: {}: {why}", r.line, r.words));
            }
        }
    }
    vs.notes.extend(notes);
}

/// The defaults and corrections keepalived makes once a virtual server's
/// block is read (check_data.c, `validate_check_config`); `line` is the
/// `virtual_server` line's.
pub(super) fn validate(vs: &mut Vs, target: &Target, line: usize) {
    let (addresses, marks) = target.kinds();
    if addresses {
        if vs.protocol.is_none() {
            vs.protocol = Some(Protocol::Udp);
            vs.notes.push(format!(
                "line {line}: no protocol: keepalived makes it UDP (write `protocol TCP` for TCP)"
            ));
        }
        if vs.one_packet && vs.protocol != Some(Protocol::Udp) {
            vs.one_packet = false;
            let why = "keepalived drops one-packet scheduling on services that are not UDP";
            vs.notes.push(format!("line {}: ops: not imported ({why})", vs.ops_line));
        }
        let zero_port = match target {
            Target::Addr(addr) => addr.port() == 0,
            Target::Group(members) => members.iter().any(|m| matches!(m, Member::Addresses { port: 0, .. })),
            Target::Fwmark(_) => false,
        };
        if zero_port && vs.persistence.is_none() {
            vs.persistence = Some(Persistence::DEFAULT_TIMEOUT);
            let why = "keepalived makes a service on port 0 persistent (360 s)";
            vs.notes.push(format!("line {line}: port 0 without persistence_timeout: {why}"));
        }
    } else if marks && vs.protocol.take().is_some() {
        let why = "a firewall-mark service has none; keepalived ignores it";
        vs.notes.push(format!("line {}: protocol: not imported ({why})", vs.protocol_line));
    }
    if let (Some(pe), None) = (&vs.pe, vs.persistence) {
        let why = "keepalived gives it only to persistent services";
        vs.notes.push(format!("line {}: persistence_engine {pe}: not imported ({why})", vs.pe_line));
        vs.pe = None;
    }
    let mut seen = HashSet::new();
    let mut dropped = Vec::new();
    vs.reals.retain(|r| {
        let first = seen.insert((r.ip, r.port));
        if !first {
            dropped.push(format!(
                "line {}: {}: not imported (a duplicate: keepalived drops it)",
                r.line, r.words
            ));
        }
        first
    });
    vs.notes.extend(dropped);
    let default = vs.forward.unwrap_or(Forward::Masq);
    for real in &mut vs.reals {
        real.forward.get_or_insert(default);
        real.weight.get_or_insert(vs.weight);
    }
}

/// The port of a group member's services.
fn member_port(member: &Member) -> u16 {
    match member {
        Member::Addresses { port, .. } => *port,
        Member::Fwmark { .. } => 0,
    }
}

/// Which port a backend of a service gets, as keepalived decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    /// The virtual server's own address and port.
    Service(u16),
    /// A group member's address and port.
    Member(u16),
    /// A firewall-mark service.
    Mark,
}
