//! Rhai in the REPL: a line that starts with `=` is Rhai; its variables and
//! functions stay for the lines after it. Each line is one transaction.

use rhai::{Dynamic, Scope, AST};

use super::api::with_engine;
use crate::interp::{Failure, FailureKind, Interpreter};
use crate::lang::source::{Source, Span};

/// The prefix of a REPL line that is Rhai rather than `.lvs`.
pub const REPL_PREFIX: char = '=';

/// The Rhai state a REPL keeps between lines.
#[derive(Debug, Default)]
pub struct ScriptSession {
    scope: Scope<'static>,
    /// Functions defined on earlier lines.
    functions: AST,
}

impl ScriptSession {
    /// A session with no variables yet.
    pub fn new() -> ScriptSession {
        ScriptSession::default()
    }

    /// The Rhai code of a line that starts with [`REPL_PREFIX`], if it does.
    pub fn strip(line: &str) -> Option<&str> {
        line.trim_start().strip_prefix(REPL_PREFIX)
    }

    /// Evaluates `code` (a line without its `=`) as one transaction: kept if
    /// it succeeds, undone if it fails. Returns the value's text unless it
    /// is `()`. A failed `assert` keeps the line's changes and is returned
    /// as an [`FailureKind::Expectation`] failure.
    pub fn eval_line(&mut self, interp: &mut Interpreter, code: &str) -> Result<Option<String>, Failure> {
        let source = Source::new("<repl>", code);
        let mut shown = None;
        let mut expectation = None;
        interp.transaction(|interp| {
            let outcome: Result<(), Failure> =
                with_engine(interp, &source, Span::new(0, code.len()), |host, engine| {
                    let ast = engine
                        .compile_with_scope(&self.scope, code)
                        .map_err(|e| super::error::failure(host.place(), e.into()))?;
                    let ast = self.functions.merge(&ast);
                    let value: Dynamic = engine
                        .eval_ast_with_scope(&mut self.scope, &ast)
                        .map_err(|e| super::error::failure(host.place(), *e))?;
                    self.functions = ast.clone_functions_only();
                    shown = show(engine, value);
                    Ok(())
                });
            match outcome {
                Err(failure) if failure.kind == FailureKind::Expectation => {
                    expectation = Some(failure);
                    Ok(())
                }
                other => other,
            }
        })?;
        match expectation {
            Some(failure) => Err(failure),
            None => Ok(shown),
        }
    }
}

/// A value as the REPL shows it: nothing for `()`, else its text.
fn show(engine: &rhai::Engine, value: Dynamic) -> Option<String> {
    if value.is_unit() {
        return None;
    }
    if value.is_string() {
        return Some(value.to_string());
    }
    let mut scope = Scope::new();
    scope.push_dynamic("value", value.clone());
    // Through the engine, so lvsh's types show with their own `to_debug`.
    Some(
        engine.eval_with_scope::<String>(&mut scope, "to_debug(value)").unwrap_or_else(|_| value.to_string()),
    )
}
