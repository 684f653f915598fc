//! `health`: a health check declared for a service's backends (or one of
//! them), which `lvsh keep` runs.

use std::time::Duration;

use super::lexeme::{bad, endpoint, next_word, word, word_or_string};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{HealthCheck, HealthStmt, StmtKind, SvcRef};
use crate::lang::source::Spanned;

/// The check kinds, for messages and suggestions.
pub const HEALTH_CHECKS: &[&str] = &["tcp", "http", "udp", "exec"];

/// What `http` takes as healthy when no `status` is given.
pub const DEFAULT_STATUS: (u16, u16) = (200, 399);

/// `health`'s options (after the check).
pub static HEALTH: Options<HealthStmt> = Options {
    fragment: "HEALTH-OPTION",
    production: "health-option",
    what: "health option",
    sample: "health web tcp",
    list: &[
        Opt {
            word: "interval",
            alias: None,
            kind: Kind::Duration,
            default: Some("2s"),
            help: "how often each backend is checked",
            example: "1500ms",
            rhai: None,
            set: |h, v| h.interval = v.value.duration().max(Duration::from_millis(10)),
            get: |h| (h.interval != Duration::from_secs(2)).then_some(Val::Duration(h.interval)),
        },
        Opt {
            word: "timeout",
            alias: None,
            kind: Kind::Duration,
            default: Some("1s"),
            help: "how long one check may take",
            example: "500ms",
            rhai: None,
            set: |h, v| h.timeout = v.value.duration().max(Duration::from_millis(1)),
            get: |h| (h.timeout != Duration::from_secs(1)).then_some(Val::Duration(h.timeout)),
        },
        Opt {
            word: "rise",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "number of successes", min: 1, max: 1_000 },
            default: Some("2"),
            help: "successes in a row before a drained backend gets its weight back",
            example: "3",
            rhai: None,
            set: |h, v| h.rise = v.value.number() as u32,
            get: |h| (h.rise != 2).then_some(Val::Number(u64::from(h.rise))),
        },
        Opt {
            word: "fall",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "number of failures", min: 1, max: 1_000 },
            default: Some("3"),
            help: "failures in a row before a backend is drained",
            example: "2",
            rhai: None,
            set: |h, v| h.fall = v.value.number() as u32,
            get: |h| (h.fall != 3).then_some(Val::Number(u64::from(h.fall))),
        },
        Opt {
            word: "from",
            alias: None,
            kind: Kind::Node,
            default: None,
            help: "the namespace the checks run from (the director's if none)",
            example: "gw",
            rhai: None,
            set: |h, v| h.from = Some(Spanned::new(v.value.text(), v.span)),
            get: |h| h.from.as_ref().map(|n| Val::Text(n.value.clone())),
        },
        Opt {
            word: "remove",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "remove a failed backend instead of setting its weight to 0",
            example: "",
            rhai: None,
            set: |h, _| h.remove = true,
            get: |h| h.remove.then_some(Val::Flag),
        },
    ],
};

impl Default for HealthStmt {
    fn default() -> HealthStmt {
        HealthStmt {
            service: Spanned::new(SvcRef::Name(String::new()), Default::default()),
            backend: None,
            check: HealthCheck::Tcp,
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
            rise: 2,
            fall: 3,
            from: None,
            remove: false,
        }
    }
}

/// `health := "health" svc-ref [ endpoint ] health-check { health-option }`
pub fn health_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, service) = svc_ref(i)?;
    let (i, backend) = match next_word(i)? {
        (_, Some(w)) if w.value.starts_with(|c: char| c.is_ascii_digit() || c == '[') => {
            let (i, addr) = endpoint(i)?;
            (i, Some(addr))
        }
        _ => (i, None),
    };
    let (i, check) = health_check(i)?;
    let mut health = HealthStmt { service, backend, check, ..HealthStmt::default() };
    options::apply_defaults(&HEALTH, &mut health);
    let (i, ()) = options::read(i, &HEALTH, &mut health, &mut options::none)?;
    Ok((i, StmtKind::Health(health)))
}

/// `health-check := "tcp" | "http" [ path ] [ "status" status ] [ "expect" text ]
///                | "udp" "send" text "expect" text | "exec" text`
fn health_check(i: In<'_>) -> PResult<'_, HealthCheck> {
    let (rest, kind) = word(i, "a check: tcp, http, udp or exec")?;
    match kind.value {
        "tcp" => Ok((rest, HealthCheck::Tcp)),
        "http" => {
            let (mut i, path) = match next_word(rest)? {
                (after, Some(p)) if p.value.starts_with('/') => (after, p.value.to_string()),
                _ => (rest, "/".to_string()),
            };
            let mut status = DEFAULT_STATUS;
            if let (after, Some(w)) = next_word(i)? {
                if w.value == "status" {
                    let (after, s) = status_range(after)?;
                    (i, status) = (after, s);
                }
            }
            let mut expect = None;
            if let (after, Some(w)) = next_word(i)? {
                if w.value == "expect" {
                    let (after, text) = word_or_string(after, "the text the answer must hold")?;
                    (i, expect) = (after, Some(text.value));
                }
            }
            Ok((i, HealthCheck::Http { path, status, expect }))
        }
        "udp" => {
            let (i, _) = keyword(rest, "send")?;
            let (i, send) = word_or_string(i, "the datagram to send")?;
            let (i, _) = keyword(i, "expect")?;
            let (i, expect) = word_or_string(i, "the text the answer must hold")?;
            Ok((i, HealthCheck::Udp { send: send.value, expect: expect.value }))
        }
        "exec" => {
            let (i, command) = word_or_string(rest, "a command, quoted if it has blanks")?;
            Ok((i, HealthCheck::Exec { command: command.value }))
        }
        _ => Err(super::lexeme::unknown(&kind, "health check", HEALTH_CHECKS)),
    }
}

/// The keyword `want`, or a failure that names it.
fn keyword<'a>(i: In<'a>, want: &str) -> PResult<'a, ()> {
    let (rest, w) = word(i, &format!("`{want}`"))?;
    match w.value == want {
        true => Ok((rest, ())),
        false => {
            Err(bad(&w, "lvs::parse::unknown-word", format!("expected `{want}`, not `{}`", w.value), want))
        }
    }
}

/// `200` or `200-399`: the HTTP statuses taken as healthy.
fn status_range(i: In<'_>) -> PResult<'_, (u16, u16)> {
    let (rest, w) = word(i, "an HTTP status or range like 200-399")?;
    let parse = |t: &str| t.parse::<u16>().ok().filter(|s| (100..=599).contains(s));
    let range = match w.value.split_once('-') {
        Some((lo, hi)) => parse(lo).zip(parse(hi)).filter(|(lo, hi)| lo <= hi),
        None => parse(w.value).map(|s| (s, s)),
    };
    match range {
        Some(r) => Ok((rest, r)),
        None => Err(bad(
            &w,
            "lvs::parse::bad-number",
            format!("`{}` is not an HTTP status or range", w.value),
            "a status from 100 to 599, or a range like 200-399",
        )),
    }
}

/// The check as it is written: `http /healthz status 200-399 expect ok`.
pub fn print_check(check: &HealthCheck) -> String {
    use crate::lang::print::quote;
    match check {
        HealthCheck::Tcp => "tcp".into(),
        HealthCheck::Http { path, status, expect } => {
            let mut out = format!("http {path}");
            if *status != DEFAULT_STATUS {
                match status.0 == status.1 {
                    true => out.push_str(&format!(" status {}", status.0)),
                    false => out.push_str(&format!(" status {}-{}", status.0, status.1)),
                }
            }
            if let Some(text) = expect {
                out.push_str(&format!(" expect {}", quote(text)));
            }
            out
        }
        HealthCheck::Udp { send, expect } => format!("udp send {} expect {}", quote(send), quote(expect)),
        HealthCheck::Exec { command } => format!("exec {}", quote(command)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse::{no_nodes, parse_script};
    use crate::lang::print::print_stmt;
    use crate::lang::source::Source;

    fn one(text: &str) -> Result<StmtKind, String> {
        let (script, diagnostics) = parse_script(&Source::new("t.lvs", text), no_nodes);
        match diagnostics.first() {
            Some(d) => Err(format!("{}: {}", d.code, d.message)),
            None => Ok(script.stmts.into_iter().next().map(|s| s.kind).ok_or("no statement")?),
        }
    }

    #[test]
    fn every_check_reads_and_prints_back_as_written() {
        for line in [
            "health web tcp",
            "health web 10.10.0.3:8000 tcp fall 2",
            "health web http /",
            "health web http /healthz status 200 expect \"ok\" interval 1500ms rise 3 fall 2",
            "health tcp 111.111.0.1:80 http /x status 200-299",
            "health dns udp send \"ping\" expect \"pong\" timeout 500ms",
            "health web exec \"test -e /tmp/up-$LVSH_BACKEND_PORT\" from gw remove",
        ] {
            let kind = one(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(print_stmt(&kind), line);
        }
        let Ok(StmtKind::Health(h)) = one("health web http") else { panic!("health web http") };
        assert_eq!(h.check, HealthCheck::Http { path: "/".into(), status: (200, 399), expect: None });
        assert_eq!(
            (h.interval, h.timeout, h.rise, h.fall),
            (Duration::from_secs(2), Duration::from_secs(1), 2, 3)
        );
    }

    #[test]
    fn a_wrong_check_says_what_is_expected() {
        assert!(one("health web smtp").unwrap_err().contains("unknown health check `smtp`"));
        assert!(one("health web udp expect x").unwrap_err().contains("expected `send`"));
        assert!(one("health web http / status 700").unwrap_err().contains("not an HTTP status"));
        assert!(one("health web http / status 300-200").unwrap_err().contains("not an HTTP status"));
        assert!(one("health web tcp rise 0").is_err());
    }
}
