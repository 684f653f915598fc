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

/// A flag that chooses the listing's columns.
const fn format_flag(word: &'static str, format: ListFormat, help: &'static str) -> Opt<ShowStmt> {
    Opt {
        word,
        alias: None,
        kind: Kind::Flag,
        default: None,
        help,
        example: "",
        rhai: None,
        set: format_setter(format),
        get: format_getter(format),
    }
}

/// `show`'s flags.
pub static SHOW: Options<ShowStmt> = Options {
    fragment: "SHOW-FLAG",
    production: "show-flag",
    what: "show option",
    sample: "show",
    list: &[
        format_flag("--stats", ListFormat::Stats, "counters: connections, packets and bytes"),
        format_flag("--rate", ListFormat::Rate, "rates per second"),
        format_flag("--thresholds", ListFormat::Thresholds, "upper and lower connection thresholds"),
        format_flag("--persistent", ListFormat::PersistentConn, "weight and persistent connections"),
        format_flag("--tun-info", ListFormat::TunInfo, "the tunnel column"),
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
        Opt {
            word: "--json",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "print JSON",
            example: "",
            rhai: None,
            set: |s, _| s.json = true,
            get: |s| s.json.then_some(Val::Flag),
        },
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

/// The setter of one listing format (a `fn` pointer per format).
const fn format_setter(format: ListFormat) -> fn(&mut ShowStmt, crate::lang::source::Spanned<Val>) {
    match format {
        ListFormat::Default => |s, _| s.options.format = ListFormat::Default,
        ListFormat::Stats => |s, _| s.options.format = ListFormat::Stats,
        ListFormat::Rate => |s, _| s.options.format = ListFormat::Rate,
        ListFormat::Thresholds => |s, _| s.options.format = ListFormat::Thresholds,
        ListFormat::PersistentConn => |s, _| s.options.format = ListFormat::PersistentConn,
        ListFormat::TunInfo => |s, _| s.options.format = ListFormat::TunInfo,
    }
}

/// The getter of one listing format.
const fn format_getter(format: ListFormat) -> fn(&ShowStmt) -> Option<Val> {
    match format {
        ListFormat::Default => |s| (s.options.format == ListFormat::Default).then_some(Val::Flag),
        ListFormat::Stats => |s| (s.options.format == ListFormat::Stats).then_some(Val::Flag),
        ListFormat::Rate => |s| (s.options.format == ListFormat::Rate).then_some(Val::Flag),
        ListFormat::Thresholds => |s| (s.options.format == ListFormat::Thresholds).then_some(Val::Flag),
        ListFormat::PersistentConn => {
            |s| (s.options.format == ListFormat::PersistentConn).then_some(Val::Flag)
        }
        ListFormat::TunInfo => |s| (s.options.format == ListFormat::TunInfo).then_some(Val::Flag),
    }
}

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
