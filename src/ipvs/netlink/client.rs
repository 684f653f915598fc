//! The netlink client: one generic-netlink socket in the chosen namespace,
//! the IPVS family resolved once, changes sent in batches.
//!
//! # Listings and concurrent changes
//!
//! The kernel sends a dump in messages of at most 32 KiB (about 100
//! services, or 90 backends) and builds each one when lvsh reads the one
//! before. Between two messages it keeps only a position: how many entries
//! it has passed. So a change made between two messages, in front of that
//! position, moves what the next message starts with: an addition there
//! repeats the entry just before it, a deletion skips the entry just after
//! it. The kernel says nothing of it: IPVS never sets `NLM_F_DUMP_INTR`
//! (`ip_vs_genl_dump_services` and `ip_vs_genl_dump_dests` keep no change
//! counter), and `IPVS_CMD_GET_INFO` carries no service count.
//!
//! - Before Linux 7.1 the position counts the services of *every* namespace
//!   (one table for all), so any namespace's changes move it, even while
//!   this one is still; a table that fits one message still gets a second,
//!   empty one, which repeats services when another namespace adds some in
//!   between. From 7.1 each namespace has its own table and only changes in
//!   this namespace move the position. Backend dumps count the backends of
//!   one service, in every kernel.
//! - Repeats never show: services are kept once by key, backends once by
//!   address (the first copy).
//! - Skipped IPv4 services are found again: before the dump lvsh reads the
//!   keys of every IPv4 service with the old `IP_VS_SO_GET_SERVICES` socket
//!   option, which copies them all in one call under the lock that every
//!   change takes (see [`crate::ipvs::sockopt`]); a key the dump lacks is
//!   read alone (`IPVS_CMD_GET_SERVICE`) and listed if it still exists. So
//!   every IPv4 service that exists from the start of `services()` to its
//!   end is listed, whatever changes meanwhile. The cost: one `getsockopt`
//!   that copies 104 bytes per IPv4 service (a third of what the dump
//!   sends), and one request per skipped service.
//! - What can still happen: an IPv6 service can be skipped, since nothing
//!   lists or counts them atomically (the socket options leave them out);
//!   this takes a table of more than one message and a deletion between two
//!   messages (before 7.1 in any namespace, from 7.1 in this one). A backend
//!   can be skipped when backends of the same service are deleted between
//!   two messages of its dump (more than about 90 backends). A service or
//!   backend added or deleted while lvsh lists may or may not be listed, and
//!   a listing is never one instant's table: each service's backends are read
//!   after it.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use neli::consts::genl::{CtrlAttr, CtrlCmd};
use neli::consts::nl::{GenlId, NlmF};
use neli::consts::socket::{Msg, NlFamily};
use neli::genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, NlattrBuilder};
use neli::nl::{NlPayload, NlmsghdrBuilder};
use neli::socket::NlSocket;
use neli::types::GenlBuffer;
use neli::utils::Groups;
use neli::ToBytes;

use super::attr::{frames, malformed, Attrs, Frame, NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN};
use super::consts::{IpvsCmd, FAMILY_NAME};
use super::decode;
use super::encode::{append_message, append_op, Request};
use super::errno::{error_for, read_error};
use super::listing::{each_once, skipped};
use crate::ipvs::conntable::{parse_conn_table, ConnEntry};
use crate::ipvs::error::KernelError;
use crate::ipvs::fasthash::FastMap;
use crate::ipvs::kernel::{Kernel, Outcomes, Prepared};
use crate::ipvs::model::{Backend, BackendEntry, Daemon, Info, ServiceEntry, ServiceKey, Timeouts};
use crate::ipvs::netns::Netns;
use crate::ipvs::op::Op;
use crate::ipvs::sockopt::{Dest, SockoptSocket};

/// Requests per `sendmsg` in a batch; their acks must fit the receive buffer.
const BATCH_MESSAGES: usize = 512;
/// Bytes per `sendmsg` in a batch; must stay below the send buffer.
const BATCH_BYTES: usize = 96 * 1024;
/// Socket buffers asked for (root may exceed the sysctl maximum).
const SOCKET_BUFFER: libc::c_int = 4 << 20;
/// A dump message is at most 32 KiB (the kernel's netlink dump size).
const RECV_BUFFER: usize = 64 * 1024;
/// How long lvsh waits for any one kernel answer before it gives up.
pub const ANSWER_TIMEOUT_SECS: u64 = 30;
/// `SOL_NETLINK`, `NETLINK_CAP_ACK`: acks without a copy of the request.
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_CAP_ACK: libc::c_int = 10;

/// The kernel's IPVS over generic netlink.
pub struct NetlinkKernel {
    socket: NlSocket,
    family: u16,
    seq: u32,
    rx: Vec<u8>,
    netns: Netns,
    /// Where the atomic list of IPv4 services is read.
    sockopt: SockoptSocket,
}

/// A kernel answer: its errno, or what lvsh made of the reply.
type Answer<T> = Result<Result<T, i32>, KernelError>;

impl NetlinkKernel {
    /// Connects to the IPVS of the current network namespace.
    pub fn connect() -> Result<NetlinkKernel, KernelError> {
        NetlinkKernel::connect_in(&Netns::Current)
    }

    /// Connects to the IPVS of `netns`.
    pub fn connect_in(netns: &Netns) -> Result<NetlinkKernel, KernelError> {
        let socket = netns
            .run(|| NlSocket::connect(NlFamily::Generic, None, Groups::empty()))?
            .map_err(io_error("connect"))?;
        configure(&socket);
        let sockopt = SockoptSocket::open_in(netns)?;
        let mut kernel = NetlinkKernel {
            socket,
            family: 0,
            seq: 0,
            rx: vec![0; RECV_BUFFER],
            netns: netns.clone(),
            sockopt,
        };
        kernel.family = kernel.resolve_family()?;
        Ok(kernel)
    }

    /// The IPVS generic-netlink family's id in this namespace, for a client
    /// that sends its own messages (`benches/floor.rs`, the bench's floor).
    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn resolve_family(&mut self) -> Result<u16, KernelError> {
        let seq = self.next_seq();
        fn encode(e: impl std::fmt::Display) -> KernelError {
            KernelError::Encode { what: e.to_string() }
        }
        let kind = AttrTypeBuilder::default().nla_type(CtrlAttr::FamilyName).build().map_err(encode)?;
        let name = NlattrBuilder::default()
            .nla_type(kind)
            .nla_payload(format!("{FAMILY_NAME}\0").into_bytes())
            .build()
            .map_err(encode)?;
        let attrs: GenlBuffer<CtrlAttr, _> = std::iter::once(name).collect();
        let genl: Genlmsghdr<CtrlCmd, CtrlAttr> = GenlmsghdrBuilder::default()
            .cmd(CtrlCmd::Getfamily)
            .version(2)
            .attrs(attrs)
            .build()
            .map_err(|e| KernelError::Encode { what: e.to_string() })?;
        let msg = NlmsghdrBuilder::default()
            .nl_type(GenlId::Ctrl)
            .nl_flags(NlmF::REQUEST)
            .nl_seq(seq)
            .nl_payload(NlPayload::Payload(genl))
            .build()
            .map_err(|e| KernelError::Encode { what: e.to_string() })?;
        let mut buf = io::Cursor::new(Vec::new());
        msg.to_bytes(&mut buf).map_err(|e| KernelError::Encode { what: e.to_string() })?;
        self.send(buf.get_ref())?;
        let answer = self.collect(seq, |frame| {
            let (_, attrs) = frame.genl()?;
            let id = Attrs::parse(attrs)?.num::<u16>(CtrlAttr::FamilyId)?;
            id.ok_or_else(|| malformed("a family reply without an id"))
        })?;
        match answer {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(malformed("no reply to the family lookup")),
            Err(libc::ENOENT) => Err(KernelError::IpvsMissing),
            Err(errno) => Err(read_error(errno, "look up the IPVS netlink family")),
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn send(&self, buf: &[u8]) -> Result<(), KernelError> {
        loop {
            match self.socket.send(buf, Msg::empty()) {
                Ok(n) if n == buf.len() => return Ok(()),
                Ok(n) => return Err(malformed(&format!("the kernel took {n} of {} bytes", buf.len()))),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error("send")(e)),
            }
        }
    }

    /// Receives one datagram into `self.rx`; returns its length.
    fn recv(&mut self) -> Result<usize, KernelError> {
        loop {
            match self.socket.recv(&mut self.rx[..], Msg::empty()) {
                Ok((n, _)) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Err(KernelError::NoAnswer { seconds: ANSWER_TIMEOUT_SECS })
                }
                Err(e) => return Err(io_error("receive")(e)),
            }
        }
    }

    /// Reads the answer to request `seq`: data messages go to `each`, until
    /// an error, an ack, the end of a dump, or (for a plain request) the
    /// first data message.
    fn collect<T>(
        &mut self,
        seq: u32,
        mut each: impl FnMut(&Frame<'_>) -> Result<T, KernelError>,
    ) -> Answer<Option<T>> {
        let mut last = None;
        loop {
            let n = self.recv()?;
            for frame in frames(&self.rx[..n])? {
                if frame.seq != seq {
                    continue;
                }
                match frame.kind {
                    NLMSG_ERROR | NLMSG_DONE => {
                        return Ok(match frame.errno()? {
                            0 => Ok(last),
                            errno => Err(errno),
                        })
                    }
                    NLMSG_OVERRUN => return Err(malformed("the kernel reported a buffer overrun")),
                    _ => last = Some(each(&frame)?),
                }
                if frame.flags & super::attr::NLM_F_MULTI == 0 {
                    return Ok(Ok(last));
                }
            }
        }
    }

    /// One request with one reply message.
    fn get<T>(&mut self, req: Request, decode: impl Fn(&[u8]) -> Result<T, KernelError>) -> Answer<T> {
        let seq = self.request(req, NlmF::empty())?;
        let answer = self.collect(seq, |frame| decode(frame.genl()?.1))?;
        Ok(answer.and_then(|reply| reply.ok_or(libc::ENODATA)))
    }

    /// A dump: every message until `NLMSG_DONE`, decoded.
    fn dump<T>(
        &mut self,
        req: Request,
        mut decode: impl FnMut(&[u8]) -> Result<T, KernelError>,
    ) -> Answer<Vec<T>> {
        let seq = self.request(req, NlmF::DUMP)?;
        let mut items = Vec::new();
        let answer = self.collect(seq, |frame| {
            items.push(decode(frame.genl()?.1)?);
            Ok(())
        })?;
        Ok(answer.map(|_| items))
    }

    fn request(&mut self, req: Request, flags: NlmF) -> Result<u32, KernelError> {
        let seq = self.next_seq();
        let mut buf = Vec::new();
        append_message(&mut buf, self.family, flags, seq, &req);
        self.send(&buf)?;
        Ok(seq)
    }

    /// Sends the requests of `ops` in windows of many messages per `sendmsg`
    /// and matches the acks by sequence number; returns each one's errno (0:
    /// done). Each window's requests are written straight into one buffer,
    /// kept from window to window.
    fn transact(&mut self, ops: &[Op]) -> Result<Vec<i32>, KernelError> {
        let mut errnos = Vec::with_capacity(ops.len());
        let mut ops = ops.iter().peekable();
        // Room for a full window and the one request that crosses its end.
        let mut buf = Vec::with_capacity(BATCH_BYTES + 4096);
        while ops.peek().is_some() {
            buf.clear();
            let (first, count) = encode_window(&mut buf, self.family, &mut self.seq, &mut ops);
            errnos.extend(self.exchange(&buf, first, count)?);
        }
        Ok(errnos)
    }

    /// Sends one window's requests and waits for their acks.
    fn exchange(&mut self, buf: &[u8], first: u32, count: usize) -> Result<Vec<i32>, KernelError> {
        self.send(buf)?;
        self.acks(first, count)
    }

    /// Waits for the acks of `count` requests numbered from `first`, up to
    /// the barrier that follows them. The kernel handles a window's messages
    /// in order, so a request still without an ack when the barrier's
    /// arrives got none: netlink sends no ack for a handler's -EINTR (as
    /// stopping a sync daemon whose thread never ran returns).
    fn acks(&mut self, first: u32, count: usize) -> Result<Vec<i32>, KernelError> {
        let mut errnos: Vec<Option<i32>> = vec![None; count];
        loop {
            let n = self.recv()?;
            for frame in frames(&self.rx[..n])? {
                let index = frame.seq.wrapping_sub(first) as usize;
                if frame.kind != NLMSG_ERROR || index > count {
                    continue;
                }
                if index == count {
                    return Ok(errnos.into_iter().map(|e| e.unwrap_or(libc::EINTR)).collect());
                }
                errnos[index] = Some(frame.errno()?);
            }
        }
    }
}

/// A backend as the options interface gives it, counters zero; `None` for a
/// tunnel, whose settings it lacks.
fn backend_of(d: &Dest) -> Option<BackendEntry> {
    let backend = Backend {
        addr: SocketAddr::V4(d.addr),
        forward: decode::forward(d.conn_flags)?,
        weight: d.weight,
        upper: d.upper,
        lower: d.lower,
    };
    Some(BackendEntry {
        backend,
        active_conns: d.active,
        inactive_conns: d.inactive,
        persist_conns: d.persistent,
        stats: Default::default(),
    })
}

/// Writes the requests of as many of `ops` as fill one window (one
/// `sendmsg`), numbered on from `seq`, then the barrier; returns the first
/// request's number and how many there are.
fn encode_window<'a>(
    buf: &mut Vec<u8>,
    family: u16,
    seq: &mut u32,
    ops: &mut impl Iterator<Item = &'a Op>,
) -> (u32, usize) {
    let first = seq.wrapping_add(1);
    let mut count = 0;
    while count < BATCH_MESSAGES && buf.len() < BATCH_BYTES {
        let Some(op) = ops.next() else { break };
        *seq = seq.wrapping_add(1);
        append_op(buf, family, NlmF::ACK, *seq, op);
        count += 1;
    }
    *seq = seq.wrapping_add(1);
    append_barrier(buf, *seq);
    (first, count)
}

/// A `NLMSG_NOOP` asking for an ack: netlink acks it after every message
/// sent before it in the same buffer.
fn append_barrier(buf: &mut Vec<u8>, seq: u32) {
    const NLMSG_NOOP: u16 = 1;
    let flags = (NlmF::REQUEST | NlmF::ACK).bits();
    buf.extend_from_slice(&16u32.to_ne_bytes());
    buf.extend_from_slice(&NLMSG_NOOP.to_ne_bytes());
    buf.extend_from_slice(&flags.to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
}

impl Kernel for NetlinkKernel {
    fn netns(&self) -> Netns {
        self.netns.clone()
    }

    fn another(&self) -> Option<Box<dyn Kernel + Send>> {
        Some(Box::new(NetlinkKernel::connect_in(&self.netns).ok()?))
    }

    /// The requests encoded, numbered on from this connection's own: the
    /// connection that sends them matches their acks by those numbers.
    fn prepare(&mut self, ops: Vec<Op>) -> Prepared {
        let mut sends = Vec::new();
        let mut rest = ops.iter().peekable();
        while rest.peek().is_some() {
            let mut buf = Vec::with_capacity(BATCH_BYTES + 4096);
            let (first, count) = encode_window(&mut buf, self.family, &mut self.seq, &mut rest);
            sends.push((buf, first, count));
        }
        Prepared { family: self.family, sends, ops }
    }

    fn apply_prepared(&mut self, prepared: &Prepared) -> Result<Outcomes, KernelError> {
        if prepared.sends.is_empty() || prepared.family != self.family {
            return self.apply(&prepared.ops);
        }
        let mut errnos = Vec::with_capacity(prepared.ops.len());
        for (buf, first, count) in &prepared.sends {
            errnos.extend(self.exchange(buf, *first, *count)?);
        }
        Ok(outcomes(&prepared.ops, errnos))
    }

    fn info(&mut self) -> Result<Info, KernelError> {
        self.get(Request::bare(IpvsCmd::GetInfo), decode::decode_info)?
            .map_err(|errno| read_error(errno, "read the IPVS version"))
    }

    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        Ok(self.services_counted()?.into_iter().map(|(entry, _)| entry).collect())
    }

    /// Every service, each once; an IPv4 one with its number of backends at
    /// the instant of the options interface's list.
    fn services_counted(&mut self) -> Result<Vec<(ServiceEntry, Option<u32>)>, KernelError> {
        // Read first, so that a service there from start to end is in it.
        let snapshot = self.sockopt.ipv4_services()?;
        let keys: Vec<ServiceKey> = snapshot.iter().map(|(key, _)| *key).collect();
        let dumped = self
            .dump(Request::bare(IpvsCmd::GetService), decode::decode_service)?
            .map_err(|errno| read_error(errno, "list services"))?;
        let mut listed = each_once(dumped, |entry| entry.service.key);
        for key in skipped(&listed, &keys) {
            match self.service(&key) {
                Ok(entry) => listed.push(entry),
                // Deleted since the snapshot: it was not there throughout.
                Err(KernelError::NoSuchService { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let counts: FastMap<ServiceKey, u32> = snapshot.into_iter().collect();
        Ok(listed
            .into_iter()
            .map(|entry| {
                let count = counts.get(&entry.service.key).copied();
                (entry, count)
            })
            .collect())
    }

    /// From the options interface in one call when that gives all of them
    /// as netlink would (an IPv4 service, `count` of them as the snapshot
    /// said, no tunnel, whose settings it lacks), else from a netlink dump.
    fn backends_without_counters(
        &mut self,
        key: &ServiceKey,
        count: Option<u32>,
    ) -> Result<Vec<BackendEntry>, KernelError> {
        if let Some(count) = count {
            // Room for a few added since the snapshot: then the count differs, and netlink tells.
            if let Some(dests) = self.sockopt.ipv4_dests(key, count.saturating_add(8))? {
                let entries: Option<Vec<BackendEntry>> = dests.iter().map(backend_of).collect();
                if let Some(entries) = entries.filter(|e| e.len() == count as usize) {
                    return Ok(entries);
                }
            }
        }
        self.backends(key)
    }

    fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        let req = Request::about(IpvsCmd::GetService, key);
        self.get(req, decode::decode_service)?.map_err(|errno| match errno {
            libc::ESRCH => KernelError::NoSuchService { service: *key, adding_backend: false },
            errno => read_error(errno, &format!("read service {key}")),
        })
    }

    fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        let req = Request::about(IpvsCmd::GetDest, key);
        let family = key.family();
        let dumped = self
            .dump(req, |msg| decode::decode_backend(msg, family))?
            .map_err(|errno| read_error(errno, &format!("list the backends of service {key}")))?;
        Ok(each_once(dumped, |entry| entry.backend.addr))
    }

    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        self.get(Request::bare(IpvsCmd::GetConfig), decode::decode_timeouts)?
            .map_err(|errno| read_error(errno, "read timeouts"))
    }

    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        self.dump(Request::bare(IpvsCmd::GetDaemon), decode::decode_daemon)?
            .map_err(|errno| read_error(errno, "list sync daemons"))
    }

    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        // /proc/net follows the process's first thread; thread-self follows this one.
        let text = self.netns.run(|| std::fs::read_to_string("/proc/thread-self/net/ip_vs_conn"))?.map_err(
            |source| match source.kind() {
                io::ErrorKind::NotFound => KernelError::IpvsMissing,
                _ => KernelError::Io { context: "read of /proc/net/ip_vs_conn", source },
            },
        )?;
        Ok(parse_conn_table(&text))
    }

    fn apply(&mut self, ops: &[Op]) -> Result<Outcomes, KernelError> {
        let errnos = self.transact(ops)?;
        Ok(outcomes(ops, errnos))
    }
}

/// Each operation's outcome, from the errno of its ack.
fn outcomes(ops: &[Op], errnos: Vec<i32>) -> Outcomes {
    ops.iter()
        .zip(errnos)
        .map(|(op, errno)| match (op, errno) {
            (_, 0) => Ok(()),
            // The daemon's thread was stopped before it ever ran: it is stopped.
            (Op::StopDaemon(_), libc::EINTR) => Ok(()),
            (op, errno) => Err(error_for(op, errno)),
        })
        .collect()
}

/// Larger buffers for batches, short acks, and a bound on every wait.
/// Best effort: the defaults still work, with smaller batches in flight.
fn configure(socket: &NlSocket) {
    let fd = socket.as_raw_fd();
    let timeout = libc::timeval { tv_sec: ANSWER_TIMEOUT_SECS as _, tv_usec: 0 };
    // SAFETY: `timeout` outlives the call and its size is passed with it.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&timeout as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        );
    }
    for (level, option, value) in [
        (libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, SOCKET_BUFFER),
        (libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, SOCKET_BUFFER),
        (SOL_NETLINK, NETLINK_CAP_ACK, 1),
    ] {
        // SAFETY: `value` outlives the call and its size is passed with it.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                option,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

fn io_error(context: &'static str) -> impl Fn(io::Error) -> KernelError {
    move |source| KernelError::Io { context, source }
}
