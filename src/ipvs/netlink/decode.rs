//! Generic-netlink replies to the model (pure: no socket).
//!
//! Unknown attributes are ignored, as the kernel's own parser does; a missing
//! mandatory one or a wrong length is a [`KernelError::Malformed`].

use std::net::{Ipv4Addr, SocketAddr};

use super::attr::{frames, malformed, Attrs};
use super::consts::*;
use crate::ipvs::error::KernelError;
use crate::ipvs::model::{
    Backend, BackendEntry, Daemon, DaemonState, Family, Forward, Info, Netmask, Persistence, Protocol,
    SchedFlags, Scheduler, Service, ServiceEntry, ServiceKey, Stats, Timeouts, Tunnel, TunnelCsum,
    TunnelKind,
};

/// A service from the attributes of a `NEW_SERVICE` reply message.
pub fn decode_service(msg: &[u8]) -> Result<ServiceEntry, KernelError> {
    let top = Attrs::parse(msg)?;
    let svc =
        top.nested(CmdAttr::Service)?.ok_or_else(|| malformed("a service message without a service"))?;
    let family =
        family(&svc, SvcAttr::Af)?.ok_or_else(|| malformed("a service without an address family"))?;
    let key = match svc.num::<u32>(SvcAttr::Fwmark)? {
        Some(mark) if mark != 0 => ServiceKey::Fwmark { mark, family },
        _ => {
            let protocol = need(svc.num::<u16>(SvcAttr::Protocol)?, "service protocol")?;
            let ip = need(svc.addr(SvcAttr::Addr, family == Family::V6)?, "service address")?;
            let port = need(svc.be16(SvcAttr::Port)?, "service port")?;
            ServiceKey::Inet { protocol: Protocol::from_number(protocol), addr: SocketAddr::new(ip, port) }
        }
    };
    let flags = match svc.get(SvcAttr::Flags) {
        Some(bytes) => bytes.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_ne_bytes),
        None => Some(0),
    }
    .ok_or_else(|| malformed("service flags shorter than 4 bytes"))?;
    let timeout = svc.num::<u32>(SvcAttr::Timeout)?.unwrap_or(0);
    let service = Service {
        key,
        scheduler: Scheduler::new(svc.str(SvcAttr::SchedName)?.unwrap_or("none")),
        sched_flags: SchedFlags {
            flag1: flags & SVC_F_SCHED1 != 0,
            flag2: flags & SVC_F_SCHED2 != 0,
            flag3: flags & SVC_F_SCHED3 != 0,
        },
        persistence: (flags & SVC_F_PERSISTENT != 0).then_some(Persistence { timeout }),
        netmask: netmask(svc.get(SvcAttr::Netmask), family)?,
        one_packet: flags & SVC_F_ONEPACKET != 0,
        pe: svc.string(SvcAttr::PeName)?.filter(|name| !name.is_empty()),
    };
    Ok(ServiceEntry { service, stats: stats(&svc, SvcAttr::Stats64, SvcAttr::Stats)? })
}

/// A backend from the attributes of a `NEW_DEST` reply message.
pub fn decode_backend(msg: &[u8], service_family: Family) -> Result<BackendEntry, KernelError> {
    let top = Attrs::parse(msg)?;
    let dest =
        top.nested(CmdAttr::Dest)?.ok_or_else(|| malformed("a destination message without a destination"))?;
    let family = family(&dest, DestAttr::AddrFamily)?.unwrap_or(service_family);
    let ip = need(dest.addr(DestAttr::Addr, family == Family::V6)?, "destination address")?;
    let port = need(dest.be16(DestAttr::Port)?, "destination port")?;
    let method = need(dest.num::<u32>(DestAttr::FwdMethod)?, "forwarding method")?;
    let forward = match forward(method) {
        Some(forward) => forward,
        None => Forward::Tunnel(tunnel(&dest)?),
    };
    let backend = Backend {
        addr: SocketAddr::new(ip, port),
        forward,
        weight: need(dest.num::<u32>(DestAttr::Weight)?, "weight")?,
        upper: dest.num::<u32>(DestAttr::UThresh)?.unwrap_or(0),
        lower: dest.num::<u32>(DestAttr::LThresh)?.unwrap_or(0),
    };
    Ok(BackendEntry {
        backend,
        active_conns: dest.num(DestAttr::ActiveConns)?.unwrap_or(0),
        inactive_conns: dest.num(DestAttr::InactConns)?.unwrap_or(0),
        persist_conns: dest.num(DestAttr::PersistConns)?.unwrap_or(0),
        stats: stats(&dest, DestAttr::Stats64, DestAttr::Stats)?,
    })
}

/// The forwarding method the low bits of `flags` name (a destination's
/// FWD_METHOD, or its `conn_flags`); `None` for a tunnel, whose settings
/// are elsewhere.
pub fn forward(flags: u32) -> Option<Forward> {
    Some(match flags & FWD_MASK {
        FWD_MASQ => Forward::Masq,
        FWD_LOCALNODE => Forward::Local,
        FWD_TUNNEL => return None,
        FWD_DROUTE => Forward::Route,
        FWD_BYPASS => Forward::Bypass,
        other => Forward::Unknown(other as u8),
    })
}

fn tunnel(dest: &Attrs<'_>) -> Result<Tunnel, KernelError> {
    let kind = match dest.num::<u8>(DestAttr::TunType)?.unwrap_or(TUN_IPIP) {
        TUN_GUE => TunnelKind::Gue { port: dest.be16(DestAttr::TunPort)?.unwrap_or(0) },
        TUN_GRE => TunnelKind::Gre,
        _ => TunnelKind::Ipip,
    };
    let flags = dest.num::<u16>(DestAttr::TunFlags)?.unwrap_or(0);
    let csum = if flags & TUN_F_REMCSUM != 0 {
        TunnelCsum::RemCsum
    } else if flags & TUN_F_CSUM != 0 {
        TunnelCsum::Csum
    } else {
        TunnelCsum::NoCsum
    };
    Ok(Tunnel { kind, csum })
}

/// A sync daemon from the attributes of a `NEW_DAEMON` reply message.
pub fn decode_daemon(msg: &[u8]) -> Result<Daemon, KernelError> {
    let top = Attrs::parse(msg)?;
    let d = top.nested(CmdAttr::Daemon)?.ok_or_else(|| malformed("a daemon message without a daemon"))?;
    let state = match need(d.num::<u32>(DaemonAttr::State)?, "daemon state")? {
        STATE_MASTER => DaemonState::Master,
        STATE_BACKUP => DaemonState::Backup,
        other => return Err(malformed(&format!("daemon state {other}"))),
    };
    let group = match (d.get(DaemonAttr::McastGroup6), d.get(DaemonAttr::McastGroup)) {
        (Some(_), _) => d.addr(DaemonAttr::McastGroup6, true)?,
        (None, Some(_)) => d.addr(DaemonAttr::McastGroup, false)?,
        (None, None) => None,
    };
    Ok(Daemon {
        state,
        interface: d.string(DaemonAttr::McastIfn)?.unwrap_or_default(),
        sync_id: d.num(DaemonAttr::SyncId)?.unwrap_or(0),
        max_len: d.num(DaemonAttr::SyncMaxlen)?,
        group,
        port: d.num(DaemonAttr::McastPort)?,
        ttl: d.num(DaemonAttr::McastTtl)?,
    })
}

/// The timeouts from a `GET_CONFIG` reply.
pub fn decode_timeouts(msg: &[u8]) -> Result<Timeouts, KernelError> {
    let top = Attrs::parse(msg)?;
    Ok(Timeouts {
        tcp: top.num(CmdAttr::TimeoutTcp)?.unwrap_or(0),
        tcp_fin: top.num(CmdAttr::TimeoutTcpFin)?.unwrap_or(0),
        udp: top.num(CmdAttr::TimeoutUdp)?.unwrap_or(0),
    })
}

/// Version and table size from a `GET_INFO` reply.
pub fn decode_info(msg: &[u8]) -> Result<Info, KernelError> {
    let top = Attrs::parse(msg)?;
    Ok(Info {
        version: need(top.num(INFO_ATTR_VERSION)?, "IPVS version")?,
        conn_tab_size: need(top.num(INFO_ATTR_CONN_TAB_SIZE)?, "connection table size")?,
    })
}

/// Counters, from the 64-bit nest when the kernel sends it, else the legacy one.
fn stats(attrs: &Attrs<'_>, wide: impl Into<u16>, legacy: impl Into<u16>) -> Result<Stats, KernelError> {
    let Some(s) = (match attrs.nested(wide)? {
        Some(s) => Some(s),
        None => attrs.nested(legacy)?,
    }) else {
        return Ok(Stats::default());
    };
    let n = |kind: StatsAttr| s.uint(kind).map(Option::unwrap_or_default);
    Ok(Stats {
        conns: n(StatsAttr::Conns)?,
        in_pkts: n(StatsAttr::InPkts)?,
        out_pkts: n(StatsAttr::OutPkts)?,
        in_bytes: n(StatsAttr::InBytes)?,
        out_bytes: n(StatsAttr::OutBytes)?,
        cps: n(StatsAttr::Cps)?,
        in_pps: n(StatsAttr::InPps)?,
        out_pps: n(StatsAttr::OutPps)?,
        in_bps: n(StatsAttr::InBps)?,
        out_bps: n(StatsAttr::OutBps)?,
    })
}

fn family(attrs: &Attrs<'_>, kind: impl Into<u16>) -> Result<Option<Family>, KernelError> {
    match attrs.num::<u16>(kind)? {
        None | Some(0) => Ok(None),
        Some(AF_INET) => Ok(Some(Family::V4)),
        Some(AF_INET6) => Ok(Some(Family::V6)),
        Some(other) => Err(malformed(&format!("address family {other}"))),
    }
}

fn netmask(bytes: Option<&[u8]>, family: Family) -> Result<Netmask, KernelError> {
    let Some(bytes) = bytes else { return Ok(Netmask::full(family)) };
    let raw: [u8; 4] = bytes
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("a netmask shorter than 4 bytes"))?;
    Ok(match family {
        Family::V4 => Netmask::V4(Ipv4Addr::from(raw)),
        Family::V6 => Netmask::V6(
            u8::try_from(u32::from_ne_bytes(raw)).map_err(|_| malformed("an IPv6 prefix above 255"))?,
        ),
    })
}

fn need<T>(value: Option<T>, what: &str) -> Result<T, KernelError> {
    value.ok_or_else(|| malformed(&format!("no {what}")))
}

/// Every decoder over `bytes`, read both as one message's attributes and as
/// a received buffer of netlink messages; the results are dropped. The fuzz
/// target's entry (fuzz/fuzz_targets/netlink_decode.rs): it needs no socket.
#[doc(hidden)]
pub fn decode_every_way(bytes: &[u8]) {
    decode_attrs_every_way(bytes);
    for frame in frames(bytes).unwrap_or_default() {
        let _ = frame.errno();
        if let Ok((_, attrs)) = frame.genl() {
            decode_attrs_every_way(attrs);
        }
    }
}

fn decode_attrs_every_way(attrs: &[u8]) {
    let _ = decode_service(attrs);
    let _ = decode_backend(attrs, Family::V4);
    let _ = decode_backend(attrs, Family::V6);
    let _ = decode_daemon(attrs);
    let _ = decode_timeouts(attrs);
    let _ = decode_info(attrs);
}
