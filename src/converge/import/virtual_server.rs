//! One `virtual_server` block read as keepalived reads it, keyword by
//! keyword in order (keepalived/check/check_parser.c): a `real_server`
//! takes the `lb_kind` in force when it is read; `sh-port` counts only
//! once the scheduler is sh; a real server that is not tunnelled must be of
//! the virtual server's family, or keepalived skips it (`rs_end_handler`).
//! Each keyword with no `.lvs` equivalent becomes a note.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::groups::Member;
use super::keepalived::{Importer, UNKNOWN_GROUP};
use super::services::validate;
use super::values::{family, forward, ip, mark, number, port, spanned_number, value, MAX_TIMEOUT};
use super::{bad_value, Item};
use crate::converge::declare::service_decl;
use crate::ipvs::{Backend, Family, Forward, Netmask, Persistence, Protocol, SchedFlags};
use crate::lang::diagnostic::{suggest, Diagnostic};
use crate::lang::keepalived::Node;
use crate::lang::source::Spanned;

/// The schedulers keepalived accepts (check_parser.c, `lvs_schedulers`).
const SCHEDULERS: [&str; 14] =
    ["rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"];

/// Why health-check settings are notes.
const HEALTH: &str = "health checking, which `apply` files cannot declare yet";

/// Why health checks are notes.
const CHECK: &str = "a health check, which `apply` files cannot declare yet";

/// The keepalived health checkers a real server may have.
const CHECKERS: [&str; 10] = [
    "HTTP_GET",
    "SSL_GET",
    "TCP_CHECK",
    "SMTP_CHECK",
    "DNS_CHECK",
    "MISC_CHECK",
    "BFD_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
];

/// Why each setting with no `.lvs` equivalent that a `virtual_server` and
/// a `real_server` both take (the first's is the second's default) is not imported.
const SHARED_NOTES: &[(&str, &str)] = &[
    ("delay_loop", HEALTH),
    ("connect_timeout", HEALTH),
    ("retry", HEALTH),
    ("delay_before_retry", HEALTH),
    ("warmup", HEALTH),
    ("alpha", HEALTH),
    ("virtualhost", HEALTH),
    ("inhibit_on_failure", "keepalived sets a failed real server's weight to 0; `check SERVICE --drain-failed` does that in a `lvsh run` script"),
    ("smtp_alert", "e-mail alerts; lvsh sends none"),
];

/// Why each other keyword of a `virtual_server` with no `.lvs` equivalent is not imported.
const VS_NOTES: &[(&str, &str)] = &[
    ("ha_suspend", HEALTH),
    ("omega", "keepalived's notifications at shutdown; lvsh runs no notify scripts"),
    ("quorum", "keepalived's quorum; lvsh has none"),
    ("hysteresis", "keepalived's quorum; lvsh has none"),
    ("quorum_up", "a notify script of keepalived's quorum; lvsh has none"),
    ("quorum_down", "a notify script of keepalived's quorum; lvsh has none"),
    ("sorry_server", "keepalived puts the sorry server in when the quorum is lost; lvsh has no quorum"),
    ("sorry_server_inhibit", "keepalived's sorry server; lvsh has no quorum"),
    ("sorry_server_lvs_method", "keepalived's sorry server; lvsh has no quorum"),
    ("hashed", "an old service flag that sets nothing"),
];

/// Why each other keyword of a `real_server` with no `.lvs` equivalent is not imported.
const RS_NOTES: &[(&str, &str)] = &[
    ("notify_up", "a notify script; lvsh runs none"),
    ("notify_down", "a notify script; lvsh runs none"),
    ("snmp_name", "a name for keepalived's SNMP agent"),
];

/// Every keyword of a `virtual_server` or `real_server` that import writes
/// as a comment (docs/import.md lists each: a host test keeps it so).
pub fn commented() -> Vec<&'static str> {
    let tables = SHARED_NOTES.iter().chain(VS_NOTES).chain(RS_NOTES).map(|(keyword, _)| *keyword);
    CHECKERS.into_iter().chain(tables).collect()
}

/// Why `keyword` of a block whose own notes are `own` is not imported.
fn why_not(keyword: &str, own: &[(&str, &'static str)], block: &str) -> String {
    match own.iter().chain(SHARED_NOTES).find(|(k, _)| *k == keyword) {
        Some((_, why)) => why.to_string(),
        None => format!("not a {block} keyword lvsh knows; keepalived ignores unknown keywords too"),
    }
}

impl Importer<'_> {
    /// The services a `virtual_server` makes, with its notes.
    pub(super) fn virtual_server(&mut self, node: &Node) -> Result<Vec<Item>, Box<Diagnostic>> {
        let target = self.target(node)?;
        let mut vs = Vs::new(&target);
        for child in node.children() {
            self.vs_keyword(&mut vs, child)?;
        }
        let line = self.line(node.keyword.span);
        let mut items = vec![Item::Heading(format!("line {line}: {}", node.words()))];
        let no_members = matches!(&target, Target::Group(members) if members.is_empty());
        if vs.reals.is_empty() || no_members {
            let why = match no_members {
                true => "its group has no members, so keepalived ignores it",
                false => "it has no real_server, so keepalived ignores it",
            };
            items.push(Item::Note(format!("line {line}: {}: not imported ({why})", node.words())));
            return Ok(items);
        }
        validate(&mut vs, &target, line);
        let services = self.services(&mut vs, &target, node)?;
        let name = vs.name.take().filter(|name| services.len() == 1 && self.names.insert(name.value.clone()));
        if let (Some(name), false) = (&vs.snmp_name, name.is_some()) {
            let why = "not a name lvsh can give this virtual server's service";
            vs.notes.push(format!(
                "line {}: snmp_name {}: not imported ({why})",
                self.line(name.span),
                name.value
            ));
        }
        for (service, backends) in services {
            let backends: Vec<&Backend> = backends.iter().collect();
            items.push(Item::Service(service_decl(
                &service,
                name.as_ref().map(|n| n.value.clone()),
                &backends,
            )));
        }
        items.extend(vs.notes.into_iter().map(Item::Note));
        Ok(items)
    }

    /// What a `virtual_server` line names: an address and port, a mark, or a group.
    fn target(&self, node: &Node) -> Result<Target, Box<Diagnostic>> {
        let help =
            "write `virtual_server ADDR PORT`, `virtual_server fwmark N` or `virtual_server group NAME`";
        let Some(first) = node.arg(0) else {
            return Err(bad_value(
                node.keyword.span,
                "a `virtual_server` needs an address, a mark or a group",
                "nothing after it",
                help,
            ));
        };
        match first.value.as_str() {
            "group" => {
                let Some(name) = node.arg(1) else {
                    return Err(bad_value(
                        first.span,
                        "`group` needs the name of a `virtual_server_group`",
                        "no name after it",
                        help,
                    ));
                };
                match self.groups.get(name.value.as_str()) {
                    Some(members) => Ok(Target::Group(members.clone())),
                    None => {
                        let near = suggest(&name.value, self.groups.keys().copied());
                        let d = Diagnostic::error(
                            UNKNOWN_GROUP,
                            format!("no `virtual_server_group` is named `{}`", name.value),
                            name.span,
                            "no such group",
                        );
                        Err(Box::new(d.with_help(match near {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => {
                                "define the group in this file (`lvsh import` follows no `include`)".into()
                            }
                        })))
                    }
                }
            }
            "fwmark" => Ok(Target::Fwmark(mark(first.span, node.arg(1))?)),
            _ => {
                let ip = ip(first, help)?;
                let port = port(node.arg(1))?;
                Ok(Target::Addr(SocketAddr::new(ip, port)))
            }
        }
    }

    /// One keyword of a `virtual_server` block, read in order.
    fn vs_keyword(&mut self, vs: &mut Vs, node: &Node) -> Result<(), Box<Diagnostic>> {
        let keyword = node.keyword.value.as_str();
        match keyword {
            "lb_algo" | "lvs_sched" => {
                let word = value(node, "a scheduler")?;
                if !SCHEDULERS.contains(&word.value.as_str()) {
                    let near = suggest(&word.value, SCHEDULERS);
                    return Err(bad_value(
                        word.span,
                        format!("keepalived knows no scheduler `{}`", word.value),
                        "not a scheduler",
                        match near {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("use one of {}", SCHEDULERS.join(", ")),
                        },
                    ));
                }
                vs.scheduler = Some(word.value.clone());
            }
            "lb_kind" | "lvs_method" => vs.forward = Some(forward(node)?),
            "protocol" => {
                let word = value(node, "a protocol")?;
                vs.protocol_line = self.line(node.keyword.span);
                vs.protocol = Some(match word.value.to_ascii_uppercase().as_str() {
                    "TCP" => Protocol::Tcp,
                    "UDP" => Protocol::Udp,
                    "SCTP" => Protocol::Sctp,
                    _ => {
                        return Err(bad_value(
                            word.span,
                            format!("`{}` is not a protocol keepalived knows", word.value),
                            "not TCP, UDP or SCTP",
                            "write `protocol TCP`, `protocol UDP` or `protocol SCTP`",
                        ))
                    }
                });
            }
            "persistence_timeout" => {
                vs.persistence = Some(match node.arg(0) {
                    None => Persistence::DEFAULT_TIMEOUT,
                    Some(word) => {
                        number(word, 1, MAX_TIMEOUT as u64, "a persistence timeout in seconds")? as u32
                    }
                });
            }
            "persistence_granularity" => {
                let word = value(node, "a netmask, or an IPv6 prefix length")?;
                let family = vs.family.unwrap_or(match word.value.contains('.') {
                    true => Family::V4,
                    false => Family::V6,
                });
                vs.granularity = Some(match family {
                    Family::V4 => Netmask::V4(word.value.parse::<Ipv4Addr>().map_err(|_| {
                        bad_value(
                            word.span,
                            format!("`{}` is not an IPv4 netmask", word.value),
                            "not a netmask",
                            "write it as 255.255.255.0",
                        )
                    })?),
                    Family::V6 => Netmask::V6(number(word, 1, 128, "an IPv6 prefix length")? as u8),
                });
                vs.family.get_or_insert(family);
                vs.persistence.get_or_insert(Persistence::DEFAULT_TIMEOUT);
            }
            "persistence_engine" => {
                vs.pe = Some(value(node, "a persistence engine")?.value.clone());
                vs.pe_line = self.line(node.keyword.span);
            }
            "ops" => {
                vs.one_packet = true;
                vs.ops_line = self.line(node.keyword.span);
            }
            "flag-1" => vs.flags.flag1 = true,
            "flag-2" => vs.flags.flag2 = true,
            "flag-3" => vs.flags.flag3 = true,
            "sh-fallback" | "sh-port" | "mh-fallback" | "mh-port" => {
                let (scheduler, bit) = keyword.split_once('-').unwrap_or_default();
                match vs.scheduler.as_deref() == Some(scheduler) {
                    true if bit == "fallback" => vs.flags.flag1 = true,
                    true => vs.flags.flag2 = true,
                    false => {
                        let why = format!(
                            "keepalived sets it only once the scheduler is {scheduler}, and ignores it here"
                        );
                        let note = self.note(node, &why);
                        vs.notes.push(note);
                    }
                }
            }
            "ip_family" => {
                let word = value(node, "`inet` or `inet6`")?;
                let family = family(word, "write `ip_family inet` or `ip_family inet6`")?;
                if vs.family.is_some_and(|f| f != family) {
                    return Err(bad_value(
                        word.span,
                        format!(
                            "ip_family {} conflicts with the virtual server's address family",
                            word.value
                        ),
                        "another family",
                        "delete `ip_family`, or make it the family of the virtual server's address",
                    ));
                }
                vs.family = Some(family);
            }
            "weight" => vs.weight = number(value(node, "a weight")?, 1, i32::MAX as u64, "a weight")? as u32,
            "snmp_name" => {
                let word = value(node, "a name")?;
                vs.snmp_name = Some(word.clone());
                vs.name = is_service_name(&word.value).then(|| word.clone());
            }
            "real_server" => self.real_server(vs, node)?,
            _ => {
                let note = self.note(node, &why_not(keyword, VS_NOTES, "virtual_server"));
                vs.notes.push(note);
            }
        }
        Ok(())
    }

    /// A `real_server` and its block; its notes go to the virtual server's.
    fn real_server(&mut self, vs: &mut Vs, node: &Node) -> Result<(), Box<Diagnostic>> {
        let help = "write `real_server ADDR [PORT]`";
        let addr = node.arg(0).ok_or_else(|| {
            bad_value(node.keyword.span, "a `real_server` needs an address", "no address", help)
        })?;
        let ip = ip(addr, help)?;
        let port = port(node.arg(1))?;
        let mut real = Real {
            ip,
            port,
            forward: vs.forward,
            weight: None,
            upper: None,
            lower: None,
            line: self.line(node.keyword.span),
            words: node.words(),
        };
        let of = format!(" of {}", real.words);
        for child in node.children() {
            let keyword = child.keyword.value.as_str();
            match keyword {
                "weight" => {
                    real.weight =
                        Some(number(value(child, "a weight")?, 0, i32::MAX as u64, "a weight")? as u32)
                }
                "lvs_method" => real.forward = Some(forward(child)?),
                "uthreshold" => real.upper = Some(spanned_number(value(child, "a connection count")?)?),
                "lthreshold" => real.lower = Some(spanned_number(value(child, "a connection count")?)?),
                _ if CHECKERS.contains(&keyword) => {
                    let note = self.note_of(child, &of, CHECK);
                    vs.notes.push(note);
                }
                _ => {
                    let note = self.note_of(child, &of, &why_not(keyword, RS_NOTES, "real_server"));
                    vs.notes.push(note);
                }
            }
        }
        if let (Some(lower), upper) = (&real.lower, &real.upper) {
            let top = upper.as_ref().map_or(0, |u| u.value);
            if lower.value > top {
                return Err(bad_value(
                    lower.span,
                    format!(
                        "lthreshold {} is above uthreshold {top}: the kernel refuses such a real server",
                        lower.value
                    ),
                    "above the upper threshold",
                    "make uthreshold at least lthreshold (0 means no threshold)",
                ));
            }
        }
        // keepalived/check/check_parser.c, rs_end_handler: a real server not
        // tunnelled must be of the virtual server's family, or is skipped.
        if !matches!(real.forward, Some(Forward::Tunnel(_))) {
            let family = Family::of(ip);
            match vs.family {
                None => vs.family = Some(family),
                Some(f) if f != family => {
                    let why =
                        "keepalived skips it: not tunnelled, and not of the virtual server's address family";
                    vs.notes.push(format!("line {}: {}: not imported ({why})", real.line, real.words));
                    return Ok(());
                }
                Some(_) => {}
            }
        }
        vs.reals.push(real);
        Ok(())
    }
}

/// What a `virtual_server` line names.
pub(super) enum Target {
    Addr(SocketAddr),
    Fwmark(u32),
    /// The members of a `virtual_server_group`.
    Group(Vec<Member>),
}

impl Target {
    /// Whether it makes address services, and whether it makes mark services.
    pub(super) fn kinds(&self) -> (bool, bool) {
        match self {
            Target::Addr(_) => (true, false),
            Target::Fwmark(_) => (false, true),
            Target::Group(members) => {
                let addresses = members.iter().any(|m| matches!(m, Member::Addresses { .. }));
                let marks = members.iter().any(|m| matches!(m, Member::Fwmark { .. }));
                (addresses, marks)
            }
        }
    }
}

/// A `virtual_server` as its block is read.
pub(super) struct Vs {
    pub(super) family: Option<Family>,
    pub(super) protocol: Option<Protocol>,
    pub(super) scheduler: Option<String>,
    pub(super) flags: SchedFlags,
    pub(super) one_packet: bool,
    /// `lb_kind`, once read.
    pub(super) forward: Option<Forward>,
    pub(super) persistence: Option<u32>,
    pub(super) granularity: Option<Netmask>,
    pub(super) pe: Option<String>,
    /// The weight of real servers that give none.
    pub(super) weight: u32,
    /// `snmp_name` when it can name a service.
    pub(super) name: Option<Spanned<String>>,
    pub(super) snmp_name: Option<Spanned<String>>,
    pub(super) reals: Vec<Real>,
    pub(super) notes: Vec<String>,
    /// Where `protocol`, `ops` and `persistence_engine` are, for notes.
    pub(super) protocol_line: usize,
    pub(super) ops_line: usize,
    pub(super) pe_line: usize,
}

impl Vs {
    fn new(target: &Target) -> Vs {
        Vs {
            family: match target {
                Target::Addr(addr) => Some(Family::of(addr.ip())),
                _ => None,
            },
            protocol: None,
            scheduler: None,
            flags: SchedFlags::default(),
            one_packet: false,
            forward: None,
            persistence: None,
            granularity: None,
            pe: None,
            weight: 1,
            name: None,
            snmp_name: None,
            reals: Vec::new(),
            notes: Vec::new(),
            protocol_line: 0,
            ops_line: 0,
            pe_line: 0,
        }
    }

    /// The family of a mark service whose real servers are all tunnelled
    /// and that says none: theirs when they agree, else IPv4 (check_parser.c, vs_end_handler).
    pub(super) fn tunnelled_family(&self) -> Family {
        let families: HashSet<Family> = self.reals.iter().map(|r| Family::of(r.ip)).collect();
        match families.len() {
            1 => families.into_iter().next().unwrap_or(Family::V4),
            _ => Family::V4,
        }
    }
}

/// A `real_server` as its block is read.
pub(super) struct Real {
    pub(super) ip: IpAddr,
    /// 0 when the line gives none.
    pub(super) port: u16,
    pub(super) forward: Option<Forward>,
    pub(super) weight: Option<u32>,
    pub(super) upper: Option<Spanned<u32>>,
    pub(super) lower: Option<Spanned<u32>>,
    pub(super) line: usize,
    /// The `real_server` line as written, for notes.
    pub(super) words: String,
}

/// A name a service may take: a `.lvs` name that is no keyword or protocol.
fn is_service_name(name: &str) -> bool {
    crate::lang::parse::is_ident(name)
        && !crate::lang::command::names().contains(&name)
        && !["tcp", "udp", "sctp", "fwmark"].contains(&name)
}
