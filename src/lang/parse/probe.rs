//! `probe` and `expect`: connections to a service and assertions over them.

use std::time::Duration;

use super::lexeme::{bad, duration, endpoint, next_word, number, path, string, unknown, word};
use super::service::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{CheckStmt, ExpectStmt, Predicate, ProbeStmt, StmtKind};
use crate::lang::source::Spanned;
use crate::probe::expect::{DEFAULT_RATIO_WITHIN_PERCENT, DEFAULT_SPREAD_WITHIN};
use crate::probe::Expectation;

/// Options of `probe`.
pub const PROBE_OPTIONS: &[&str] =
    &["count", "concurrency", "from", "source", "send", "reply", "http", "timeout", "interval", "--json"];
/// The first words of `expect` predicates.
pub const PREDICATES: &[&str] =
    &["spread", "ratio", "order", "reaches", "sticky", "no", "latency", "scheduler", "backends", "backend"];

/// `probe := "probe" svc-ref { "count" n | "concurrency" n | "from" node | "source" ip | "send" string
///   | "reply" string | "http" [ path ] | "timeout" duration | "interval" duration | "--json" }`
pub fn probe_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (mut i, service) = svc_ref(i)?;
    let mut probe = ProbeStmt {
        service,
        count: 6,
        from: None,
        send: String::new(),
        reply: None,
        concurrency: 1,
        source: None,
        http: None,
        timeout: Duration::from_secs(2),
        interval: Duration::ZERO,
        json: false,
    };
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, StmtKind::Probe(probe))) };
        i = match w.value {
            "count" => {
                let (rest, n) = number::<usize>(rest, "connection count", 1..=100_000)?;
                probe.count = n.value;
                rest
            }
            "from" => {
                let (rest, node) = path(rest)?;
                probe.from = Some(node);
                rest
            }
            "concurrency" => {
                let (rest, n) = number::<usize>(rest, "concurrency", 1..=1_000)?;
                probe.concurrency = n.value;
                rest
            }
            "source" => {
                let (rest, ip) = word(rest, "a local IP address, e.g. 111.111.0.2")?;
                let Ok(addr) = ip.value.parse() else {
                    return Err(bad(
                        &ip,
                        "lvs::parse::address",
                        format!("`{}` is not an IP address", ip.value),
                        "an IP address",
                    ));
                };
                probe.source = Some(addr);
                rest
            }
            "send" => {
                let (rest, text) = string_or_word(rest)?;
                probe.send = text;
                rest
            }
            "reply" => {
                let (rest, text) = string_or_word(rest)?;
                probe.reply = Some(text);
                rest
            }
            "http" => {
                let (after, next) = next_word(rest)?;
                match next.filter(|w| w.value.starts_with('/')) {
                    Some(path) => {
                        probe.http = Some(path.value.to_string());
                        after
                    }
                    None => {
                        probe.http = Some("/".to_string());
                        rest
                    }
                }
            }
            "timeout" => {
                let (rest, d) = duration(rest)?;
                probe.timeout = d.value.max(Duration::from_millis(1));
                rest
            }
            "interval" => {
                let (rest, d) = duration(rest)?;
                probe.interval = d.value;
                rest
            }
            "--json" => {
                probe.json = true;
                rest
            }
            _ => return Err(unknown(&w, "probe option", PROBE_OPTIONS)),
        };
    }
}

pub fn string_or_word(i: In<'_>) -> PResult<'_, String> {
    let (i, ()) = super::lexeme::blank(i)?;
    if i.fragment().starts_with('"') {
        let (i, s) = string(i)?;
        return Ok((i, s.value));
    }
    let (i, w) = word(i, "the text to send, e.g. \"xxx\"")?;
    Ok((i, w.value.to_string()))
}

/// `check := "check" svc-ref { "--drain-failed" | "timeout" duration }`
pub fn check_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (mut i, service) = svc_ref(i)?;
    let mut check = CheckStmt { service, drain_failed: false, timeout: Duration::from_secs(1) };
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, StmtKind::Check(check))) };
        i = match w.value {
            "--drain-failed" => {
                check.drain_failed = true;
                rest
            }
            "timeout" => {
                let (rest, d) = duration(rest)?;
                check.timeout = d.value.max(Duration::from_millis(1));
                rest
            }
            _ => return Err(unknown(&w, "check option", &["--drain-failed", "timeout"])),
        };
    }
}

/// `expect := "expect" svc-ref ( predicate | config-predicate )`
/// `config-predicate := "scheduler" name | "backends" number | "backend" endpoint "weight" number`
/// `predicate := "spread" "even" [ "within" n ] | "ratio" "weights" [ "within" n "%" ] | "order" "alternate"
///   | "order" endpoint { endpoint } | "reaches" "all" | "reaches" "only" endpoint { endpoint } | "sticky"
///   | "no" "failures" | "latency" "below" duration`
pub fn expect_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, service) = svc_ref(i)?;
    let (i, first) = word(i, "a predicate: `spread even`, `order alternate`, `no failures`, ...")?;
    let start = first.span;
    let (i, predicate) = match first.value {
        "scheduler" => {
            let (i, name) = word(i, "a scheduler name like `rr`")?;
            (i, Predicate::Scheduler(name.value.to_string()))
        }
        "backends" => {
            let (i, n) = number::<usize>(i, "number of backends", 0..=1_000_000)?;
            (i, Predicate::Backends(n.value))
        }
        "backend" => {
            let (i, addr) = endpoint(i)?;
            let (i, _) = keyword(i, "weight")?;
            let (i, n) = number::<u32>(i, "weight", 0..=i32::MAX as u64)?;
            (i, Predicate::BackendWeight(addr.value, n.value))
        }
        _ => {
            let (i, e) = probe_predicate(i, &first)?;
            (i, Predicate::Probe(e))
        }
    };
    let end = crate::lang::source::Span::new(start.start as usize, i.location_offset());
    Ok((i, StmtKind::Expect(ExpectStmt { service, predicate: Spanned::new(predicate, start.to(end)) })))
}

/// The predicates judged over a probe.
fn probe_predicate<'a>(i: In<'a>, first: &Spanned<&str>) -> PResult<'a, Expectation> {
    let (i, predicate) = match first.value {
        "spread" => {
            let (i, _) = keyword(i, "even")?;
            let (i, within) = opt_within(i)?;
            (i, Expectation::SpreadEven { within: within.unwrap_or(DEFAULT_SPREAD_WITHIN) })
        }
        "ratio" => {
            let (i, _) = keyword(i, "weights")?;
            let (i, within) = opt_within(i)?;
            let within_percent = within.map_or(DEFAULT_RATIO_WITHIN_PERCENT, |n| n as f64);
            (i, Expectation::RatioWeights { weights: Vec::new(), within_percent })
        }
        "order" => {
            let (_, next) = next_word(i)?;
            match next {
                Some(w) if w.value == "alternate" => (next_word(i)?.0, Expectation::OrderAlternate),
                _ => {
                    let (i, backends) = endpoints(i)?;
                    (i, Expectation::Order(backends))
                }
            }
        }
        "reaches" => {
            let (i, which) = word(i, "`all` or `only`")?;
            match which.value {
                "all" => (i, Expectation::ReachesAll(Vec::new())),
                "only" => {
                    let (i, backends) = endpoints(i)?;
                    (i, Expectation::ReachesOnly(backends))
                }
                _ => return Err(unknown(&which, "reaches form", &["all", "only"])),
            }
        }
        "sticky" => (i, Expectation::Sticky),
        "no" => {
            let (i, _) = keyword(i, "failures")?;
            (i, Expectation::NoFailures)
        }
        "latency" => {
            let (i, _) = keyword(i, "below")?;
            let (i, d) = duration(i)?;
            (i, Expectation::LatencyBelow(d.value))
        }
        _ => return Err(unknown(first, "expectation", PREDICATES)),
    };
    Ok((i, predicate))
}

fn keyword<'a>(i: In<'a>, k: &'static str) -> PResult<'a, Spanned<&'a str>> {
    let (rest, w) = word(i, &format!("`{k}`"))?;
    if w.value != k {
        return Err(unknown(&w, "word", &[k]));
    }
    Ok((rest, w))
}

/// `[ "within" n [ "%" ] ]`
fn opt_within(i: In<'_>) -> PResult<'_, Option<u64>> {
    let (_, next) = next_word(i)?;
    if next.is_none_or(|w| w.value != "within") {
        return Ok((i, None));
    }
    let (i, _) = word(i, "`within`")?;
    let (rest, w) = word(i, "a number, e.g. `within 1` or `within 10%`")?;
    let digits = w.value.trim_end_matches('%');
    match digits.parse::<u64>() {
        Ok(n) if n <= 1_000_000 => Ok((rest, Some(n))),
        _ => Err(super::lexeme::bad(
            &w,
            "lvs::parse::bad-number",
            format!("`{}` is not a valid tolerance", w.value),
            "expected a number like 1 or 10%",
        )),
    }
}

/// `endpoint { endpoint }`
fn endpoints(i: In<'_>) -> PResult<'_, Vec<std::net::SocketAddr>> {
    let (mut i, first) = endpoint(i)?;
    let mut all = vec![first.value];
    loop {
        let (_, next) = next_word(i)?;
        if next.is_none() {
            return Ok((i, all));
        }
        let (rest, e) = endpoint(i)?;
        all.push(e.value);
        i = rest;
    }
}
