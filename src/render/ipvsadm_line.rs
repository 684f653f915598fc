//! Operations as ipvsadm command lines: what `explain` prints next to each
//! kernel operation, so a learner sees the same change in ipvsadm's words.

use std::net::SocketAddr;

use super::digits::{push_u64, push_v4_port};
use super::ipvsadm::{addr_port, fwd_switch, mask_text, pe_name, sched_flag_names, tunnel_options};
use crate::ipvs::{Backend, Daemon, Family, Op, Protocol, Service, ServiceKey};

/// Where an operation's words go: a list of them ([`argv`]), or one line
/// written as it goes ([`Line`], the crash record's thousands of lines).
pub trait Words {
    fn word(&mut self, word: &str);

    /// An address word, `ADDR:PORT` (`[ADDR]:PORT` for IPv6).
    fn addr(&mut self, addr: &SocketAddr) {
        self.word(&addr_port(addr));
    }

    /// A number word.
    fn number(&mut self, n: u32) {
        self.word(&n.to_string());
    }
}

impl Words for Vec<String> {
    fn word(&mut self, word: &str) {
        self.push(word.to_string());
    }
}

/// Words appended to a line, blank-separated, each quoted as a shell reads
/// it back where it needs quoting (most, flags, addresses and numbers, do not).
pub struct Line<'a> {
    pub text: &'a mut String,
    pub first: bool,
}

impl Line<'_> {
    fn blank(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.text.push(' ');
        }
    }
}

impl Words for Line<'_> {
    fn word(&mut self, word: &str) {
        self.blank();
        let plain = !word.is_empty()
            && word.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'.' | b':' | b'[' | b']' | b',' | b'_' | b'/' | b'=' | b'+' | b'%' | b'@'
                    )
            });
        match plain {
            true => self.text.push_str(word),
            false => self.text.push_str(&shlex::try_quote(word).unwrap_or_default()),
        }
    }

    /// Written in place: digits, dots and a colon need no quoting.
    fn addr(&mut self, addr: &SocketAddr) {
        match addr {
            SocketAddr::V4(v4) => {
                self.blank();
                push_v4_port(self.text, v4);
            }
            SocketAddr::V6(_) => self.word(&addr_port(addr)),
        }
    }

    fn number(&mut self, n: u32) {
        self.blank();
        push_u64(self.text, u64::from(n));
    }
}

/// The arguments of the ipvsadm invocation that performs `op` (without
/// the word `ipvsadm`).
pub fn argv(op: &Op) -> Vec<String> {
    let mut out = Vec::new();
    words(op, &mut out);
    out
}

/// Writes the words of `op`'s ipvsadm invocation to `out`.
pub fn words(op: &Op, out: &mut impl Words) {
    match op {
        Op::AddService(s) => service(out, "-A", s),
        Op::EditService(s) => service(out, "-E", s),
        Op::DelService(key) => {
            out.word("-D");
            service_key(out, key);
        }
        Op::AddBackend { service, backend } => self::backend(out, "-a", service, backend),
        Op::EditBackend { service, backend } => self::backend(out, "-e", service, backend),
        Op::DelBackend { service, addr } => {
            out.word("-d");
            service_key(out, service);
            out.word("-r");
            out.addr(addr);
        }
        Op::Zero(key) => {
            out.word("-Z");
            if let Some(key) = key {
                service_key(out, key);
            }
        }
        Op::Flush => out.word("-C"),
        Op::SetTimeouts(t) => {
            push(out, &["--set", &t.tcp.to_string(), &t.tcp_fin.to_string(), &t.udp.to_string()])
        }
        Op::StartDaemon(d) => daemon(out, d),
        Op::StopDaemon(state) => push(out, &["--stop-daemon", &state.to_string()]),
    }
}

/// `ipvsadm ARGS...` as one line.
pub fn command_line(op: &Op) -> String {
    std::iter::once("ipvsadm".to_string()).chain(argv(op)).collect::<Vec<_>>().join(" ")
}

fn push(out: &mut impl Words, words: &[&str]) {
    words.iter().for_each(|w| out.word(w));
}

/// `-t ADDR:PORT`, `-u ...`, `--sctp-service ...`, `-f MARK [-6]`.
fn service_key(out: &mut impl Words, key: &ServiceKey) {
    match key {
        ServiceKey::Inet { protocol, addr } => {
            let option = match protocol {
                Protocol::Tcp => "-t",
                Protocol::Udp => "-u",
                Protocol::Sctp | Protocol::Other(_) => "--sctp-service",
            };
            out.word(option);
            out.addr(addr);
        }
        ServiceKey::Fwmark { mark, family } => {
            out.word("-f");
            out.number(*mark);
            if *family == Family::V6 {
                out.word("-6");
            }
        }
    }
}

/// A whole service: every setting, so `-E` leaves nothing to its defaults.
fn service(out: &mut impl Words, command: &str, s: &Service) {
    out.word(command);
    service_key(out, &s.key);
    push(out, &["-s", s.scheduler.name()]);
    if let Some(p) = s.persistence {
        push(out, &["-p", &p.timeout.to_string()]);
    }
    if let Some(mask) = mask_text(s) {
        push(out, &["-M", &mask]);
    }
    if let Some(pe) = pe_name(s) {
        push(out, &["--pe", pe]);
    }
    if s.one_packet {
        out.word("-o");
    }
    if !s.sched_flags.is_empty() {
        push(out, &["-b", &sched_flag_names(s)]);
    }
}

fn backend(out: &mut impl Words, command: &str, service: &ServiceKey, b: &Backend) {
    out.word(command);
    service_key(out, service);
    out.word("-r");
    out.addr(&b.addr);
    push(out, &[fwd_switch(b.forward), "-w"]);
    out.number(b.weight);
    if b.upper != 0 {
        out.word("-x");
        out.number(b.upper);
    }
    if b.lower != 0 {
        out.word("-y");
        out.number(b.lower);
    }
    tunnel_options(b.forward).split_whitespace().for_each(|w| out.word(w));
}

fn daemon(out: &mut impl Words, d: &Daemon) {
    push(out, &["--start-daemon", &d.state.to_string(), "--mcast-interface", &d.interface]);
    push(out, &["--syncid", &d.sync_id.to_string()]);
    if let Some(n) = d.max_len {
        push(out, &["--sync-maxlen", &n.to_string()]);
    }
    if let Some(group) = d.group {
        push(out, &["--mcast-group", &group.to_string()]);
    }
    if let Some(port) = d.port {
        push(out, &["--mcast-port", &port.to_string()]);
    }
    if let Some(ttl) = d.ttl {
        push(out, &["--mcast-ttl", &ttl.to_string()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{
        DaemonState, Forward, Netmask, Persistence, SchedFlags, Timeouts, Tunnel, TunnelCsum, TunnelKind,
    };
    use crate::lang::ipvsadm::parse_ipvsadm;

    fn key(text: &str) -> ServiceKey {
        ServiceKey::tcp(text.parse().unwrap())
    }

    /// What lvsh's own ipvsadm reader makes of the line, as an operation.
    fn reread(op: &Op) -> Op {
        let args = argv(op);
        let command = parse_ipvsadm(&args).unwrap_or_else(|e| panic!("{args:?}: {}", e.message));
        let shown = format!("{command:?}");
        command.into_op().unwrap_or_else(|| panic!("{args:?} read as {shown}"))
    }

    #[test]
    fn a_backend_addition_reads_as_the_tutorial_writes_it() {
        let op = Op::AddBackend {
            service: key("111.111.0.1:80"),
            backend: Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq),
        };
        assert_eq!(command_line(&op), "ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1");
    }

    #[test]
    fn every_operation_reads_back_as_itself() {
        let mut svc = Service::new(key("111.111.0.1:80")).with_scheduler("sh");
        svc.persistence = Some(Persistence { timeout: 600 });
        svc.netmask = Netmask::V4("255.255.255.0".parse().unwrap());
        svc.sched_flags = SchedFlags { flag1: true, flag2: true, flag3: false };
        let mut udp = Service::new(ServiceKey::Inet {
            protocol: Protocol::Udp,
            addr: "[2001:db8::1]:53".parse().unwrap(),
        });
        udp.one_packet = true;
        udp.pe = Some("sip".into());
        udp.persistence = Some(Persistence { timeout: 30 });
        let mark = Service::new(ServiceKey::Fwmark { mark: 7, family: Family::V6 }).with_scheduler("rr");
        let tunnel =
            Forward::Tunnel(Tunnel { kind: TunnelKind::Gue { port: 6080 }, csum: TunnelCsum::RemCsum });
        // ipvsadm gives a tunnelled or routed backend the service's port, as the kernel uses it.
        let mut b = Backend::new("10.10.0.2:80".parse().unwrap(), tunnel).with_weight(3);
        b.upper = 200;
        b.lower = 100;
        let route = Backend::new("10.10.0.3:80".parse().unwrap(), Forward::Route).with_weight(0);
        let mut daemon = Daemon::new(DaemonState::Backup, "eth1", 9);
        daemon.group = Some("224.0.0.81".parse().unwrap());
        daemon.port = Some(8848);
        daemon.ttl = Some(2);
        daemon.max_len = Some(1400);
        let ops = [
            Op::AddService(svc.clone()),
            Op::EditService(svc),
            Op::AddService(udp.clone()),
            Op::AddService(mark.clone()),
            Op::DelService(mark.key),
            Op::AddBackend { service: key("111.111.0.1:80"), backend: b },
            Op::EditBackend { service: key("111.111.0.1:80"), backend: route },
            Op::DelBackend { service: udp.key, addr: "[2001:db8::2]:53".parse().unwrap() },
            Op::Zero(Some(key("1.2.3.4:80"))),
            Op::Zero(None),
            Op::Flush,
            Op::SetTimeouts(Timeouts { tcp: 900, tcp_fin: 120, udp: 0 }),
            Op::StartDaemon(daemon),
            Op::StopDaemon(DaemonState::Master),
        ];
        for op in ops {
            assert_eq!(reread(&op), op, "{}", command_line(&op));
            // The crash record's line, its addresses and numbers written in
            // place: as the words written one by one.
            let (mut line, mut by_words) = (String::new(), String::new());
            words(&op, &mut Line { text: &mut line, first: true });
            let mut each = Line { text: &mut by_words, first: true };
            argv(&op).iter().for_each(|w| each.word(w));
            assert_eq!(line, by_words);
        }
    }
}
