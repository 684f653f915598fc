//! TCP and UDP probes: real connections (or datagram exchanges) to a
//! virtual service, optionally from inside another network namespace,
//! attributed to backends through the director's connection table, or
//! else through the backend's own announcement in its reply.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::announce::announced;
use super::result::{Attempt, Failure, Outcome, ProbeResult, Reached, Served};
use crate::ipvs::{ConnEntry, Kernel, KernelError, Netns};

/// What a probe does, as the `probe` statement's options set it (each
/// option's table entry in `src/lang/parse/probe.rs` writes one field).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeOptions {
    pub count: usize,
    /// How many connections are open at once (1: one after another).
    pub concurrency: usize,
    /// For connecting, and for the whole reply.
    pub timeout: Duration,
    /// Sent after connecting; the write side is then closed, as `nc -N` does.
    pub send: String,
    /// Each client's pause between its connections.
    pub interval: Duration,
    /// HTTP: `GET` this path; a status of 400 or more counts as a failure.
    pub http: Option<String>,
    /// The local address connections come from (the system's choice if unset).
    pub source: Option<IpAddr>,
    /// A reply without this text counts as a failure.
    pub reply: Option<String>,
}

/// A probe of one address: where, over which protocol, and its options.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    /// The virtual service's address.
    pub target: SocketAddr,
    /// UDP instead of TCP: one datagram each, and one reply awaited.
    pub udp: bool,
    pub options: ProbeOptions,
    /// Asked before each connection: true ends the probe early (a signal came).
    pub stop: Option<fn() -> bool>,
}

impl ProbeSpec {
    /// A plain probe of `target`: one TCP connection, nothing sent.
    pub fn new(target: SocketAddr) -> ProbeSpec {
        let options = ProbeOptions {
            count: 1,
            concurrency: 1,
            timeout: Duration::from_secs(2),
            ..ProbeOptions::default()
        };
        ProbeSpec { target, udp: false, options, stop: None }
    }

    /// What each TCP connection sends: the HTTP request, or the payload.
    fn request(&self) -> Vec<u8> {
        match &self.options.http {
            Some(path) => format!("GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: lvsh\r\n\r\n", self.target)
                .into_bytes(),
            None => self.options.send.clone().into_bytes(),
        }
    }
}

/// What is known of the service's backends, to attribute replies by.
#[derive(Debug, Clone, Default)]
pub struct Backends {
    /// The service's backends in the kernel.
    pub addrs: Vec<SocketAddr>,
    /// Names a backend may announce itself by (lab node names), with its address.
    pub names: Vec<(String, SocketAddr)>,
}

/// One connection's raw outcome, before attribution.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub client: Option<SocketAddr>,
    pub result: Result<Vec<u8>, Failure>,
    pub latency: Duration,
}

/// Opens the connections from `client_ns`, then asks `director` which
/// backend served each (its connection table outlives the connections).
/// A connection the table does not know is attributed from its reply, if
/// the backend announced itself; otherwise it stays unknown.
pub fn run_probe(
    probe: &ProbeSpec,
    client_ns: &Netns,
    director: &mut dyn Kernel,
    service: String,
    backends: &Backends,
) -> Result<ProbeResult, KernelError> {
    let raws = client_ns.run(|| connect_all(probe))?;
    // A director whose table cannot be read (another host's, say) leaves the
    // replies to tell: not a reason to throw the probe away.
    let table = director.connections().unwrap_or_default();
    let attempts = raws.into_iter().map(|raw| attribute(raw, probe.target, &table, backends)).collect();
    Ok(ProbeResult { service, attempts })
}

/// Every connection of the probe, in index order, `concurrency` at a time.
/// Threads started here share the caller's network namespace.
fn connect_all(probe: &ProbeSpec) -> Vec<Raw> {
    let workers = probe.options.concurrency.clamp(1, probe.options.count.max(1));
    let stopped = || probe.stop.is_some_and(|stop| stop());
    if workers == 1 {
        return (0..probe.options.count)
            .map_while(|i| (!stopped()).then(|| connect_once(probe, i > 0)))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Raw)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= probe.options.count || stopped() {
                            return mine;
                        }
                        mine.push((i, connect_once(probe, !mine.is_empty())));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, raw)| raw).collect()
}

/// A backend's health: one connection straight to it from `netns`.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub backend: SocketAddr,
    /// `Ok(latency)` when it answered, else why not.
    pub state: Result<Duration, Failure>,
}

/// Checks each backend once, with the service's protocol.
pub fn check_backends(
    backends: &[SocketAddr],
    udp: bool,
    timeout: Duration,
    netns: &Netns,
) -> Result<Vec<Health>, KernelError> {
    netns.run(|| {
        backends
            .iter()
            .map(|b| {
                let mut spec = ProbeSpec { udp, ..ProbeSpec::new(*b) };
                spec.options.timeout = timeout;
                let raw = connect_once(&spec, false);
                Health { backend: *b, state: raw.result.map(|_| raw.latency) }
            })
            .collect()
    })
}

/// One connection; `pause` first waits the probe's interval (each client
/// pauses between its own connections).
pub(super) fn connect_once(probe: &ProbeSpec, pause: bool) -> Raw {
    if pause {
        std::thread::sleep(probe.options.interval);
    }
    let start = Instant::now();
    let mut client = None;
    let result = match probe.udp {
        true => datagram_once(probe, &mut client).map_err(|e| failure(e, probe)),
        false => {
            let result = stream(probe, &mut client).and_then(|mut stream| exchange(&mut stream, probe));
            match (result, &probe.options.http) {
                (Ok(reply), Some(_)) => http_status(&reply),
                (result, _) => result.map_err(|e| failure(e, probe)),
            }
        }
    };
    let result = result.and_then(|reply| expected(reply, probe.options.reply.as_deref()));
    Raw { client, result, latency: start.elapsed() }
}

/// A socket of the probe's kind, bound to its source address if it has one.
fn socket(probe: &ProbeSpec, kind: Type, protocol: Protocol) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(probe.target), kind, Some(protocol))?;
    let local = match (probe.options.source, probe.target.is_ipv4()) {
        (Some(ip), _) => SocketAddr::new(ip, 0),
        // UDP needs a local port before `connect` to report it; TCP gets one on connect.
        (None, true) if protocol == Protocol::UDP => SocketAddr::from(([0, 0, 0, 0], 0)),
        (None, false) if protocol == Protocol::UDP => SocketAddr::from(([0u16; 8], 0)),
        (None, _) => return Ok(socket),
    };
    socket.bind(&local.into()).map_err(|e| match probe.options.source {
        Some(ip) => std::io::Error::new(e.kind(), format!("cannot connect from {ip}: {e}")),
        None => e,
    })?;
    Ok(socket)
}

/// A connected stream; `client` learns its local address even when the
/// connection fails, so the director's table can be asked about it.
fn stream(probe: &ProbeSpec, client: &mut Option<SocketAddr>) -> std::io::Result<TcpStream> {
    let socket = socket(probe, Type::STREAM, Protocol::TCP)?;
    let (connected, local) = connect_seen(&socket, probe.target, probe.options.timeout);
    *client = local;
    connected?;
    Ok(socket.into())
}

/// Connects with a timeout, and returns the local address the kernel gave
/// the socket, read as soon as the SYN is on its way: a refused connection
/// gives its port back when it closes, and the address is what the
/// director's connection table knows the connection by.
pub fn connect_seen(
    socket: &Socket,
    target: SocketAddr,
    timeout: Duration,
) -> (std::io::Result<()>, Option<SocketAddr>) {
    if let Err(e) = socket.set_nonblocking(true) {
        return (Err(e), None);
    }
    let started = socket.connect(&target.into());
    let local = socket.local_addr().ok().and_then(|a| a.as_socket()).filter(|a| a.port() != 0);
    let connected = match started {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => wait_connected(socket, timeout),
        Err(e) => Err(e),
    };
    (connected.and_then(|()| socket.set_nonblocking(false)), local)
}

/// Waits until a non-blocking connect ends, or `timeout` passes.
fn wait_connected(socket: &Socket, timeout: Duration) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(ErrorKind::TimedOut, "connection timed out"));
        }
        let mut fd = libc::pollfd { fd: socket.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
        let ms = libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd, owned by this frame, for the call's length.
        match unsafe { libc::poll(&mut fd, 1, ms) } {
            -1 => match std::io::Error::last_os_error() {
                e if e.kind() == ErrorKind::Interrupted => continue,
                e => return Err(e),
            },
            0 => continue,
            _ => {
                return match socket.take_error()? {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }
        }
    }
}

/// One UDP exchange from a fresh socket (so each has its own client port).
fn datagram_once(probe: &ProbeSpec, client: &mut Option<SocketAddr>) -> std::io::Result<Vec<u8>> {
    let socket: UdpSocket = socket(probe, Type::DGRAM, Protocol::UDP)?.into();
    socket.connect(probe.target)?;
    *client = socket.local_addr().ok();
    socket.set_read_timeout(Some(probe.options.timeout))?;
    let payload = match probe.options.send.is_empty() {
        true => b"lvsh probe\n".as_slice(),
        false => probe.options.send.as_bytes(),
    };
    socket.send(payload)?;
    let mut reply = vec![0u8; 65_536];
    let n = socket.recv(&mut reply)?;
    reply.truncate(n);
    Ok(reply)
}

/// The reply, unless it lacks the text the probe expects.
fn expected(reply: Vec<u8>, text: Option<&str>) -> Result<Vec<u8>, Failure> {
    let Some(text) = text else { return Ok(reply) };
    if reply.windows(text.len().max(1)).any(|w| w == text.as_bytes()) || text.is_empty() {
        return Ok(reply);
    }
    let shown: String = String::from_utf8_lossy(&reply).trim().chars().take(40).collect();
    Err(Failure::UnexpectedReply(shown))
}

fn exchange(stream: &mut TcpStream, probe: &ProbeSpec) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(probe.options.timeout))?;
    stream.set_write_timeout(Some(probe.options.timeout))?;
    let request = probe.request();
    if !request.is_empty() {
        stream.write_all(&request)?;
    }
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}

/// The reply of an HTTP server: served unless the status is 400 or more.
pub(super) fn http_status(reply: &[u8]) -> Result<Vec<u8>, Failure> {
    let head = String::from_utf8_lossy(reply.get(..reply.len().min(64)).unwrap_or(&[]));
    let status = head
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(code) if code < 400 => Ok(reply.to_vec()),
        Some(code) => Err(Failure::Other(format!("HTTP status {code}"))),
        None => Err(Failure::Other("not an HTTP reply".into())),
    }
}

pub(super) fn failure(e: std::io::Error, probe: &ProbeSpec) -> Failure {
    match e.kind() {
        ErrorKind::ConnectionRefused => Failure::Refused,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Failure::Reset,
        // A UDP service's "refused" is an ICMP port unreachable, seen on recv.
        _ if e.raw_os_error() == Some(libc::ECONNREFUSED) && probe.udp => Failure::Refused,
        _ => Failure::Other(e.to_string()),
    }
}

/// The backend that served a connection: the director's entry for this
/// client address and port, else the backend the reply announces. Neither
/// means "unknown", never a guess. A failed connection keeps its entry: it
/// says how far the connection got.
fn attribute(raw: Raw, target: SocketAddr, table: &[ConnEntry], backends: &Backends) -> Attempt {
    let entry = entry_of(raw.client, target, table);
    let (outcome, reached) = match raw.result {
        Err(f) => {
            let reached = entry.map(|e| Reached { backend: e.dest, state: e.state.clone() });
            (Outcome::Failed(f), reached)
        }
        Ok(reply) => {
            let served = match entry {
                Some(e) => Served::Backend(e.dest),
                None => announced(&reply, &backends.addrs, &backends.names)
                    .map_or(Served::Unknown, Served::Announced),
            };
            (Outcome::Served(served), None)
        }
    };
    Attempt { client: raw.client, outcome, latency: Some(raw.latency), reached }
}

/// The director's entry for a connection from `client` to `target`. An older
/// entry for a reused client port may still be there: entries that disagree
/// about the backend tell nothing.
fn entry_of(client: Option<SocketAddr>, target: SocketAddr, table: &[ConnEntry]) -> Option<&ConnEntry> {
    let client = client?;
    let mut entries =
        table.iter().filter(|e| !e.is_template() && e.client == client && e.virtual_addr == target);
    let first = entries.next()?;
    entries.all(|e| e.dest == first.dest).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(client: &str, dest: &str) -> ConnEntry {
        ConnEntry {
            protocol: "TCP".into(),
            client: client.parse().unwrap(),
            virtual_addr: "111.111.0.1:80".parse().unwrap(),
            dest: dest.parse().unwrap(),
            state: "TIME_WAIT".into(),
            expires: 118,
            pe_name: None,
            pe_data: None,
        }
    }

    #[test]
    fn http_statuses_of_400_and_more_are_failures() {
        assert!(http_status(b"HTTP/1.0 200 OK\r\n\r\nint1").is_ok());
        assert_eq!(
            http_status(b"HTTP/1.1 503 Service Unavailable\r\n"),
            Err(Failure::Other("HTTP status 503".into()))
        );
        assert_eq!(http_status(b"hello"), Err(Failure::Other("not an HTTP reply".into())));
    }

    fn raw(client: &str) -> Raw {
        Raw {
            client: Some(client.parse().unwrap()),
            result: Ok(b"int1".to_vec()),
            latency: Duration::from_millis(3),
        }
    }

    #[test]
    fn a_connection_is_attributed_by_its_client_port() {
        let table =
            [conn("111.111.0.2:40000", "10.10.0.2:8000"), conn("111.111.0.2:40001", "10.10.0.3:8000")];
        let attempt = attribute(
            raw("111.111.0.2:40001"),
            "111.111.0.1:80".parse().unwrap(),
            &table,
            &Backends::default(),
        );
        assert_eq!(attempt.outcome, Outcome::Served(Served::Backend("10.10.0.3:8000".parse().unwrap())));
    }

    #[test]
    fn a_connection_missing_from_the_table_is_unknown_not_guessed() {
        let table = [conn("111.111.0.2:40000", "10.10.0.2:8000")];
        let attempt = attribute(
            raw("111.111.0.2:40009"),
            "111.111.0.1:80".parse().unwrap(),
            &table,
            &Backends::default(),
        );
        assert_eq!(attempt.outcome, Outcome::Served(Served::Unknown));
    }

    #[test]
    fn without_a_table_entry_the_reply_may_announce_the_backend() {
        let backends = Backends {
            addrs: vec!["10.10.0.2:8000".parse().unwrap(), "10.10.0.3:8000".parse().unwrap()],
            names: vec![("int1".into(), "10.10.0.2:8000".parse().unwrap())],
        };
        let attempt = attribute(raw("111.111.0.2:40009"), "111.111.0.1:80".parse().unwrap(), &[], &backends);
        assert_eq!(attempt.outcome, Outcome::Served(Served::Announced("10.10.0.2:8000".parse().unwrap())));
    }

    #[test]
    fn entries_that_disagree_about_one_client_port_attribute_nothing() {
        let table =
            [conn("111.111.0.2:40001", "10.10.0.2:8000"), conn("111.111.0.2:40001", "10.10.0.3:8000")];
        let attempt = attribute(
            raw("111.111.0.2:40001"),
            "111.111.0.1:80".parse().unwrap(),
            &table,
            &Backends::default(),
        );
        assert_eq!(attempt.outcome, Outcome::Served(Served::Unknown));
    }

    #[test]
    fn the_table_wins_over_the_reply() {
        let table = [conn("111.111.0.2:40001", "10.10.0.3:8000")];
        let backends = Backends { addrs: vec!["10.10.0.2:8000".parse().unwrap()], names: vec![] };
        let mut r = raw("111.111.0.2:40001");
        r.result = Ok(b"10.10.0.2:8000".to_vec());
        let attempt = attribute(r, "111.111.0.1:80".parse().unwrap(), &table, &backends);
        assert_eq!(attempt.outcome, Outcome::Served(Served::Backend("10.10.0.3:8000".parse().unwrap())));
    }

    #[test]
    fn a_reply_without_the_expected_text_is_a_failure() {
        assert_eq!(expected(b"int1\n".to_vec(), Some("int")), Ok(b"int1\n".to_vec()));
        assert_eq!(expected(b"int1\n".to_vec(), None), Ok(b"int1\n".to_vec()));
        assert_eq!(expected(b"oops\n".to_vec(), Some("int")), Err(Failure::UnexpectedReply("oops".into())));
    }

    #[test]
    fn refused_and_reset_connections_say_why() {
        let tcp = ProbeSpec::new("10.0.0.1:80".parse().unwrap());
        assert_eq!(failure(ErrorKind::ConnectionRefused.into(), &tcp), Failure::Refused);
        assert_eq!(failure(ErrorKind::ConnectionReset.into(), &tcp), Failure::Reset);
        assert_eq!(failure(ErrorKind::TimedOut.into(), &tcp), Failure::Timeout);
    }
}
