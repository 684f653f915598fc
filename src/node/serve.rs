//! `serve`: a tiny backend that answers every connection with its node's
//! name (so a lab needs no nc, and probes can tell backends apart even
//! without the director's table) and logs what each client sent.
//!
//! It runs as its own process (`lvsh serve-backend ...`, started inside the
//! node's namespace), so it shows in `lab status` and `jobs` like any job.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

/// What a backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServeKind {
    Tcp,
    Udp,
    Http,
    /// A long-lived TCP connection: each line comes back as `NAME: LINE`
    /// until the client closes (the HA pair's failover keeps one open).
    Echo,
}

impl ServeKind {
    /// The word, as in `serve int1 8000 http`.
    pub fn name(self) -> &'static str {
        match self {
            ServeKind::Tcp => "tcp",
            ServeKind::Udp => "udp",
            ServeKind::Http => "http",
            ServeKind::Echo => "echo",
        }
    }
}

/// The line a backend prints once it listens: `serve` waits for it.
pub fn ready_line(name: &str, kind: ServeKind, port: u16) -> String {
    format!("{name}: serving {} on port {port}", kind.name())
}

/// Serves until killed. Binds the IPv6 wildcard (which takes IPv4 too) or,
/// where IPv6 is off, the IPv4 one.
pub fn serve(name: &str, port: u16, kind: ServeKind, reply: Option<&str>) -> io::Result<()> {
    let reply = reply.map_or_else(|| format!("{name}\n"), |r| format!("{r}\n"));
    let any6 = SocketAddr::from(([0u16; 8], port));
    let any4 = SocketAddr::from(([0u8; 4], port));
    let mut out = io::stdout();
    match kind {
        ServeKind::Udp => {
            let socket = UdpSocket::bind(any6).or_else(|_| UdpSocket::bind(any4))?;
            writeln!(out, "{}", ready_line(name, kind, port))?;
            let mut buf = vec![0u8; 65_536];
            loop {
                let (n, from) = socket.recv_from(&mut buf)?;
                writeln!(out, "{name}: datagram from {}: {}", plain(from), shown(&buf[..n]))?;
                socket.send_to(reply.as_bytes(), from)?;
            }
        }
        ServeKind::Tcp | ServeKind::Http | ServeKind::Echo => {
            let listener = TcpListener::bind(any6).or_else(|_| TcpListener::bind(any4))?;
            writeln!(out, "{}", ready_line(name, kind, port))?;
            for stream in listener.incoming().flatten() {
                let (name, reply) = (name.to_string(), reply.clone());
                std::thread::spawn(move || {
                    let from = stream.peer_addr().map(plain).unwrap_or_else(|_| "?".into());
                    let answered = match kind {
                        ServeKind::Echo => echo(stream, &name),
                        _ => answer(stream, kind, &name, &reply),
                    };
                    let line = match answered {
                        Ok(got) => format!("{name}: connection from {from}: {}", shown(&got)),
                        Err(e) => format!("{name}: connection from {from}: {e}"),
                    };
                    let _ = writeln!(io::stdout(), "{line}");
                });
            }
            Ok(())
        }
    }
}

/// Reads what the client sends (until it closes its side, a blank line
/// ends an HTTP request, or it pauses), then answers and closes.
fn answer(mut stream: TcpStream, kind: ServeKind, name: &str, reply: &str) -> io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_millis(300)))?;
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break,
            Err(e) => return Err(e),
        }
        if got.len() > 65_536 || (kind == ServeKind::Http && got.windows(4).any(|w| w == b"\r\n\r\n")) {
            break;
        }
    }
    let response = match kind {
        ServeKind::Http => format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nX-Served-By: {name}\r\n\r\n{reply}",
            reply.len()
        ),
        _ => reply.to_string(),
    };
    stream.write_all(response.as_bytes())?;
    let _ = stream.shutdown(Shutdown::Write);
    // Drain what is left so closing does not reset the connection.
    let _ = stream.read(&mut chunk);
    Ok(got)
}

/// Answers each line with `NAME: LINE` until the client closes; returns
/// the lines received. A client that sends no line (a probe) gets the
/// name, as from a `tcp` backend.
fn echo(stream: TcpStream, name: &str) -> io::Result<Vec<u8>> {
    let mut writer = stream.try_clone()?;
    let mut got = Vec::new();
    let mut lines = 0;
    for line in io::BufRead::lines(io::BufReader::new(stream)) {
        let line = line?;
        writer.write_all(format!("{name}: {line}\n").as_bytes())?;
        got.extend_from_slice(line.as_bytes());
        got.push(b' ');
        lines += 1;
    }
    if lines == 0 {
        writer.write_all(format!("{name}\n").as_bytes())?;
    }
    Ok(got)
}

/// An address as people write it: IPv4-mapped IPv6 shown as IPv4.
fn plain(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::from((v4, v6.port())).to_string(),
            None => addr.to_string(),
        },
        v4 => v4.to_string(),
    }
}

/// What a client sent, quoted on one line (an HTTP request: its first line).
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let first = text.lines().next().unwrap_or("");
    let first: String = first.chars().take(80).collect();
    format!("{first:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_read_as_ipv4() {
        let mapped: SocketAddr = "[::ffff:111.111.0.2]:40000".parse().unwrap();
        assert_eq!(plain(mapped), "111.111.0.2:40000");
        assert_eq!(plain("[fd00::2]:80".parse().unwrap()), "[fd00::2]:80");
    }

    #[test]
    fn what_was_sent_is_shown_on_one_line() {
        assert_eq!(shown(b"xxx\n"), "\"xxx\"");
        assert_eq!(shown(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"), "\"GET / HTTP/1.0\"");
        assert_eq!(shown(b""), "\"\"");
    }

    #[test]
    fn a_served_connection_gets_the_reply_and_is_logged() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            answer(stream, ServeKind::Http, "int1", "int1\n").unwrap()
        });
        let mut client = TcpStream::connect(addr).unwrap();
        client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.0 200 OK\r\n") && reply.ends_with("\r\n\r\nint1\n"), "{reply}");
        assert_eq!(server.join().unwrap(), b"GET / HTTP/1.0\r\n\r\n");
    }

    #[test]
    fn echo_answers_each_line_on_one_connection_and_a_silent_client_gets_the_name() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let first = echo(listener.accept().unwrap().0, "int1").unwrap();
            let second = echo(listener.accept().unwrap().0, "int1").unwrap();
            (first, second)
        });
        let mut client = TcpStream::connect(addr).unwrap();
        let mut reader = io::BufReader::new(client.try_clone().unwrap());
        for word in ["tick", "tock"] {
            writeln!(client, "{word}").unwrap();
            let mut line = String::new();
            io::BufRead::read_line(&mut reader, &mut line).unwrap();
            assert_eq!(line, format!("int1: {word}\n"));
        }
        drop((client, reader));
        let mut silent = TcpStream::connect(addr).unwrap();
        silent.shutdown(Shutdown::Write).unwrap();
        let mut reply = String::new();
        silent.read_to_string(&mut reply).unwrap();
        assert_eq!(reply, "int1\n");
        assert_eq!(server.join().unwrap(), (b"tick tock ".to_vec(), Vec::new()));
    }
}
