//! What an embedded language (Rhai, `crate::script`) may ask of the
//! interpreter: reads of the kernel, and changes that go through the same
//! plans and journal as statements, so that they roll back alike.

use std::net::SocketAddr;

use super::plan;
use super::{Failure, Interpreter};
use crate::ipvs::{Backend, BackendEntry, KernelError, Service, ServiceEntry, ServiceKey};
use crate::lang::ast::{Script, ScriptBlock};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};
use crate::render::fn_doc::FnDoc;

/// What the interpreter needs of the scripting layer above it (Rhai, in
/// `crate::script`), handed to [`Interpreter::new`] by whoever builds one:
/// the interpreter runs `script { }` blocks and `.rhai` files without
/// knowing the module that implements them.
#[derive(Clone, Copy)]
pub struct Scripting {
    /// Parses and checks a file as `lvsh run` and `source` read it.
    pub parse: fn(&Source) -> (Script, Vec<Diagnostic>),
    /// Runs a `script { }` block within the current run.
    pub run_block: fn(&mut Interpreter, &Source, &ScriptBlock) -> Result<(), Failure>,
    /// The functions `help rhai` lists.
    pub functions: fn() -> &'static [FnDoc],
}

/// How many `script { }` blocks may run inside one another (Rhai's `run`
/// can start another): deeper is refused instead of overflowing the stack.
pub const MAX_SCRIPT_DEPTH: usize = 8;

impl Interpreter {
    /// Runs a `script { }` block, within [`MAX_SCRIPT_DEPTH`] of others.
    pub(super) fn script_block(&mut self, source: &Source, block: &ScriptBlock) -> Result<(), Failure> {
        if self.script_depth >= MAX_SCRIPT_DEPTH {
            let d = Diagnostic::error(
                "lvs::script::too-deep",
                format!("`script` blocks are nested more than {MAX_SCRIPT_DEPTH} deep"),
                block.code.span,
                "one `script` too many",
            )
            .with_help("does a script `run` a script that runs it again?");
            return Err(Failure::script(source, d));
        }
        self.script_depth += 1;
        let result = (self.scripting.run_block)(self, source, block);
        self.script_depth -= 1;
        result
    }

    /// The scripting layer this interpreter was built with.
    pub fn scripting(&self) -> Scripting {
        self.scripting
    }

    /// Runs statements inside the current run's transaction, as `source`
    /// does: a failed `expect` is reported and the statements go on.
    pub fn run_within(&mut self, source: &Source, script: &Script) -> Result<(), Failure> {
        self.run_stmts(source, script)
    }

    /// Every service, as the kernel lists them.
    pub fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        self.kernel.services()
    }

    /// One service and its counters.
    pub fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        self.kernel.service(key)
    }

    /// A service's backends, newest first.
    pub fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        self.kernel.backends(key)
    }

    /// Changes a service's settings with `edit`, journaled with the old ones as the undo.
    pub fn edit_service(
        &mut self,
        source: &Source,
        span: Span,
        key: ServiceKey,
        edit: impl FnOnce(&mut Service),
    ) -> Result<(), Failure> {
        self.apply_planned(source, span, |kernel| {
            let old = kernel.service(&key)?.service;
            let mut new = old.clone();
            edit(&mut new);
            Ok(plan::edit_service(old, new))
        })
    }

    /// Changes a backend's settings with `edit`, journaled with the old ones as the undo.
    pub fn edit_backend(
        &mut self,
        source: &Source,
        span: Span,
        key: ServiceKey,
        addr: SocketAddr,
        edit: impl FnOnce(&mut Backend),
    ) -> Result<(), Failure> {
        self.apply_planned(source, span, |kernel| {
            plan::edit_backend_with(&kernel.backends(&key)?, key, addr, edit)
        })
    }
}
