//! The interpreter lent to Rhai. Rhai's registered functions must be
//! `'static`, so for the length of one evaluation the interpreter moves into
//! a shared cell they all hold, and comes back when the evaluation ends.

use std::cell::RefCell;
use std::rc::Rc;

use rhai::{Engine, EvalAltResult, Position};

use super::options::OptionError;
use crate::interp::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Info, Kernel, KernelError, Netns, Op, Outcomes, ServiceEntry,
    ServiceKey, Timeouts,
};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};

/// What every registered function holds: the interpreter, and the code's
/// place in its source, to point errors and the journal at the right line.
#[derive(Clone)]
pub struct Host {
    interp: Rc<RefCell<Option<Interpreter>>>,
    source: Rc<Source>,
    /// Where the Rhai code is in the source (a `script { }` block's inside, or a whole `.rhai` file).
    code: Span,
}

/// Where a call was written: the source and the span of the call in it.
pub struct Site<'a> {
    pub source: &'a Source,
    pub span: Span,
}

impl Site<'_> {
    /// A kernel error at this call.
    pub fn kernel(&self, e: KernelError) -> Failure {
        kernel_failure(self.source, self.span, e, "lvs::kernel::refused")
    }

    /// A mistake of the script's at this call (exit 2).
    pub fn failure(&self, code: &'static str, message: String, help: Option<String>) -> Failure {
        let mut diagnostic = Diagnostic::error(code, message, self.span, "");
        diagnostic.help = help;
        Failure::script(self.source, diagnostic)
    }

    /// A bad option of a map at this call.
    pub fn option(&self, e: OptionError) -> Failure {
        self.failure("lvs::script::option", e.message, e.help)
    }

    /// A diagnostic about `text` (an argument read as `.lvs`), moved to this call.
    pub fn relocate(&self, mut d: Diagnostic, text: &str) -> Failure {
        d.primary.span = self.span;
        d.secondary.clear();
        d.notes.push(format!("in `{text}`"));
        Failure::script(self.source, d)
    }
}

/// Lends `interp` to an engine built for `code` of `source` for the length of `f`.
pub fn lend<T>(
    interp: &mut Interpreter,
    source: &Source,
    code: Span,
    f: impl FnOnce(&Host, &Engine) -> T,
) -> T {
    let owned = std::mem::replace(interp, Interpreter::new(Box::new(Lent), Box::new(std::io::sink())));
    let host = Host { interp: Rc::new(RefCell::new(Some(owned))), source: Rc::new(source.clone()), code };
    let engine = super::engine::engine(&host);
    let result = f(&host, &engine);
    drop(engine);
    if let Some(owned) = host.interp.borrow_mut().take() {
        *interp = owned;
    }
    result
}

impl Host {
    /// A host with no interpreter, to place compile errors in `source`.
    pub fn unlent(source: &Source, code: Span) -> Host {
        Host { interp: Rc::new(RefCell::new(None)), source: Rc::new(source.clone()), code }
    }

    /// Runs `f` on the interpreter for a call at `pos`; a failure becomes a
    /// Rhai error there, which [`super::error`] turns back into the failure.
    pub fn call<T>(
        &self,
        pos: Position,
        f: impl FnOnce(&mut Interpreter, &Site) -> Result<T, Failure>,
    ) -> Result<T, Box<EvalAltResult>> {
        let site = Site { source: &self.source, span: self.span_at(pos) };
        let mut cell = self.interp.try_borrow_mut().map_err(|_| busy(pos))?;
        let interp = cell.as_mut().ok_or_else(|| busy(pos))?;
        f(interp, &site).map_err(|failure| super::error::raise(failure, pos))
    }

    /// Writes script output (`print`, `debug`) to the run's output.
    pub fn print(&self, text: &str) {
        if let Ok(mut cell) = self.interp.try_borrow_mut() {
            if let Some(interp) = cell.as_mut() {
                // Nowhere to report a closed output from inside `print`; the run's next write will.
                let _ = interp.write(&format!("{text}\n"));
            }
        }
    }

    /// The source the code is in.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The span in the source of a Rhai position: the word that starts there.
    pub fn span_at(&self, pos: Position) -> Span {
        let start = self.code.start as usize;
        let Some(line) = pos.line() else { return Span::new(start, start) };
        let code = &self.source.text[self.code.range()];
        let line_start: usize = code.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let rest = &code[line_start.min(code.len())..];
        let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let column = pos.position().unwrap_or(1).saturating_sub(1);
        let at = rest.char_indices().nth(column).map_or(rest.len(), |(i, _)| i);
        let word = rest[at..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len() - at);
        let at = start + line_start + at;
        Span::new(at, at + word.max(1).min(self.source.text.len().saturating_sub(at)))
    }
}

fn busy(pos: Position) -> Box<EvalAltResult> {
    let message = "lvsh is busy with another statement: a script cannot call lvsh from inside `print`";
    EvalAltResult::ErrorRuntime(message.into(), pos).into()
}

/// The kernel of the interpreter left in place while the real one is lent:
/// nothing can reach it, since the lender is borrowed for the whole loan.
struct Lent;

impl Lent {
    fn error() -> KernelError {
        KernelError::Io {
            context: "script",
            source: std::io::Error::other("the interpreter is lent to a script"),
        }
    }
}

impl Kernel for Lent {
    fn info(&mut self) -> Result<Info, KernelError> {
        Err(Lent::error())
    }
    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        Err(Lent::error())
    }
    fn service(&mut self, _: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        Err(Lent::error())
    }
    fn backends(&mut self, _: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        Err(Lent::error())
    }
    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        Err(Lent::error())
    }
    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        Err(Lent::error())
    }
    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        Err(Lent::error())
    }
    fn netns(&self) -> Netns {
        Netns::Current
    }
    fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
        Err(Lent::error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str, code: Span) -> Host {
        Host { interp: Rc::new(RefCell::new(None)), source: Rc::new(Source::new("t.lvs", text)), code }
    }

    #[test]
    fn a_rhai_position_is_placed_in_the_file_after_the_blocks_start() {
        let text = "show\nscript { let x = 1;\n  boom(x); }\n";
        let start = text.find('{').unwrap() + 1;
        let h = host(text, Span::new(start, text.len() - 2));
        let span = h.span_at(Position::new(2, 3));
        assert_eq!(&text[span.range()], "boom");
        assert_eq!(h.source().line_col(span.start as usize), (3, 3));
        let first = h.span_at(Position::new(1, 2));
        assert_eq!(&text[first.range()], "let");
    }

    #[test]
    fn a_position_past_the_line_stays_on_it() {
        let text = "ab\ncd";
        let span = host(text, Span::new(0, text.len())).span_at(Position::new(1, 40));
        assert_eq!(span.start, 2);
    }
}
