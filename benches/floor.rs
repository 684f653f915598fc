//! The kernel's own floors for `scripts/bench`: what restoring or listing a
//! table costs when nothing but the kernel, or the least any client must
//! do, works.
//!
//! `restore` reads an `ipvsadm -S -n` file of `-A` and `-a` lines with
//! lvsh's own ipvsadm parser, encodes every request before the clock starts
//! (with lvsh's own encoder, so the messages are the ones lvsh sends), then
//! sends them over one generic-netlink socket, 256 requests per `sendmsg`,
//! each asking for an ack, and counts the acks. Its clock times no parsing,
//! planning, journal or output: only what any client must pay the kernel.
//! `restore-minimal` does the same with the least parsing a client that
//! reads the text at all must do (split on blanks, parse the addresses and
//! the weight, refuse any other line), for the bench to time as a whole
//! process: what reading the file costs above the kernel.
//!
//! `listing` reads every field `ipvsadm -L -n` prints with the fewest
//! kernel calls known: the version and table size (`IPVS_CMD_GET_INFO`),
//! one netlink dump of the services (only netlink carries the persistence
//! engine and IPv6 services), and the backends of each service in one
//! `getsockopt` (`IP_VS_SO_GET_DESTS`, which allocates nothing in the
//! kernel, unlike a netlink dump). `listing-table` reads them as lvsh does,
//! `NetlinkKernel::table()` (which also reads an atomic list of the IPv4
//! services, to find what a dump skips). `listing THREADS` splits the
//! services' backends among that many threads, each with its own socket:
//! whether reading in parallel (the bench's guest has 2 vCPUs) goes below
//! the one-thread floor. None renders anything; each prints one line, how
//! much it read, for the bench to check.
//!
//!   lvsh-bench-floor restore RULES          prints `FLOOR restore SECONDS REQUESTS parse S encode S connect S`
//!   lvsh-bench-floor restore-minimal RULES  prints `FLOOR restore-minimal SECONDS REQUESTS parse S encode S connect S`
//!   lvsh-bench-floor listing                prints `FLOOR listing SERVICES BACKENDS`
//!   lvsh-bench-floor listing THREADS        the same, the backends read by THREADS threads
//!                                           (`FLOOR listing-THREADS ...` when more than one)
//!   lvsh-bench-floor listing-table          prints `FLOOR listing-table SERVICES BACKENDS`
//!   lvsh-bench-floor peak CMD ARGS...       runs CMD, then prints `PEAK KIB`
//!
//! Run them inside the namespace to fill or list (`ip netns exec NS ...`).
//! `listing` reads IPv4 services without tunnel backends only (the bench's
//! table), and says so of any other.
//! `peak` is the peak resident memory of CMD (its `ru_maxrss` from
//! `wait4`), since the guest's busybox `time` may lack `-v`; CMD's own
//! output passes through, and a failing CMD makes `peak` fail too. A
//! benchmark, not a test: it judges nothing but that every ack is 0.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use lvsh::ipvs::netlink::consts::IpvsCmd;
use lvsh::ipvs::netlink::{append_message, append_op, decode_service, Request};
use lvsh::ipvs::sockopt::SockoptSocket;
use lvsh::ipvs::{
    Backend, Forward, Kernel, NetlinkKernel, Netmask, Netns, Op, SchedFlags, Scheduler, Service, ServiceKey,
};
use lvsh::lang::ipvsadm::{parse_ipvsadm, IpvsadmCommand};
use neli::consts::nl::NlmF;

/// Requests per `sendmsg`, as the issue's floor was measured.
const PER_SEND: usize = 256;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// `IP_VS_CONN_F_FWD_MASK` and `IP_VS_CONN_F_TUNNEL`: a tunnel backend,
/// whose settings the options interface lacks.
const CONN_F_FWD_MASK: u32 = 0x7;
const CONN_F_TUNNEL: u32 = 0x2;
/// Room for backends in the first `IP_VS_SO_GET_DESTS` of a service; a
/// service that fills it is read again with four times the room.
const FIRST_ROOM: u32 = 16;
/// A dump message is at most 32 KiB.
const DUMP_BUFFER: usize = 64 * 1024;
/// `SOL_NETLINK`, `NETLINK_CAP_ACK`: acks without a copy of the request, as lvsh asks.
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_CAP_ACK: libc::c_int = 10;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1..).unwrap_or_default() {
        [cmd, rules] if cmd == "restore" => restore("restore", operations, rules),
        [cmd, rules] if cmd == "restore-minimal" => restore("restore-minimal", minimal_operations, rules),
        [cmd] if cmd == "listing" => listing(1),
        [cmd, threads] if cmd == "listing" => match threads.parse() {
            Ok(threads) if threads > 0 => listing(threads),
            _ => Err(format!("listing THREADS: {threads} is not a positive number")),
        },
        [cmd] if cmd == "listing-table" => listing_table(),
        [cmd, program, args @ ..] if cmd == "peak" => peak(program, args),
        _ => Err("usage: lvsh-bench-floor restore RULES | restore-minimal RULES | listing [THREADS] | listing-table | peak CMD ARGS..."
            .to_string()),
    };
    if let Err(e) = result {
        eprintln!("lvsh-bench-floor: {e}");
        std::process::exit(1);
    }
}

/// The table's lines as operations: `-A` and `-a` only (what `ipvsadm -S`
/// of a table of services and backends holds).
fn operations(rules: &str) -> Result<Vec<Op>, String> {
    let text = std::fs::read_to_string(rules).map_err(|e| format!("cannot read {rules}: {e}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match parse_ipvsadm(&words).map_err(|e| format!("{line}: {e}"))? {
                IpvsadmCommand::AddService(svc) => Ok(Op::AddService(svc)),
                IpvsadmCommand::AddServer { service, backend } => Ok(Op::AddBackend { service, backend }),
                _ => Err(format!("{line}: the floor sends only -A and -a lines")),
            }
        })
        .collect()
}

/// The table's lines as operations, with the least work a client reading
/// the text can do: each line split on blanks, only the shapes
/// `-A -t ADDR:PORT -s SCHEDULER` and `-a -t ADDR:PORT -r ADDR:PORT -m -w N`
/// (the bench's table) accepted, their addresses and weight parsed.
fn minimal_operations(rules: &str) -> Result<Vec<Op>, String> {
    let text = std::fs::read_to_string(rules).map_err(|e| format!("cannot read {rules}: {e}"))?;
    let mut ops = Vec::with_capacity(text.len() / 48);
    for line in text.lines() {
        // Up to eight words, the longest shape, with no allocation per line;
        // a ninth word makes the line no shape at all.
        let mut words = line.split_ascii_whitespace();
        let mut first = [""; 8];
        let mut count = 0;
        for word in words.by_ref().take(first.len()) {
            first[count] = word;
            count += 1;
        }
        let op = match (&first[..count], words.next()) {
            ([], None) => continue,
            (["-A", "-t", addr, "-s", scheduler], None) => Op::AddService(Service {
                key: ServiceKey::tcp(address(addr, line)?),
                scheduler: Scheduler::new(*scheduler),
                sched_flags: SchedFlags::default(),
                persistence: None,
                netmask: Netmask::V4(Ipv4Addr::BROADCAST),
                one_packet: false,
                pe: None,
            }),
            (["-a", "-t", service, "-r", addr, "-m", "-w", weight], None) => Op::AddBackend {
                service: ServiceKey::tcp(address(service, line)?),
                backend: Backend {
                    addr: address(addr, line)?,
                    forward: Forward::Masq,
                    weight: weight
                        .parse()
                        .map_err(|_| format!("{line}: the weight {weight} is not a number"))?,
                    upper: 0,
                    lower: 0,
                },
            },
            _ => {
                return Err(format!(
                    "{line}: restore-minimal reads only `-A -t ADDR:PORT -s SCHEDULER` and \
                     `-a -t ADDR:PORT -r ADDR:PORT -m -w N` lines"
                ))
            }
        };
        ops.push(op);
    }
    Ok(ops)
}

/// An IPv4 `ADDR:PORT` of `line`.
fn address(word: &str, line: &str) -> Result<SocketAddr, String> {
    word.parse::<SocketAddrV4>()
        .map(SocketAddr::V4)
        .map_err(|_| format!("{line}: {word} is not an IPv4 ADDR:PORT"))
}

/// Reads `rules` with `parse`, encodes the operations, then sends them and
/// counts their acks on the clock; prints `FLOOR LABEL SECONDS REQUESTS
/// parse S encode S connect S`: the kernel's time, and how long reading and
/// parsing the file, encoding, and opening the sockets (with the family's
/// lookup) took.
fn restore(label: &str, parse: fn(&str) -> Result<Vec<Op>, String>, rules: &str) -> Result<(), String> {
    let begun = Instant::now();
    let ops = parse(rules)?;
    let parsed = Instant::now();
    let family = NetlinkKernel::connect().map_err(|e| e.to_string())?.family_id();
    let socket = netlink_socket()?;
    let mut rx = vec![0u8; 1 << 20];
    let connected = Instant::now();
    let mut batches = Vec::new();
    let mut seq = 0u32;
    for chunk in ops.chunks(PER_SEND) {
        let mut buf = Vec::with_capacity(chunk.len() * 160);
        for op in chunk {
            seq += 1;
            append_op(&mut buf, family, NlmF::ACK, seq, op);
        }
        batches.push((buf, chunk.len()));
    }
    let start = Instant::now();
    let (parse, connect, encode) = (parsed - begun, connected - parsed, start - connected);
    for (buf, count) in &batches {
        // SAFETY: `buf` is valid for its length during the call.
        let sent = unsafe { libc::send(socket.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) };
        if sent != buf.len() as isize {
            return Err(format!("send: {}", std::io::Error::last_os_error()));
        }
        let mut acked = 0;
        while acked < *count {
            // SAFETY: `rx` is valid for its length during the call.
            let n = unsafe { libc::recv(socket.as_raw_fd(), rx.as_mut_ptr().cast(), rx.len(), 0) };
            let n = usize::try_from(n).map_err(|_| format!("recv: {}", std::io::Error::last_os_error()))?;
            acked += count_acks(&rx[..n])?;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "FLOOR {label} {secs:.6} {} parse {:.6} encode {:.6} connect {:.6}",
        ops.len(),
        parse.as_secs_f64(),
        encode.as_secs_f64(),
        connect.as_secs_f64()
    );
    Ok(())
}

/// Every field `ipvsadm -L -n` prints, read with the fewest kernel calls
/// (see the module doc), the backends by `threads` threads, each with its
/// own socket and its share of the services; prints only how many services
/// and backends it read.
fn listing(threads: usize) -> Result<(), String> {
    let mut kernel = NetlinkKernel::connect().map_err(|e| e.to_string())?;
    // The header line's version and connection table size.
    kernel.info().map_err(|e| e.to_string())?;
    let services = service_keys(kernel.family_id())?;
    let share = services.len().div_ceil(threads).max(1);
    let backends = std::thread::scope(|scope| {
        let readers: Vec<_> = services.chunks(share).map(|keys| scope.spawn(|| backends_of(keys))).collect();
        readers
            .into_iter()
            .map(|r| r.join().map_err(|_| "a reader thread panicked".to_string())?)
            .sum::<Result<usize, String>>()
    })?;
    let label = if threads == 1 { "listing".to_string() } else { format!("listing-{threads}") };
    println!("FLOOR {label} {} {backends}", services.len());
    Ok(())
}

/// How many backends the services of `keys` have, each read with one
/// `IP_VS_SO_GET_DESTS` on a socket of this thread's own.
fn backends_of(keys: &[ServiceKey]) -> Result<usize, String> {
    let options = SockoptSocket::open_in(&Netns::Current).map_err(|e| e.to_string())?;
    let mut backends = 0;
    for key in keys {
        let mut room = FIRST_ROOM;
        let dests = loop {
            match options.ipv4_dests(key, room).map_err(|e| e.to_string())? {
                Some(dests) if dests.len() < room as usize => break dests,
                Some(_) => room = room.saturating_mul(4),
                None => {
                    return Err(format!(
                        "service {key} is not IPv4, or went while the floor read it: \
                         the listing floor reads a still table of IPv4 services"
                    ))
                }
            }
        };
        if dests.iter().any(|d| d.conn_flags & CONN_F_FWD_MASK == CONN_F_TUNNEL) {
            return Err(format!("service {key}: the listing floor reads no tunnel backends"));
        }
        backends += dests.len();
    }
    Ok(backends)
}

/// The keys of every service, from one netlink dump on a socket of its own.
fn service_keys(family: u16) -> Result<Vec<ServiceKey>, String> {
    let socket = netlink_socket()?;
    let mut request = Vec::new();
    append_message(&mut request, family, NlmF::DUMP, 1, &Request::bare(IpvsCmd::GetService));
    // SAFETY: `request` is valid for its length during the call.
    let sent = unsafe { libc::send(socket.as_raw_fd(), request.as_ptr().cast(), request.len(), 0) };
    if sent != request.len() as isize {
        return Err(format!("send: {}", std::io::Error::last_os_error()));
    }
    let mut rx = vec![0u8; DUMP_BUFFER];
    let mut keys = Vec::new();
    loop {
        // SAFETY: `rx` is valid for its length during the call.
        let n = unsafe { libc::recv(socket.as_raw_fd(), rx.as_mut_ptr().cast(), rx.len(), 0) };
        let n = usize::try_from(n).map_err(|_| format!("recv: {}", std::io::Error::last_os_error()))?;
        let mut data = &rx[..n];
        while data.len() >= 16 {
            let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
            let kind = u16::from_ne_bytes([data[4], data[5]]);
            if len < 20 || len > data.len() {
                return Err("a malformed netlink message in the services dump".to_string());
            }
            match kind {
                NLMSG_DONE => return Ok(keys),
                NLMSG_ERROR => {
                    let errno = i32::from_ne_bytes([data[16], data[17], data[18], data[19]]);
                    return Err(format!("the kernel refused the services dump: errno {}", -errno));
                }
                // The attributes after the netlink and generic-netlink headers.
                _ => keys.push(decode_service(&data[20..len]).map_err(|e| e.to_string())?.service.key),
            }
            data = data.get((len + 3) & !3..).unwrap_or_default();
        }
    }
}

/// Every field `ipvsadm -L -n` prints, read as lvsh reads them
/// (`NetlinkKernel::table()`); prints only how many services and backends.
fn listing_table() -> Result<(), String> {
    let mut kernel = NetlinkKernel::connect().map_err(|e| e.to_string())?;
    kernel.info().map_err(|e| e.to_string())?;
    let table = kernel.table().map_err(|e| e.to_string())?;
    let backends: usize = table.iter().map(|(_, backends)| backends.len()).sum();
    println!("FLOOR listing-table {} {backends}", table.len());
    Ok(())
}

/// Runs `program` to its end and prints its peak resident set, in KiB.
fn peak(program: &str, args: &[String]) -> Result<(), String> {
    let child = std::process::Command::new(program)
        .args(args)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `status` and `usage` outlive the call; `pid` is our own child,
    // reaped here (std's `Child` does not wait for it when dropped).
    if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } != pid {
        return Err(format!("wait4 {program}: {}", std::io::Error::last_os_error()));
    }
    println!("PEAK {}", usage.ru_maxrss);
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        Err(format!("{program} failed (wait status {status:#x})"))
    }
}

/// The acks in one datagram; an ack with an error ends the floor.
fn count_acks(mut data: &[u8]) -> Result<usize, String> {
    let mut acks = 0;
    while data.len() >= 20 {
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let kind = u16::from_ne_bytes([data[4], data[5]]);
        if len < 16 || len > data.len() {
            return Err("a malformed netlink message".to_string());
        }
        if kind == NLMSG_ERROR {
            let errno = i32::from_ne_bytes([data[16], data[17], data[18], data[19]]);
            if errno != 0 {
                return Err(format!("the kernel refused a request: errno {}", -errno));
            }
            acks += 1;
        }
        data = &data[(len + 3) & !3..];
    }
    Ok(acks)
}

/// A generic-netlink socket with big buffers and short acks.
fn netlink_socket() -> Result<OwnedFd, String> {
    // SAFETY: plain socket(2); the fd is owned at once.
    let fd =
        unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_GENERIC) };
    if fd < 0 {
        return Err(format!("socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `fd` is a fresh descriptor nobody else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let options = [
        (libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, 8 << 20),
        (libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, 8 << 20),
        (SOL_NETLINK, NETLINK_CAP_ACK, 1),
    ];
    for (level, option, value) in options {
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
    Ok(socket)
}
