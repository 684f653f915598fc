//! Health checks: one check of one backend, straight to its address, from
//! the namespace the calling thread is in (`Netns::run` puts it there).
//! `health` statements declare them; `lvsh keep` runs them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::connect::{connect_once, failure, ProbeSpec};
use super::result::Failure;

/// What one health check does, against one backend's address and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthCheck {
    /// A TCP connection is accepted.
    Tcp,
    /// An HTTP/1.0 GET of `path` answers with a status in `status` (both
    /// ends included) and, if `expect`, a body that contains it.
    Http { path: String, status: (u16, u16), expect: Option<String> },
    /// A datagram of `send` is answered with one that contains `expect`.
    Udp { send: String, expect: String },
    /// A command (run by `sh -c` in the checking namespace, with
    /// `LVSH_BACKEND_ADDR` and `LVSH_BACKEND_PORT` set) exits 0.
    Exec { command: String },
}

/// Checks `backend` once; the time it took, or why it is not healthy.
pub fn check_once(
    check: &HealthCheck,
    backend: std::net::SocketAddr,
    timeout: Duration,
) -> Result<Duration, String> {
    let start = Instant::now();
    let mut spec = ProbeSpec::new(backend);
    spec.options.timeout = timeout;
    let outcome = match check {
        // Accepted is healthy: a server that waits for a request is not kept waiting for.
        HealthCheck::Tcp => std::net::TcpStream::connect_timeout(&backend, timeout)
            .map(drop)
            .map_err(|e| failure(e, &spec).to_string()),
        HealthCheck::Http { path, status, expect } => {
            // The probe's own HTTP reading takes any status below 400; the
            // range and the text are judged here.
            spec.options.send =
                format!("GET {path} HTTP/1.0\r\nHost: {backend}\r\nUser-Agent: lvsh keep\r\n\r\n");
            connect_once(&spec, false)
                .result
                .map_err(|f| f.to_string())
                .and_then(|reply| http(&reply, *status, expect.as_deref()))
        }
        HealthCheck::Udp { send, expect } => {
            spec.udp = true;
            spec.options.send = send.clone();
            spec.options.reply = Some(expect.clone());
            connect_once(&spec, false).result.map(drop).map_err(|f| match f {
                Failure::UnexpectedReply(got) => format!("answered {got:?}, without {expect:?}"),
                f => f.to_string(),
            })
        }
        HealthCheck::Exec { command } => exec(command, backend, timeout),
    };
    outcome.map(|()| start.elapsed())
}

/// An HTTP reply whose status is in `range` and whose body holds `expect`.
fn http(reply: &[u8], range: (u16, u16), expect: Option<&str>) -> Result<(), String> {
    let text = String::from_utf8_lossy(reply);
    let status = text
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| "not an HTTP reply".to_string())?;
    if status < range.0 || status > range.1 {
        return Err(format!("HTTP status {status}, not {}-{}", range.0, range.1));
    }
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    match expect {
        Some(want) if !body.contains(want) => Err(format!("HTTP body without {want:?}")),
        _ => Ok(()),
    }
}

/// `sh -c COMMAND` with the backend in its environment: healthy when it
/// exits 0 within `timeout` (killed after it).
fn exec(command: &str, backend: std::net::SocketAddr, timeout: Duration) -> Result<(), String> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .env("LVSH_BACKEND_ADDR", backend.ip().to_string())
        .env("LVSH_BACKEND_PORT", backend.port().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the command exited with {status}")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the command took longer than {} ms", timeout.as_millis()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for the command: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_reply_is_judged_by_its_status_range_and_body() {
        let ok = b"HTTP/1.0 204 No Content\r\nServer: x\r\n\r\nready int1";
        assert_eq!(http(ok, (200, 399), None), Ok(()));
        assert_eq!(http(ok, (200, 399), Some("ready")), Ok(()));
        assert_eq!(http(ok, (200, 200), None), Err("HTTP status 204, not 200-200".into()));
        assert_eq!(http(ok, (200, 399), Some("Server")), Err("HTTP body without \"Server\"".into()));
        assert_eq!(http(b"hello", (200, 399), None), Err("not an HTTP reply".into()));
    }

    #[test]
    fn a_command_is_healthy_when_it_exits_0_in_time() {
        let backend = "10.0.0.1:8080".parse().unwrap();
        let second = Duration::from_secs(5);
        assert_eq!(
            exec("test \"$LVSH_BACKEND_ADDR:$LVSH_BACKEND_PORT\" = 10.0.0.1:8080", backend, second),
            Ok(())
        );
        assert!(exec("exit 3", backend, second).unwrap_err().contains("exit status: 3"));
        assert!(exec("sleep 5", backend, Duration::from_millis(50))
            .unwrap_err()
            .contains("longer than 50 ms"));
    }
}
