//! `show`: listings of services, connections, timeouts and daemons.

use super::lexeme::{next_word, unknown};
use super::service::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{ShowStmt, ShowTarget, StmtKind};
use crate::lang::show::{ListFormat, ListOptions};

/// Flags of `show`.
pub const SHOW_FLAGS: &[&str] = &[
    "--stats",
    "--rate",
    "--thresholds",
    "--persistent",
    "--tun-info",
    "--exact",
    "--nosort",
    "--json",
    "--pretty",
];
/// Words `show` takes instead of a service.
pub const SHOW_TARGETS: &[&str] = &["connections", "timeouts", "daemons"];

/// `show := "show" [ svc-ref | "connections" | "timeouts" | "daemons" ] { show-flag }`
pub fn show_stmt(mut i: In<'_>) -> PResult<'_, StmtKind> {
    let mut show =
        ShowStmt { target: ShowTarget::Table, options: ListOptions::default(), json: false, pretty: false };
    let mut first = true;
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, StmtKind::Show(show))) };
        let options = &mut show.options;
        match w.value {
            "--stats" => options.format = ListFormat::Stats,
            "--rate" => options.format = ListFormat::Rate,
            "--thresholds" => options.format = ListFormat::Thresholds,
            "--persistent" => options.format = ListFormat::PersistentConn,
            "--tun-info" => options.format = ListFormat::TunInfo,
            "--exact" => options.exact = true,
            "--nosort" => options.nosort = true,
            "--json" => show.json = true,
            "--pretty" => show.pretty = true,
            "connections" if first => show.target = ShowTarget::Connections,
            "timeouts" if first => show.target = ShowTarget::Timeouts,
            "daemons" if first => show.target = ShowTarget::Daemons,
            word if first && !word.starts_with('-') => {
                let (rest, svc) = svc_ref(i)?;
                show.target = ShowTarget::Service(svc);
                i = rest;
                first = false;
                continue;
            }
            _ => {
                let choices: Vec<&str> =
                    SHOW_FLAGS.iter().chain(if first { SHOW_TARGETS } else { &[] }).copied().collect();
                let err = unknown(&w, "show option", &choices);
                return Err(match SHOW_TARGETS.contains(&w.value) {
                    true => err.map(|e| e.help(format!("name what to show first: `show {} ...`", w.value))),
                    false => err,
                });
            }
        }
        first = false;
        i = rest;
    }
}

/// `watch := "watch" [ svc-ref ] { "--stats" | "--rate" | "--exact" | "interval" duration | "count" number }`
pub fn watch_stmt(mut i: In<'_>) -> PResult<'_, StmtKind> {
    let mut show = ShowStmt {
        target: ShowTarget::Table,
        options: ListOptions { format: ListFormat::Rate, ..ListOptions::default() },
        json: false,
        pretty: false,
    };
    let mut watch = crate::lang::ast::WatchStmt {
        show: show.clone(),
        interval: std::time::Duration::from_secs(2),
        count: None,
    };
    let mut first = true;
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else {
            watch.show = show;
            return Ok((rest, StmtKind::Watch(watch)));
        };
        i = match w.value {
            "--stats" => {
                show.options.format = ListFormat::Stats;
                rest
            }
            "--rate" => {
                show.options.format = ListFormat::Rate;
                rest
            }
            "--exact" => {
                show.options.exact = true;
                rest
            }
            "interval" => {
                let (rest, d) = super::lexeme::duration(rest)?;
                watch.interval = d.value.max(std::time::Duration::from_millis(100));
                rest
            }
            "count" => {
                let (rest, n) = super::lexeme::number::<usize>(rest, "number of refreshes", 1..=1_000_000)?;
                watch.count = Some(n.value);
                rest
            }
            word if first && !word.starts_with('-') => {
                let (rest, svc) = svc_ref(i)?;
                show.target = ShowTarget::Service(svc);
                rest
            }
            _ => {
                return Err(unknown(
                    &w,
                    "watch option",
                    &["--stats", "--rate", "--exact", "interval", "count"],
                ))
            }
        };
        first = false;
    }
}
