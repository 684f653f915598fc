//! Rhai over lvsh's services, backends and probes: `script { }` blocks in
//! `.lvs` files, `.rhai` files (`lvsh run x.rhai`), and `=` lines in the
//! REPL ([`ScriptSession`]). Every change a script makes is a statement of
//! the language run by the interpreter, so it is journaled and rolls back
//! like any other; every error points at its line in the file.
//!
//! The files read bottom-up: each uses only the files listed before it
//! (tests/host/architecture.rs checks the order).
//!
//! - helpers: `options` (option maps as `.lvs` words), `place` (where a
//!   Rhai position is in the source), `stats` (counters as maps);
//! - `engine`: the sandbox's limits, on an engine with no lvsh functions;
//! - `docs`: what `help rhai` shows (its test compiles every example);
//! - `error`: errors both ways, placed in the source;
//! - `host`: the interpreter lent to an evaluation, and how a function
//!   registered in the engine calls it;
//! - `probe`, `backend`, then `service`: the types scripts see;
//! - `api`: the global functions, and the engine with all of lvsh in it;
//! - `session`: `=` lines in the REPL; this file: blocks and `.rhai` files.
//!
//! For a REPL: [`ScriptSession::strip`] tells a Rhai line by its `=`
//! ([`REPL_PREFIX`]); [`ScriptSession::eval_line`] runs it as one
//! transaction, keeping variables and functions for the next line, and
//! returns the value's text; [`functions`] is what `help rhai` lists.

mod api;
mod backend;
mod docs;
mod engine;
mod error;
mod host;
pub mod options;
mod place;
mod probe;
mod service;
mod session;
mod stats;

pub use docs::{functions, FnDoc};
pub use engine::limits;
pub use session::{ScriptSession, REPL_PREFIX};

use crate::interp::{Failure, Interpreter, Scripting};
use crate::lang::ast::{Script, ScriptBlock, Stmt, StmtKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Spanned};

/// Rhai as the interpreter takes it ([`Interpreter::new`]).
pub const SCRIPTING: Scripting = Scripting { parse, run_block, functions };

/// Runs a `script { }` block (or a whole `.rhai` file) within the current run.
pub fn run_block(interp: &mut Interpreter, source: &Source, block: &ScriptBlock) -> Result<(), Failure> {
    api::with_engine(interp, source, block.code.span, |host, engine| {
        let ast = engine.compile(&block.code.value).map_err(|e| error::failure(host.place(), e.into()))?;
        engine.run_ast(&ast).map_err(|e| error::failure(host.place(), *e))
    })
}

/// Parses and checks a file as `lvsh run` and `source` read it: a `.rhai`
/// file is one Rhai block, and every Rhai block is compiled, so nothing
/// runs from a file with an error.
pub fn parse(source: &Source) -> (Script, Vec<Diagnostic>) {
    let (script, mut diagnostics) = match is_rhai(std::path::Path::new(&source.name)) {
        true => (rhai_file(source), Vec::new()),
        false => crate::lang::parse(source, crate::lab::Lab::is_node),
    };
    diagnostics.extend(check(source, &script));
    (script, diagnostics)
}

/// Compiles every script block of `script`, so that a syntax error stops a
/// file before anything in it runs.
pub fn check(source: &Source, script: &Script) -> Vec<Diagnostic> {
    let mut blocks = script
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Script(block) => Some(block),
            _ => None,
        })
        .peekable();
    // An engine costs more to build than a short run takes: only for Rhai.
    if blocks.peek().is_none() {
        return Vec::new();
    }
    let engine = engine::sandboxed();
    blocks
        .filter_map(|block| {
            let error = engine.compile(&block.code.value).err()?;
            Some(error::syntax(&place::Place::new(source, block.code.span), &error))
        })
        .collect()
}

/// Whether a file is Rhai, by its extension.
pub fn is_rhai(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "rhai")
}

/// A `.rhai` file as a script: one block that spans the whole file.
pub fn rhai_file(source: &Source) -> Script {
    let whole = crate::lang::source::Span::new(0, source.text.len());
    let block = ScriptBlock { code: Spanned::new(source.text.clone(), whole) };
    Script { stmts: vec![Stmt { span: whole, kind: StmtKind::Script(block) }] }
}
