//! The nom parser: `script := { stmt }`, one statement per line (or `;`),
//! with recovery to the next line after an error so that every error in a
//! file is reported at once.

mod backend;
mod doctor;
mod error;
pub mod fragment;
pub mod health;
mod input;
mod lexeme;
mod misc;
mod node;
pub mod options;
mod plain;
mod probe;
mod reference;
mod script;
mod service;
mod show;
mod trace;

use nom::IResult;

pub use error::PError;
pub use input::In;
pub use lexeme::duration_text;
pub use reference::{is_ident, service_key_text};
pub use service::SCHED_FLAGS;

use crate::lang::ast::{Script, Stmt, StmtKind};
use crate::lang::command::{self, CommandHelp, Reads};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span, Spanned};
use lexeme::{gap, unknown, word};

/// A parser's result.
pub type PResult<'a, T> = IResult<In<'a>, T, PError>;

/// Every statement's option table: help, completion, the grammar and Rhai
/// read them here.
pub mod tables {
    pub use super::backend::BACKEND;
    pub use super::doctor::DOCTOR;
    pub use super::health::HEALTH;
    pub use super::misc::{DAEMON, TIMEOUTS};
    pub use super::node::{LAB, SERVE, TUTORIAL};
    pub use super::options::OptionTable;
    pub use super::probe::{PredicateForm, CHECK, PREDICATES, PROBE};
    pub use super::service::SERVICE;
    pub use super::show::{SHOW, WATCH};
    pub use super::trace::TRACE;

    /// Every table, in `help`'s order of their statements.
    pub static ALL: &[&dyn OptionTable] = &[
        &SERVICE, &BACKEND, &HEALTH, &TIMEOUTS, &DAEMON, &SHOW, &WATCH, &PROBE, &CHECK, &DOCTOR, &TRACE,
        &LAB, &SERVE, &TUTORIAL,
    ];
}

/// The statements' parsers, for the command table ([`crate::lang::command`]).
pub mod parsers {
    pub use super::backend::backend_stmt;
    pub use super::doctor::doctor_stmt;
    pub use super::health::health_stmt;
    pub use super::misc::{
        daemon_stmt, del_stmt, describe_stmt, echo_stmt, flush_stmt, help_stmt, ipvsadm_stmt, metrics_stmt,
        restore_stmt, save_stmt, set_stmt, sleep_stmt, source_stmt, timeouts_stmt, zero_stmt,
    };
    pub use super::node::{jobs_stmt, lab_stmt, on_stmt, serve_stmt, stop_stmt, tutorial_stmt, use_stmt};
    pub use super::probe::{check_stmt, expect_stmt, probe_stmt};
    pub use super::script::script_block;
    pub use super::service::service_decl;
    pub use super::show::{show_stmt, watch_stmt};
    pub use super::trace::trace_stmt;
}

/// A statement's parser: the words after its command name.
pub type Parser = for<'a> fn(In<'a>) -> PResult<'a, StmtKind>;

/// Whether a word names a node whose name alone runs a command there, as the
/// lab's do (`int1 nc -l -p 8000`). The language knows no node names: the
/// caller says which words are nodes (`crate::lab::Lab::is_node`).
pub type Nodes = fn(&str) -> bool;

/// No word is a node.
pub fn no_nodes(_: &str) -> bool {
    false
}

/// Parses a whole script; the diagnostics hold every syntax error.
pub fn parse_script(source: &Source, nodes: Nodes) -> (Script, Vec<Diagnostic>) {
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
        match stmt(rest, nodes, 0) {
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

/// How deep `explain explain ...` may go: deeper says so instead of
/// overflowing the stack.
pub const MAX_EXPLAIN_DEPTH: usize = 8;

/// `stmt := keyword ...`; `depth` counts the `explain`s around it.
fn stmt(i: In<'_>, nodes: Nodes, depth: usize) -> PResult<'_, Stmt> {
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
    let (rest, kind) = match command::find(kw.value) {
        Some(CommandHelp { reads: Reads::Words(parse), .. }) => parse(rest)?,
        Some(CommandHelp { reads: Reads::Statement, .. }) => explain_stmt(rest, nodes, &kw, depth)?,
        // A lab node's name runs a command there, as the seed's aliases do.
        None if nodes(kw.value) => node::node_command(rest, Spanned::new(kw.value.to_string(), kw.span))?,
        None => return Err(unknown(&kw, "command", &command::names())),
    };
    let (rest, ()) = end_of_stmt(rest)?;
    Ok((rest, Stmt { span: Span::new(start, rest.location_offset()), kind }))
}

/// `explain := "explain" stmt`
fn explain_stmt<'a>(i: In<'a>, nodes: Nodes, kw: &Spanned<&str>, depth: usize) -> PResult<'a, StmtKind> {
    if depth >= MAX_EXPLAIN_DEPTH {
        let err = PError::new(
            "lvs::parse::too-deep",
            kw.span,
            format!("`explain` is nested more than {MAX_EXPLAIN_DEPTH} deep"),
            "one `explain` too many",
        )
        .help("explain the statement itself: `explain STATEMENT`");
        return Err(nom::Err::Failure(err));
    }
    let (rest, inner) = stmt(i, nodes, depth + 1)?;
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
