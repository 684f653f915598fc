//! The kernel's own floor for `scripts/bench`: what restoring a table costs
//! when nothing but the kernel works. It reads an `ipvsadm -S -n` file of
//! `-A` and `-a` lines, encodes every request before the clock starts (with
//! lvsh's own encoder, so the messages are the ones lvsh sends), then sends
//! them over one generic-netlink socket, 256 requests per `sendmsg`, each
//! asking for an ack, and counts the acks. No parsing, planning, journal or
//! output is timed: only what any client must pay the kernel.
//!
//!   lvsh-bench-floor restore RULES     prints `FLOOR restore SECONDS REQUESTS`
//!   lvsh-bench-floor peak CMD ARGS...  runs CMD, then prints `PEAK KIB`
//!
//! Run `restore` inside the namespace to fill (`ip netns exec NS ...`).
//! `peak` is the peak resident memory of CMD (its `ru_maxrss` from
//! `wait4`), since the guest's busybox `time` may lack `-v`; CMD's own
//! output passes through, and a failing CMD makes `peak` fail too. A
//! benchmark, not a test: it judges nothing but that every ack is 0.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use lvsh::ipvs::netlink::{append_message, encode_op};
use lvsh::ipvs::{NetlinkKernel, Op};
use lvsh::lang::ipvsadm::{parse_ipvsadm, IpvsadmCommand};
use neli::consts::nl::NlmF;

/// Requests per `sendmsg`, as the floor was measured.
const PER_SEND: usize = 256;
const NLMSG_ERROR: u16 = 2;
/// `SOL_NETLINK`, `NETLINK_CAP_ACK`: acks without a copy of the request, as lvsh asks.
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_CAP_ACK: libc::c_int = 10;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1..).unwrap_or_default() {
        [cmd, rules] if cmd == "restore" => restore(rules),
        [cmd, program, args @ ..] if cmd == "peak" => peak(program, args),
        _ => Err("usage: lvsh-bench-floor restore RULES | peak CMD ARGS...".to_string()),
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

fn restore(rules: &str) -> Result<(), String> {
    let ops = operations(rules)?;
    let family = NetlinkKernel::connect().map_err(|e| e.to_string())?.family_id();
    let mut batches = Vec::new();
    let mut seq = 0u32;
    for chunk in ops.chunks(PER_SEND) {
        let mut buf = Vec::new();
        for op in chunk {
            seq += 1;
            append_message(&mut buf, family, NlmF::ACK, seq, &encode_op(op));
        }
        batches.push((buf, chunk.len()));
    }
    let socket = netlink_socket()?;
    let mut rx = vec![0u8; 1 << 20];
    let start = Instant::now();
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
    println!("FLOOR restore {secs:.6} {}", ops.len());
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
