//! A probe's report: per-backend counts with a share bar, the order,
//! failures with where they were lost and why, and latency.

use std::net::SocketAddr;

use super::words::plural;
use crate::diagnose::{relevant, Finding};
use crate::probe::names::Names;
use crate::probe::{Attempt, Failure, Outcome, ProbeResult};

/// What a report knows besides the probe: the names beside addresses, the
/// director as output names it, and doctor's findings when a connection
/// failed.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub names: Names,
    pub director: String,
    pub findings: Vec<Finding>,
}

/// Why one connection failed: where it was lost, and the findings that
/// explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    /// `reached int1 10.10.0.2:8000, but its reply never came back through gw`.
    pub lost: Option<String>,
    pub causes: Vec<Finding>,
}

/// Where a failed connection was lost, from how it failed and the
/// director's entry for it, and doctor's findings about its backend (or
/// the director, when no backend took it). `None` for a served one.
pub fn why(attempt: &Attempt, ctx: &Context) -> Option<Why> {
    let Outcome::Failed(failure) = &attempt.outcome else { return None };
    let director = &ctx.director;
    let lost = match (&attempt.reached, failure) {
        (_, Failure::UnexpectedReply(_) | Failure::Other(_)) => None,
        (Some(r), _) => {
            let hop = ctx.names.hop(r.backend);
            Some(match (r.state.as_str(), failure) {
                ("SYN_RECV", _) => format!("reached {hop}, but its reply never came back through {director}"),
                ("UDP", Failure::Refused) => format!("sent to {hop}, which refused it"),
                ("UDP", _) => format!("sent to {hop}, but no reply came back through {director}"),
                (_, Failure::Refused | Failure::Reset) => format!("reached {hop}, which refused it"),
                (state, _) => format!("reached {hop} ({state}), but no answer came in time"),
            })
        }
        (None, Failure::Refused | Failure::Reset) if attempt.client.is_some() => {
            Some(format!("refused: {director} has no entry for it, so no backend took it"))
        }
        (None, _) if attempt.client.is_some() => Some(format!(
            "{director} has no entry for it: it never reached {director}, or no backend could take it"
        )),
        (None, _) => None,
    };
    let causes = match &failure {
        Failure::UnexpectedReply(_) | Failure::Other(_) => Vec::new(),
        _ => {
            relevant(ctx.findings.clone(), attempt.reached.as_ref().map(|r| r.backend), director, &ctx.names)
        }
    };
    Some(Why { lost, causes })
}

/// A failed connection's line after its number: `timed out: reached int1
/// 10.10.0.2:8000, but ...: int1 has no route ... — run `doctor``.
fn failure_line(failure: &Failure, why: &Why) -> String {
    let mut line = failure.to_string();
    if let Some(lost) = &why.lost {
        line += &format!(": {lost}");
    }
    if let Some(first) = why.causes.first() {
        line += &format!(": {}", first.what);
        if why.causes.len() > 1 {
            line += &format!(" (and {} more)", why.causes.len() - 1);
        }
        line += " — run `doctor`";
    }
    line
}

/// Of doctor's `findings`, those about `up` backends (or the director):
/// what stops backends that answer `check` from serving clients through
/// the service. Each once.
pub fn not_through_the_vip(
    findings: &[Finding],
    up: &[SocketAddr],
    director: &str,
    names: &Names,
) -> Vec<Finding> {
    let mut seen: Vec<Finding> = Vec::new();
    for backend in up {
        for f in findings {
            let about = relevant(vec![f.clone()], Some(*backend), director, names);
            if !about.is_empty() && !seen.contains(f) {
                seen.push(f.clone());
            }
        }
    }
    seen
}

/// `expect --json` (schema/expect.schema.json): the statement, whether it
/// held, and what was expected and observed, in words.
pub fn verdict_json(statement: &str, passed: bool, expected: &str, observed: &str) -> String {
    let value = serde_json::json!({
        "statement": statement, "passed": passed, "expected": expected, "observed": observed,
    });
    format!("{value:#}\n")
}

/// The report of one probe; `backends` are the service's, so an unreached
/// backend shows with 0.
pub fn report(result: &ProbeResult, backends: &[SocketAddr], ctx: &Context) -> String {
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
        let row = format!("  {:<24} {:>5}  {:>3}%  {bar}", ctx.names.addr(backend), n, share);
        out.push_str(row.trim_end());
        out.push('\n');
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
        if let (Outcome::Failed(f), Some(why)) = (&attempt.outcome, why(attempt, ctx)) {
            out.push_str(&format!("  connection {}: {}\n", i + 1, failure_line(f, &why)));
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
    use crate::probe::Served;

    #[test]
    fn the_report_counts_shares_order_and_failures() {
        let a: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let b: SocketAddr = "10.10.0.3:8000".parse().unwrap();
        let served = |to| Attempt {
            client: None,
            outcome: Outcome::Served(Served::Backend(to)),
            latency: Some(Duration::from_millis(2)),
            reached: None,
        };
        let failed = Attempt {
            client: None,
            outcome: Outcome::Failed(Failure::Refused),
            latency: None,
            reached: None,
        };
        let result = ProbeResult {
            service: "tcp 111.111.0.1:80".into(),
            attempts: vec![served(a), served(b), served(a), failed],
        };
        assert_eq!(
            report(&result, &[a, b], &Context::default()),
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
        let attempt = Attempt {
            client: None,
            outcome: Outcome::Served(Served::Announced(a)),
            latency: None,
            reached: None,
        };
        let result = ProbeResult { service: "tcp 111.111.0.1:80".into(), attempts: vec![attempt] };
        assert_eq!(
            report(&result, &[a], &Context::default()),
            "probe tcp 111.111.0.1:80: 1 connection, 1 served
  10.10.0.2:8000               1  100%  ####################
  (1 attributed from the backends' own replies)
  order: 10.10.0.2:8000
"
        );
    }

    fn lab_context(findings: Vec<Finding>) -> Context {
        Context { names: crate::lab::Lab::seed("").names(), director: "gw".into(), findings }
    }

    fn no_reply_path() -> Finding {
        Finding {
            severity: crate::diagnose::Severity::Error,
            code: "doctor::no-reply-path",
            what: "int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1".into(),
            place: crate::diagnose::Place {
                node: Some("int1".into()),
                backend: Some("10.10.0.2:8000 (int1)".into()),
                ..Default::default()
            },
            why: String::new(),
            fix: Some("int1 ip route add default via 10.10.0.1".into()),
        }
    }

    fn lost(failure: Failure, reached: Option<(&str, &str)>) -> Attempt {
        Attempt {
            client: "111.111.0.2:51234".parse().ok(),
            outcome: Outcome::Failed(failure),
            latency: None,
            reached: reached.map(|(b, state)| crate::probe::result::Reached {
                backend: b.parse().unwrap(),
                state: state.into(),
            }),
        }
    }

    #[test]
    fn a_connection_lost_on_the_way_back_says_where_and_why() {
        let a: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let b: SocketAddr = "10.10.0.3:8000".parse().unwrap();
        let served = Attempt {
            client: None,
            outcome: Outcome::Served(Served::Backend(b)),
            latency: Some(Duration::from_millis(2)),
            reached: None,
        };
        let result = ProbeResult {
            service: "tcp 111.111.0.1:80".into(),
            attempts: vec![lost(Failure::Timeout, Some(("10.10.0.2:8000", "SYN_RECV"))), served],
        };
        assert_eq!(
            report(&result, &[a, b], &lab_context(vec![no_reply_path()])),
            "probe tcp 111.111.0.1:80: 2 connections, 1 served
  10.10.0.2:8000 (int1)        0    0%
  10.10.0.3:8000 (int2)        1   50%  ##########
  order: 10.10.0.3:8000
  connection 1: timed out: reached int1 10.10.0.2:8000, but its reply never came back through gw: \
int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1 — run `doctor`
  latency: min 2.0ms, median 2.0ms, max 2.0ms
"
        );
    }

    #[test]
    fn each_way_a_connection_is_lost_reads_as_words() {
        let ctx = lab_context(Vec::new());
        let said = |a: Attempt| why(&a, &ctx).and_then(|w| w.lost);
        let int2 = Some(("10.10.0.3:8000", "CLOSE"));
        assert_eq!(
            said(lost(Failure::Refused, int2)).as_deref(),
            Some("reached int2 10.10.0.3:8000, which refused it")
        );
        assert_eq!(
            said(lost(Failure::Timeout, Some(("10.10.0.3:53", "UDP")))).as_deref(),
            Some("sent to int2 10.10.0.3:53, but no reply came back through gw")
        );
        assert_eq!(
            said(lost(Failure::Timeout, Some(("10.10.0.3:8000", "ESTABLISHED")))).as_deref(),
            Some("reached int2 10.10.0.3:8000 (ESTABLISHED), but no answer came in time")
        );
        assert_eq!(
            said(lost(Failure::Timeout, None)).as_deref(),
            Some("gw has no entry for it: it never reached gw, or no backend could take it")
        );
        assert_eq!(
            said(lost(Failure::Refused, None)).as_deref(),
            Some("refused: gw has no entry for it, so no backend took it")
        );
        // A reply that came but was wrong was not lost on the way.
        assert_eq!(said(lost(Failure::UnexpectedReply("x".into()), int2)), None);
    }

    #[test]
    fn check_names_what_stops_clients_of_backends_that_are_up() {
        let a: SocketAddr = "10.10.0.2:8000".parse().unwrap();
        let b: SocketAddr = "10.10.0.3:8000".parse().unwrap();
        let names = crate::lab::Lab::seed("").names();
        assert_eq!(not_through_the_vip(&[no_reply_path()], &[a, b], "gw", &names), vec![no_reply_path()]);
        assert_eq!(not_through_the_vip(&[no_reply_path()], &[b], "gw", &names), Vec::new());
    }
}
