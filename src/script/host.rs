//! The interpreter lent to Rhai. Rhai's registered functions must be
//! `'static`, so for the length of one evaluation the interpreter moves into
//! a shared cell they all hold, and comes back when the evaluation ends.
//!
//! Also how a registered function calls it: a property through
//! [`getter`]/[`setter`], and every change as a statement of the language
//! run by the interpreter at the call's place ([`run_stmt`]).

use std::cell::RefCell;
use std::rc::Rc;

use rhai::{Engine, EvalAltResult, NativeCallContext, Position};

use super::options::OptionError;
use super::place::Place;
use crate::interp::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Info, Kernel, KernelError, Netns, Op, Outcomes, ServiceEntry,
    ServiceKey, Timeouts,
};
use crate::lang::ast::{Script, Stmt, StmtKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};

/// What every registered function holds: the interpreter, and the code's
/// place in its source, to point errors and the journal at the right line.
#[derive(Clone)]
pub struct Host {
    interp: Rc<RefCell<Option<Interpreter>>>,
    place: Place,
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

/// Lends `interp` to a host for `code` of `source` for the length of `f`.
pub fn lend<T>(interp: &mut Interpreter, source: &Source, code: Span, f: impl FnOnce(&Host) -> T) -> T {
    let owned = std::mem::replace(interp, Interpreter::new(Box::new(Lent), Box::new(std::io::sink())));
    let host = Host { interp: Rc::new(RefCell::new(Some(owned))), place: Place::new(source, code) };
    let result = f(&host);
    if let Some(owned) = host.interp.borrow_mut().take() {
        *interp = owned;
    }
    result
}

impl Host {
    /// Runs `f` on the interpreter for a call at `pos`; a failure becomes a
    /// Rhai error there, which [`super::error`] turns back into the failure.
    pub fn call<T>(
        &self,
        pos: Position,
        f: impl FnOnce(&mut Interpreter, &Site) -> Result<T, Failure>,
    ) -> Result<T, Box<EvalAltResult>> {
        let site = Site { source: self.place.source(), span: self.place.span_at(pos) };
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

    /// Where the code is, to place errors in it.
    pub fn place(&self) -> &Place {
        &self.place
    }
}

fn busy(pos: Position) -> Box<EvalAltResult> {
    let message = "lvsh is busy with another statement: a script cannot call lvsh from inside `print`";
    EvalAltResult::ErrorRuntime(message.into(), pos).into()
}

/// What a registered function returns: a failure travels as a Rhai error.
pub type Res<T> = Result<T, Box<EvalAltResult>>;

/// Runs one statement a call stands for, checked as the language checks it.
pub fn run_stmt(interp: &mut Interpreter, site: &Site, kind: StmtKind) -> Result<(), Failure> {
    let script = Script { stmts: vec![Stmt { span: site.span, kind }] };
    let known: Vec<String> = interp.session.names().map(str::to_string).collect();
    let problems = crate::lang::check::check(&script, &known);
    if let Some(d) = problems.into_iter().find(Diagnostic::is_error) {
        return Err(site.relocate(d, crate::lang::print::print_stmts(&script.stmts).trim_end()));
    }
    interp.run_within(site.source, &script)
}

/// Registers the read-only property `name` of `T`, read through the interpreter.
pub fn getter<T: Clone + 'static, V: Clone + 'static>(
    engine: &mut Engine,
    host: &Host,
    name: &str,
    read: impl Fn(&mut Interpreter, &Site, &T) -> Result<V, Failure> + 'static,
) {
    let h = host.clone();
    engine.register_fn(format!("get${name}"), move |ctx: NativeCallContext, object: &mut T| -> Res<V> {
        h.call(ctx.call_position(), |interp, site| read(interp, site, object))
    });
}

/// Registers the writable side of property `name` of `T`: a change through the interpreter.
pub fn setter<T: Clone + 'static, V: Clone + 'static>(
    engine: &mut Engine,
    host: &Host,
    name: &str,
    write: impl Fn(&mut Interpreter, &Site, &T, V) -> Result<(), Failure> + 'static,
) {
    let h = host.clone();
    engine.register_fn(
        format!("set${name}"),
        move |ctx: NativeCallContext, object: &mut T, value: V| -> Res<()> {
            h.call(ctx.call_position(), |interp, site| write(interp, site, object, value))
        },
    );
}

/// A number from a script in `range`, or a failure naming `what`.
pub fn in_range(
    site: &Site,
    what: &str,
    n: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<u32, Failure> {
    match u32::try_from(n) {
        Ok(v) if range.contains(&n) => Ok(v),
        _ => Err(site.failure(
            "lvs::script::range",
            format!("{n} is not a valid {what}"),
            Some(format!("a {what} is from {} to {}", range.start(), range.end())),
        )),
    }
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
