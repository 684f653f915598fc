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
    Raw { client, result: result.map_err(failure), latency: start.elapsed() }
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
    if !probe.payload.is_empty() {
        stream.write_all(&probe.payload)?;
    }
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
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
