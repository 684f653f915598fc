//! What an embedded language (Rhai, `crate::script`) may ask of the
//! interpreter: reads of the kernel, and changes that go through the same
//! plans and journal as statements, so that they roll back alike.

use std::net::SocketAddr;

use super::plan;
use super::{Failure, Interpreter};
use crate::ipvs::{Backend, BackendEntry, KernelError, Service, ServiceEntry, ServiceKey};
use crate::lang::ast::Script;
use crate::lang::source::{Source, Span};

impl Interpreter {
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
