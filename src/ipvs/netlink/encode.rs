//! Operations to generic-netlink requests (pure: no socket), written
//! straight into the bytes the kernel reads: a restore encodes tens of
//! thousands of requests, and building each through attribute objects cost
//! more than the kernel's own work on them.
//!
//! Wire form (include/uapi/linux/netlink.h, genetlink.h): a 16-byte
//! `nlmsghdr` (length, type, flags, seq, pid), a 4-byte `genlmsghdr` (cmd,
//! version, reserved), then attributes, each a 4-byte `nlattr` (length,
//! type) and its payload padded to 4 bytes; a nested attribute's payload is
//! its children. Everything is in host order but ports, which IPVS takes
//! in network order.

use std::net::{IpAddr, SocketAddr};

use neli::consts::nl::NlmF;

use super::consts::*;
use crate::ipvs::model::{
    Backend, Daemon, DaemonState, Family, Forward, Netmask, Service, ServiceKey, Timeouts, TunnelCsum,
    TunnelKind,
};
use crate::ipvs::op::Op;

/// A request: a command and its top-level attributes, in wire form.
#[derive(Debug, Clone)]
pub struct Request {
    pub cmd: IpvsCmd,
    attrs: Vec<u8>,
}

impl Request {
    /// A request without attributes.
    pub fn bare(cmd: IpvsCmd) -> Request {
        Request { cmd, attrs: Vec::new() }
    }

    /// A request whose attributes `write` puts.
    fn with(cmd: IpvsCmd, write: impl FnOnce(&mut Attrs<'_>)) -> Request {
        let mut attrs = Vec::new();
        write(&mut Attrs::at_end_of(&mut attrs));
        Request { cmd, attrs }
    }

    /// A request naming one service (GET_SERVICE, GET_DEST).
    pub fn about(cmd: IpvsCmd, key: &ServiceKey) -> Request {
        Request::with(cmd, |a| service_id_attr(a, key))
    }
}

/// Attributes in wire form, appended one after another to a buffer (a
/// batch's, so that a restore writes each request once, with no buffer of
/// its own), each padded to 4 bytes from where the first one starts.
pub struct Attrs<'a> {
    buf: &'a mut Vec<u8>,
    start: usize,
}

/// `nlattr`'s header: a u16 length (header included, padding not) and a u16 type.
const NLA_HDRLEN: usize = 4;
/// The type bit that marks a nested attribute.
const NLA_F_NESTED: u16 = 1 << 15;

impl Attrs<'_> {
    /// Attributes written after what `buf` holds.
    fn at_end_of(buf: &mut Vec<u8>) -> Attrs<'_> {
        let start = buf.len();
        Attrs { buf, start }
    }

    /// A leaf attribute of at most 16 bytes, as every one lvsh sends but a
    /// string is: written as one fixed-size piece, then cut to its padded
    /// length. (Every attribute starts 4-aligned from `start`: each one
    /// before it was padded.)
    fn put<const N: usize>(&mut self, kind: impl Into<u16>, payload: [u8; N]) {
        const { assert!(N <= 16) };
        let len = NLA_HDRLEN + N;
        let mut attr = [0u8; NLA_HDRLEN + 16];
        let [l0, l1] = (len as u16).to_ne_bytes();
        let [k0, k1] = kind.into().to_ne_bytes();
        attr[..NLA_HDRLEN].copy_from_slice(&[l0, l1, k0, k1]);
        attr[NLA_HDRLEN..len].copy_from_slice(&payload);
        let at = self.buf.len();
        self.buf.extend_from_slice(&attr);
        self.buf.truncate(at + ((len + 3) & !3));
    }

    fn u32(&mut self, kind: impl Into<u16>, n: u32) {
        self.put(kind, n.to_ne_bytes());
    }

    /// A C string: the text and its NUL.
    fn string(&mut self, kind: impl Into<u16>, text: &str) {
        let len = NLA_HDRLEN + text.len() + 1;
        self.header(len, kind.into());
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(0);
        self.pad();
    }

    /// An attribute holding the ones `children` puts; its length is known
    /// once they are written.
    fn nest(&mut self, kind: impl Into<u16>, children: impl FnOnce(&mut Attrs<'_>)) {
        let start = self.buf.len();
        self.header(0, kind.into() | NLA_F_NESTED);
        children(self);
        let len = u16::try_from(self.buf.len() - start).unwrap_or(u16::MAX);
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }

    fn header(&mut self, len: usize, kind: u16) {
        let [l0, l1] = u16::try_from(len).unwrap_or(u16::MAX).to_ne_bytes();
        let [k0, k1] = kind.to_ne_bytes();
        self.buf.extend_from_slice(&[l0, l1, k0, k1]);
    }

    fn pad(&mut self) {
        let padded = self.start + ((self.buf.len() - self.start + 3) & !3);
        self.buf.resize(padded, 0);
    }
}

/// The request that performs `op`.
pub fn encode_op(op: &Op) -> Request {
    let mut attrs = Vec::new();
    let cmd = op_attrs(&mut Attrs::at_end_of(&mut attrs), op);
    Request { cmd, attrs }
}

/// Appends the request that performs `op` as one netlink message to `buf`,
/// its attributes written in place: the bytes of `append_message` of
/// [`encode_op`], without a buffer for each request.
pub fn append_op(buf: &mut Vec<u8>, family: u16, flags: NlmF, seq: u32, op: &Op) {
    let start = buf.len();
    // The command and the length are known once the attributes are written.
    header(buf, 0, family, flags, seq, IpvsCmd::Flush);
    let cmd = op_attrs(&mut Attrs::at_end_of(buf), op);
    let len = u32::try_from(buf.len() - start).unwrap_or(u32::MAX);
    buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    buf[start + NLMSG_HDRLEN] = u8::from(cmd);
}

/// Writes the attributes of the request that performs `op`; returns its command.
fn op_attrs(a: &mut Attrs<'_>, op: &Op) -> IpvsCmd {
    match op {
        Op::AddService(svc) => {
            a.nest(CmdAttr::Service, |a| service_full(a, svc));
            IpvsCmd::NewService
        }
        Op::EditService(svc) => {
            a.nest(CmdAttr::Service, |a| service_full(a, svc));
            IpvsCmd::SetService
        }
        Op::DelService(key) => {
            service_id_attr(a, key);
            IpvsCmd::DelService
        }
        Op::AddBackend { service, backend } => {
            dest_full(a, service, backend);
            IpvsCmd::NewDest
        }
        Op::EditBackend { service, backend } => {
            dest_full(a, service, backend);
            IpvsCmd::SetDest
        }
        Op::DelBackend { service, addr } => {
            service_id_attr(a, service);
            a.nest(CmdAttr::Dest, |a| dest_id(a, addr));
            IpvsCmd::DelDest
        }
        Op::Zero(Some(key)) => {
            service_id_attr(a, key);
            IpvsCmd::Zero
        }
        Op::Zero(None) => IpvsCmd::Zero,
        Op::Flush => IpvsCmd::Flush,
        Op::SetTimeouts(t) => {
            timeouts(a, t);
            IpvsCmd::SetConfig
        }
        Op::StartDaemon(d) => {
            a.nest(CmdAttr::Daemon, |a| daemon(a, d));
            IpvsCmd::NewDaemon
        }
        Op::StopDaemon(state) => {
            a.nest(CmdAttr::Daemon, |a| a.u32(DaemonAttr::State, daemon_state(*state)));
            IpvsCmd::DelDaemon
        }
    }
}

/// `SERVICE { id }`: what names one service in GET_SERVICE, GET_DEST and friends.
fn service_id_attr(a: &mut Attrs<'_>, key: &ServiceKey) {
    a.nest(CmdAttr::Service, |a| service_id(a, key));
}

/// `nlmsghdr` and `genlmsghdr`: 16 and 4 bytes.
const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;

/// Appends `req` as one netlink message to `buf`.
pub fn append_message(buf: &mut Vec<u8>, family: u16, flags: NlmF, seq: u32, req: &Request) {
    let len = NLMSG_HDRLEN + GENL_HDRLEN + req.attrs.len();
    buf.reserve(len);
    header(buf, len, family, flags, seq, req.cmd);
    buf.extend_from_slice(&req.attrs);
}

/// A message's `nlmsghdr` and `genlmsghdr`, for a message of `len` bytes.
fn header(buf: &mut Vec<u8>, len: usize, family: u16, flags: NlmF, seq: u32, cmd: IpvsCmd) {
    buf.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_ne_bytes());
    buf.extend_from_slice(&family.to_ne_bytes());
    buf.extend_from_slice(&(flags | NlmF::REQUEST).bits().to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
    buf.extend_from_slice(&[u8::from(cmd), FAMILY_VERSION, 0, 0]);
}

fn service_id(a: &mut Attrs<'_>, key: &ServiceKey) {
    a.put(SvcAttr::Af, family_bytes(key.family()));
    match key {
        ServiceKey::Fwmark { mark, .. } => a.u32(SvcAttr::Fwmark, *mark),
        ServiceKey::Inet { protocol, addr } => {
            a.put(SvcAttr::Protocol, protocol.number().to_ne_bytes());
            a.put(SvcAttr::Addr, inet_addr(addr.ip()));
            a.put(SvcAttr::Port, addr.port().to_be_bytes());
        }
    }
}

/// Every attribute NEW_SERVICE and SET_SERVICE require, in ipvsadm's order.
fn service_full(a: &mut Attrs<'_>, svc: &Service) {
    service_id(a, &svc.key);
    a.string(SvcAttr::SchedName, svc.scheduler.name());
    if let Some(pe) = &svc.pe {
        a.string(SvcAttr::PeName, pe);
    }
    let flags = bits(&[
        (svc.persistence.is_some(), SVC_F_PERSISTENT),
        (svc.one_packet, SVC_F_ONEPACKET),
        (svc.sched_flags.flag1, SVC_F_SCHED1),
        (svc.sched_flags.flag2, SVC_F_SCHED2),
        (svc.sched_flags.flag3, SVC_F_SCHED3),
    ]);
    // The mask says which flag bits to set: all of them, a full replace like ipvsadm's.
    let mut flags_and_mask = [0u8; 8];
    flags_and_mask[..4].copy_from_slice(&flags.to_ne_bytes());
    flags_and_mask[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
    a.put(SvcAttr::Flags, flags_and_mask);
    a.u32(SvcAttr::Timeout, svc.persistence.map_or(0, |p| p.timeout));
    match svc.netmask {
        // IPv4: the mask in network order; IPv6: the prefix length as a host-order u32.
        Netmask::V4(mask) => a.put(SvcAttr::Netmask, mask.octets()),
        Netmask::V6(prefix) => a.u32(SvcAttr::Netmask, u32::from(prefix)),
    }
}

fn dest_full(a: &mut Attrs<'_>, service: &ServiceKey, b: &Backend) {
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
    service_id_attr(a, service);
    a.nest(CmdAttr::Dest, |a| {
        dest_id(a, &b.addr);
        a.u32(DestAttr::FwdMethod, forward_code(b.forward));
        a.u32(DestAttr::Weight, b.weight);
        a.put(DestAttr::TunType, [tun_type]);
        a.put(DestAttr::TunPort, tun_port.to_be_bytes());
        a.put(DestAttr::TunFlags, tun_flags.to_ne_bytes());
        a.u32(DestAttr::UThresh, b.upper);
        a.u32(DestAttr::LThresh, b.lower);
    });
}

fn dest_id(a: &mut Attrs<'_>, addr: &SocketAddr) {
    a.put(DestAttr::AddrFamily, family_bytes(Family::of(addr.ip())));
    a.put(DestAttr::Addr, inet_addr(addr.ip()));
    a.put(DestAttr::Port, addr.port().to_be_bytes());
}

fn daemon(a: &mut Attrs<'_>, d: &Daemon) {
    a.u32(DaemonAttr::State, daemon_state(d.state));
    a.string(DaemonAttr::McastIfn, &d.interface);
    a.u32(DaemonAttr::SyncId, d.sync_id);
    if let Some(len) = d.max_len {
        a.put(DaemonAttr::SyncMaxlen, len.to_ne_bytes());
    }
    match d.group {
        Some(IpAddr::V4(group)) => a.put(DaemonAttr::McastGroup, group.octets()),
        Some(IpAddr::V6(group)) => a.put(DaemonAttr::McastGroup6, group.octets()),
        None => {}
    }
    if let Some(port) = d.port {
        a.put(DaemonAttr::McastPort, port.to_ne_bytes());
    }
    if let Some(ttl) = d.ttl {
        a.put(DaemonAttr::McastTtl, [ttl]);
    }
}

fn timeouts(a: &mut Attrs<'_>, t: &Timeouts) {
    a.u32(CmdAttr::TimeoutTcp, t.tcp);
    a.u32(CmdAttr::TimeoutTcpFin, t.tcp_fin);
    a.u32(CmdAttr::TimeoutUdp, t.udp);
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

fn family_bytes(family: Family) -> [u8; 2] {
    match family {
        Family::V4 => AF_INET,
        Family::V6 => AF_INET6,
    }
    .to_ne_bytes()
}

/// A `union nf_inet_addr`: 16 bytes, IPv4 in the first four, as ipvsadm sends it.
fn inet_addr(addr: IpAddr) -> [u8; 16] {
    let mut bytes = [0; 16];
    match addr {
        IpAddr::V4(v4) => bytes[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => bytes.copy_from_slice(&v6.octets()),
    }
    bytes
}

fn bits(flags: &[(bool, u32)]) -> u32 {
    flags.iter().filter(|(set, _)| *set).fold(0, |acc, (_, bit)| acc | bit)
}
