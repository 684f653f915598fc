//! What a probe observed: one [`Attempt`] per connection, in the order they
//! were made, and the summaries the expectations are judged on.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Everything one `probe` saw of one virtual service.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// The service as the user names it (its display key), for messages.
    pub service: String,
    /// One entry per connection, in the order they were opened.
    pub attempts: Vec<Attempt>,
}

/// One connection to the virtual service.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The local address the connection came from, when known; `sticky` groups
    /// by its IP.
    pub client: Option<SocketAddr>,
    /// Whether the connection was served, and by whom.
    pub outcome: Outcome,
    /// Time until the backend answered (or until the failure), when measured.
    pub latency: Option<Duration>,
    /// For a failed connection, where the director's table says it went.
    pub reached: Option<Reached>,
}

/// A failed connection's entry in the director's connection table: the
/// backend the scheduler chose, and how far the connection got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub backend: SocketAddr,
    /// The entry's state as the kernel names it: `SYN_RECV` means the
    /// backend's reply never came back through the director.
    pub state: String,
}

/// How one connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A backend answered.
    Served(Served),
    /// No backend answered.
    Failed(Failure),
}

/// Which backend answered a served connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// The director's connection table says this backend served it.
    Backend(SocketAddr),
    /// The backend named itself in its reply (its address, or a lab node
    /// name), used when the director's table has no entry for the connection.
    Announced(SocketAddr),
    /// The connection was served but its backend could not be told. It is
    /// never guessed: expectations that need attribution fail instead.
    Unknown,
}

/// Why a connection was not served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The connection was refused.
    Refused,
    /// Nothing answered in time.
    Timeout,
    /// The connection was reset.
    Reset,
    /// A reply came, but without the text the probe expected (`reply TEXT`).
    UnexpectedReply(String),
    /// Any other error, as the system described it.
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused => f.write_str("refused"),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Reset => f.write_str("reset"),
            Failure::UnexpectedReply(got) => write!(f, "unexpected reply {got:?}"),
            Failure::Other(why) => f.write_str(why),
        }
    }
}

/// The spread of the measured latencies of served connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    /// The fastest connection.
    pub min: Duration,
    /// The middle connection; with an even count, the lower of the two middle
    /// ones, so the median is always a latency that was actually seen.
    pub median: Duration,
    /// The slowest connection.
    pub max: Duration,
}

impl Attempt {
    /// The backend that served this attempt, if it was served and attributed.
    pub fn backend(&self) -> Option<SocketAddr> {
        match self.outcome {
            Outcome::Served(Served::Backend(addr) | Served::Announced(addr)) => Some(addr),
            _ => None,
        }
    }

    /// The client's IP, which is what persistence keys on.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client.map(|addr| addr.ip())
    }

    /// Whether a backend answered, attributed or not.
    pub fn is_served(&self) -> bool {
        matches!(self.outcome, Outcome::Served(_))
    }
}

impl ProbeResult {
    /// How many connections each backend served, backends in the order they
    /// were first seen. Unattributed and failed connections are not counted.
    pub fn counts(&self) -> Vec<(SocketAddr, u64)> {
        let mut counts: Vec<(SocketAddr, u64)> = Vec::new();
        for backend in self.order() {
            match counts.iter_mut().find(|(seen, _)| *seen == backend) {
                Some((_, count)) => *count += 1,
                None => counts.push((backend, 1)),
            }
        }
        counts
    }

    /// The backends of the attributed served connections, in connection order.
    pub fn order(&self) -> Vec<SocketAddr> {
        self.attempts.iter().filter_map(Attempt::backend).collect()
    }

    /// The failures, in connection order.
    pub fn failures(&self) -> Vec<&Failure> {
        self.attempts
            .iter()
            .filter_map(|attempt| match &attempt.outcome {
                Outcome::Failed(failure) => Some(failure),
                Outcome::Served(_) => None,
            })
            .collect()
    }

    /// How many connections were served, attributed or not.
    pub fn served(&self) -> usize {
        self.attempts.iter().filter(|a| a.is_served()).count()
    }

    /// How many connections were attributed from the backend's own reply.
    pub fn announced(&self) -> usize {
        self.attempts.iter().filter(|a| matches!(a.outcome, Outcome::Served(Served::Announced(_)))).count()
    }

    /// How many connections were served by a backend that could not be told.
    pub fn unattributed(&self) -> usize {
        self.attempts.iter().filter(|a| a.outcome == Outcome::Served(Served::Unknown)).count()
    }

    /// Min, median and max latency of the served connections that have one;
    /// `None` when none does. Failures are left out: a timeout's latency is
    /// the timeout, not the service's speed.
    pub fn latency(&self) -> Option<LatencySummary> {
        let mut latencies: Vec<Duration> =
            self.attempts.iter().filter(|a| a.is_served()).filter_map(|a| a.latency).collect();
        latencies.sort_unstable();
        Some(LatencySummary {
            min: *latencies.first()?,
            median: latencies[(latencies.len() - 1) / 2],
            max: *latencies.last()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(outcome: Outcome, latency_ms: u64) -> Attempt {
        Attempt { client: None, outcome, latency: Some(Duration::from_millis(latency_ms)), reached: None }
    }

    fn backend(n: u8) -> Outcome {
        Outcome::Served(Served::Backend(SocketAddr::from(([10, 10, 0, n], 8000))))
    }

    fn sample() -> ProbeResult {
        ProbeResult {
            service: "tcp 10.0.0.10:80".to_string(),
            attempts: vec![
                attempt(backend(3), 4),
                attempt(backend(2), 1),
                attempt(Outcome::Failed(Failure::Refused), 900),
                attempt(Outcome::Served(Served::Unknown), 2),
                attempt(backend(3), 3),
            ],
        }
    }

    #[test]
    fn counts_keep_first_seen_order_and_skip_unattributed_and_failed() {
        let r = sample();
        let b = |n| SocketAddr::from(([10, 10, 0, n], 8000));
        assert_eq!(r.counts(), vec![(b(3), 2), (b(2), 1)]);
        assert_eq!(r.order(), vec![b(3), b(2), b(3)]);
        assert_eq!(r.served(), 4);
        assert_eq!(r.unattributed(), 1);
        assert_eq!(r.failures(), vec![&Failure::Refused]);
    }

    #[test]
    fn latency_summarises_served_connections_with_the_lower_middle_median() {
        let ms = Duration::from_millis;
        assert_eq!(sample().latency(), Some(LatencySummary { min: ms(1), median: ms(2), max: ms(4) }));
    }

    #[test]
    fn latency_is_none_without_a_served_measurement() {
        let r = ProbeResult {
            service: "tcp 10.0.0.10:80".to_string(),
            attempts: vec![attempt(Outcome::Failed(Failure::Timeout), 5000)],
        };
        assert_eq!(r.latency(), None);
    }

    #[test]
    fn failures_read_as_words() {
        assert_eq!(Failure::Timeout.to_string(), "timed out");
        assert_eq!(Failure::Other("no route to host".into()).to_string(), "no route to host");
    }
}
