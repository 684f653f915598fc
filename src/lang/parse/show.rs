//! `show`: listings of services, connections, timeouts and daemons; `watch`,
//! a listing again and again.

use std::time::Duration;

use super::lexeme::unknown;
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{ShowStmt, ShowTarget, StmtKind, WatchStmt};
use crate::lang::diagnostic::suggest;
use crate::lang::show::{ListFormat, ListOptions};

/// Words `show` takes instead of a service.
pub const SHOW_TARGETS: &[&str] = &["connections", "timeouts", "daemons"];

/// The flags that choose the listing's columns, with what each shows.
const FORMATS: [(&str, ListFormat, &str); 5] = [
    ("--stats", ListFormat::Stats, "counters: connections, packets and bytes"),
    ("--rate", ListFormat::Rate, "rates per second"),
    ("--thresholds", ListFormat::Thresholds, "upper and lower connection thresholds"),
    ("--persistent", ListFormat::PersistentConn, "weight and persistent connections"),
    ("--tun-info", ListFormat::TunInfo, "the tunnel column"),
];

/// The option of `FORMATS[I]` (one setter and getter serve every format).
const fn format_flag<const I: usize>() -> Opt<ShowStmt> {
    Opt {
        word: FORMATS[I].0,
        alias: None,
        kind: Kind::Flag,
        default: None,
        help: FORMATS[I].2,
        example: "",
        rhai: None,
        set: |s, _| s.options.format = FORMATS[I].1,
        get: |s| (s.options.format == FORMATS[I].1).then_some(Val::Flag),
    }
}

/// `show`'s flags.
pub static SHOW: Options<ShowStmt> = Options {
    fragment: "SHOW-FLAG",
    production: "show-flag",
    what: "show option",
    sample: "show",
    list: &[
        format_flag::<0>(),
        format_flag::<1>(),
        format_flag::<2>(),
        format_flag::<3>(),
        format_flag::<4>(),
        Opt {
            word: "--exact",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "exact counters instead of K/M/G rounding",
            example: "",
            rhai: None,
            set: |s, _| s.options.exact = true,
            get: |s| s.options.exact.then_some(Val::Flag),
        },
        Opt {
            word: "--nosort",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "the kernel's order instead of ipvsadm's sort",
            example: "",
            rhai: None,
            set: |s, _| s.options.nosort = true,
            get: |s| s.options.nosort.then_some(Val::Flag),
        },
        Opt::json("print JSON", |s, _| s.json = true, |s| s.json.then_some(Val::Flag)),
        Opt {
            word: "--pretty",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "lvsh's own readable form, with names and colors",
            example: "",
            rhai: None,
            set: |s, _| s.pretty = true,
            get: |s| s.pretty.then_some(Val::Flag),
        },
    ],
};

/// `show := "show" [ svc-ref | "connections" | "timeouts" | "daemons" ] { show-flag }`
pub fn show_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let mut show =
        ShowStmt { target: ShowTarget::Table, options: ListOptions::default(), json: false, pretty: false };
    let (i, ()) = options::read(i, &SHOW, &mut show, &mut |show, w, at, rest, words| {
        let first = words == 0;
        match w.value {
            "connections" if first => show.target = ShowTarget::Connections,
            "timeouts" if first => show.target = ShowTarget::Timeouts,
            "daemons" if first => show.target = ShowTarget::Daemons,
            word if first && !word.starts_with('-') => {
                return Some(svc_ref(at).map(|(rest, svc)| {
                    show.target = ShowTarget::Service(svc);
                    rest
                }))
            }
            _ => {
                let mut choices = SHOW.words();
                if first {
                    choices.extend(SHOW_TARGETS);
                }
                let err = unknown(w, SHOW.what, &choices);
                return Some(Err(match SHOW_TARGETS.contains(&w.value) {
                    true => err.map(|e| e.help(format!("name what to show first: `show {} ...`", w.value))),
                    false => err,
                }));
            }
        }
        Some(Ok(rest))
    })?;
    Ok((i, StmtKind::Show(show)))
}

/// `watch`'s options.
pub static WATCH: Options<WatchStmt> = Options {
    fragment: "WATCH-OPTION",
    production: "watch-option",
    what: "watch option",
    sample: "watch",
    list: &[
        Opt {
            word: "--stats",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "watch the counters",
            example: "",
            rhai: None,
            set: |w, _| w.show.options.format = ListFormat::Stats,
            get: |w| (w.show.options.format == ListFormat::Stats).then_some(Val::Flag),
        },
        Opt {
            word: "--rate",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "watch the rates per second (the default)",
            example: "",
            rhai: None,
            set: |w, _| w.show.options.format = ListFormat::Rate,
            get: |w| (w.show.options.format == ListFormat::Rate).then_some(Val::Flag),
        },
        Opt {
            word: "--exact",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "exact counters instead of K/M/G rounding",
            example: "",
            rhai: None,
            set: |w, _| w.show.options.exact = true,
            get: |w| w.show.options.exact.then_some(Val::Flag),
        },
        Opt::json("instead of the listing, a JSON line for each change made by anyone (service or backend added, removed, changed)", |w, _| w.show.json = true, |w| w.show.json.then_some(Val::Flag)),
        Opt {
            word: "interval",
            alias: None,
            kind: Kind::Duration,
            default: Some("2s"),
            help: "the time between refreshes (at least 100ms)",
            example: "1000ms",
            rhai: None,
            set: |w, v| w.interval = v.value.duration().max(Duration::from_millis(100)),
            get: |w| Some(Val::Duration(w.interval)),
        },
        Opt {
            word: "count",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "number of refreshes", min: 1, max: 1_000_000 },
            default: None,
            help: "how many refreshes; without it, until interrupted",
            example: "3",
            rhai: None,
            set: |w, v| w.count = Some(v.value.number() as usize),
            get: |w| w.count.map(|n| Val::Number(n as u64)),
        },
    ],
};

/// `watch := "watch" [ svc-ref ] { watch-option }`
pub fn watch_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let show = ShowStmt {
        target: ShowTarget::Table,
        options: ListOptions { format: ListFormat::Rate, ..ListOptions::default() },
        json: false,
        pretty: false,
    };
    let mut watch = WatchStmt { show, interval: Duration::ZERO, count: None };
    options::apply_defaults(&WATCH, &mut watch);
    let (i, ()) = options::read(i, &WATCH, &mut watch, &mut |watch, w, at, _, words| {
        if words == 0 && !w.value.starts_with('-') {
            return Some(svc_ref(at).map(|(rest, svc)| {
                watch.show.target = ShowTarget::Service(svc);
                rest
            }));
        }
        let err = WATCH.unknown(w);
        let service_late = !w.value.starts_with('-') && suggest(w.value, WATCH.words()).is_none();
        Some(Err(match service_late {
            true => err.map(|e| e.help(format!("name the service first: `watch {} ...`", w.value))),
            false => err,
        }))
    })?;
    Ok((i, StmtKind::Watch(watch)))
}
