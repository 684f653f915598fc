//! A probe's report: per-backend counts with a share bar, the order,
//! failures with their reason, and latency.

use std::net::SocketAddr;

use super::words::plural;
use crate::probe::ProbeResult;

/// The report of one probe; `backends` are the service's, so an unreached
/// backend shows with 0.
pub fn report(result: &ProbeResult, backends: &[SocketAddr]) -> String {
    let total = result.attempts.len();
    let connections = plural(total, "connection");
    let mut out = format!("probe {}: {connections}, {} served\n", result.service, result.served());
    let counts = result.counts();
    let mut rows: Vec<(SocketAddr, u64)> = backends.iter().map(|b| (*b, count_of(&counts, *b))).collect();
    rows.extend(counts.iter().filter(|(b, _)| !backends.contains(b)).copied());
    rows.sort();
    for (backend, n) in rows {
        let share = (n * 100).checked_div(total as u64).unwrap_or(0);
        let bar = "#".repeat((share / 5) as usize);
        out.push_str(&format!("  {:<24} {:>5}  {:>3}%  {bar}\n", backend.to_string(), n, share));
    }
    if result.unattributed() > 0 {
        out.push_str(&format!(
            "  {:<24} {:>5}  (served, backend not known)\n",
            "unknown",
            result.unattributed()
        ));
    }
    if result.announced() > 0 {
        // Say so: a reply is the backend's word, the table is the director's.
        out.push_str(&format!("  ({} attributed from the backends' own replies)\n", result.announced()));
    }
    let order: Vec<String> = result.order().iter().map(|b| b.to_string()).collect();
    if !order.is_empty() {
        out.push_str(&format!("  order: {}\n", order.join(" ")));
    }
    for (i, attempt) in result.attempts.iter().enumerate() {
        if let crate::probe::Outcome::Failed(f) = &attempt.outcome {
            out.push_str(&format!("  connection {}: {f}\n", i + 1));
        }
    }
    if let Some(l) = result.latency() {
        out.push_str(&format!("  latency: min {}, median {}, max {}\n", ms(l.min), ms(l.median), ms(l.max)));
    }
    out
}

/// Milliseconds with one decimal: `7.4ms`.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1000.0)
}

fn count_of(counts: &[(SocketAddr, u64)], backend: SocketAddr) -> u64 {
    counts.iter().find(|(b, _)| *b == backend).map_or(0, |(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::probe::{Attempt, Failure, Outcome, Served};

    #[test]
    fn the_report_counts_shares_order_and_failures() {
        let a: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let b: SocketAddr = "10.10.0.3:8000".parse().unwrap();
        let served = |to| Attempt {
            client: None,
            outcome: Outcome::Served(Served::Backend(to)),
            latency: Some(Duration::from_millis(2)),
        };
        let failed = Attempt { client: None, outcome: Outcome::Failed(Failure::Refused), latency: None };
        let result = ProbeResult {
            service: "tcp 111.111.0.1:80".into(),
            attempts: vec![served(a), served(b), served(a), failed],
        };
        assert_eq!(
            report(&result, &[a, b]),
            "probe tcp 111.111.0.1:80: 4 connections, 3 served
  10.10.0.2:8000               2   50%  ##########
  10.10.0.3:8000               1   25%  #####
  order: 10.10.0.2:8000 10.10.0.3:8000 10.10.0.2:8000
  connection 4: refused
  latency: min 2.0ms, median 2.0ms, max 2.0ms
"
        );
    }

    #[test]
    fn announced_attributions_are_owned_up_to() {
        let a: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let attempt = Attempt { client: None, outcome: Outcome::Served(Served::Announced(a)), latency: None };
        let result = ProbeResult { service: "tcp 111.111.0.1:80".into(), attempts: vec![attempt] };
        assert_eq!(
            report(&result, &[a]),
            "probe tcp 111.111.0.1:80: 1 connection, 1 served
  10.10.0.2:8000               1  100%  ####################
  (1 attributed from the backends' own replies)
  order: 10.10.0.2:8000
"
        );
    }
}
