//! The checks ipvsadm makes once every option is read, in its order, and
//! the command they leave, in lvsh's model.

use std::net::SocketAddr;

use crate::ipvs::model::{
    Backend, Daemon, Family, Forward, Persistence, Protocol, SchedFlags, Scheduler, Service, ServiceKey,
    Timeouts, Tunnel, TunnelKind,
};
use crate::lang::show::{ListFormat, ListOptions};

use super::command::{IpvsadmCommand, ListTarget};
use super::entry::{invalid, timeout, truncated, Entry, Target};
use super::error::IpvsadmError;
use super::options::{check_command, check_tunnel, Cmd, Col, Fwd, TunType};

/// Runs ipvsadm's checks after parsing and builds the command.
/// `positional` are the indices of the words that were not options.
pub(super) fn finish(
    mut entry: Entry<'_>,
    positional: &[usize],
    words: &[&str],
) -> Result<IpvsadmCommand, IpvsadmError> {
    let timeouts = set_values(&entry, positional, words)?;
    let used = if entry.cmd == Cmd::Set { 3 } else { 0 };
    if let Some(&extra) = positional.get(used) {
        return Err(invalid(format!("unexpected argument {}", words[extra]), extra));
    }
    let flags = sched_flags(&entry)?;
    check_command(entry.cmd, &entry.seen)?;
    check_service(&entry)?;
    if matches!(entry.cmd, Cmd::AddServer | Cmd::EditServer) {
        check_server(&mut entry)?;
    }
    if entry.cmd == Cmd::List {
        check_list(&entry)?;
    }
    command(&entry, flags, timeouts)
}

/// `--set`'s three positional values (all three must be there before any is read).
fn set_values(entry: &Entry<'_>, positional: &[usize], words: &[&str]) -> Result<Timeouts, IpvsadmError> {
    if entry.cmd != Cmd::Set {
        return Ok(Timeouts::default());
    }
    let [tcp, tcp_fin, udp] = match positional {
        [a, b, c, ..] => [*a, *b, *c],
        _ => return Err(invalid("--set option requires 3 timeout values", entry.cmd_word)),
    };
    let read = |at: usize| timeout(words[at], 0, at);
    Ok(Timeouts { tcp: read(tcp)?, tcp_fin: read(tcp_fin)?, udp: read(udp)? })
}

/// `-b`'s flags, checked against `-s` (wlc when not given).
fn sched_flags(entry: &Entry<'_>) -> Result<SchedFlags, IpvsadmError> {
    let mut flags = SchedFlags::default();
    // ipvsadm copies -b's value into a 128-byte buffer before splitting it.
    let Some((text, at)) = entry.sched_flags.map(|(text, at)| (truncated(text, 127), at)) else {
        return Ok(flags);
    };
    let scheduler = scheduler_name(&entry.svc.scheduler);
    for name in text.split(',').filter(|name| !name.is_empty()) {
        let (bit, only_for) = match name {
            "flag-1" => (&mut flags.flag1, None),
            "flag-2" => (&mut flags.flag2, None),
            "flag-3" => (&mut flags.flag3, None),
            "sh-fallback" => (&mut flags.flag1, Some("sh")),
            "sh-port" => (&mut flags.flag2, Some("sh")),
            "mh-fallback" => (&mut flags.flag1, Some("mh")),
            "mh-port" => (&mut flags.flag2, Some("mh")),
            _ => return Err(invalid(format!("invalid scheduler flag `{name}'"), at)),
        };
        if only_for.is_some_and(|only| only != scheduler) {
            return Err(invalid(format!("incompatible scheduler flag `{name}'"), at));
        }
        *bit = true;
    }
    Ok(flags)
}

/// The scheduler `-s` names, or ipvsadm's default.
fn scheduler_name(given: &str) -> &str {
    if given.is_empty() {
        "wlc"
    } else {
        given
    }
}

/// `-A`/`-E`: a port-0 service must be persistent; `-o` only for UDP and fwmark.
fn check_service(entry: &Entry<'_>) -> Result<(), IpvsadmError> {
    if !matches!(entry.cmd, Cmd::AddService | Cmd::EditService) {
        return Ok(());
    }
    let svc = &entry.svc;
    let protocol = match svc.target {
        Some(Target::Inet { protocol, .. }) => Some(protocol),
        _ => None,
    };
    if protocol.is_some() && svc.port == 0 && svc.persistence.is_none() {
        return Err(IpvsadmError::invalid("Zero port specified for non-persistent service", svc.word));
    }
    if svc.one_packet && protocol.is_some_and(|p| p != Protocol::Udp) {
        let word = entry.seen[Col::Ops.index()];
        return Err(IpvsadmError::invalid("One-Packet Scheduling is only for UDP virtual services", word));
    }
    Ok(())
}

/// `-a`/`-e`: direct routing and tunnels keep the service port; only
/// tunnels may change family; tunnel options need `-i` and fit the type.
fn check_server(entry: &mut Entry<'_>) -> Result<(), IpvsadmError> {
    let is_fwmark = matches!(entry.svc.target, Some(Target::Fwmark { .. }));
    if !is_fwmark && matches!(entry.dest.fwd, Fwd::Tunnel | Fwd::Route) {
        entry.dest.port = entry.svc.port;
    }
    let dest_family = entry.dest.addr.map(Family::of);
    if dest_family != entry.svc.family() && entry.dest.fwd != Fwd::Tunnel {
        let message = "Different address family is allowed only for tunneling servers";
        return Err(IpvsadmError::invalid(message, entry.dest.word));
    }
    let tunnel_cols = [Col::TunType, Col::TunPort, Col::TunNoCsum, Col::TunCsum, Col::TunRemCsum];
    let tunnel_word = tunnel_cols.iter().find_map(|col| entry.seen[col.index()]);
    if tunnel_word.is_some() && entry.dest.fwd != Fwd::Tunnel {
        return Err(IpvsadmError::invalid("Tunnel options conflict with forward method", tunnel_word));
    }
    check_tunnel(entry.dest.tun_type, &entry.seen)
}

/// `-c`, `--timeout` and `--daemon` have no columns for the formats.
fn check_list(entry: &Entry<'_>) -> Result<(), IpvsadmError> {
    let any = |cols: &[Col]| cols.iter().any(|col| entry.seen[col.index()].is_some());
    let other_listing = any(&[Col::Connection, Col::Timeout, Col::Daemon]);
    let counters = any(&[Col::Stats, Col::Rate, Col::Thresholds]);
    let not_services = any(&[Col::Timeout, Col::Daemon]);
    if (other_listing && counters) || (not_services && any(&[Col::PersistentConn])) {
        return Err(IpvsadmError::invalid("options conflicts in the list command", None));
    }
    Ok(())
}

/// The command the checked entry asks for.
fn command(entry: &Entry<'_>, flags: SchedFlags, timeouts: Timeouts) -> Result<IpvsadmCommand, IpvsadmError> {
    Ok(match entry.cmd {
        Cmd::AddService => IpvsadmCommand::AddService(service(entry, flags)?),
        Cmd::EditService => IpvsadmCommand::EditService(service(entry, flags)?),
        Cmd::DelService => IpvsadmCommand::DelService(key(entry)?),
        Cmd::Flush => IpvsadmCommand::Flush,
        Cmd::List => IpvsadmCommand::List { target: list_target(entry)?, options: list_options(entry) },
        Cmd::AddServer => IpvsadmCommand::AddServer { service: key(entry)?, backend: backend(entry)? },
        Cmd::EditServer => IpvsadmCommand::EditServer { service: key(entry)?, backend: backend(entry)? },
        Cmd::DelServer => IpvsadmCommand::DelServer { service: key(entry)?, addr: backend(entry)?.addr },
        Cmd::Zero => IpvsadmCommand::Zero(optional_key(entry)),
        Cmd::Set => IpvsadmCommand::SetTimeouts(timeouts),
        Cmd::StartDaemon => IpvsadmCommand::StartDaemon(daemon(entry)),
        Cmd::StopDaemon => IpvsadmCommand::StopDaemon(entry.daemon.state),
        Cmd::Restore => IpvsadmCommand::Restore,
        Cmd::Save => IpvsadmCommand::Save,
        Cmd::Help => IpvsadmCommand::Help,
        Cmd::Version => IpvsadmCommand::Version,
    })
}

/// The service key, when the line named a service.
fn optional_key(entry: &Entry<'_>) -> Option<ServiceKey> {
    Some(match entry.svc.target? {
        Target::Inet { protocol, addr } => {
            ServiceKey::Inet { protocol, addr: SocketAddr::new(addr, entry.svc.port) }
        }
        Target::Fwmark { mark, family } => ServiceKey::Fwmark { mark, family },
    })
}

/// The service key of a command that requires one (the command check has
/// already refused a line without it; this keeps the refusal, not a panic).
fn key(entry: &Entry<'_>) -> Result<ServiceKey, IpvsadmError> {
    optional_key(entry).ok_or_else(|| missing(entry.cmd, Col::Service))
}

fn missing(cmd: Cmd, col: Col) -> IpvsadmError {
    let message = format!("You need to supply the '{}' option for the '{}' command", col.name(), cmd.name());
    IpvsadmError::invalid(message, None)
}

fn service(entry: &Entry<'_>, sched_flags: SchedFlags) -> Result<Service, IpvsadmError> {
    let svc = &entry.svc;
    Ok(Service {
        key: key(entry)?,
        scheduler: Scheduler::new(scheduler_name(&svc.scheduler)),
        sched_flags,
        persistence: svc.persistence.map(|timeout| Persistence { timeout }),
        netmask: svc.netmask,
        one_packet: svc.one_packet,
        pe: Some(svc.pe.clone()).filter(|pe| !pe.is_empty()),
    })
}

fn backend(entry: &Entry<'_>) -> Result<Backend, IpvsadmError> {
    let dest = &entry.dest;
    let addr = dest.addr.ok_or_else(|| missing(entry.cmd, Col::Server))?;
    let forward = match dest.fwd {
        Fwd::Masq => Forward::Masq,
        Fwd::Route => Forward::Route,
        Fwd::Tunnel => Forward::Tunnel(Tunnel { kind: tunnel_kind(entry), csum: dest.tun_csum }),
    };
    Ok(Backend {
        addr: SocketAddr::new(addr, dest.port),
        forward,
        weight: dest.weight,
        upper: dest.upper,
        lower: dest.lower,
    })
}

fn tunnel_kind(entry: &Entry<'_>) -> TunnelKind {
    match entry.dest.tun_type {
        TunType::Ipip => TunnelKind::Ipip,
        TunType::Gue => TunnelKind::Gue { port: entry.dest.tun_port },
        TunType::Gre => TunnelKind::Gre,
    }
}

fn daemon(entry: &Entry<'_>) -> Daemon {
    let mut daemon = entry.daemon.clone();
    if daemon.interface.is_empty() {
        daemon.interface = "eth0".to_string();
    }
    daemon
}

/// What `-L` lists: `-c` first, then a service, `--timeout`, `--daemon`.
fn list_target(entry: &Entry<'_>) -> Result<ListTarget, IpvsadmError> {
    let seen = |col: Col| entry.seen[col.index()].is_some();
    Ok(if seen(Col::Connection) {
        ListTarget::Connections { persistent: seen(Col::PersistentConn) }
    } else if seen(Col::Service) {
        ListTarget::Service(key(entry)?)
    } else if seen(Col::Timeout) {
        ListTarget::Timeouts
    } else if seen(Col::Daemon) {
        ListTarget::Daemons
    } else {
        ListTarget::Table
    })
}

/// The listing format by ipvsadm's priority: `--stats` > `--rate` >
/// `--thresholds` > `--persistent-conn` > `--tun-info`.
fn list_options(entry: &Entry<'_>) -> ListOptions {
    let seen = |col: Col| entry.seen[col.index()].is_some();
    let formats = [
        (Col::Stats, ListFormat::Stats),
        (Col::Rate, ListFormat::Rate),
        (Col::Thresholds, ListFormat::Thresholds),
        (Col::PersistentConn, ListFormat::PersistentConn),
        (Col::TunInfo, ListFormat::TunInfo),
    ];
    let format = formats.into_iter().find(|(col, _)| seen(*col)).map_or(ListFormat::Default, |(_, f)| f);
    ListOptions { format, exact: seen(Col::Exact), nosort: seen(Col::NoSort) }
}
