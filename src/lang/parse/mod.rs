//! The nom parser: `script := { stmt }`, one statement per line (or `;`),
//! with recovery to the next line after an error so that every error in a
//! file is reported at once.

mod backend;
mod error;
pub mod fragment;
mod lexeme;
mod misc;
mod node;
pub mod options;
mod probe;
mod script;
mod service;
mod show;

use nom::IResult;
use nom_locate::LocatedSpan;

pub use error::PError;
pub use service::is_ident;
pub use service::SCHED_FLAGS;

use crate::lang::ast::{Script, Stmt, StmtKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span, Spanned};
use lexeme::{gap, unknown, word};

/// The parser's input: text that knows its offset in the source.
pub type In<'a> = LocatedSpan<&'a str>;
/// A parser's result.
pub type PResult<'a, T> = IResult<In<'a>, T, PError>;

/// Every statement's option table: help, completion, the grammar and Rhai
/// read them here.
pub mod tables {
    pub use super::backend::BACKEND;
    pub use super::misc::{DAEMON, TIMEOUTS};
    pub use super::node::{LAB, SERVE, TUTORIAL};
    pub use super::options::OptionTable;
    pub use super::probe::{CHECK, PROBE};
    pub use super::service::SERVICE;
    pub use super::show::{SHOW, WATCH};

    /// Every table, in `help`'s order of their statements.
    pub static ALL: &[&dyn OptionTable] =
        &[&SERVICE, &BACKEND, &TIMEOUTS, &DAEMON, &SHOW, &WATCH, &PROBE, &CHECK, &LAB, &SERVE, &TUTORIAL];
}

/// Every statement keyword, in help order.
pub const COMMANDS: &[&str] = &[
    "service", "backend", "set", "del", "flush", "zero", "timeouts", "daemon", "show", "save", "restore",
    "source", "echo", "sleep", "ipvsadm", "probe", "expect", "check", "watch", "lab", "on", "jobs", "stop",
    "serve", "use", "tutorial", "script", "help", "explain",
];

/// Parses a whole script; the diagnostics hold every syntax error.
pub fn parse_script(source: &Source) -> (Script, Vec<Diagnostic>) {
    let mut rest = In::new(source.text.as_str());
    let mut script = Script::default();
    let mut diagnostics = Vec::new();
    loop {
        rest = match gap(rest) {
            Ok((r, ())) => r,
            Err(_) => break,
        };
        if rest.fragment().is_empty() {
            break;
        }
        match stmt(rest) {
            Ok((r, s)) => {
                script.stmts.push(s);
                rest = r;
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                diagnostics.push(e.into_diagnostic());
                rest = skip_line(rest);
            }
            Err(nom::Err::Incomplete(_)) => break,
        }
    }
    (script, diagnostics)
}

/// `stmt := keyword ...`
fn stmt(i: In<'_>) -> PResult<'_, Stmt> {
    let start = i.location_offset();
    if i.fragment().starts_with('}') {
        let err = PError::new(
            "lvs::parse::unmatched-brace",
            Span::new(start, start + 1),
            "this `}` closes nothing",
            "no `{` is open here",
        );
        return Err(nom::Err::Failure(err));
    }
    if i.fragment().starts_with('{') {
        let err = PError::new(
            "lvs::parse::syntax",
            Span::new(start, start + 1),
            "a `{` must follow a `service` on its line",
            "expected a command",
        )
        .help("put the `{` at the end of the `service` line");
        return Err(nom::Err::Failure(err));
    }
    let (rest, kw) = word(i, "a command")?;
    let (rest, kind) = match kw.value {
        "service" => service::service_decl(rest)?,
        "backend" => backend::backend_stmt(rest)?,
        "set" => misc::set_stmt(rest)?,
        "del" | "delete" => misc::del_stmt(rest)?,
        "flush" => (rest, StmtKind::Flush),
        "zero" => misc::zero_stmt(rest)?,
        "timeouts" => misc::timeouts_stmt(rest)?,
        "daemon" => misc::daemon_stmt(rest)?,
        "show" => show::show_stmt(rest)?,
        "save" => misc::save_stmt(rest)?,
        "restore" => misc::restore_stmt(rest)?,
        "source" => misc::source_stmt(rest)?,
        "echo" => misc::echo_stmt(rest)?,
        "sleep" => misc::sleep_stmt(rest)?,
        "ipvsadm" => misc::ipvsadm_stmt(rest)?,
        "probe" => probe::probe_stmt(rest)?,
        "expect" => probe::expect_stmt(rest)?,
        "check" => probe::check_stmt(rest)?,
        "watch" => show::watch_stmt(rest)?,
        "help" => misc::help_stmt(rest)?,
        "explain" => explain_stmt(rest)?,
        "script" => script::script_block(rest)?,
        "lab" => node::lab_stmt(rest)?,
        "on" => node::on_stmt(rest)?,
        "jobs" => node::jobs_stmt(rest)?,
        "stop" => node::stop_stmt(rest)?,
        "serve" => node::serve_stmt(rest)?,
        "use" => node::use_stmt(rest)?,
        "tutorial" => node::tutorial_stmt(rest)?,
        // A lab node's name runs a command there, as the seed's aliases do.
        name if crate::lab::Lab::node(name).is_some() => {
            node::node_command(rest, Spanned::new(name.to_string(), kw.span))?
        }
        _ => return Err(unknown(&kw, "command", COMMANDS)),
    };
    let (rest, ()) = end_of_stmt(rest)?;
    Ok((rest, Stmt { span: Span::new(start, rest.location_offset()), kind }))
}

/// `explain := "explain" stmt`
fn explain_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (rest, inner) = stmt(i)?;
    Ok((rest, StmtKind::Explain(Box::new(inner))))
}

/// Nothing more may follow a complete statement on its line.
fn end_of_stmt(i: In<'_>) -> PResult<'_, ()> {
    let (rest, extra) = lexeme::next_word(i)?;
    match extra {
        None => Ok((rest, ())),
        Some(w) => Err(lexeme::bad(
            &w,
            "lvs::parse::trailing-word",
            format!("unexpected `{}` after a complete statement", w.value),
            "expected the end of the line",
        )),
    }
}

/// Skips to the next line, past a whole `{ ... }` block if one opens on this one.
fn skip_line(i: In<'_>) -> In<'_> {
    let text = i.fragment();
    let mut depth = 0usize;
    let mut end = text.len();
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        let continued = std::mem::replace(&mut escaped, c == '\\');
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '\n' if depth == 0 && !continued => {
                end = at + 1;
                break;
            }
            _ => {}
        }
    }
    // `end` is in bytes; nom's `take` counts characters.
    nom::Input::take_from(&i, end)
}
