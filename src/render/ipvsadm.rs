//! ipvsadm 1.31's output, byte for byte.
//!
//! lvsh's own listings never resolve names, so every address prints as
//! `inet_ntop` does and every port in decimal: ipvsadm's `-n`. The `_with`
//! functions take a [`Naming`] for the drop-in `ipvsadm`, which writes names
//! as ipvsadm does without `-n`. The layouts, widths, signedness and even the bugs
//! are ipvsadm's (`ipvsadm.c` `print_service_entry`, `print_title`,
//! `print_largenum`, `list_conn`, `list_daemon`, `list_timeout`); the sort
//! order is libipvs's comparators run through glibc 2.36's merge sort.
//! docs/ipvsadm-format.md states the format and how it was observed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::digits::{pad_from, push_i64, push_v4_port};
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Family, Forward, Info, Netmask, Protocol, Service, ServiceEntry,
    ServiceKey, Stats, Timeouts, TunnelCsum, TunnelKind,
};
use crate::lang::show::{ListFormat, ListOptions};

/// The kernel's whole table, in kernel dump order (services in dump order,
/// each service's backends newest first, as the kernel returns them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub info: Info,
    pub services: Vec<ServiceRow>,
}

/// One service and its backends, in kernel dump order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    pub entry: ServiceEntry,
    pub backends: Vec<BackendEntry>,
}

/// How addresses and ports are written where ipvsadm looks names up (it
/// does unless `-n`): each falls back to its number when the C library
/// knows no name for it.
pub trait Naming {
    /// `gethostbyaddr`'s name for an address.
    fn host(&self, addr: IpAddr) -> Option<String>;
    /// `getservbyport`'s name for a port of `protocol`.
    fn service(&self, port: u16, protocol: Protocol) -> Option<String>;
}

/// Names where a [`Naming`] is given, numbers (`-n`) otherwise.
#[derive(Clone, Copy)]
struct Names<'a>(Option<&'a dyn Naming>);

impl Names<'_> {
    /// ipvsadm's `addrport_to_anyname`: `host:port`, `[host]:port` for
    /// IPv6, in a 60-byte buffer (so at most 59 bytes); the port's name is
    /// looked up in `protocol`, never for a fwmark's.
    fn addr_port(self, addr: &SocketAddr, protocol: Option<Protocol>) -> String {
        let Some(naming) = self.0 else {
            return addr_port(addr);
        };
        let host = naming.host(addr.ip()).unwrap_or_else(|| ntop(addr.ip()));
        let port = protocol.and_then(|p| naming.service(addr.port(), p));
        let port = port.unwrap_or_else(|| addr.port().to_string());
        let text = match addr {
            SocketAddr::V4(_) => format!("{host}:{port}"),
            SocketAddr::V6(_) => format!("[{host}]:{port}"),
        };
        cut_bytes(text, 59)
    }
}

/// `ipvsadm -L -n` with the given options: version line + titles + services
/// (sorted exactly like ipvsadm unless `opts.nosort`).
pub fn list(table: &Table, opts: &ListOptions) -> String {
    list_with(table, opts, None)
}

/// `ipvsadm -L`, with names from `naming` unless it is `None` (`-n`).
pub fn list_with(table: &Table, opts: &ListOptions, naming: Option<&dyn Naming>) -> String {
    // A service line is about 30 bytes, a backend line 70: one allocation.
    let backends: usize = table.services.iter().map(|row| row.backends.len()).sum();
    let mut text = String::with_capacity(200 + 40 * table.services.len() + 80 * backends);
    let whole: Result<(), std::convert::Infallible> = list_in_parts(table, opts, naming, |part| {
        text.push_str(part);
        Ok(())
    });
    let Ok(()) = whole;
    text
}

/// [`list_with`]'s text handed to `part` a piece of about 64 KiB at a time,
/// each ending at a line's end: a listing of thousands never holds its whole
/// text (for 5,000 services of 4 backends, 1.5 MB of fresh pages: a sixth
/// of the page faults of `show` in a guest's profile).
pub fn list_in_parts<E>(
    table: &Table,
    opts: &ListOptions,
    naming: Option<&dyn Naming>,
    mut part: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    const PART: usize = 64 * 1024;
    let info = &table.info;
    let mut out =
        format!("IP Virtual Server version {} (size={})\n", info.version(), info.conn_tab_size as i32);
    out.reserve(PART + 4096);
    out.push_str(&titles(opts.format));
    for row in ordered(&table.services, opts.nosort, |row| service_sort_key(&row.entry.service.key)) {
        service_block(row, opts, Names(naming), &mut out);
        if out.len() >= PART {
            part(&out)?;
            out.clear();
        }
    }
    part(&out)
}

/// `ipvsadm -L -n -t VIP` style: one service, no version line.
pub fn list_service(row: &ServiceRow, opts: &ListOptions) -> String {
    list_service_with(row, opts, None)
}

/// `ipvsadm -L -t VIP`, with names from `naming` unless it is `None` (`-n`).
pub fn list_service_with(row: &ServiceRow, opts: &ListOptions, naming: Option<&dyn Naming>) -> String {
    let mut out = titles(opts.format);
    service_block(row, opts, Names(naming), &mut out);
    out
}

/// `ipvsadm -S -n`: the table as `-A`/`-a` lines, always sorted.
pub fn save(table: &Table) -> String {
    save_with(table, None)
}

/// `ipvsadm -S`, with names from `naming` unless it is `None` (`-n`).
pub fn save_with(table: &Table, naming: Option<&dyn Naming>) -> String {
    let rows = ordered(&table.services, false, |row| service_sort_key(&row.entry.service.key));
    rows.into_iter().map(|row| save_block(row, Names(naming))).collect()
}

/// `ipvsadm -L --timeout`.
pub fn timeouts(t: &Timeouts) -> String {
    format!("Timeout (tcp tcpfin udp): {} {} {}\n", t.tcp as i32, t.tcp_fin as i32, t.udp as i32)
}

/// `ipvsadm -L --daemon`: one line per daemon, in the order given (the
/// kernel's: master first); no daemon, no output.
pub fn daemons(daemons: &[Daemon]) -> String {
    daemons.iter().map(daemon_line).collect()
}

/// `ipvsadm -L -n -c` (with `--persistent-conn` when `persistent`), in the
/// order given (ipvsadm never sorts connections).
pub fn connections(conns: &[ConnEntry], persistent: bool) -> String {
    connections_with(conns, persistent, None)
}

/// `ipvsadm -L -c`, with names from `naming` unless it is `None` (`-n`).
pub fn connections_with(conns: &[ConnEntry], persistent: bool, naming: Option<&dyn Naming>) -> String {
    let mut out = String::from("IPVS connection entries\n");
    out.push_str(&conn_title(persistent));
    for conn in conns {
        out.push_str(&conn_line(conn, persistent, Names(naming)));
    }
    out
}

// ---- titles ----------------------------------------------------------------

const REMOTE_TITLE: &str = "  -> RemoteAddress:Port\n";
const DEFAULT_TITLES: &str = concat!(
    "Prot LocalAddress:Port Scheduler Flags\n",
    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
);
const TUN_INFO_TITLES: &str = concat!(
    "Prot LocalAddress:Port Scheduler Flags\n",
    "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n",
);
const STATS_TITLE: &str = "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n";
const RATE_TITLE: &str = "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n";
const THRESHOLDS_TITLE: &str =
    "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n";
const PERSISTENT_CONN_TITLE: &str =
    "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n";

/// The two title lines of a listing (ipvsadm's `print_title`, its printf
/// widths already applied).
fn titles(format: ListFormat) -> String {
    match format {
        ListFormat::Default => DEFAULT_TITLES.to_string(),
        ListFormat::TunInfo => TUN_INFO_TITLES.to_string(),
        ListFormat::Stats => format!("{STATS_TITLE}{REMOTE_TITLE}"),
        ListFormat::Rate => format!("{RATE_TITLE}{REMOTE_TITLE}"),
        ListFormat::Thresholds => format!("{THRESHOLDS_TITLE}{REMOTE_TITLE}"),
        ListFormat::PersistentConn => format!("{PERSISTENT_CONN_TITLE}{REMOTE_TITLE}"),
    }
}

// ---- services --------------------------------------------------------------

/// A service line and its backend lines.
/// Appends a service's lines to `out` (a listing of thousands is written
/// into one buffer, its common lines without a string of their own).
fn service_block(row: &ServiceRow, opts: &ListOptions, names: Names<'_>, out: &mut String) {
    match (opts.format, &row.entry.service.key, names.0) {
        // `{name} {scheduler}{flags}`, the name `{protocol:<4} {addr}` (a
        // numeric IPv4 one is at most 26 characters: never cut at 33).
        (ListFormat::Default, ServiceKey::Inet { protocol, addr: SocketAddr::V4(addr) }, None) => {
            let at = out.len();
            out.push_str(protocol_name(*protocol));
            pad_from(out, at, 4);
            out.push(' ');
            push_v4_port(out, addr);
            out.push(' ');
            out.push_str(row.entry.service.scheduler.name());
            out.push_str(&service_flags(&row.entry.service));
            out.push('\n');
        }
        _ => out.push_str(&service_line(&row.entry, opts, names)),
    }
    let protocol = service_protocol(&row.entry.service.key);
    for backend in ordered(&row.backends, opts.nosort, |b| backend_sort_key(&b.backend.addr)) {
        match (opts.format, backend.backend.addr, names.0) {
            // A numeric IPv4 name is never cut at 28 characters: it is at most 21.
            // `  -> {addr:<28} {fwd:<7} {weight:<6} {active:<10} {inactive:<10}`.
            (ListFormat::Default, SocketAddr::V4(addr), None) => {
                let b = &backend.backend;
                out.push_str("  -> ");
                let at = out.len();
                push_v4_port(out, &addr);
                pad_from(out, at, 28);
                out.push(' ');
                let at = out.len();
                out.push_str(fwd_name(b.forward));
                pad_from(out, at, 7);
                for (value, width) in [
                    (i64::from(b.weight as i32), 6),
                    (i64::from(backend.active_conns), 10),
                    (i64::from(backend.inactive_conns), 10),
                ] {
                    out.push(' ');
                    let at = out.len();
                    push_i64(out, value);
                    pad_from(out, at, width);
                }
                out.push('\n');
            }
            _ => out.push_str(&backend_line(backend, opts, names.addr_port(&backend.backend.addr, protocol))),
        }
    }
}

/// The protocol whose port names a service's ports are looked up in
/// (ipvsadm's `se->protocol`: none for a fwmark service).
fn service_protocol(key: &ServiceKey) -> Option<Protocol> {
    match key {
        ServiceKey::Inet { protocol, .. } => Some(*protocol),
        ServiceKey::Fwmark { .. } => None,
    }
}

fn service_line(entry: &ServiceEntry, opts: &ListOptions, names: Names<'_>) -> String {
    let name = service_name(&entry.service.key, names);
    match opts.format {
        ListFormat::Stats => format!("{name:<33}{}\n", largenums(&counters(&entry.stats), opts.exact)),
        ListFormat::Rate => format!("{name:<33}{}\n", largenums(&rates(&entry.stats), opts.exact)),
        _ => format!("{name} {}{}\n", entry.service.scheduler, service_flags(&entry.service)),
    }
}

/// `TCP  1.2.3.4:80`, `TCP  [2001:db8::1]:80`, `FWM  -1`, `FWM  8 IPv6`.
///
/// ipvsadm cuts IPv4 names at 33 characters (only reachable with host
/// names); the mark is printed as a C `int`.
fn service_name(key: &ServiceKey, names: Names<'_>) -> String {
    match key {
        ServiceKey::Inet { protocol, addr } => {
            let name = format!("{:<4} {}", protocol_name(*protocol), names.addr_port(addr, Some(*protocol)));
            cut_v4(name, addr, 33)
        }
        ServiceKey::Fwmark { mark, family: Family::V4 } => format!("FWM  {}", *mark as i32),
        ServiceKey::Fwmark { mark, family: Family::V6 } => format!("FWM  {} IPv6", *mark as i32),
    }
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
        Protocol::Other(_) => "?",
    }
}

/// What follows the scheduler: ` (flags)`, persistence, mask, pe (only when
/// persistent), ` ops`.
fn service_flags(svc: &Service) -> String {
    let mut out = String::new();
    if !svc.sched_flags.is_empty() {
        out.push_str(&format!(" ({})", sched_flag_names(svc)));
    }
    if let Some(persistence) = svc.persistence {
        out.push_str(&format!(" persistent {}", persistence.timeout));
        out.push_str(&mask_text(svc).map(|m| format!(" mask {m}")).unwrap_or_default());
        out.push_str(&pe_name(svc).map(|pe| format!(" pe {pe}")).unwrap_or_default());
    }
    if svc.one_packet {
        out.push_str(" ops");
    }
    out
}

/// The set scheduler flags by their names for this scheduler, comma
/// separated; SCHED3 has no name for sh and mh, so it may be empty.
pub(super) fn sched_flag_names(svc: &Service) -> String {
    svc.sched_flags.names(&svc.scheduler).join(",")
}

/// The persistence mask when it is not the whole address: dotted for IPv4
/// services, a prefix length for IPv6 ones.
///
/// ipvsadm keeps the mask as the kernel's raw 32-bit word and reads it by
/// the service's family; a mask of the other family is read the same way
/// (as on x86-64), however odd the result.
pub(super) fn mask_text(svc: &Service) -> Option<String> {
    let word = match svc.netmask {
        Netmask::V4(mask) => u32::from_le_bytes(mask.octets()),
        Netmask::V6(prefix) => u32::from(prefix),
    };
    match svc.key.family() {
        Family::V4 => (word != u32::MAX).then(|| Ipv4Addr::from(word.to_le_bytes()).to_string()),
        Family::V6 => (word != 128).then(|| (word as i32).to_string()),
    }
}

/// The persistence engine, if set to a non-empty name.
pub(super) fn pe_name(svc: &Service) -> Option<&str> {
    svc.pe.as_deref().filter(|pe| !pe.is_empty())
}

// ---- backends --------------------------------------------------------------

/// A backend line: name, the format's own columns, then active and inactive
/// connections (`--stats` and `--rate` lines differ, see below).
fn backend_line(entry: &BackendEntry, opts: &ListOptions, name: String) -> String {
    let b = &entry.backend;
    let name = cut_v4(name, &b.addr, 28);
    let (fwd, weight) = (fwd_name(b.forward), b.weight as i32);
    let columns = match opts.format {
        ListFormat::Default => format!("{fwd:<7} {weight:<6}"),
        ListFormat::TunInfo => format!("{fwd:<7} {:<13} {weight:<6}", tunnel_info(b.forward)),
        ListFormat::Thresholds => format!("{:<10} {:<10}", b.upper, b.lower),
        ListFormat::PersistentConn => format!("{:<9} {:<11}", b.weight, entry.persist_conns),
        ListFormat::Stats | ListFormat::Rate => return backend_numbers_line(&name, &entry.stats, opts),
    };
    format!("  -> {name:<28} {columns} {:<10} {:<10}\n", entry.active_conns, entry.inactive_conns)
}

/// `--stats` and `--rate` backend lines. Rates of packets and connections
/// are printed plainly (`%8llu`), not as large numbers.
fn backend_numbers_line(name: &str, stats: &Stats, opts: &ListOptions) -> String {
    let s = ipvsadm_backend_stats(stats);
    if opts.format == ListFormat::Stats {
        return format!("  -> {name:<28}{}\n", largenums(&counters(&s), opts.exact));
    }
    let bytes = largenums(&[s.in_bps, s.out_bps], opts.exact);
    format!("  -> {name:<28} {:>8} {:>8} {:>8}{bytes}\n", s.cps, s.in_pps, s.out_pps)
}

/// ipvsadm 1.31's bug, reproduced on purpose: libipvs parses a backend's
/// `IPVS_DEST_ATTR_STATS64` with its 32-bit stats parser, so every backend
/// counter and rate except the two byte counters keeps only its low 32 bits
/// (services use the right parser and show all 64).
fn ipvsadm_backend_stats(s: &Stats) -> Stats {
    let low = |n: u64| n & u64::from(u32::MAX);
    Stats {
        conns: low(s.conns),
        in_pkts: low(s.in_pkts),
        out_pkts: low(s.out_pkts),
        cps: low(s.cps),
        in_pps: low(s.in_pps),
        out_pps: low(s.out_pps),
        in_bps: low(s.in_bps),
        out_bps: low(s.out_bps),
        ..*s
    }
}

/// ipvsadm's forwarding names; it has none for bypass and unnamed methods
/// and prints C's `(null)` for them.
fn fwd_name(forward: Forward) -> &'static str {
    match forward {
        Forward::Masq => "Masq",
        Forward::Local => "Local",
        Forward::Tunnel(_) => "Tunnel",
        Forward::Route => "Route",
        Forward::Bypass | Forward::Unknown(_) => "(null)",
    }
}

/// The `--tun-info` column: `ipip`, `gue:<port>:<csum>`, `gre:<csum>`, `n/a`.
fn tunnel_info(forward: Forward) -> String {
    let Forward::Tunnel(tunnel) = forward else {
        return "n/a".to_string();
    };
    let csum = match tunnel.csum {
        TunnelCsum::NoCsum => "-c",
        TunnelCsum::Csum => "+c",
        TunnelCsum::RemCsum => "r+c",
    };
    match tunnel.kind {
        TunnelKind::Ipip => "ipip".to_string(),
        TunnelKind::Gue { port } => format!("gue:{port}:{csum}"),
        TunnelKind::Gre => format!("gre:{csum}"),
    }
}

// ---- numbers ---------------------------------------------------------------

fn counters(s: &Stats) -> [u64; 5] {
    [s.conns, s.in_pkts, s.out_pkts, s.in_bytes, s.out_bytes]
}

fn rates(s: &Stats) -> [u64; 5] {
    [s.cps, s.in_pps, s.out_pps, s.in_bps, s.out_bps]
}

fn largenums(numbers: &[u64], exact: bool) -> String {
    numbers.iter().map(|n| largenum(*n, exact)).collect()
}

/// ipvsadm's `print_largenum`: nine columns, values of 10^8 and more scaled
/// down (integer division) with a K/M/G/T suffix; `--exact` widens instead.
fn largenum(n: u64, exact: bool) -> String {
    const SCALES: [(u64, u64, char); 4] = [
        (1_000_000_000, 1_000, 'K'),
        (100_000_000_000, 1_000_000, 'M'),
        (100_000_000_000_000, 1_000_000_000, 'G'),
        (u64::MAX, 1_000_000_000_000, 'T'),
    ];
    if exact {
        let digits = n.to_string();
        return format!("{digits:>width$}", width = (digits.len() + 1).max(9));
    }
    if n < 100_000_000 {
        return format!("{n:>9}");
    }
    let (_, unit, suffix) = SCALES.into_iter().find(|(limit, ..)| n < *limit).unwrap_or(SCALES[3]);
    format!("{:>8}{suffix}", n / unit)
}

// ---- save ------------------------------------------------------------------

fn save_block(row: &ServiceRow, names: Names<'_>) -> String {
    let svc = &row.entry.service;
    let name = save_name(&svc.key, names);
    let mut out = format!("-A {name} -s {}{}\n", svc.scheduler, save_flags(svc));
    let protocol = service_protocol(&svc.key);
    for backend in ordered(&row.backends, false, |b| backend_sort_key(&b.backend.addr)) {
        out.push_str(&save_backend(&name, backend, names.addr_port(&backend.backend.addr, protocol)));
    }
    out
}

/// `-t addr:port`, `-u ...`, `--sctp-service ...`, `--xxx-service ...`, `-f <mark> [-6]`.
fn save_name(key: &ServiceKey, names: Names<'_>) -> String {
    match key {
        ServiceKey::Inet { protocol, addr } => {
            format!("{} {}", protocol_option(*protocol), names.addr_port(addr, Some(*protocol)))
        }
        ServiceKey::Fwmark { mark, family: Family::V4 } => format!("-f {}", *mark as i32),
        ServiceKey::Fwmark { mark, family: Family::V6 } => format!("-f {} -6", *mark as i32),
    }
}

fn protocol_option(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "-t",
        Protocol::Udp => "-u",
        Protocol::Sctp => "--sctp-service",
        Protocol::Other(_) => "--xxx-service",
    }
}

/// ` -p`, ` -M`, ` --pe` (even when not persistent), ` -o`, ` -b`, in that order.
fn save_flags(svc: &Service) -> String {
    let mut out = String::new();
    if let Some(persistence) = svc.persistence {
        out.push_str(&format!(" -p {}", persistence.timeout));
        out.push_str(&mask_text(svc).map(|m| format!(" -M {m}")).unwrap_or_default());
    }
    out.push_str(&pe_name(svc).map(|pe| format!(" --pe {pe}")).unwrap_or_default());
    if svc.one_packet {
        out.push_str(" -o");
    }
    if !svc.sched_flags.is_empty() {
        out.push_str(&format!(" -b {}", sched_flag_names(svc)));
    }
    out
}

/// `-a <svc> -r <addr:port> <fwd> -w <weight>` plus tunnel options;
/// thresholds are not saved.
fn save_backend(service: &str, entry: &BackendEntry, name: String) -> String {
    let b = &entry.backend;
    let (fwd, weight, tunnel) = (fwd_switch(b.forward), b.weight as i32, tunnel_options(b.forward));
    format!("-a {service} -r {name} {fwd} -w {weight}{tunnel}\n")
}

/// ipvsadm's forwarding options: `-g` stands for local too, and methods it
/// does not know print C's `(null)`.
pub(super) fn fwd_switch(forward: Forward) -> &'static str {
    match forward {
        Forward::Masq => "-m",
        Forward::Tunnel(_) => "-i",
        Forward::Local | Forward::Route => "-g",
        Forward::Bypass | Forward::Unknown(_) => "(null)",
    }
}

pub(super) fn tunnel_options(forward: Forward) -> String {
    let Forward::Tunnel(tunnel) = forward else {
        return String::new();
    };
    let csum = match tunnel.csum {
        TunnelCsum::NoCsum => "--tun-nocsum",
        TunnelCsum::Csum => "--tun-csum",
        TunnelCsum::RemCsum => "--tun-remcsum",
    };
    match tunnel.kind {
        TunnelKind::Ipip => " --tun-type ipip".to_string(),
        TunnelKind::Gue { port } => format!(" --tun-type gue --tun-port {port} {csum}"),
        TunnelKind::Gre => format!(" --tun-type gre {csum}"),
    }
}

// ---- daemons and connections -----------------------------------------------

/// `master sync daemon (mcast=d0, syncid=5, ...)`: the optional fields only
/// when known and, for the numbers, non-zero.
fn daemon_line(d: &Daemon) -> String {
    let mut out = format!("{} sync daemon (mcast={}, syncid={}", d.state, d.interface, d.sync_id as i32);
    let extras = [
        d.max_len.filter(|n| *n != 0).map(|n| format!(", maxlen={n}")),
        d.group.map(|g| format!(", group={}", ntop(g))),
        d.port.filter(|n| *n != 0).map(|n| format!(", port={n}")),
        d.ttl.filter(|n| *n != 0).map(|n| format!(", ttl={n}")),
    ];
    extras.into_iter().flatten().for_each(|extra| out.push_str(&extra));
    out + ")\n"
}

fn conn_title(persistent: bool) -> String {
    let (state, source, virt, dest) = ("state", "source", "virtual", "destination");
    if persistent {
        return format!(
            "pro expire {state:<11} {source:<18} {virt:<18} {dest:<18} {:<16} pe_data\n",
            "pe name"
        );
    }
    format!("pro expire {state:<11} {source:<18} {virt:<18} {dest}\n")
}

/// One connection; with `--persistent-conn`, rows that carry both a pe name
/// and pe data get two more columns (and ipvsadm pads the destination to 16
/// there, not the title's 18).
fn conn_line(c: &ConnEntry, persistent: bool, names: Names<'_>) -> String {
    let expire = format!("{:02}:{:02}", c.expires / 60, c.expires % 60);
    // ipvsadm names the ports of the protocols it knows by name.
    let protocol = match c.protocol.as_str() {
        "TCP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        "SCTP" => Some(Protocol::Sctp),
        _ => None,
    };
    let name = |addr| names.addr_port(addr, protocol);
    let (client, virt, dest) = (name(&c.client), name(&c.virtual_addr), name(&c.dest));
    let head = format!("{:<3} {expire:<6} {:<11} {client:<18} {virt:<18}", c.protocol, c.state);
    match (persistent, &c.pe_name, &c.pe_data) {
        (true, Some(name), Some(data)) => format!("{head} {dest:<16} {name:<18} {data}\n"),
        _ => format!("{head} {dest}\n"),
    }
}

// ---- addresses -------------------------------------------------------------

/// `1.2.3.4:80` or `[2001:db8::1]:80` (no scope id, unlike `SocketAddr`'s
/// own display).
pub(super) fn addr_port(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => {
            let mut text = String::with_capacity(21);
            push_v4_port(&mut text, v4);
            text
        }
        SocketAddr::V6(v6) => format!("[{}]:{}", ntop6(*v6.ip()), addr.port()),
    }
}

fn ntop(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => ntop6(ip),
    }
}

/// glibc's `inet_ntop`: Rust's display except for IPv4-compatible addresses
/// (first 96 bits zero, then a non-zero 7th group), which glibc writes with
/// a dotted tail, `::1.2.3.4`.
fn ntop6(ip: Ipv6Addr) -> String {
    let groups = ip.segments();
    if groups[..6].iter().all(|g| *g == 0) && groups[6] != 0 {
        let [.., a, b, c, d] = ip.octets();
        return format!("::{}", Ipv4Addr::new(a, b, c, d));
    }
    ip.to_string()
}

/// Cuts an IPv4 name to `max` bytes as ipvsadm's fixed buffers do; IPv6
/// names are never cut.
fn cut_v4(name: String, addr: &SocketAddr, max: usize) -> String {
    match addr.is_ipv4() {
        true => cut_bytes(name, max),
        false => name,
    }
}

/// The first `max` bytes (back to a character boundary: a name that is not
/// ASCII may lose a few more bytes than ipvsadm's cut).
fn cut_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

// ---- sorting ---------------------------------------------------------------

/// The fields libipvs's comparators read, as C sees them.
#[derive(Debug, Clone, Copy, Default)]
struct SortKey {
    fwmark: u32,
    af: i32,
    protocol: i32,
    /// The address as host-order 32-bit words; IPv4 fills the first.
    words: [u32; 4],
    v6: bool,
    port: i32,
}

const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;

fn service_sort_key(key: &ServiceKey) -> SortKey {
    let af = if key.family() == Family::V6 { AF_INET6 } else { AF_INET };
    match key {
        ServiceKey::Inet { protocol, addr } => {
            SortKey { af, protocol: i32::from(protocol.number()), ..backend_sort_key(addr) }
        }
        ServiceKey::Fwmark { mark, family } => {
            SortKey { fwmark: *mark, af, protocol: 0, words: [0; 4], v6: *family == Family::V6, port: 0 }
        }
    }
}

/// Also the address part of a service key. The backend comparator reads
/// neither mark, family nor protocol, so those stay zero: backends of two
/// families compare by their first address word alone.
fn backend_sort_key(addr: &SocketAddr) -> SortKey {
    let (words, v6) = match addr.ip() {
        IpAddr::V4(ip) => ([u32::from(ip), 0, 0, 0], false),
        IpAddr::V6(ip) => (u128_words(u128::from(ip)), true),
    };
    SortKey { fwmark: 0, af: 0, protocol: 0, words, v6, port: i32::from(addr.port()) }
}

fn u128_words(n: u128) -> [u32; 4] {
    [(n >> 96) as u32, (n >> 64) as u32, (n >> 32) as u32, n as u32]
}

/// `ipvs_cmp_services` (and, with zero marks, families and protocols,
/// `ipvs_cmp_dests`): the first non-zero difference of mark, family,
/// protocol, address words and port. Marks and address words are `u32`s
/// subtracted in C and read as `int`, so values 2^31 or more apart compare
/// backwards. How many address words count depends on the left side only.
fn ipvsadm_cmp(a: &SortKey, b: &SortKey) -> i32 {
    let fields = [wrapping_diff(a.fwmark, b.fwmark), a.af - b.af, a.protocol - b.protocol];
    if let Some(d) = fields.into_iter().find(|d| *d != 0) {
        return d;
    }
    let words = if a.v6 { 4 } else { 1 };
    for i in 0..words {
        let d = wrapping_diff(a.words[i], b.words[i]);
        if d != 0 {
            return d;
        }
    }
    a.port - b.port
}

fn wrapping_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// The items in ipvsadm's order: as given with `nosort`, else sorted by
/// `key` with [`ipvsadm_cmp`] through glibc's merge sort.
fn ordered<T>(items: &[T], nosort: bool, key: impl Fn(&T) -> SortKey) -> Vec<&T> {
    /// A service's few backends are sorted on the stack.
    const FEW: usize = 16;
    if nosort || items.len() < 2 {
        return items.iter().collect();
    }
    // Indices are sorted, not the keys: a merge moves 4 bytes, not 48.
    let sort = |keys: &[SortKey], order: &mut [u32], tmp: &mut [u32]| {
        order.iter_mut().enumerate().for_each(|(i, o)| *o = i as u32);
        merge_sort(order, tmp, &|a, b| ipvsadm_cmp(&keys[*a as usize], &keys[*b as usize]));
    };
    let n = items.len();
    if n <= FEW {
        let mut keys = [SortKey::default(); FEW];
        items.iter().zip(&mut keys).for_each(|(item, k)| *k = key(item));
        let (mut order, mut tmp) = ([0u32; FEW], [0u32; FEW]);
        sort(&keys[..n], &mut order[..n], &mut tmp[..n]);
        return order[..n].iter().map(|&i| &items[i as usize]).collect();
    }
    let keys: Vec<SortKey> = items.iter().map(key).collect();
    let (mut order, mut tmp) = (vec![0u32; n], vec![0u32; n]);
    sort(&keys, &mut order, &mut tmp);
    order.into_iter().map(|i| &items[i as usize]).collect()
}

/// glibc 2.36's `qsort` (`msort_with_tmp`): split at n/2, sort both halves,
/// merge taking from the left while `cmp(left, right) <= 0`. With a
/// non-transitive comparator the result depends on exactly this order of
/// comparisons, so it is kept as is; `tmp` (as long as `items`) is the one
/// merge buffer, as glibc's.
fn merge_sort<T: Copy>(items: &mut [T], tmp: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let (left, right) = items.split_at_mut(n / 2);
    merge_sort(left, tmp, cmp);
    merge_sort(right, tmp, cmp);
    let (mut l, mut r, mut k) = (0, 0, 0);
    while l < left.len() && r < right.len() {
        if cmp(&left[l], &right[r]) <= 0 {
            tmp[k] = left[l];
            l += 1;
        } else {
            tmp[k] = right[r];
            r += 1;
        }
        k += 1;
    }
    let (rest_left, rest_right) = (&left[l..], &right[r..]);
    tmp[k..k + rest_left.len()].copy_from_slice(rest_left);
    k += rest_left.len();
    tmp[k..k + rest_right.len()].copy_from_slice(rest_right);
    items.copy_from_slice(&tmp[..n]);
}

#[cfg(test)]
mod tests {
    //! Expected texts are files in tests/cases/render/: ipvsadm's own output
    //! captured in the test guest, copied, never retyped (docs/ipvsadm-format.md
    //! names the guest runs: seed, probe2, ...). The tables are rebuilt in
    //! each run's kernel dump order (its `--nosort` output, backends newest
    //! first).

    use super::*;
    use crate::ipvs::conntable::parse_conn_table;
    use crate::ipvs::{Backend, DaemonState, Persistence, SchedFlags, Tunnel};

    /// The text of `tests/cases/render/NAME.txt`, read at compile time.
    macro_rules! case {
        ($name:literal) => {
            include_str!(concat!("../../tests/cases/render/", $name, ".txt"))
        };
    }

    // ---- fixtures ----------------------------------------------------------

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("test address")
    }

    fn tcp(text: &str) -> ServiceKey {
        ServiceKey::tcp(addr(text))
    }

    fn udp(text: &str) -> ServiceKey {
        ServiceKey::udp(addr(text))
    }

    fn sctp(text: &str) -> ServiceKey {
        ServiceKey::Inet { protocol: Protocol::Sctp, addr: addr(text) }
    }

    fn fwmark(mark: u32, family: Family) -> ServiceKey {
        ServiceKey::Fwmark { mark, family }
    }

    fn svc(key: ServiceKey, scheduler: &str) -> Service {
        Service::new(key).with_scheduler(scheduler)
    }

    fn persistent(timeout: u32, service: Service) -> Service {
        Service { persistence: Some(Persistence { timeout }), ..service }
    }

    fn flags(flag1: bool, flag2: bool, flag3: bool, service: Service) -> Service {
        Service { sched_flags: SchedFlags { flag1, flag2, flag3 }, ..service }
    }

    fn be(text: &str, forward: Forward, weight: u32) -> BackendEntry {
        let backend = Backend::new(addr(text), forward).with_weight(weight);
        BackendEntry::idle(backend)
    }

    fn thresholds(upper: u32, lower: u32, mut entry: BackendEntry) -> BackendEntry {
        entry.backend.upper = upper;
        entry.backend.lower = lower;
        entry
    }

    fn row(service: Service, backends: Vec<BackendEntry>) -> ServiceRow {
        ServiceRow { entry: ServiceEntry { service, stats: Stats::default() }, backends }
    }

    fn table(services: Vec<ServiceRow>) -> Table {
        Table { info: Info { version: 0x010201, conn_tab_size: 4096 }, services }
    }

    fn tunnel(kind: TunnelKind, csum: TunnelCsum) -> Forward {
        Forward::Tunnel(Tunnel { kind, csum })
    }

    fn gue(port: u16, csum: TunnelCsum) -> Forward {
        tunnel(TunnelKind::Gue { port }, csum)
    }

    /// The last `n` lines of a text.
    fn tail(text: &str, n: usize) -> String {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].iter().map(|l| format!("{l}\n")).collect()
    }

    fn opts(format: ListFormat) -> ListOptions {
        ListOptions { format, ..ListOptions::default() }
    }

    /// Counters then rates, in `Stats` field order.
    fn stats(n: [u64; 10]) -> Stats {
        let [conns, in_pkts, out_pkts, in_bytes, out_bytes, cps, in_pps, out_pps, in_bps, out_bps] = n;
        Stats { conns, in_pkts, out_pkts, in_bytes, out_bytes, cps, in_pps, out_pps, in_bps, out_bps }
    }

    /// The seed (docs/ipvsadm-format.md); `traffic` adds what four client
    /// connections left behind.
    fn seed(traffic: bool) -> Table {
        let mut rows = vec![row(
            svc(tcp("111.111.0.1:80"), "rr"),
            vec![be("10.10.0.3:8000", Forward::Masq, 1), be("10.10.0.2:8000", Forward::Masq, 1)],
        )];
        if traffic {
            let r = &mut rows[0];
            r.entry.stats = stats([4, 24, 15, 1296, 832, 0, 3, 2, 162, 104]);
            r.backends[0].stats = stats([2, 12, 7, 648, 390, 0, 1, 1, 81, 49]);
            r.backends[1].stats = stats([2, 12, 8, 648, 442, 0, 1, 1, 81, 55]);
            r.backends.iter_mut().for_each(|b| b.inactive_conns = 2);
        }
        table(rows)
    }

    /// probe2's wide table in its `--nosort` order.
    fn probe2() -> Table {
        use Forward::{Masq, Route};
        use TunnelCsum::{Csum, NoCsum, RemCsum};
        let ipip = Forward::Tunnel(Tunnel::IPIP);
        table(vec![
            row(svc(tcp("[2001:db8::1]:80"), "sed"), vec![be("[2001:db8::10]:8080", Masq, 3)]),
            row(
                Service { pe: Some("sip".into()), ..persistent(60, svc(udp("111.111.0.2:5060"), "rr")) },
                vec![],
            ),
            row(Service { one_packet: true, ..svc(udp("111.111.0.1:5060"), "rr") }, vec![]),
            row(
                flags(true, true, false, persistent(360, svc(tcp("111.111.0.1:443"), "sh"))),
                vec![
                    be("10.10.0.11:443", ipip, 1),
                    be("10.10.0.10:443", tunnel(TunnelKind::Gre, NoCsum), 1),
                    be("10.10.0.9:443", tunnel(TunnelKind::Gre, Csum), 1),
                    be("10.10.0.8:443", gue(6082, NoCsum), 1),
                    be("10.10.0.7:443", gue(6081, RemCsum), 1),
                    be("10.10.0.6:443", gue(6080, Csum), 1),
                ],
            ),
            row(svc(sctp("111.111.0.1:3868"), "nq"), vec![be("10.10.0.14:3868", Masq, 1)]),
            row(svc(tcp("111.111.0.6:80"), "lblc"), vec![]),
            row(svc(tcp("111.111.0.7:80"), "lblcr"), vec![]),
            row(svc(tcp("111.111.0.4:80"), "ovf"), vec![]),
            row(svc(tcp("111.111.0.3:80"), "fo"), vec![]),
            row(
                svc(tcp("111.111.0.1:80"), "rr"),
                vec![thresholds(100, 50, be("10.10.0.2:8000", Masq, 5)), be("10.10.0.3:8000", Masq, 1)],
            ),
            row(svc(tcp("111.111.0.10:80"), "wlc"), vec![]),
            row(svc(tcp("111.111.0.8:80"), "dh"), vec![]),
            row(svc(tcp("111.111.0.9:80"), "none"), vec![]),
            row(
                Service {
                    netmask: Netmask::V4(Ipv4Addr::new(255, 255, 255, 0)),
                    ..persistent(600, svc(udp("111.111.0.1:53"), "wrr"))
                },
                vec![be("10.10.0.5:53", ipip, 1), be("10.10.0.4:53", Route, 0)],
            ),
            row(
                svc(tcp("[2001:db8:abcd:1234:5678:9abc:def0:1234]:65535"), "sed"),
                vec![be("[2001:db8:abcd:1234:5678:9abc:def0:4321]:65535", Masq, 1)],
            ),
            row(persistent(120, svc(tcp("111.111.0.1:0"), "wlc")), vec![]),
            row(
                flags(true, true, false, svc(fwmark(7, Family::V4), "mh")),
                vec![be("10.10.0.13:8080", Masq, 1), be("10.10.0.12:0", Masq, 1)],
            ),
            row(
                Service { netmask: Netmask::V6(64), ..persistent(30, svc(fwmark(8, Family::V6), "lc")) },
                vec![be("[2001:db8::20]:80", Route, 1)],
            ),
            row(flags(true, false, true, svc(fwmark(9, Family::V4), "wlc")), vec![]),
        ])
    }

    /// probe3: weights, a mixed-family tunnel, thresholds, newest first.
    fn mixed() -> Table {
        use Forward::{Masq, Route};
        table(vec![row(
            svc(tcp("111.111.0.1:80"), "rr"),
            vec![
                be("10.10.0.9:80", Route, 1),
                be("[2001:db8::11]:80", Forward::Tunnel(Tunnel::IPIP), 1),
                be("10.10.0.8:8000", Masq, 65536),
                be("10.10.0.7:8000", Masq, 65535),
                thresholds(5, 0, be("10.10.0.6:8000", Masq, 1)),
                be("10.10.0.2:8000", Masq, 1),
            ],
        )])
    }

    // ---- the seed, every format --------------------------------------------

    #[test]
    fn seed_lists_like_ipvsadm() {
        assert_eq!(list(&seed(false), &ListOptions::default()), case!("seed-list"));
    }

    #[test]
    fn seed_lists_like_ipvsadm_in_every_format() {
        let exact = ListOptions { exact: true, ..opts(ListFormat::Stats) };
        let cases = [
            (opts(ListFormat::Stats), case!("seed-stats")),
            (exact, case!("seed-stats-exact")),
            (opts(ListFormat::Rate), case!("seed-rate")),
            (opts(ListFormat::Thresholds), case!("seed-thresholds")),
            (opts(ListFormat::PersistentConn), case!("seed-persistent-conn")),
            (opts(ListFormat::TunInfo), case!("seed-tun-info")),
        ];
        for (options, expected) in cases {
            assert_eq!(list(&seed(true), &options), expected, "{options:?}");
        }
    }

    #[test]
    fn one_service_listing_has_no_version_line() {
        let table = seed(true);
        assert_eq!(list_service(&table.services[0], &ListOptions::default()), case!("seed-one-service"));
    }

    #[test]
    fn seed_saves_like_ipvsadm() {
        assert_eq!(save(&seed(false)), case!("seed-save"));
    }

    #[test]
    fn empty_table_lists_version_and_titles_and_saves_nothing() {
        assert_eq!(list(&table(vec![]), &ListOptions::default()), case!("empty-list"));
        assert_eq!(save(&table(vec![])), "");
    }

    // ---- the wide table ----------------------------------------------------

    #[test]
    fn wide_table_sorts_and_lists_like_ipvsadm() {
        assert_eq!(list(&probe2(), &ListOptions::default()), case!("probe2-list"));
    }

    #[test]
    fn nosort_keeps_kernel_dump_order_with_backends_newest_first() {
        let nosort = ListOptions { nosort: true, ..ListOptions::default() };
        assert_eq!(list(&probe2(), &nosort), case!("probe2-nosort"));
    }

    #[test]
    fn wide_table_saves_like_ipvsadm() {
        assert_eq!(save(&probe2()), case!("probe2-save"));
    }

    #[test]
    fn tun_info_column_names_each_tunnel_and_checksum() {
        assert_eq!(list(&probe2(), &opts(ListFormat::TunInfo)), case!("probe2-tun-info"));
    }

    #[test]
    fn thresholds_listing_shows_upper_and_lower() {
        assert_eq!(list(&probe2(), &opts(ListFormat::Thresholds)), case!("probe2-thresholds"));
    }

    #[test]
    fn stats_listing_drops_scheduler_and_long_ipv6_names_push_columns() {
        assert_eq!(list(&probe2(), &opts(ListFormat::Stats)), case!("probe2-stats"));
    }

    #[test]
    fn ipv6_fwmark_service_shows_prefix_mask() {
        let table = probe2();
        assert_eq!(list_service(&table.services[17], &ListOptions::default()), case!("probe2-fwmark-v6"));
    }

    // ---- weights, families, thresholds -------------------------------------

    #[test]
    fn mixed_family_tunnel_backend_sorts_after_ipv4_and_is_saved_with_its_tunnel() {
        assert_eq!(list(&mixed(), &ListOptions::default()), case!("mixed-list"));
        assert_eq!(save(&mixed()), case!("mixed-save"));
    }

    /// libipvs compares backends by address words without looking at the
    /// family: 100.0.0.1 (0x64000001) is above 2001:db8:: (0x20010db8).
    #[test]
    fn mixed_family_backends_compare_by_first_address_word_not_family() {
        let backends = vec![
            be("100.0.0.1:80", Forward::Tunnel(Tunnel::IPIP), 1),
            be("[2001:db8::1]:80", Forward::Tunnel(Tunnel::IPIP), 1),
        ];
        let t = table(vec![row(svc(tcp("1.2.3.4:80"), "rr"), backends)]);
        assert_eq!(
            tail(&list(&t, &ListOptions::default()), 2),
            concat!(
                "  -> [2001:db8::1]:80             Tunnel  1      0          0         \n",
                "  -> 100.0.0.1:80                 Tunnel  1      0          0         \n",
            )
        );
    }

    #[test]
    fn thresholds_are_listed_but_not_saved() {
        assert_eq!(list(&mixed(), &opts(ListFormat::Thresholds)), case!("mixed-thresholds"));
        assert!(!save(&mixed()).contains("-x"));
    }

    #[test]
    fn persistent_conn_listing_counts_templates() {
        let mut table = seed(false);
        let r = &mut table.services[0];
        r.entry.service.persistence = Some(Persistence { timeout: 300 });
        (r.backends[0].persist_conns, r.backends[0].inactive_conns) = (1, 3);
        assert_eq!(list(&table, &opts(ListFormat::PersistentConn)), case!("template-persistent-conn"));
    }

    #[test]
    fn int_max_weight_pushes_columns_and_route_saves_as_g() {
        use Forward::{Masq, Route};
        let vip = row(
            svc(tcp("111.111.0.1:80"), "rr"),
            vec![
                be("10.10.0.10:80", Forward::Tunnel(Tunnel::IPIP), 1),
                be("10.10.0.9:80", Route, 1),
                be("10.10.0.1:80", Masq, 2147483647),
            ],
        );
        let other = row(svc(tcp("9.9.9.2:80"), "rr"), vec![be("10.10.0.2:80", Masq, 1)]);
        assert_eq!(save(&table(vec![vip, other])), case!("weights-save"));
    }

    // ---- sorting -----------------------------------------------------------

    #[test]
    fn addresses_2_31_apart_sort_backwards_through_the_merge_sort() {
        let dests = ["1.5.0.1:80", "150.5.0.1:80", "100.5.0.1:80", "200.5.0.1:80", "10.5.0.1:80"];
        let backends = dests.iter().map(|d| be(d, Forward::Masq, 1)).collect();
        let vips =
            ["1.0.0.1:80", "128.0.0.1:80", "127.0.0.1:80", "150.0.0.1:80", "100.0.0.1:80", "200.0.0.1:80"];
        let mut rows: Vec<ServiceRow> = vips.iter().map(|v| row(svc(tcp(v), "rr"), vec![])).collect();
        rows.push(row(svc(tcp("10.0.0.1:80"), "rr"), backends));
        let nosort = ListOptions { nosort: true, ..ListOptions::default() };
        assert_eq!(list(&table(rows.clone()), &ListOptions::default()), case!("wrap-list"));
        assert_eq!(list(&table(rows), &nosort), case!("wrap-nosort"));
    }

    /// probe4's table without `FWM 1`, whose place depends on a dump order
    /// the transcript does not show (1 - 0x80000001 wraps, so it sorts both
    /// before and after the big marks).
    #[test]
    fn fwmarks_of_2_31_and_more_sort_first_and_print_signed() {
        use Forward::{Masq, Route};
        let vip = vec![
            be("10.10.0.10:80", Forward::Tunnel(Tunnel::IPIP), 1),
            be("10.10.0.9:80", Route, 1),
            be("10.10.0.1:80", Masq, 2147483647),
        ];
        let rows = vec![
            row(svc(tcp("1.2.3.5:80"), "rr"), vec![]),
            row(svc(udp("1.1.1.1:53"), "wlc"), vec![]),
            row(svc(tcp("111.111.0.1:80"), "rr"), vip),
            row(svc(tcp("1.2.0.3:80"), "rr"), vec![]),
            row(svc(tcp("9.9.9.2:80"), "rr"), vec![be("10.10.0.2:80", Masq, 1)]),
            row(svc(tcp("1.2.3.4:80"), "rr"), vec![]),
            row(svc(fwmark(u32::MAX, Family::V4), "rr"), vec![]),
            row(svc(fwmark(2147483649, Family::V4), "rr"), vec![]),
        ];
        let expected = case!("fwmark-list").replace("FWM  1 rr\n", "");
        assert_eq!(list(&table(rows), &ListOptions::default()), expected);
    }

    /// The merge sort as first written (a vector per half), kept to prove
    /// the one-buffer version makes the same comparisons' result.
    fn merge_sort_by_vectors<T>(mut items: Vec<T>, cmp: &impl Fn(&T, &T) -> i32) -> Vec<T> {
        if items.len() < 2 {
            return items;
        }
        let right = items.split_off(items.len() / 2);
        let (left, right) = (merge_sort_by_vectors(items, cmp), merge_sort_by_vectors(right, cmp));
        let mut out = Vec::with_capacity(left.len() + right.len());
        let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
        while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
            let side = if cmp(l, r) <= 0 { &mut left } else { &mut right };
            out.extend(side.next());
        }
        out.extend(left);
        out.extend(right);
        out
    }

    proptest::proptest! {
        #[test]
        fn the_one_buffer_merge_sort_orders_as_the_first_did(items in proptest::collection::vec((proptest::prelude::any::<u32>(), 0u8..4), 0..60)) {
            // ipvsadm's comparators subtract as C ints: not transitive.
            let cmp = |a: &(u32, u8), b: &(u32, u8)| (a.0 as i32).wrapping_sub(b.0 as i32);
            let mut sorted = items.clone();
            merge_sort(&mut sorted, &mut items.clone(), &cmp);
            proptest::prop_assert_eq!(sorted, merge_sort_by_vectors(items, &cmp));
        }
    }

    /// `list` as it was before its written-in-place service lines and its
    /// sort of indices: every line through `service_line` and
    /// `backend_line`, the keys themselves sorted.
    fn list_as_before(table: &Table, opts: &ListOptions) -> String {
        fn ordered_by_keys<T>(items: &[T], nosort: bool, key: impl Fn(&T) -> SortKey) -> Vec<&T> {
            let mut keyed: Vec<(SortKey, &T)> = items.iter().map(|item| (key(item), item)).collect();
            if !nosort {
                let mut tmp = keyed.clone();
                merge_sort(&mut keyed, &mut tmp, &|a, b| ipvsadm_cmp(&a.0, &b.0));
            }
            keyed.into_iter().map(|(_, item)| item).collect()
        }
        let info = &table.info;
        let mut out =
            format!("IP Virtual Server version {} (size={})\n", info.version(), info.conn_tab_size as i32);
        out.push_str(&titles(opts.format));
        for row in
            ordered_by_keys(&table.services, opts.nosort, |row| service_sort_key(&row.entry.service.key))
        {
            out.push_str(&service_line(&row.entry, opts, Names(None)));
            for b in ordered_by_keys(&row.backends, opts.nosort, |b| backend_sort_key(&b.backend.addr)) {
                out.push_str(&backend_line(b, opts, addr_port(&b.backend.addr)));
            }
        }
        out
    }

    fn any_table() -> impl proptest::strategy::Strategy<Value = Table> {
        use proptest::prelude::*;
        // Few distinct values, so that keys tie and order matters; far apart
        // words, so that ipvsadm's int subtraction compares backwards.
        let ip = prop_oneof![
            prop::sample::select(vec![0u32, 1, 0x0a00_0001, 0x7fff_ffff, 0x8000_0000, u32::MAX])
                .prop_map(|n| IpAddr::V4(Ipv4Addr::from(n))),
            prop::sample::select(vec![1u128, 0xffff_0000_0000_0000_0000_0000_0a00_0001, u128::MAX])
                .prop_map(|n| IpAddr::V6(Ipv6Addr::from(n))),
        ];
        let addr = (ip, prop::sample::select(vec![0u16, 80, 8080, 65535]))
            .prop_map(|(ip, port)| SocketAddr::new(ip, port));
        let key = prop_oneof![
            4 => (prop::sample::select(vec![Protocol::Tcp, Protocol::Udp, Protocol::Sctp, Protocol::Other(99)]), addr.clone())
                .prop_map(|(protocol, addr)| ServiceKey::Inet { protocol, addr }),
            1 => (prop::sample::select(vec![1u32, 7, 0x8000_0000]), any::<bool>()).prop_map(|(mark, v6)| {
                ServiceKey::Fwmark { mark, family: if v6 { Family::V6 } else { Family::V4 } }
            }),
        ];
        let service = (
            key,
            prop::sample::select(vec!["rr", "wlc", "sh", "mh"]),
            any::<(bool, bool, bool)>(),
            proptest::option::of(1u32..1000),
            any::<bool>(),
        )
            .prop_map(|(key, scheduler, flags, persistence, one_packet)| {
                let mut svc = Service::new(key).with_scheduler(scheduler);
                svc.sched_flags = SchedFlags { flag1: flags.0, flag2: flags.1, flag3: flags.2 };
                svc.persistence = persistence.map(|timeout| Persistence { timeout });
                svc.one_packet = one_packet;
                svc
            });
        let forward = prop::sample::select(vec![
            Forward::Masq,
            Forward::Route,
            Forward::Local,
            Forward::Tunnel(Tunnel::IPIP),
        ]);
        let backend = (addr, forward, any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
            |(addr, forward, weight, active, inactive)| {
                let mut entry = BackendEntry::idle(Backend::new(addr, forward).with_weight(weight));
                entry.active_conns = active;
                entry.inactive_conns = inactive;
                entry
            },
        );
        let row = (service, prop_oneof![4 => prop::collection::vec(backend.clone(), 0..6), 1 => prop::collection::vec(backend, 15..20)])
            .prop_map(|(service, backends)| ServiceRow {
                entry: ServiceEntry { service, stats: Stats::default() },
                backends,
            });
        prop_oneof![3 => prop::collection::vec(row.clone(), 0..8), 1 => prop::collection::vec(row, 15..40)]
            .prop_map(|services| Table { info: Info { version: 0x10204, conn_tab_size: 4096 }, services })
    }

    proptest::proptest! {
        #[test]
        fn listings_read_as_they_did_before_lines_were_written_in_place(table in any_table(), nosort in proptest::prelude::any::<bool>()) {
            for format in [ListFormat::Default, ListFormat::Stats, ListFormat::TunInfo] {
                let opts = ListOptions { nosort, ..opts(format) };
                proptest::prop_assert_eq!(list(&table, &opts), list_as_before(&table, &opts));
            }
        }
    }

    #[test]
    fn a_long_listing_comes_in_parts_of_whole_lines_that_make_the_whole() {
        let rows = (0..2_000u32)
            .map(|n| {
                let vip = format!("10.0.{}.{}:80", n / 250, n % 250 + 1);
                row(
                    svc(tcp(&vip), "rr"),
                    vec![be(&format!("10.1.{}.{}:8080", n / 250, n % 250 + 1), Forward::Masq, 1)],
                )
            })
            .collect();
        let table = table(rows);
        let mut parts = Vec::new();
        list_in_parts(&table, &ListOptions::default(), None, |part| {
            parts.push(part.to_string());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(parts.len() > 1, "{} parts", parts.len());
        assert!(parts.iter().all(|p| p.ends_with('\n')));
        assert_eq!(parts.concat(), list(&table, &ListOptions::default()));
    }

    #[test]
    fn merge_sort_takes_the_left_side_on_ties() {
        let mut items = vec![(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')];
        merge_sort(&mut items, &mut [(0, ' '); 4], &|x: &(i32, char), y: &(i32, char)| x.0 - y.0);
        assert_eq!(items, [(0, 'b'), (0, 'd'), (1, 'a'), (1, 'c')]);
    }

    // ---- numbers -----------------------------------------------------------

    #[test]
    fn large_numbers_scale_with_integer_division() {
        let cases = [
            (0, "        0"),
            (99_999_999, " 99999999"),
            (100_000_000, "  100000K"),
            (123_456_789, "  123456K"),
            (999_999_999, "  999999K"),
            (1_000_000_000, "    1000M"),
            (99_999_999_999, "   99999M"),
            (100_000_000_000, "     100G"),
            (99_999_999_999_999, "   99999G"),
            (100_000_000_000_000, "     100T"),
            (u64::MAX, "18446744T"),
        ];
        for (n, expected) in cases {
            assert_eq!(largenum(n, false), expected, "{n}");
        }
    }

    #[test]
    fn exact_numbers_widen_instead_of_scaling() {
        assert_eq!(largenum(12_345_678, true), " 12345678");
        assert_eq!(largenum(123_456_789, true), " 123456789");
        assert_eq!(largenum(u64::MAX, true), " 18446744073709551615");
    }

    /// ipvsadm 1.31 reads backend STATS64 with 32-bit getters: only the byte
    /// counters survive whole.
    #[test]
    fn backend_counters_and_rates_keep_only_their_low_32_bits() {
        let big = (1 << 32) + 7;
        let mut table = seed(false);
        let r = &mut table.services[0];
        r.entry.stats = stats([big; 10]);
        r.backends.truncate(1);
        r.backends[0].stats = stats([big; 10]);
        let exact = ListOptions { exact: true, ..opts(ListFormat::Stats) };
        let text = list(&table, &exact);
        assert_eq!(
            tail(&text, 2),
            concat!(
                "TCP  111.111.0.1:80               4294967303 4294967303 4294967303 4294967303 4294967303\n",
                "  -> 10.10.0.3:8000                      7        7        7 4294967303 4294967303\n",
            )
        );
        let rate = list(&table, &ListOptions { exact: true, ..opts(ListFormat::Rate) });
        assert_eq!(
            tail(&rate, 1),
            "  -> 10.10.0.3:8000                      7        7        7        7        7\n"
        );
    }

    // ---- service lines -----------------------------------------------------

    #[test]
    fn sched_flag_3_has_no_name_on_sh_so_the_list_is_empty() {
        let t = table(vec![row(flags(false, false, true, svc(tcp("1.2.3.4:80"), "sh")), vec![])]);
        assert_eq!(tail(&list(&t, &ListOptions::default()), 1), "TCP  1.2.3.4:80 sh ()\n");
        assert_eq!(save(&t), "-A -t 1.2.3.4:80 -s sh -b \n");
    }

    #[test]
    fn pe_is_listed_only_when_persistent_but_always_saved() {
        let sip = |s: Service| Service { pe: Some("sip".into()), ..s };
        let t = table(vec![
            row(sip(persistent(100, svc(tcp("111.111.0.1:82"), "wlc"))), vec![]),
            row(sip(svc(tcp("111.111.0.1:83"), "wlc")), vec![]),
        ]);
        let listed = list(&t, &ListOptions::default());
        assert_eq!(
            tail(&listed, 2),
            "TCP  111.111.0.1:82 wlc persistent 100 pe sip\nTCP  111.111.0.1:83 wlc\n"
        );
        let saved = "-A -t 111.111.0.1:82 -s wlc -p 100 --pe sip\n-A -t 111.111.0.1:83 -s wlc --pe sip\n";
        assert_eq!(save(&t), saved);
    }

    #[test]
    fn ops_precedes_sched_flags_in_save_and_follows_persistence_in_list() {
        let s = Service { one_packet: true, ..flags(true, false, false, svc(udp("111.111.0.1:82"), "sh")) };
        let t = table(vec![row(persistent(10, s), vec![])]);
        assert_eq!(save(&t), "-A -u 111.111.0.1:82 -s sh -p 10 -o -b sh-fallback\n");
        let listed = list(&t, &ListOptions::default());
        assert_eq!(tail(&listed, 1), "UDP  111.111.0.1:82 sh (sh-fallback) persistent 10 ops\n");
    }

    #[test]
    fn unknown_protocols_print_a_question_mark_and_xxx_service() {
        let key = ServiceKey::Inet { protocol: Protocol::Other(99), addr: addr("1.2.3.4:80") };
        let t = table(vec![row(svc(key, "wlc"), vec![])]);
        assert_eq!(tail(&list(&t, &ListOptions::default()), 1), "?    1.2.3.4:80 wlc\n");
        assert_eq!(save(&t), "-A --xxx-service 1.2.3.4:80 -s wlc\n");
    }

    #[test]
    fn ipv6_fwmark_saves_with_dash_6_and_prefix() {
        let t = table(vec![probe2().services[17].clone()]);
        assert_eq!(save(&t), "-A -f 8 -6 -s lc -p 30 -M 64\n-a -f 8 -6 -r [2001:db8::20]:80 -g -w 1\n");
    }

    // ---- forwarding --------------------------------------------------------

    #[test]
    fn local_saves_as_g_and_nameless_methods_print_null() {
        let backends = vec![
            be("10.0.0.3:80", Forward::Unknown(5), 1),
            be("10.0.0.2:80", Forward::Bypass, 1),
            be("10.0.0.1:80", Forward::Local, 1),
        ];
        let t = table(vec![row(svc(tcp("1.2.3.4:80"), "rr"), backends)]);
        assert_eq!(
            tail(&list(&t, &ListOptions::default()), 3),
            concat!(
                "  -> 10.0.0.1:80                  Local   1      0          0         \n",
                "  -> 10.0.0.2:80                  (null)  1      0          0         \n",
                "  -> 10.0.0.3:80                  (null)  1      0          0         \n",
            )
        );
        assert_eq!(
            tail(&save(&t), 3),
            concat!(
                "-a -t 1.2.3.4:80 -r 10.0.0.1:80 -g -w 1\n",
                "-a -t 1.2.3.4:80 -r 10.0.0.2:80 (null) -w 1\n",
                "-a -t 1.2.3.4:80 -r 10.0.0.3:80 (null) -w 1\n",
            )
        );
    }

    // ---- addresses and extremes --------------------------------------------

    #[test]
    fn ipv6_addresses_print_like_glibc_inet_ntop() {
        let cases = [
            ("[::1.2.3.4]:80", "[::1.2.3.4]:80"),
            ("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80"),
            ("[::1]:80", "[::1]:80"),
            ("[::]:0", "[::]:0"),
            ("[2001:db8:0:0:1:0:0:1]:53", "[2001:db8::1:0:0:1]:53"),
            ("[2001:db8:0:1:1:1:1:1]:53", "[2001:db8:0:1:1:1:1:1]:53"),
            ("[fe80::1%7]:22", "[fe80::1]:22"),
        ];
        for (input, expected) in cases {
            assert_eq!(addr_port(&addr(input)), expected);
        }
    }

    #[test]
    fn extreme_values_print_as_c_would_without_panicking() {
        let mut backend = be("255.255.255.255:65535", Forward::Masq, u32::MAX);
        backend.active_conns = u32::MAX;
        let t = table(vec![row(svc(fwmark(u32::MAX, Family::V6), "rr"), vec![backend])]);
        assert_eq!(
            tail(&list(&t, &ListOptions::default()), 2),
            concat!(
                "FWM  -1 IPv6 rr\n",
                "  -> 255.255.255.255:65535        Masq    -1     4294967295 0         \n",
            )
        );
        assert_eq!(save(&t), "-A -f -1 -6 -s rr\n-a -f -1 -6 -r 255.255.255.255:65535 -m -w -1\n");
        let info = Info { version: u32::MAX, conn_tab_size: u32::MAX };
        let header = list(&Table { info, services: vec![] }, &ListOptions::default());
        assert!(header.starts_with("IP Virtual Server version 255.255.255 (size=-1)\n"));
    }

    // ---- connections, timeouts, daemons ------------------------------------

    #[test]
    fn connections_from_proc_list_like_ipvsadm() {
        assert_eq!(connections(&parse_conn_table(case!("seed-proc-conn")), false), case!("seed-connections"));
        assert_eq!(
            connections(&parse_conn_table(case!("template-proc-conn")), false),
            case!("template-connections")
        );
    }

    #[test]
    fn persistent_conn_title_adds_pe_columns_and_rows_without_pe_stay_short() {
        assert_eq!(
            connections(&parse_conn_table(case!("template-proc-conn")), true),
            case!("template-connections-pe")
        );
    }

    /// Built from ipvsadm's format (no transcript has PE data): the
    /// destination is padded to 16, the pe name to 18.
    #[test]
    fn connections_with_pe_data_get_the_wider_row() {
        let conn = ConnEntry {
            protocol: "UDP".into(),
            client: addr("[2001:db8::2]:33333"),
            virtual_addr: addr("[2001:db8::1]:53"),
            dest: addr("10.0.0.1:53"),
            state: "UDP".into(),
            expires: 6000,
            pe_name: Some("sip".into()),
            pe_data: Some("abc".into()),
        };
        let row = "UDP 100:00 UDP         [2001:db8::2]:33333 [2001:db8::1]:53   10.0.0.1:53      sip                abc\n";
        assert_eq!(tail(&connections(std::slice::from_ref(&conn), true), 1), row);
        let short = "UDP 100:00 UDP         [2001:db8::2]:33333 [2001:db8::1]:53   10.0.0.1:53\n";
        assert_eq!(tail(&connections(&[conn], false), 1), short);
    }

    #[test]
    fn timeouts_print_as_three_ints() {
        assert_eq!(timeouts(&Timeouts { tcp: 900, tcp_fin: 120, udp: 300 }), case!("default-timeouts"));
        assert_eq!(timeouts(&Timeouts { tcp: 1000, tcp_fin: 100, udp: 200 }), case!("set-timeouts"));
    }

    #[test]
    fn daemons_print_every_known_field() {
        let master = Daemon {
            max_len: Some(1000),
            group: Some("239.1.1.1".parse().expect("group")),
            port: Some(9000),
            ttl: Some(2),
            ..Daemon::new(DaemonState::Master, "d0", 5)
        };
        let backup = Daemon {
            max_len: Some(1472),
            group: Some("224.0.0.81".parse().expect("group")),
            port: Some(8848),
            ttl: Some(1),
            ..Daemon::new(DaemonState::Backup, "d0", 0)
        };
        assert_eq!(daemons(&[master, backup]), case!("daemons"));
        let v6 = Daemon {
            max_len: Some(1452),
            group: Some("ff02::99".parse().expect("group")),
            port: Some(8848),
            ttl: Some(1),
            ..Daemon::new(DaemonState::Master, "d0", 0)
        };
        assert_eq!(daemons(&[v6]), case!("daemon-v6-group"));
    }

    #[test]
    fn daemons_leave_out_unknown_and_zero_fields() {
        assert_eq!(daemons(&[]), "");
        let bare = Daemon { port: Some(0), ..Daemon::new(DaemonState::Backup, "eth0", 255) };
        assert_eq!(daemons(&[bare]), "backup sync daemon (mcast=eth0, syncid=255)\n");
    }
}
