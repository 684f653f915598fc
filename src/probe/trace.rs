//! One connection whose client address is known as soon as it is sent, so
//! that the director's connection table can be asked about it even when it
//! fails (`trace`).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::connect::connect_seen;

/// How the connection ended, from the client's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Connected, and the server answered this many bytes.
    Answered(usize),
    /// Connected (TCP), but nothing came back before the timeout or the close.
    Silent,
    /// The server (or something on the way) refused it.
    Refused,
    /// No answer at all within the timeout.
    TimedOut,
    /// Any other error, in words.
    Failed(String),
}

/// One traced connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    /// The client's address and port, as the director's table names it.
    pub client: SocketAddr,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Opens one connection (a datagram for UDP) to `target` from the calling
/// thread's namespace, learning its client address as it is sent.
pub fn connect_traced(target: SocketAddr, udp: bool, timeout: Duration) -> std::io::Result<Traced> {
    let (kind, protocol) = match udp {
        true => (Type::DGRAM, Protocol::UDP),
        false => (Type::STREAM, Protocol::TCP),
    };
    let socket = Socket::new(Domain::for_address(target), kind, Some(protocol))?;
    let any: SocketAddr = match target.is_ipv4() {
        true => SocketAddr::from(([0, 0, 0, 0], 0)),
        false => SocketAddr::from(([0u16; 8], 0)),
    };
    let start = Instant::now();
    let outcome = match udp {
        true => datagram(socket, target, timeout),
        false => stream(socket, target, timeout),
    };
    let local = outcome.1.unwrap_or(any);
    Ok(Traced { client: local, outcome: outcome.0, elapsed: start.elapsed() })
}

/// The outcome, and the client address the kernel gave the socket.
fn stream(socket: Socket, target: SocketAddr, timeout: Duration) -> (Outcome, Option<SocketAddr>) {
    let (connected, client) = connect_seen(&socket, target, timeout);
    if let Err(e) = connected {
        return (failure(&e), client);
    }
    let mut stream: TcpStream = socket.into();
    let answered = (|| {
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(b"lvsh trace\n")?;
        stream.shutdown(Shutdown::Write)?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).map(|_| reply.len())
    })();
    match answered {
        Ok(0) => (Outcome::Silent, client),
        Ok(n) => (Outcome::Answered(n), client),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            (Outcome::Silent, client)
        }
        Err(e) => (failure(&e), client),
    }
}

fn datagram(socket: Socket, target: SocketAddr, timeout: Duration) -> (Outcome, Option<SocketAddr>) {
    let socket: UdpSocket = socket.into();
    let sent = (|| {
        socket.connect(target)?;
        socket.set_read_timeout(Some(timeout))?;
        socket.send(b"lvsh trace\n")
    })();
    let client = socket.local_addr().ok();
    if let Err(e) = sent {
        return (failure(&e), client);
    }
    let mut reply = vec![0u8; 65_536];
    match socket.recv(&mut reply) {
        Ok(n) => (Outcome::Answered(n), client),
        Err(e) => (failure(&e), client),
    }
}

fn failure(e: &std::io::Error) -> Outcome {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => Outcome::Refused,
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Outcome::TimedOut,
        _ => Outcome::Failed(e.to_string()),
    }
}
