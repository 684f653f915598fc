//! `probe` and `expect`: connections to a service and assertions over them.

use std::time::Duration;

use super::lexeme::{blank, duration, endpoint, next_word, number, unknown, word, word_or_string};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{CheckStmt, ExpectJobStmt, ExpectStmt, Predicate, ProbeStmt, StmtKind};
use crate::lang::source::Spanned;
use crate::probe::expect::{DEFAULT_RATIO_WITHIN_PERCENT, DEFAULT_SPREAD_WITHIN};
use crate::probe::Expectation;

/// `probe`'s options.
pub static PROBE: Options<ProbeStmt> = Options {
    fragment: "PROBE-OPTION",
    production: "probe-option",
    what: "probe option",
    sample: "probe web",
    list: &[
        Opt {
            word: "count",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "connection count", min: 1, max: 100_000 },
            default: Some("6"),
            help: "how many connections to make",
            example: "20",
            rhai: Some("count"),
            set: |p, v| p.options.count = v.value.number() as usize,
            get: |p| Some(Val::Number(p.options.count as u64)),
        },
        Opt {
            word: "concurrency",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "concurrency", min: 1, max: 1_000 },
            default: Some("1"),
            help: "how many connections are open at once",
            example: "5",
            rhai: Some("concurrency"),
            set: |p, v| p.options.concurrency = v.value.number() as usize,
            get: |p| (p.options.concurrency > 1).then_some(Val::Number(p.options.concurrency as u64)),
        },
        Opt {
            word: "from",
            alias: None,
            kind: Kind::Node,
            default: None,
            help: "the node (network namespace) the client connects from",
            example: "ext1",
            rhai: Some("from"),
            set: |p, v| p.from = Some(Spanned::new(v.value.text(), v.span)),
            get: |p| p.from.as_ref().map(|n| Val::Text(n.value.clone())),
        },
        Opt {
            word: "source",
            alias: None,
            kind: Kind::Custom {
                syntax: "ADDR",
                ebnf: "ip-address",
                list: false,
                read: options::ip,
                print: options::print_ip,
            },
            default: None,
            help: "the local address the connections come from",
            example: "111.111.0.2",
            rhai: Some("source"),
            set: |p, v| p.options.source = if let Val::Ip(ip) = v.value { Some(ip) } else { None },
            get: |p| p.options.source.map(Val::Ip),
        },
        Opt {
            word: "send",
            alias: None,
            kind: Kind::Text { what: "the text to send, e.g. \"xxx\"" },
            default: None,
            help: "the text each connection sends",
            example: "\"xxx\"",
            rhai: Some("send"),
            set: |p, v| p.options.send = v.value.text(),
            get: |p| (!p.options.send.is_empty()).then(|| Val::Text(p.options.send.clone())),
        },
        Opt {
            word: "reply",
            alias: None,
            kind: Kind::Text { what: "the text a reply must hold, e.g. \"hello\"" },
            default: None,
            help: "a reply without this text counts as a failure",
            example: "\"hello\"",
            rhai: Some("reply"),
            set: |p, v| p.options.reply = Some(v.value.text()),
            get: |p| p.options.reply.clone().map(Val::Text),
        },
        Opt {
            word: "http",
            alias: None,
            kind: Kind::OptionalPath,
            default: None,
            help: "an HTTP GET of PATH (/ without one) instead of raw text",
            example: "/health",
            rhai: Some("http"),
            set: |p, v| p.options.http = Some(if v.value == Val::Flag { "/".into() } else { v.value.text() }),
            get: |p| p.options.http.clone().map(Val::Text),
        },
        Opt {
            word: "timeout",
            alias: None,
            kind: Kind::Duration,
            default: Some("2s"),
            help: "how long a connection may take",
            example: "1500ms",
            rhai: Some("timeout"),
            set: |p, v| p.options.timeout = v.value.duration().max(Duration::from_millis(1)),
            get: |p| Some(Val::Duration(p.options.timeout)),
        },
        Opt {
            word: "interval",
            alias: None,
            kind: Kind::Duration,
            default: Some("0s"),
            help: "the pause between connections",
            example: "100ms",
            rhai: Some("interval"),
            set: |p, v| p.options.interval = v.value.duration(),
            get: |p| Some(Val::Duration(p.options.interval)),
        },
        Opt::json("print the report as JSON", |p, _| p.json = true, |p| p.json.then_some(Val::Flag)),
    ],
};

/// `probe := "probe" svc-ref { probe-option }`
pub fn probe_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, service) = svc_ref(i)?;
    let mut probe = ProbeStmt { service, ..ProbeStmt::default() };
    options::apply_defaults(&PROBE, &mut probe);
    let (i, ()) = options::read(i, &PROBE, &mut probe, &mut options::none)?;
    Ok((i, StmtKind::Probe(probe)))
}

/// `check`'s options.
pub static CHECK: Options<CheckStmt> = Options {
    fragment: "CHECK-OPTION",
    production: "check-option",
    what: "check option",
    sample: "check web",
    list: &[
        Opt {
            word: "--drain-failed",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "set a dead backend's weight to 0, and give it back when it answers again",
            example: "",
            rhai: None,
            set: |c, _| c.drain_failed = true,
            get: |c| c.drain_failed.then_some(Val::Flag),
        },
        Opt {
            word: "timeout",
            alias: None,
            kind: Kind::Duration,
            default: Some("1s"),
            help: "how long each backend has to accept the connection",
            example: "500ms",
            rhai: None,
            set: |c, v| c.timeout = v.value.duration().max(Duration::from_millis(1)),
            get: |c| Some(Val::Duration(c.timeout)),
        },
        Opt::json("print the report as JSON", |c, _| c.json = true, |c| c.json.then_some(Val::Flag)),
    ],
};

/// `check := "check" svc-ref { check-option }`
pub fn check_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, service) = svc_ref(i)?;
    let mut check = CheckStmt { service, ..CheckStmt::default() };
    options::apply_defaults(&CHECK, &mut check);
    let (i, ()) = options::read(i, &CHECK, &mut check, &mut options::none)?;
    Ok((i, StmtKind::Check(check)))
}

/// One form of `expect`'s predicate: its syntax (which `help` and
/// completion read), what it asserts, an example, and its reader (of what
/// follows its first word).
pub struct PredicateForm {
    pub syntax: &'static str,
    pub help: &'static str,
    pub example: &'static str,
    pub read: for<'a> fn(In<'a>) -> PResult<'a, Predicate>,
}

impl PredicateForm {
    /// The word the predicate starts with.
    pub fn first(&self) -> &'static str {
        self.syntax.split_whitespace().next().unwrap_or_default()
    }
}

/// `expect`'s predicates: over the service's last probe, then over the
/// kernel's configuration now.
pub static PREDICATES: &[PredicateForm] = &[
    PredicateForm {
        syntax: "spread even [within N]",
        help: "every backend served as many connections as the others, give or take N (default 1)",
        example: "spread even within 1",
        read: |i| {
            let (i, _) = keyword(i, "even")?;
            let (i, within) = opt_within(i, 1_000_000)?;
            Ok((
                i,
                Predicate::Probe(Expectation::SpreadEven { within: within.unwrap_or(DEFAULT_SPREAD_WITHIN) }),
            ))
        },
    },
    PredicateForm {
        syntax: "ratio weights [within PERCENT]",
        help: "the connections were shared as the weights are, give or take PERCENT (default 10%)",
        example: "ratio weights within 10%",
        read: |i| {
            let (i, _) = keyword(i, "weights")?;
            let (i, within) = opt_within(i, 100)?;
            let within_percent = within.map_or(DEFAULT_RATIO_WITHIN_PERCENT, |n| n as f64);
            Ok((i, Predicate::Probe(Expectation::RatioWeights { weights: Vec::new(), within_percent })))
        },
    },
    PredicateForm {
        syntax: "order (alternate | BACKEND...)",
        help: "no backend served twice in a row, or the backends served in exactly this order",
        example: "order alternate",
        read: |i| match next_word(i)? {
            (rest, Some(w)) if w.value == "alternate" => {
                Ok((rest, Predicate::Probe(Expectation::OrderAlternate)))
            }
            _ => {
                let (i, backends) = endpoints(i)?;
                Ok((i, Predicate::Probe(Expectation::Order(backends))))
            }
        },
    },
    PredicateForm {
        syntax: "reaches (all | only BACKEND...)",
        help: "every backend served a connection, or only these did",
        example: "reaches only 10.10.0.2:8000 10.10.0.3:8000",
        read: |i| {
            let (i, which) = word(i, "`all` or `only`")?;
            match which.value {
                "all" => Ok((i, Predicate::Probe(Expectation::ReachesAll(Vec::new())))),
                "only" => {
                    let (i, backends) = endpoints(i)?;
                    Ok((i, Predicate::Probe(Expectation::ReachesOnly(backends))))
                }
                _ => Err(unknown(&which, "reaches form", &["all", "only"])),
            }
        },
    },
    PredicateForm {
        syntax: "sticky",
        help: "one backend served every connection (persistence)",
        example: "sticky",
        read: |i| Ok((i, Predicate::Probe(Expectation::Sticky))),
    },
    PredicateForm {
        syntax: "no failures",
        help: "every connection was served",
        example: "no failures",
        read: |i| {
            let (i, _) = keyword(i, "failures")?;
            Ok((i, Predicate::Probe(Expectation::NoFailures)))
        },
    },
    PredicateForm {
        syntax: "latency below DURATION",
        help: "every connection was served faster than DURATION",
        example: "latency below 500ms",
        read: |i| {
            let (i, _) = keyword(i, "below")?;
            let (i, d) = duration(i)?;
            Ok((i, Predicate::Probe(Expectation::LatencyBelow(d.value))))
        },
    },
    PredicateForm {
        syntax: "scheduler SCHEDULER",
        help: "the kernel schedules the service so now",
        example: "scheduler rr",
        read: |i| {
            let (i, name) = word(i, "a scheduler name like `rr`")?;
            Ok((i, Predicate::Scheduler(name.value.to_string())))
        },
    },
    PredicateForm {
        syntax: "backends N",
        help: "the service has N backends now",
        example: "backends 2",
        read: |i| {
            let (i, n) = number::<usize>(i, "number of backends", 0..=1_000_000)?;
            Ok((i, Predicate::Backends(n.value)))
        },
    },
    PredicateForm {
        syntax: "backend BACKEND weight N",
        help: "the backend has weight N now",
        example: "backend 10.10.0.2:8000 weight 1",
        read: |i| {
            let (i, addr) = endpoint(i)?;
            let (i, _) = keyword(i, "weight")?;
            let (i, n) = number::<u32>(i, "weight", 0..=i32::MAX as u64)?;
            Ok((i, Predicate::BackendWeight(addr.value, n.value)))
        },
    },
];

/// `expect := "expect" svc-ref predicate`
pub fn expect_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    if let Some(after) = job_subject(i)? {
        return expect_job(after);
    }
    let (i, service) = svc_ref(i)?;
    let (i, first) = word(i, "a predicate: `spread even`, `order alternate`, `no failures`, ...")?;
    let Some(form) = PREDICATES.iter().find(|p| p.first() == first.value) else {
        let firsts: Vec<&str> = PREDICATES.iter().map(PredicateForm::first).collect();
        return Err(unknown(&first, "expectation", &firsts));
    };
    let (i, predicate) = (form.read)(i)?;
    let end = crate::lang::source::Span::new(first.span.start as usize, i.location_offset());
    Ok((i, StmtKind::Expect(ExpectStmt { service, predicate: Spanned::new(predicate, first.span.to(end)) })))
}

/// After `job`, when the statement reads `expect job N ...` or `expect job
/// NODE prints ...` (a service named `job` is followed by a predicate, and
/// no predicate starts with a number or has `prints` second).
fn job_subject(i: In<'_>) -> Result<Option<In<'_>>, nom::Err<super::error::PError>> {
    let (rest, ()) = blank(i)?;
    if rest.fragment().starts_with('"') {
        return Ok(None);
    }
    let (after, first) = next_word(rest)?;
    if first.is_none_or(|w| w.value != "job") {
        return Ok(None);
    }
    let (then, second) = next_word(after)?;
    let Some(second) = second else { return Ok(None) };
    let third = match then.fragment().trim_start().starts_with('"') {
        true => None,
        false => next_word(then)?.1,
    };
    let numbered = second.value.bytes().all(|b| b.is_ascii_digit());
    Ok((numbered || third.is_some_and(|w| w.value == "prints")).then_some(after))
}

/// `expect-job := "expect" "job" ( n | node ) "prints" ( word | string ) [ "within" duration ]`
fn expect_job(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, job) = word(i, "a job's number, or the node it runs in")?;
    let job = Spanned::new(job.value.to_string(), job.span);
    let (i, _) = keyword(i, "prints")?;
    let (i, text) = word_or_string(i, "the text a line must hold, e.g. \"tick\"")?;
    let (i, within) = match next_word(i)? {
        (_, Some(w)) if w.value == "within" => {
            let (i, _) = word(i, "`within`")?;
            let (i, d) = duration(i)?;
            (i, d.value)
        }
        _ => (i, EXPECT_JOB_WAIT),
    };
    Ok((i, StmtKind::ExpectJob(ExpectJobStmt { job, text, within })))
}

/// How long `expect job N prints TEXT` waits when it does not say.
pub const EXPECT_JOB_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn keyword<'a>(i: In<'a>, k: &'static str) -> PResult<'a, Spanned<&'a str>> {
    let (rest, w) = word(i, &format!("`{k}`"))?;
    if w.value != k {
        return Err(unknown(&w, "word", &[k]));
    }
    Ok((rest, w))
}

/// `[ "within" n [ "%" ] ]`, with n at most `max`.
fn opt_within(i: In<'_>, max: u64) -> PResult<'_, Option<u64>> {
    let (_, next) = next_word(i)?;
    if next.is_none_or(|w| w.value != "within") {
        return Ok((i, None));
    }
    let (i, _) = word(i, "`within`")?;
    let (rest, w) = word(i, "a number, e.g. `within 1` or `within 10%`")?;
    let digits = w.value.trim_end_matches('%');
    match digits.parse::<u64>() {
        Ok(n) if n <= max => Ok((rest, Some(n))),
        _ => Err(super::lexeme::bad(
            &w,
            "lvs::parse::bad-number",
            format!("`{}` is not a valid tolerance", w.value),
            &format!("expected a number from 0 to {max}, like 1 or 10%"),
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

#[cfg(test)]
mod tests {
    use crate::lang::ast::{StmtKind, SvcRef};
    use crate::lang::source::Source;

    /// The last statement of `text`, which must parse and check cleanly.
    fn one(text: &str) -> StmtKind {
        let (script, diagnostics) = crate::lang::parse(&Source::new("t", text), |_| false);
        assert!(diagnostics.is_empty(), "{text}: {diagnostics:?}");
        script.stmts.into_iter().next_back().expect("a statement").kind
    }

    #[test]
    fn expect_job_reads_a_number_after_job_and_a_service_named_job_still_works() {
        let StmtKind::ExpectJob(e) = one("expect job 3 prints \"int1: tick\" within 5s") else { panic!() };
        assert_eq!((e.job.value.as_str(), e.text.value.as_str(), e.within.as_secs()), ("3", "int1: tick", 5));
        let StmtKind::ExpectJob(e) = one("expect job ext1 prints ready") else { panic!() };
        assert_eq!((e.job.value.as_str(), e.within), ("ext1", super::EXPECT_JOB_WAIT));
        let StmtKind::Expect(e) = one("service job tcp 1.1.1.1:80\nexpect job spread even") else { panic!() };
        assert_eq!(e.service.value, SvcRef::Name("job".into()));
    }
}
