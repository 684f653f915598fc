//! The `expect` predicates over the last probe, and how each is judged.
//!
//! Every judgement returns a [`Verdict`] whose `expected` and `observed` texts
//! are plain words, so a failing `expect` shows what was wanted against what
//! happened. Edge cases, decided once for every predicate:
//!
//! - Only served connections are judged by `spread`, `ratio`, `order`,
//!   `reaches` and `sticky`; failed ones are skipped there and are the
//!   business of `no failures`.
//! - Zero successes fail every predicate about where connections went
//!   (`spread`, `ratio`, both `order`s, `reaches`, `sticky`) and
//!   `latency below`, with observed "no connection succeeded": an empty probe
//!   proves nothing about the balancer.
//! - A served connection whose backend is [`Served::Unknown`](super::Served::Unknown) is never
//!   guessed: `spread`, `ratio`, both `order`s, `reaches only` and `sticky`
//!   fail with "N connections could not be attributed". `reaches all` still
//!   passes when the attributed connections alone reached every backend.
//! - One backend: `spread even` and `order alternate` hold whenever every
//!   attributed connection went to it (a cycle of one).
//! - `order alternate` is round robin as the kernel's `rr` gives it, with any
//!   starting backend: with k distinct backends reached, the first k served
//!   connections go to k different backends and every later one repeats the
//!   backend k connections before it. A probe that stops mid-cycle (A B A)
//!   passes; ties in the counts are expected then.
//! - `order B1 B2 ...` starts at B1 and repeats the named cycle.
//! - A weight of 0 expects a 0% share; a backend missing from the weights is
//!   treated as weight 0. If every weight is 0, every share is expected at 0%,
//!   so any success fails.
//! - `sticky` keys on the client IP (not the port); a served connection with no
//!   client address fails it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::result::ProbeResult;

/// How far from an even share `spread even` allows when no `within` is given.
pub const DEFAULT_SPREAD_WITHIN: u64 = 1;

/// How many percentage points from its weight's share `ratio weights` allows
/// when no `within` is given.
pub const DEFAULT_RATIO_WITHIN_PERCENT: f64 = 10.0;

/// One `expect` predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// `spread even [within N]`: each backend served within N connections of
    /// the served count divided by the number of backends.
    SpreadEven { within: u64 },
    /// `ratio weights [within P%]`: each backend's share of the served
    /// connections is within P percentage points of its weight's share.
    RatioWeights { weights: Vec<(SocketAddr, u32)>, within_percent: f64 },
    /// `order alternate`: the served connections cycle through the backends
    /// reached in a fixed order, as round robin does.
    OrderAlternate,
    /// `order B1 B2 ...`: the served connections go to B1, B2, ... and repeat.
    Order(Vec<SocketAddr>),
    /// `reaches all`: every one of these backends (the service's) served at
    /// least one connection. Empty means the `backends` given to [`judge`].
    ReachesAll(Vec<SocketAddr>),
    /// `reaches only B...`: no backend outside these served a connection.
    ReachesOnly(Vec<SocketAddr>),
    /// `sticky`: every client IP always landed on the same backend.
    Sticky,
    /// `no failures`: every connection was served.
    NoFailures,
    /// `latency below T`: every served connection answered in less than T.
    LatencyBelow(Duration),
}

impl Expectation {
    /// `spread even` with the default tolerance.
    pub fn spread_even() -> Self {
        Expectation::SpreadEven { within: DEFAULT_SPREAD_WITHIN }
    }

    /// `ratio weights` with the default tolerance.
    pub fn ratio_weights(weights: Vec<(SocketAddr, u32)>) -> Self {
        Expectation::RatioWeights { weights, within_percent: DEFAULT_RATIO_WITHIN_PERCENT }
    }
}

/// The outcome of judging one expectation: whether it held, and both sides in
/// words for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the expectation held.
    pub passed: bool,
    /// What the expectation asked for.
    pub expected: String,
    /// What the probe showed.
    pub observed: String,
}

impl Verdict {
    fn new(passed: bool, expected: impl Into<String>, observed: impl Into<String>) -> Self {
        Verdict { passed, expected: expected.into(), observed: observed.into() }
    }

    fn fail(expected: impl Into<String>, observed: impl Into<String>) -> Self {
        Verdict::new(false, expected, observed)
    }
}

/// Judges `e` over the probe `r` of a service whose backends are `backends`.
pub fn judge(e: &Expectation, r: &ProbeResult, backends: &[SocketAddr]) -> Verdict {
    match e {
        Expectation::SpreadEven { within } => spread_even(*within, r, backends),
        Expectation::RatioWeights { weights, within_percent } => ratio_weights(weights, *within_percent, r),
        Expectation::OrderAlternate => order_alternate(r),
        Expectation::Order(cycle) => order(cycle, r),
        Expectation::ReachesAll(set) if set.is_empty() => reaches_all(backends, r),
        Expectation::ReachesAll(set) => reaches_all(set, r),
        Expectation::ReachesOnly(set) => reaches_only(set, r),
        Expectation::Sticky => sticky(r),
        Expectation::NoFailures => no_failures(r),
        Expectation::LatencyBelow(limit) => latency_below(*limit, r),
    }
}

/// Why the attributed connections cannot be judged, if they cannot: nothing
/// was served, or some served connection has no known backend.
fn unjudgeable(r: &ProbeResult) -> Option<String> {
    if r.served() == 0 {
        return Some("no connection succeeded".to_string());
    }
    match r.unattributed() {
        0 => None,
        n => Some(format!("{} could not be attributed", plural(n, "connection"))),
    }
}

fn spread_even(within: u64, r: &ProbeResult, backends: &[SocketAddr]) -> Verdict {
    let counts = counts_over(backends, r);
    let n = counts.len();
    if let Some(why) = unjudgeable(r) {
        let expected = format!("each of {} within {within} of an even share", plural(n, "backend"));
        return Verdict::fail(expected, why);
    }
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    let mean = number(total as f64 / n as f64);
    let noun = if mean == "1" { "connection" } else { "connections" };
    let expected = format!("each of {} within {within} of {mean} {noun}", plural(n, "backend"));
    // Compared scaled by n so an uneven mean (7 over 2) needs no rounding.
    let n = n as u64;
    let passed = counts.iter().all(|(_, count)| (count * n).abs_diff(total) <= within * n);
    Verdict::new(passed, expected, list_counts(&counts))
}

fn ratio_weights(weights: &[(SocketAddr, u32)], within_percent: f64, r: &ProbeResult) -> Verdict {
    if weights.is_empty() {
        return Verdict::fail("shares following backend weights", "no weights were given");
    }
    let total_weight: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
    let share = |weight: u64| match total_weight {
        0 => 0.0,
        _ => weight as f64 * 100.0 / total_weight as f64,
    };
    let expected_shares: Vec<String> =
        weights.iter().map(|(b, w)| format!("{b} {}%", number(share(u64::from(*w))))).collect();
    let expected = format!("shares {}, each within {}%", expected_shares.join(", "), number(within_percent));
    if let Some(why) = unjudgeable(r) {
        return Verdict::fail(expected, why);
    }
    let weighted: Vec<SocketAddr> = weights.iter().map(|(b, _)| *b).collect();
    let counts = counts_over(&weighted, r);
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    let weight_of = |b: &SocketAddr| weights.iter().find(|(w, _)| w == b).map_or(0, |(_, w)| u64::from(*w));
    // A hair of slack so 1/3 of 300% does not fail on float rounding.
    let passed = counts.iter().all(|(b, count)| {
        let observed = *count as f64 * 100.0 / total as f64;
        (observed - share(weight_of(b))).abs() <= within_percent + 1e-9
    });
    let observed: Vec<String> = counts
        .iter()
        .map(|(b, count)| {
            let percent = *count as f64 * 100.0 / total as f64;
            format!("{b} {}% ({count} of {total})", number(percent))
        })
        .collect();
    Verdict::new(passed, expected, observed.join(", "))
}

fn order_alternate(r: &ProbeResult) -> Verdict {
    if let Some(why) = unjudgeable(r) {
        return Verdict::fail("connections cycling through the backends in a fixed order", why);
    }
    let seq = numbered_order(r);
    let mut cycle: Vec<SocketAddr> = Vec::new();
    for (_, b) in &seq {
        if !cycle.contains(b) {
            cycle.push(*b);
        }
    }
    let k = cycle.len();
    let expected = format!("connections cycling through {} in a fixed order", plural(k, "backend"));
    for (i, (number, b)) in seq.iter().enumerate() {
        let broken = if i < k {
            seq[..i]
                .iter()
                .any(|(_, seen)| seen == b)
                .then(|| format!("connection {number} went to {b} again before every backend had one"))
        } else {
            let want = seq[i - k].1;
            (*b != want).then(|| format!("connection {number} went to {b} where the cycle expects {want}"))
        };
        if let Some(why) = broken {
            return Verdict::fail(expected, format!("{}: {why}", sequence(&seq[..=i])));
        }
    }
    let observed = format!("cycle {} over {}", join(&cycle), plural(seq.len(), "connection"));
    Verdict::new(true, expected, observed)
}

fn order(cycle: &[SocketAddr], r: &ProbeResult) -> Verdict {
    let expected = match cycle {
        [] => return Verdict::fail("connections in a named order", "no backend was named"),
        [only] => format!("every connection to {only}"),
        _ => format!("connections in the order {}, repeating", join(cycle)),
    };
    if let Some(why) = unjudgeable(r) {
        return Verdict::fail(expected, why);
    }
    let seq = numbered_order(r);
    for (i, (number, b)) in seq.iter().enumerate() {
        let want = cycle[i % cycle.len()];
        if *b != want {
            let why = format!("connection {number} went to {b} instead of {want}");
            return Verdict::fail(expected, format!("{}: {why}", sequence(&seq[..=i])));
        }
    }
    let observed = format!("{} in that order", plural(seq.len(), "connection"));
    Verdict::new(true, expected, observed)
}

fn reaches_all(set: &[SocketAddr], r: &ProbeResult) -> Verdict {
    if set.is_empty() {
        return Verdict::fail("every backend of the service reached", "the service has no backends");
    }
    let expected = match set {
        [only] => format!("{only} reached"),
        _ => format!("all {} reached: {}", set.len(), join(set)),
    };
    if r.served() == 0 {
        return Verdict::fail(expected, "no connection succeeded");
    }
    let counts = counts_over(set, r);
    let missing: Vec<SocketAddr> = counts.iter().filter(|(_, count)| *count == 0).map(|(b, _)| *b).collect();
    if missing.is_empty() {
        return Verdict::new(true, expected, list_counts(&counts));
    }
    let mut observed = format!("{} not reached; {}", join(&missing), list_counts(&counts));
    if r.unattributed() > 0 {
        let note = format!("; {} could not be attributed", plural(r.unattributed(), "connection"));
        observed.push_str(&note);
    }
    Verdict::fail(expected, observed)
}

fn reaches_only(set: &[SocketAddr], r: &ProbeResult) -> Verdict {
    let expected = format!("only {} reached", join(set));
    if let Some(why) = unjudgeable(r) {
        return Verdict::fail(expected, why);
    }
    let counts = r.counts();
    let outside: Vec<SocketAddr> = counts.iter().map(|(b, _)| *b).filter(|b| !set.contains(b)).collect();
    if outside.is_empty() {
        return Verdict::new(true, expected, list_counts(&counts));
    }
    let observed = format!("reached {} too: {}", join(&outside), list_counts(&counts));
    Verdict::fail(expected, observed)
}

fn sticky(r: &ProbeResult) -> Verdict {
    let expected = "each client IP always on the same backend";
    if let Some(why) = unjudgeable(r) {
        return Verdict::fail(expected, why);
    }
    let anonymous = r.attempts.iter().filter(|a| a.is_served() && a.client.is_none()).count();
    if anonymous > 0 {
        let why = format!("{} had no client address", plural(anonymous, "connection"));
        return Verdict::fail(expected, why);
    }
    let clients = backends_per_client(r);
    let wandering: Vec<String> = clients
        .iter()
        .filter(|(_, counts)| counts.len() > 1)
        .map(|(ip, counts)| {
            let visits: Vec<String> =
                counts.iter().map(|(b, count)| format!("{b} {}", plural(*count as usize, "time"))).collect();
            format!("{ip} went to {}", visits.join(", "))
        })
        .collect();
    if !wandering.is_empty() {
        return Verdict::fail(expected, wandering.join("; "));
    }
    let stuck: Vec<String> =
        clients.iter().map(|(ip, counts)| format!("{ip} always went to {}", counts[0].0)).collect();
    Verdict::new(true, expected, stuck.join("; "))
}

fn no_failures(r: &ProbeResult) -> Verdict {
    let n = r.attempts.len();
    if n == 0 {
        return Verdict::fail("every connection to succeed", "no connection was attempted");
    }
    let expected = match n {
        1 => "the 1 connection to succeed".to_string(),
        _ => format!("all {n} connections to succeed"),
    };
    let failures = r.failures();
    if failures.is_empty() {
        return Verdict::new(true, expected, format!("{n} of {n} succeeded"));
    }
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for failure in failures.iter().map(ToString::to_string) {
        match kinds.iter_mut().find(|(kind, _)| *kind == failure) {
            Some((_, count)) => *count += 1,
            None => kinds.push((failure, 1)),
        }
    }
    let kinds: Vec<String> = kinds.iter().map(|(kind, count)| format!("{count} {kind}")).collect();
    let observed = format!("{} of {n} failed: {}", failures.len(), kinds.join(", "));
    Verdict::fail(expected, observed)
}

fn latency_below(limit: Duration, r: &ProbeResult) -> Verdict {
    let expected = format!("every served connection below {limit:?}");
    if r.served() == 0 {
        return Verdict::fail(expected, "no connection succeeded");
    }
    // An unmeasured connection could have been the slow one: never assumed fast.
    let unmeasured = r.attempts.iter().filter(|a| a.is_served() && a.latency.is_none()).count();
    let summary = match r.latency() {
        Some(summary) if unmeasured == 0 => summary,
        _ => {
            let why = format!("{} had no latency measured", plural(unmeasured, "served connection"));
            return Verdict::fail(expected, why);
        }
    };
    let observed = format!("max {:?} (min {:?}, median {:?})", summary.max, summary.min, summary.median);
    Verdict::new(summary.max < limit, expected, observed)
}

/// Served counts over `listed` (zeros included, in that order), then any other
/// backend that served, in first-seen order.
fn counts_over(listed: &[SocketAddr], r: &ProbeResult) -> Vec<(SocketAddr, u64)> {
    let seen = r.counts();
    let count_of = |b: &SocketAddr| seen.iter().find(|(s, _)| s == b).map_or(0, |(_, c)| *c);
    let mut counts: Vec<(SocketAddr, u64)> = Vec::new();
    for b in listed {
        if !counts.iter().any(|(c, _)| c == b) {
            counts.push((*b, count_of(b)));
        }
    }
    for (b, count) in seen {
        if !listed.contains(&b) {
            counts.push((b, count));
        }
    }
    counts
}

/// Attributed served connections as (connection number from 1, backend), so
/// messages name the connection as the probe numbered it.
fn numbered_order(r: &ProbeResult) -> Vec<(usize, SocketAddr)> {
    r.attempts.iter().enumerate().filter_map(|(i, a)| a.backend().map(|b| (i + 1, b))).collect()
}

/// Per client IP, the backends it landed on with counts, both in first-seen
/// order.
fn backends_per_client(r: &ProbeResult) -> Vec<(IpAddr, Vec<(SocketAddr, u64)>)> {
    let mut clients: Vec<(IpAddr, Vec<(SocketAddr, u64)>)> = Vec::new();
    for attempt in &r.attempts {
        let (Some(ip), Some(b)) = (attempt.client_ip(), attempt.backend()) else {
            continue;
        };
        let index = match clients.iter().position(|(seen, _)| *seen == ip) {
            Some(index) => index,
            None => {
                clients.push((ip, Vec::new()));
                clients.len() - 1
            }
        };
        let counts = &mut clients[index].1;
        match counts.iter_mut().find(|(seen, _)| *seen == b) {
            Some((_, count)) => *count += 1,
            None => counts.push((b, 1)),
        }
    }
    clients
}

/// The tail of a served sequence, at most six long, for a failure message.
fn sequence(seq: &[(usize, SocketAddr)]) -> String {
    const SHOWN: usize = 6;
    let tail: Vec<SocketAddr> = seq.iter().rev().take(SHOWN).rev().map(|(_, b)| *b).collect();
    let prefix = if seq.len() > SHOWN { "order …, " } else { "order " };
    format!("{prefix}{}", join(&tail))
}

fn list_counts(counts: &[(SocketAddr, u64)]) -> String {
    let parts: Vec<String> = counts.iter().map(|(b, count)| format!("{b} got {count}")).collect();
    parts.join(", ")
}

fn join(backends: &[SocketAddr]) -> String {
    let parts: Vec<String> = backends.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

fn plural(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ => format!("{n} {word}s"),
    }
}

/// A number with at most two decimals and no trailing zeros: 3, 3.5, 33.33.
fn number(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::result::{Attempt, Failure, Outcome, Served};

    fn b(n: u8) -> SocketAddr {
        SocketAddr::from(([10, 10, 0, n], 8000))
    }

    fn client(n: u8, port: u16) -> Option<SocketAddr> {
        Some(SocketAddr::from(([10, 0, 0, n], port)))
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn served(n: u8) -> Attempt {
        Attempt {
            client: client(1, 40000),
            outcome: Outcome::Served(Served::Backend(b(n))),
            latency: Some(ms(1)),
            reached: None,
        }
    }

    fn unknown() -> Attempt {
        Attempt { outcome: Outcome::Served(Served::Unknown), ..served(2) }
    }

    fn failed(failure: Failure) -> Attempt {
        Attempt { client: client(1, 40000), outcome: Outcome::Failed(failure), latency: None, reached: None }
    }

    fn probe(attempts: Vec<Attempt>) -> ProbeResult {
        ProbeResult { service: "tcp 10.0.0.10:80".to_string(), attempts }
    }

    fn seq(backends: &[u8]) -> ProbeResult {
        probe(backends.iter().map(|n| served(*n)).collect())
    }

    fn all_failed() -> ProbeResult {
        probe(vec![failed(Failure::Refused), failed(Failure::Timeout)])
    }

    fn two() -> Vec<SocketAddr> {
        vec![b(2), b(3)]
    }

    #[track_caller]
    fn assert_verdict(v: Verdict, passed: bool, expected: &str, observed: &str) {
        assert_eq!(v, Verdict { passed, expected: expected.to_string(), observed: observed.to_string() });
    }

    // spread even

    #[test]
    fn spread_even_passes_when_every_backend_got_the_mean() {
        let v = judge(&Expectation::spread_even(), &seq(&[2, 3, 2, 3, 2, 3]), &two());
        assert_verdict(
            v,
            true,
            "each of 2 backends within 1 of 3 connections",
            "10.10.0.2:8000 got 3, 10.10.0.3:8000 got 3",
        );
    }

    #[test]
    fn spread_even_fails_showing_each_backends_count() {
        let v = judge(&Expectation::spread_even(), &seq(&[2, 2, 3, 2, 2, 2]), &two());
        assert_verdict(
            v,
            false,
            "each of 2 backends within 1 of 3 connections",
            "10.10.0.2:8000 got 5, 10.10.0.3:8000 got 1",
        );
    }

    #[test]
    fn spread_even_counts_an_unreached_backend_as_zero() {
        let v = judge(&Expectation::spread_even(), &seq(&[2, 3, 2, 3]), &[b(2), b(3), b(4)]);
        assert_verdict(
            v,
            false,
            "each of 3 backends within 1 of 1.33 connections",
            "10.10.0.2:8000 got 2, 10.10.0.3:8000 got 2, 10.10.0.4:8000 got 0",
        );
    }

    #[test]
    fn spread_even_accepts_an_odd_total_split_as_evenly_as_possible() {
        let v = judge(&Expectation::SpreadEven { within: 0 }, &seq(&[2, 3, 2, 3, 2, 3, 2]), &two());
        assert!(!v.passed, "0.5 off the mean is more than 0");
        let v = judge(&Expectation::spread_even(), &seq(&[2, 3, 2, 3, 2, 3, 2]), &two());
        assert_verdict(
            v,
            true,
            "each of 2 backends within 1 of 3.5 connections",
            "10.10.0.2:8000 got 4, 10.10.0.3:8000 got 3",
        );
    }

    #[test]
    fn spread_even_honours_a_wider_tolerance() {
        let v = judge(&Expectation::SpreadEven { within: 2 }, &seq(&[2, 2, 3, 2, 2, 2]), &two());
        assert_verdict(
            v,
            true,
            "each of 2 backends within 2 of 3 connections",
            "10.10.0.2:8000 got 5, 10.10.0.3:8000 got 1",
        );
    }

    #[test]
    fn spread_even_over_one_backend_holds_trivially() {
        let v = judge(&Expectation::spread_even(), &seq(&[2, 2, 2]), &[b(2)]);
        assert_verdict(v, true, "each of 1 backend within 1 of 3 connections", "10.10.0.2:8000 got 3");
    }

    #[test]
    fn spread_even_counts_a_backend_outside_the_service() {
        let v = judge(&Expectation::spread_even(), &seq(&[2, 9, 2, 9]), &[b(2)]);
        assert_verdict(
            v,
            true,
            "each of 2 backends within 1 of 2 connections",
            "10.10.0.2:8000 got 2, 10.10.0.9:8000 got 2",
        );
    }

    #[test]
    fn spread_even_fails_when_no_connection_succeeded() {
        let v = judge(&Expectation::spread_even(), &all_failed(), &two());
        assert_verdict(v, false, "each of 2 backends within 1 of an even share", "no connection succeeded");
    }

    #[test]
    fn spread_even_fails_rather_than_guess_unattributed_connections() {
        let r = probe(vec![served(2), unknown(), served(3), unknown()]);
        let v = judge(&Expectation::spread_even(), &r, &two());
        assert_verdict(
            v,
            false,
            "each of 2 backends within 1 of an even share",
            "2 connections could not be attributed",
        );
    }

    #[test]
    fn spread_even_skips_failed_connections() {
        let r = probe(vec![served(2), failed(Failure::Reset), served(3)]);
        let v = judge(&Expectation::spread_even(), &r, &two());
        assert_verdict(
            v,
            true,
            "each of 2 backends within 1 of 1 connection",
            "10.10.0.2:8000 got 1, 10.10.0.3:8000 got 1",
        );
    }

    // ratio weights

    fn three_to_one() -> Vec<(SocketAddr, u32)> {
        vec![(b(2), 3), (b(3), 1)]
    }

    #[test]
    fn ratio_weights_passes_when_shares_follow_the_weights() {
        let e = Expectation::ratio_weights(three_to_one());
        let v = judge(&e, &seq(&[2, 2, 3, 2]), &two());
        assert_verdict(
            v,
            true,
            "shares 10.10.0.2:8000 75%, 10.10.0.3:8000 25%, each within 10%",
            "10.10.0.2:8000 75% (3 of 4), 10.10.0.3:8000 25% (1 of 4)",
        );
    }

    #[test]
    fn ratio_weights_fails_on_an_even_split() {
        let e = Expectation::RatioWeights { weights: three_to_one(), within_percent: 5.0 };
        let v = judge(&e, &seq(&[2, 3, 2, 3]), &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 75%, 10.10.0.3:8000 25%, each within 5%",
            "10.10.0.2:8000 50% (2 of 4), 10.10.0.3:8000 50% (2 of 4)",
        );
    }

    #[test]
    fn ratio_weights_expects_no_share_for_a_zero_weight() {
        let e = Expectation::ratio_weights(vec![(b(2), 1), (b(3), 0)]);
        let v = judge(&e, &seq(&[2, 2]), &two());
        assert_verdict(
            v,
            true,
            "shares 10.10.0.2:8000 100%, 10.10.0.3:8000 0%, each within 10%",
            "10.10.0.2:8000 100% (2 of 2), 10.10.0.3:8000 0% (0 of 2)",
        );
        let v = judge(&e, &seq(&[2, 3, 2]), &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 100%, 10.10.0.3:8000 0%, each within 10%",
            "10.10.0.2:8000 66.67% (2 of 3), 10.10.0.3:8000 33.33% (1 of 3)",
        );
    }

    #[test]
    fn ratio_weights_all_zero_expects_nothing_served() {
        let e = Expectation::ratio_weights(vec![(b(2), 0), (b(3), 0)]);
        let v = judge(&e, &seq(&[2]), &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 0%, 10.10.0.3:8000 0%, each within 10%",
            "10.10.0.2:8000 100% (1 of 1), 10.10.0.3:8000 0% (0 of 1)",
        );
    }

    #[test]
    fn ratio_weights_treats_an_unweighted_backend_as_weight_zero() {
        let e = Expectation::ratio_weights(vec![(b(2), 1)]);
        let v = judge(&e, &seq(&[2, 9]), &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 100%, each within 10%",
            "10.10.0.2:8000 50% (1 of 2), 10.10.0.9:8000 50% (1 of 2)",
        );
    }

    #[test]
    fn ratio_weights_equal_thirds_pass_with_no_tolerance() {
        let e =
            Expectation::RatioWeights { weights: vec![(b(2), 1), (b(3), 1), (b(4), 1)], within_percent: 0.0 };
        let v = judge(&e, &seq(&[4, 2, 3]), &two());
        assert_verdict(
            v,
            true,
            "shares 10.10.0.2:8000 33.33%, 10.10.0.3:8000 33.33%, 10.10.0.4:8000 33.33%, each within 0%",
            "10.10.0.2:8000 33.33% (1 of 3), 10.10.0.3:8000 33.33% (1 of 3), 10.10.0.4:8000 33.33% (1 of 3)",
        );
    }

    #[test]
    fn ratio_weights_fails_when_no_connection_succeeded() {
        let e = Expectation::ratio_weights(three_to_one());
        let v = judge(&e, &all_failed(), &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 75%, 10.10.0.3:8000 25%, each within 10%",
            "no connection succeeded",
        );
    }

    #[test]
    fn ratio_weights_fails_rather_than_guess_unattributed_connections() {
        let e = Expectation::ratio_weights(three_to_one());
        let r = probe(vec![served(2), served(2), served(2), unknown()]);
        let v = judge(&e, &r, &two());
        assert_verdict(
            v,
            false,
            "shares 10.10.0.2:8000 75%, 10.10.0.3:8000 25%, each within 10%",
            "1 connection could not be attributed",
        );
    }

    #[test]
    fn ratio_weights_without_weights_fails() {
        let v = judge(&Expectation::ratio_weights(vec![]), &seq(&[2]), &two());
        assert_verdict(v, false, "shares following backend weights", "no weights were given");
    }

    // order alternate

    #[test]
    fn order_alternate_passes_for_round_robin() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 3, 4, 2, 3, 4]), &two());
        assert_verdict(
            v,
            true,
            "connections cycling through 3 backends in a fixed order",
            "cycle 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.4:8000 over 6 connections",
        );
    }

    #[test]
    fn order_alternate_accepts_any_start_and_a_partial_last_cycle() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[3, 2, 3]), &two());
        assert_verdict(
            v,
            true,
            "connections cycling through 2 backends in a fixed order",
            "cycle 10.10.0.3:8000, 10.10.0.2:8000 over 3 connections",
        );
    }

    #[test]
    fn order_alternate_fails_on_an_immediate_repeat() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 3, 3, 2]), &two());
        assert_verdict(
            v,
            false,
            "connections cycling through 2 backends in a fixed order",
            "order 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.3:8000: \
             connection 3 went to 10.10.0.3:8000 where the cycle expects 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_alternate_fails_when_the_cycle_changes_order() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 3, 4, 3, 2, 4]), &two());
        assert_verdict(
            v,
            false,
            "connections cycling through 3 backends in a fixed order",
            "order 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.4:8000, 10.10.0.3:8000: \
             connection 4 went to 10.10.0.3:8000 where the cycle expects 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_alternate_fails_on_tied_counts_in_blocks() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 2, 3, 3]), &two());
        assert_verdict(
            v,
            false,
            "connections cycling through 2 backends in a fixed order",
            "order 10.10.0.2:8000, 10.10.0.2:8000: \
             connection 2 went to 10.10.0.2:8000 again before every backend had one",
        );
    }

    #[test]
    fn order_alternate_over_one_backend_holds_trivially() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 2, 2]), &[b(2)]);
        assert_verdict(
            v,
            true,
            "connections cycling through 1 backend in a fixed order",
            "cycle 10.10.0.2:8000 over 3 connections",
        );
    }

    #[test]
    fn order_alternate_skips_failures_but_numbers_connections_as_probed() {
        let r = probe(vec![served(2), failed(Failure::Timeout), served(3), served(3)]);
        let v = judge(&Expectation::OrderAlternate, &r, &two());
        assert_verdict(
            v,
            false,
            "connections cycling through 2 backends in a fixed order",
            "order 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.3:8000: \
             connection 4 went to 10.10.0.3:8000 where the cycle expects 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_alternate_shows_only_the_tail_of_a_long_sequence() {
        let v = judge(&Expectation::OrderAlternate, &seq(&[2, 3, 2, 3, 2, 3, 2, 3, 3]), &two());
        assert_verdict(
            v,
            false,
            "connections cycling through 2 backends in a fixed order",
            "order …, 10.10.0.3:8000, 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.2:8000, \
             10.10.0.3:8000, 10.10.0.3:8000: \
             connection 9 went to 10.10.0.3:8000 where the cycle expects 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_alternate_fails_when_no_connection_succeeded() {
        let v = judge(&Expectation::OrderAlternate, &all_failed(), &two());
        assert_verdict(
            v,
            false,
            "connections cycling through the backends in a fixed order",
            "no connection succeeded",
        );
    }

    #[test]
    fn order_alternate_fails_rather_than_guess_unattributed_connections() {
        let r = probe(vec![served(2), unknown(), served(2)]);
        let v = judge(&Expectation::OrderAlternate, &r, &two());
        assert_verdict(
            v,
            false,
            "connections cycling through the backends in a fixed order",
            "1 connection could not be attributed",
        );
    }

    // order B1 B2 ...

    #[test]
    fn order_named_passes_when_the_cycle_repeats_from_the_first() {
        let v = judge(&Expectation::Order(two()), &seq(&[2, 3, 2]), &two());
        assert_verdict(
            v,
            true,
            "connections in the order 10.10.0.2:8000, 10.10.0.3:8000, repeating",
            "3 connections in that order",
        );
    }

    #[test]
    fn order_named_fails_when_starting_elsewhere() {
        let v = judge(&Expectation::Order(two()), &seq(&[3, 2]), &two());
        assert_verdict(
            v,
            false,
            "connections in the order 10.10.0.2:8000, 10.10.0.3:8000, repeating",
            "order 10.10.0.3:8000: connection 1 went to 10.10.0.3:8000 instead of 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_named_with_one_backend_wants_every_connection_there() {
        let v = judge(&Expectation::Order(vec![b(2)]), &seq(&[2, 2, 3]), &two());
        assert_verdict(
            v,
            false,
            "every connection to 10.10.0.2:8000",
            "order 10.10.0.2:8000, 10.10.0.2:8000, 10.10.0.3:8000: \
             connection 3 went to 10.10.0.3:8000 instead of 10.10.0.2:8000",
        );
    }

    #[test]
    fn order_named_fails_when_no_connection_succeeded_or_unattributed() {
        let v = judge(&Expectation::Order(two()), &all_failed(), &two());
        assert_verdict(
            v,
            false,
            "connections in the order 10.10.0.2:8000, 10.10.0.3:8000, repeating",
            "no connection succeeded",
        );
        let r = probe(vec![served(2), unknown()]);
        let v = judge(&Expectation::Order(two()), &r, &two());
        assert_eq!(v.observed, "1 connection could not be attributed");
        assert!(!v.passed);
    }

    #[test]
    fn order_named_with_no_backend_fails() {
        let v = judge(&Expectation::Order(vec![]), &seq(&[2]), &two());
        assert_verdict(v, false, "connections in a named order", "no backend was named");
    }

    // reaches all

    #[test]
    fn reaches_all_passes_when_every_backend_served() {
        let v = judge(&Expectation::ReachesAll(two()), &seq(&[2, 3, 2]), &two());
        assert_verdict(
            v,
            true,
            "all 2 reached: 10.10.0.2:8000, 10.10.0.3:8000",
            "10.10.0.2:8000 got 2, 10.10.0.3:8000 got 1",
        );
    }

    #[test]
    fn reaches_all_fails_naming_the_unreached() {
        let e = Expectation::ReachesAll(vec![b(2), b(3), b(4)]);
        let v = judge(&e, &seq(&[2, 3]), &two());
        assert_verdict(
            v,
            false,
            "all 3 reached: 10.10.0.2:8000, 10.10.0.3:8000, 10.10.0.4:8000",
            "10.10.0.4:8000 not reached; \
             10.10.0.2:8000 got 1, 10.10.0.3:8000 got 1, 10.10.0.4:8000 got 0",
        );
    }

    #[test]
    fn reaches_all_without_a_list_uses_the_service_backends() {
        let v = judge(&Expectation::ReachesAll(vec![]), &seq(&[2, 2]), &two());
        assert_verdict(
            v,
            false,
            "all 2 reached: 10.10.0.2:8000, 10.10.0.3:8000",
            "10.10.0.3:8000 not reached; 10.10.0.2:8000 got 2, 10.10.0.3:8000 got 0",
        );
    }

    #[test]
    fn reaches_all_passes_on_attributed_connections_despite_unknown_ones() {
        let r = probe(vec![served(2), unknown(), served(3)]);
        let v = judge(&Expectation::ReachesAll(two()), &r, &two());
        assert_verdict(
            v,
            true,
            "all 2 reached: 10.10.0.2:8000, 10.10.0.3:8000",
            "10.10.0.2:8000 got 1, 10.10.0.3:8000 got 1",
        );
    }

    #[test]
    fn reaches_all_mentions_unattributed_connections_when_failing() {
        let r = probe(vec![served(2), unknown()]);
        let v = judge(&Expectation::ReachesAll(two()), &r, &two());
        assert_verdict(
            v,
            false,
            "all 2 reached: 10.10.0.2:8000, 10.10.0.3:8000",
            "10.10.0.3:8000 not reached; 10.10.0.2:8000 got 1, 10.10.0.3:8000 got 0; \
             1 connection could not be attributed",
        );
    }

    #[test]
    fn reaches_all_fails_when_no_connection_succeeded() {
        let v = judge(&Expectation::ReachesAll(vec![b(2)]), &all_failed(), &two());
        assert_verdict(v, false, "10.10.0.2:8000 reached", "no connection succeeded");
    }

    #[test]
    fn reaches_all_fails_for_a_service_without_backends() {
        let v = judge(&Expectation::ReachesAll(vec![]), &seq(&[2]), &[]);
        assert_verdict(v, false, "every backend of the service reached", "the service has no backends");
    }

    // reaches only

    #[test]
    fn reaches_only_passes_within_the_set() {
        let v = judge(&Expectation::ReachesOnly(two()), &seq(&[2, 2]), &two());
        assert_verdict(v, true, "only 10.10.0.2:8000, 10.10.0.3:8000 reached", "10.10.0.2:8000 got 2");
    }

    #[test]
    fn reaches_only_fails_naming_the_backends_outside() {
        let v = judge(&Expectation::ReachesOnly(vec![b(2)]), &seq(&[2, 3, 3]), &two());
        assert_verdict(
            v,
            false,
            "only 10.10.0.2:8000 reached",
            "reached 10.10.0.3:8000 too: 10.10.0.2:8000 got 1, 10.10.0.3:8000 got 2",
        );
    }

    #[test]
    fn reaches_only_fails_rather_than_guess_unattributed_connections() {
        let r = probe(vec![served(2), unknown()]);
        let v = judge(&Expectation::ReachesOnly(vec![b(2)]), &r, &two());
        assert_verdict(v, false, "only 10.10.0.2:8000 reached", "1 connection could not be attributed");
    }

    #[test]
    fn reaches_only_fails_when_no_connection_succeeded() {
        let v = judge(&Expectation::ReachesOnly(vec![b(2)]), &all_failed(), &two());
        assert_verdict(v, false, "only 10.10.0.2:8000 reached", "no connection succeeded");
    }

    // sticky

    fn from(client_ip: u8, port: u16, backend: u8) -> Attempt {
        Attempt { client: client(client_ip, port), ..served(backend) }
    }

    #[test]
    fn sticky_passes_when_each_client_ip_keeps_its_backend_across_ports() {
        let r = probe(vec![from(1, 40001, 2), from(2, 40002, 3), from(1, 40003, 2), from(2, 40004, 3)]);
        let v = judge(&Expectation::Sticky, &r, &two());
        assert_verdict(
            v,
            true,
            "each client IP always on the same backend",
            "10.0.0.1 always went to 10.10.0.2:8000; 10.0.0.2 always went to 10.10.0.3:8000",
        );
    }

    #[test]
    fn sticky_fails_naming_the_client_that_moved() {
        let r = probe(vec![from(1, 40001, 2), from(2, 40002, 3), from(1, 40003, 3), from(1, 40004, 2)]);
        let v = judge(&Expectation::Sticky, &r, &two());
        assert_verdict(
            v,
            false,
            "each client IP always on the same backend",
            "10.0.0.1 went to 10.10.0.2:8000 2 times, 10.10.0.3:8000 1 time",
        );
    }

    #[test]
    fn sticky_with_one_connection_holds() {
        let v = judge(&Expectation::Sticky, &seq(&[3]), &two());
        assert_verdict(
            v,
            true,
            "each client IP always on the same backend",
            "10.0.0.1 always went to 10.10.0.3:8000",
        );
    }

    #[test]
    fn sticky_fails_without_a_client_address() {
        let r = probe(vec![served(2), Attempt { client: None, ..served(2) }]);
        let v = judge(&Expectation::Sticky, &r, &two());
        assert_verdict(
            v,
            false,
            "each client IP always on the same backend",
            "1 connection had no client address",
        );
    }

    #[test]
    fn sticky_fails_when_no_connection_succeeded_or_unattributed() {
        let v = judge(&Expectation::Sticky, &all_failed(), &two());
        assert_verdict(v, false, "each client IP always on the same backend", "no connection succeeded");
        let v = judge(&Expectation::Sticky, &probe(vec![served(2), unknown()]), &two());
        assert_verdict(
            v,
            false,
            "each client IP always on the same backend",
            "1 connection could not be attributed",
        );
    }

    // no failures

    #[test]
    fn no_failures_passes_when_all_served_even_unattributed() {
        let r = probe(vec![served(2), unknown(), served(3)]);
        let v = judge(&Expectation::NoFailures, &r, &two());
        assert_verdict(v, true, "all 3 connections to succeed", "3 of 3 succeeded");
    }

    #[test]
    fn no_failures_fails_counting_each_kind() {
        let r = probe(vec![
            failed(Failure::Refused),
            served(2),
            failed(Failure::Timeout),
            failed(Failure::Refused),
            failed(Failure::Other("no route to host".to_string())),
            failed(Failure::Reset),
        ]);
        let v = judge(&Expectation::NoFailures, &r, &two());
        assert_verdict(
            v,
            false,
            "all 6 connections to succeed",
            "5 of 6 failed: 2 refused, 1 timed out, 1 no route to host, 1 reset",
        );
    }

    #[test]
    fn no_failures_of_a_single_connection() {
        let v = judge(&Expectation::NoFailures, &probe(vec![failed(Failure::Timeout)]), &two());
        assert_verdict(v, false, "the 1 connection to succeed", "1 of 1 failed: 1 timed out");
    }

    #[test]
    fn no_failures_fails_when_nothing_was_attempted() {
        let v = judge(&Expectation::NoFailures, &probe(vec![]), &two());
        assert_verdict(v, false, "every connection to succeed", "no connection was attempted");
    }

    // latency below

    fn timed(latencies: &[u64]) -> ProbeResult {
        probe(latencies.iter().map(|n| Attempt { latency: Some(ms(*n)), ..served(2) }).collect())
    }

    #[test]
    fn latency_below_passes_when_the_slowest_is_under_the_limit() {
        let v = judge(&Expectation::LatencyBelow(ms(5)), &timed(&[3, 1, 2]), &two());
        assert_verdict(v, true, "every served connection below 5ms", "max 3ms (min 1ms, median 2ms)");
    }

    #[test]
    fn latency_below_is_strict_and_reports_the_lower_middle_median() {
        let v = judge(&Expectation::LatencyBelow(ms(4)), &timed(&[4, 1, 3, 2]), &two());
        assert_verdict(v, false, "every served connection below 4ms", "max 4ms (min 1ms, median 2ms)");
    }

    #[test]
    fn latency_below_ignores_the_time_failures_took() {
        let r = probe(vec![
            served(2),
            Attempt { latency: Some(Duration::from_secs(10)), ..failed(Failure::Timeout) },
        ]);
        let v = judge(&Expectation::LatencyBelow(ms(5)), &r, &two());
        assert_verdict(v, true, "every served connection below 5ms", "max 1ms (min 1ms, median 1ms)");
    }

    #[test]
    fn latency_below_fails_when_a_served_connection_was_not_timed() {
        let r = probe(vec![served(2), Attempt { latency: None, ..served(3) }]);
        let v = judge(&Expectation::LatencyBelow(ms(5)), &r, &two());
        assert_verdict(
            v,
            false,
            "every served connection below 5ms",
            "1 served connection had no latency measured",
        );
    }

    #[test]
    fn latency_below_fails_when_no_connection_succeeded() {
        let v = judge(&Expectation::LatencyBelow(ms(5)), &all_failed(), &two());
        assert_verdict(v, false, "every served connection below 5ms", "no connection succeeded");
    }
}
