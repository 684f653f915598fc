//! Operations to generic-netlink requests (pure: no socket).

use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};

use neli::consts::genl::NlAttrType;
use neli::consts::nl::NlmF;
use neli::genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::types::{Buffer, GenlBuffer};
use neli::ToBytes;

use super::consts::*;
use crate::ipvs::error::KernelError;
use crate::ipvs::model::{
    Backend, Daemon, DaemonState, Family, Forward, Netmask, Service, ServiceKey, Timeouts, TunnelCsum,
    TunnelKind,
};
use crate::ipvs::op::Op;

/// An attribute with its payload as bytes.
pub type Attr<T> = Nlattr<T, Buffer>;

/// A request: a command and its top-level attributes.
#[derive(Debug)]
pub struct Request {
    pub cmd: IpvsCmd,
    pub attrs: Vec<Attr<CmdAttr>>,
}

impl Request {
    /// A request without attributes.
    pub fn bare(cmd: IpvsCmd) -> Request {
        Request { cmd, attrs: Vec::new() }
    }
}

/// The request that performs `op`.
pub fn encode_op(op: &Op) -> Result<Request, KernelError> {
    let (cmd, attrs) = match op {
        Op::AddService(svc) => (IpvsCmd::NewService, vec![nest(CmdAttr::Service, service_full(svc)?)?]),
        Op::EditService(svc) => (IpvsCmd::SetService, vec![nest(CmdAttr::Service, service_full(svc)?)?]),
        Op::DelService(key) => (IpvsCmd::DelService, vec![service_id_attr(key)?]),
        Op::AddBackend { service, backend } => (IpvsCmd::NewDest, dest_full(service, backend)?),
        Op::EditBackend { service, backend } => (IpvsCmd::SetDest, dest_full(service, backend)?),
        Op::DelBackend { service, addr } => {
            (IpvsCmd::DelDest, vec![service_id_attr(service)?, nest(CmdAttr::Dest, dest_id(addr)?)?])
        }
        Op::Zero(Some(key)) => (IpvsCmd::Zero, vec![service_id_attr(key)?]),
        Op::Zero(None) => (IpvsCmd::Zero, Vec::new()),
        Op::Flush => (IpvsCmd::Flush, Vec::new()),
        Op::SetTimeouts(t) => (IpvsCmd::SetConfig, timeouts(t)?),
        Op::StartDaemon(d) => (IpvsCmd::NewDaemon, vec![nest(CmdAttr::Daemon, daemon(d)?)?]),
        Op::StopDaemon(state) => (
            IpvsCmd::DelDaemon,
            vec![nest(CmdAttr::Daemon, vec![attr(DaemonAttr::State, u32_bytes(daemon_state(*state)))?])?],
        ),
    };
    Ok(Request { cmd, attrs })
}

/// `SERVICE { id }`: what names one service in GET_SERVICE, GET_DEST and friends.
pub fn service_id_attr(key: &ServiceKey) -> Result<Attr<CmdAttr>, KernelError> {
    nest(CmdAttr::Service, service_id(key)?)
}

/// Appends `req` as one netlink message to `buf`.
pub fn append_message(
    buf: &mut Vec<u8>,
    family: u16,
    flags: NlmF,
    seq: u32,
    req: Request,
) -> Result<(), KernelError> {
    let attrs: GenlBuffer<CmdAttr, Buffer> = req.attrs.into_iter().collect();
    let genl: Genlmsghdr<IpvsCmd, CmdAttr> = GenlmsghdrBuilder::default()
        .cmd(req.cmd)
        .version(FAMILY_VERSION)
        .attrs(attrs)
        .build()
        .map_err(encode_error)?;
    let msg = NlmsghdrBuilder::default()
        .nl_type(family)
        .nl_flags(flags | NlmF::REQUEST)
        .nl_seq(seq)
        .nl_pid(0)
        .nl_payload(NlPayload::Payload(genl))
        .build()
        .map_err(encode_error)?;
    let start = buf.len() as u64;
    let mut cursor = Cursor::new(std::mem::take(buf));
    cursor.set_position(start);
    let written = msg.to_bytes(&mut cursor).map_err(encode_error);
    *buf = cursor.into_inner();
    written
}

fn service_id(key: &ServiceKey) -> Result<Vec<Attr<SvcAttr>>, KernelError> {
    let mut attrs = vec![attr(SvcAttr::Af, family_bytes(key.family()))?];
    match key {
        ServiceKey::Fwmark { mark, .. } => attrs.push(attr(SvcAttr::Fwmark, u32_bytes(*mark))?),
        ServiceKey::Inet { protocol, addr } => {
            attrs.push(attr(SvcAttr::Protocol, protocol.number().to_ne_bytes().to_vec())?);
            attrs.push(attr(SvcAttr::Addr, inet_addr(addr.ip()))?);
            attrs.push(attr(SvcAttr::Port, addr.port().to_be_bytes().to_vec())?);
        }
    }
    Ok(attrs)
}

/// Every attribute NEW_SERVICE and SET_SERVICE require, in ipvsadm's order.
fn service_full(svc: &Service) -> Result<Vec<Attr<SvcAttr>>, KernelError> {
    let mut attrs = service_id(&svc.key)?;
    attrs.push(attr(SvcAttr::SchedName, c_string(svc.scheduler.name()))?);
    if let Some(pe) = &svc.pe {
        attrs.push(attr(SvcAttr::PeName, c_string(pe))?);
    }
    let mut flags = bits(&[
        (svc.persistence.is_some(), SVC_F_PERSISTENT),
        (svc.one_packet, SVC_F_ONEPACKET),
        (svc.sched_flags.flag1, SVC_F_SCHED1),
        (svc.sched_flags.flag2, SVC_F_SCHED2),
        (svc.sched_flags.flag3, SVC_F_SCHED3),
    ])
    .to_ne_bytes()
    .to_vec();
    // The mask says which flag bits to set: all of them, a full replace like ipvsadm's.
    flags.extend_from_slice(&u32::MAX.to_ne_bytes());
    attrs.push(attr(SvcAttr::Flags, flags)?);
    let timeout = svc.persistence.map_or(0, |p| p.timeout);
    attrs.push(attr(SvcAttr::Timeout, u32_bytes(timeout))?);
    attrs.push(attr(SvcAttr::Netmask, netmask(svc.netmask))?);
    Ok(attrs)
}

fn dest_full(service: &ServiceKey, b: &Backend) -> Result<Vec<Attr<CmdAttr>>, KernelError> {
    let (tun_type, tun_port, tun_flags) = match b.forward {
        Forward::Tunnel(t) => {
            let (kind, port) = match t.kind {
                TunnelKind::Ipip => (TUN_IPIP, 0),
                TunnelKind::Gue { port } => (TUN_GUE, port),
                TunnelKind::Gre => (TUN_GRE, 0),
            };
            let flags = match t.csum {
                TunnelCsum::NoCsum => 0,
                TunnelCsum::Csum => TUN_F_CSUM,
                TunnelCsum::RemCsum => TUN_F_REMCSUM,
            };
            (kind, port, flags)
        }
        _ => (TUN_IPIP, 0, 0),
    };
    let mut dest = dest_id(&b.addr)?;
    dest.extend([
        attr(DestAttr::FwdMethod, u32_bytes(forward_code(b.forward)))?,
        attr(DestAttr::Weight, u32_bytes(b.weight))?,
        attr(DestAttr::TunType, vec![tun_type])?,
        attr(DestAttr::TunPort, tun_port.to_be_bytes().to_vec())?,
        attr(DestAttr::TunFlags, tun_flags.to_ne_bytes().to_vec())?,
        attr(DestAttr::UThresh, u32_bytes(b.upper))?,
        attr(DestAttr::LThresh, u32_bytes(b.lower))?,
    ]);
    Ok(vec![service_id_attr(service)?, nest(CmdAttr::Dest, dest)?])
}

fn dest_id(addr: &SocketAddr) -> Result<Vec<Attr<DestAttr>>, KernelError> {
    Ok(vec![
        attr(DestAttr::AddrFamily, family_bytes(Family::of(addr.ip())))?,
        attr(DestAttr::Addr, inet_addr(addr.ip()))?,
        attr(DestAttr::Port, addr.port().to_be_bytes().to_vec())?,
    ])
}

fn daemon(d: &Daemon) -> Result<Vec<Attr<DaemonAttr>>, KernelError> {
    let mut attrs = vec![
        attr(DaemonAttr::State, u32_bytes(daemon_state(d.state)))?,
        attr(DaemonAttr::McastIfn, c_string(&d.interface))?,
        attr(DaemonAttr::SyncId, u32_bytes(d.sync_id))?,
    ];
    if let Some(len) = d.max_len {
        attrs.push(attr(DaemonAttr::SyncMaxlen, len.to_ne_bytes().to_vec())?);
    }
    match d.group {
        Some(IpAddr::V4(group)) => attrs.push(attr(DaemonAttr::McastGroup, group.octets().to_vec())?),
        Some(IpAddr::V6(group)) => attrs.push(attr(DaemonAttr::McastGroup6, group.octets().to_vec())?),
        None => {}
    }
    if let Some(port) = d.port {
        attrs.push(attr(DaemonAttr::McastPort, port.to_ne_bytes().to_vec())?);
    }
    if let Some(ttl) = d.ttl {
        attrs.push(attr(DaemonAttr::McastTtl, vec![ttl])?);
    }
    Ok(attrs)
}

fn timeouts(t: &Timeouts) -> Result<Vec<Attr<CmdAttr>>, KernelError> {
    Ok(vec![
        attr(CmdAttr::TimeoutTcp, u32_bytes(t.tcp))?,
        attr(CmdAttr::TimeoutTcpFin, u32_bytes(t.tcp_fin))?,
        attr(CmdAttr::TimeoutUdp, u32_bytes(t.udp))?,
    ])
}

/// The kernel's forwarding-method number.
pub fn forward_code(forward: Forward) -> u32 {
    match forward {
        Forward::Masq => FWD_MASQ,
        Forward::Local => FWD_LOCALNODE,
        Forward::Tunnel(_) => FWD_TUNNEL,
        Forward::Route => FWD_DROUTE,
        Forward::Bypass => FWD_BYPASS,
        Forward::Unknown(n) => u32::from(n) & FWD_MASK,
    }
}

fn daemon_state(state: DaemonState) -> u32 {
    match state {
        DaemonState::Master => STATE_MASTER,
        DaemonState::Backup => STATE_BACKUP,
    }
}

fn family_bytes(family: Family) -> Vec<u8> {
    let af = match family {
        Family::V4 => AF_INET,
        Family::V6 => AF_INET6,
    };
    af.to_ne_bytes().to_vec()
}

/// A `union nf_inet_addr`: 16 bytes, IPv4 in the first four, as ipvsadm sends it.
fn inet_addr(addr: IpAddr) -> Vec<u8> {
    let mut bytes = vec![0; 16];
    match addr {
        IpAddr::V4(v4) => bytes[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => bytes.copy_from_slice(&v6.octets()),
    }
    bytes
}

/// IPv4: the mask in network order; IPv6: the prefix length as a host-order u32.
fn netmask(mask: Netmask) -> Vec<u8> {
    match mask {
        Netmask::V4(mask) => mask.octets().to_vec(),
        Netmask::V6(prefix) => u32_bytes(u32::from(prefix)),
    }
}

fn bits(flags: &[(bool, u32)]) -> u32 {
    flags.iter().filter(|(set, _)| *set).fold(0, |acc, (_, bit)| acc | bit)
}

fn u32_bytes(n: u32) -> Vec<u8> {
    n.to_ne_bytes().to_vec()
}

fn c_string(text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    bytes
}

/// A leaf attribute.
pub fn attr<T: NlAttrType>(kind: T, payload: Vec<u8>) -> Result<Attr<T>, KernelError> {
    let kind = AttrTypeBuilder::default().nla_type(kind).build().map_err(encode_error)?;
    NlattrBuilder::default().nla_type(kind).nla_payload(payload).build().map_err(encode_error)
}

/// An attribute holding others.
pub fn nest<T: NlAttrType, C: NlAttrType>(kind: T, children: Vec<Attr<C>>) -> Result<Attr<T>, KernelError> {
    children.iter().try_fold(attr(kind, Vec::new())?, |outer, child| outer.nest(child).map_err(encode_error))
}

fn encode_error(err: impl std::fmt::Display) -> KernelError {
    KernelError::Encode { what: err.to_string() }
}
