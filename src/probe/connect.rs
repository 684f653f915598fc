//! TCP and UDP probes: real connections (or datagram exchanges) to a
//! virtual service, optionally from inside another network namespace,
//! attributed to backends through the director's connection table.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use super::result::{Attempt, Failure, Outcome, ProbeResult, Served};
use crate::ipvs::{ConnEntry, Kernel, KernelError, Netns};

/// What to send and how long to wait.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    /// The virtual service's address.
    pub target: SocketAddr,
    pub count: usize,
    /// For connecting, and for the whole reply.
    pub timeout: Duration,
    /// Sent after connecting; the write side is then closed, as `nc -N` does.
    pub payload: Vec<u8>,
    /// Pause between connections.
    pub interval: Duration,
    /// UDP instead of TCP: one datagram each, and one reply awaited.
    pub udp: bool,
    /// HTTP: `GET` this path; a status of 400 or more counts as a failure.
    pub http_path: Option<String>,
}

impl ProbeSpec {
    /// What each TCP connection sends: the HTTP request, or the payload.
    fn request(&self) -> Vec<u8> {
        match &self.http_path {
            Some(path) => format!("GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: lvsh\r\n\r\n", self.target)
                .into_bytes(),
            None => self.payload.clone(),
        }
    }
}

/// One connection's raw outcome, before attribution.
#[derive(Debug, Clone)]
struct Raw {
    client: Option<SocketAddr>,
    result: Result<Vec<u8>, Failure>,
    latency: Duration,
}

/// Opens the connections from `client_ns`, then asks `director` which
/// backend served each (its connection table outlives the connections).
pub fn run_probe(
    probe: &ProbeSpec,
    client_ns: &Netns,
    director: &mut dyn Kernel,
    service: String,
) -> Result<ProbeResult, KernelError> {
    let raws = client_ns.run(|| (0..probe.count).map(|i| connect_once(probe, i)).collect::<Vec<_>>())?;
    let table = director.connections()?;
    let attempts = raws.into_iter().map(|raw| attribute(raw, probe.target, &table)).collect();
    Ok(ProbeResult { service, attempts })
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
                let spec = ProbeSpec {
                    target: *b,
                    count: 1,
                    timeout,
                    payload: Vec::new(),
                    interval: Duration::ZERO,
                    udp,
                    http_path: None,
                };
                let raw = connect_once(&spec, 0);
                Health { backend: *b, state: raw.result.map(|_| raw.latency) }
            })
            .collect()
    })
}

fn connect_once(probe: &ProbeSpec, index: usize) -> Raw {
    if index > 0 {
        std::thread::sleep(probe.interval);
    }
    if probe.udp {
        return datagram_once(probe);
    }
    let start = Instant::now();
    let mut client = None;
    let result = TcpStream::connect_timeout(&probe.target, probe.timeout).and_then(|mut stream| {
        client = stream.local_addr().ok();
        exchange(&mut stream, probe)
    });
    let result = match (result, &probe.http_path) {
        (Ok(reply), Some(_)) => http_status(&reply),
        (result, _) => result.map_err(failure),
    };
    Raw { client, result, latency: start.elapsed() }
}

/// One UDP exchange from a fresh socket (so each has its own client port).
fn datagram_once(probe: &ProbeSpec) -> Raw {
    let start = Instant::now();
    let mut client = None;
    let any: SocketAddr =
        if probe.target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().unwrap_or(probe.target);
    let result = UdpSocket::bind(any).and_then(|socket| {
        socket.connect(probe.target)?;
        client = socket.local_addr().ok();
        socket.set_read_timeout(Some(probe.timeout))?;
        let payload = if probe.payload.is_empty() { b"lvsh probe\n".as_slice() } else { &probe.payload };
        socket.send(payload)?;
        let mut reply = vec![0u8; 65_536];
        let n = socket.recv(&mut reply)?;
        reply.truncate(n);
        Ok(reply)
    });
    Raw { client, result: result.map_err(failure), latency: start.elapsed() }
}

fn exchange(stream: &mut TcpStream, probe: &ProbeSpec) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(probe.timeout))?;
    stream.set_write_timeout(Some(probe.timeout))?;
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
fn http_status(reply: &[u8]) -> Result<Vec<u8>, Failure> {
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

fn failure(e: std::io::Error) -> Failure {
    match e.kind() {
        ErrorKind::ConnectionRefused => Failure::Refused,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Failure::Reset,
        _ => Failure::Other(e.to_string()),
    }
}

/// The backend that served a connection: the director's entry for this
/// client address and port. No entry means "unknown", never a guess.
fn attribute(raw: Raw, target: SocketAddr, table: &[ConnEntry]) -> Attempt {
    let outcome = match raw.result {
        Err(f) => Outcome::Failed(f),
        Ok(_) => {
            let entry =
                raw.client.and_then(|c| table.iter().find(|e| e.client == c && e.virtual_addr == target));
            Outcome::Served(entry.map_or(Served::Unknown, |e| Served::Backend(e.dest)))
        }
    };
    Attempt { client: raw.client, outcome, latency: Some(raw.latency) }
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

    #[test]
    fn udp_wildcard_addresses_parse() {
        assert!("0.0.0.0:0".parse::<SocketAddr>().is_ok() && "[::]:0".parse::<SocketAddr>().is_ok());
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
        let attempt = attribute(raw("111.111.0.2:40001"), "111.111.0.1:80".parse().unwrap(), &table);
        assert_eq!(attempt.outcome, Outcome::Served(Served::Backend("10.10.0.3:8000".parse().unwrap())));
    }

    #[test]
    fn a_connection_missing_from_the_table_is_unknown_not_guessed() {
        let table = [conn("111.111.0.2:40000", "10.10.0.2:8000")];
        let attempt = attribute(raw("111.111.0.2:40009"), "111.111.0.1:80".parse().unwrap(), &table);
        assert_eq!(attempt.outcome, Outcome::Served(Served::Unknown));
    }

    #[test]
    fn refused_and_reset_connections_say_why() {
        assert_eq!(failure(ErrorKind::ConnectionRefused.into()), Failure::Refused);
        assert_eq!(failure(ErrorKind::ConnectionReset.into()), Failure::Reset);
        assert_eq!(failure(ErrorKind::TimedOut.into()), Failure::Timeout);
    }
}
