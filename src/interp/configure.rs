//! The statements that configure IPVS: services, backends, their edits and
//! deletions, flush, zero, timeouts and the sync daemons. Each plans its
//! change (and undo) in [`plan`] and applies it.

use std::net::SocketAddr;

use super::failure::refusal;
use super::plan;
use super::{Failure, Interpreter};
use crate::ipvs::{DaemonState, Service, ServiceKey};
use crate::lang::ast::{BackendDecl, DaemonDecl, ServiceDecl, ServiceEdit, SvcRef, TimeoutsDecl};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span, Spanned};

impl Interpreter {
    /// A name that still names another service in the kernel is not moved
    /// silently: the script means one of the two, and lvsh cannot tell which.
    fn refuse_taken_name(
        &mut self,
        source: &Source,
        name: &Spanned<String>,
        key: ServiceKey,
    ) -> Result<(), Failure> {
        let Some(other) = self.session.resolve(&SvcRef::Name(name.value.clone())).filter(|k| *k != key)
        else {
            return Ok(());
        };
        if self.reading(|kernel| kernel.service(&other)).is_err() {
            return Ok(());
        }
        let d = Diagnostic::error(
            "lvs::check::name-taken",
            format!("`{}` already names service {other}", name.value),
            name.span,
            "already taken",
        )
        .with_help(format!("give this service another name, or `del service {}` first", name.value));
        Err(Failure::script(source, d))
    }

    /// `service ...`: the service as declared, then its `{ }` backends.
    pub(super) fn declare_service(
        &mut self,
        source: &Source,
        span: Span,
        decl: &ServiceDecl,
    ) -> Result<(), Failure> {
        let key = decl.key.value;
        if let Some(name) = &decl.name {
            self.refuse_taken_name(source, name, key)?;
        }
        let desired = plan::service_with(Service::new(key), decl.scheduler.as_ref(), &decl.options);
        self.apply_planned(source, span, |kernel| plan::declare_service(kernel, desired))?;
        if let Some(name) = &decl.name {
            self.session.name(&name.value, key);
        }
        let Some(backends) = &decl.backends else { return Ok(()) };
        // One read for the whole block: its backends are distinct (checked).
        let current = self.reading(|kernel| kernel.backends(&key)).map_err(|e| refusal(source, span, e))?;
        for backend in backends {
            let change = plan::declare_backend(&current, key, plan::declared_backend(&backend.value));
            self.apply(source, backend.span, change)?;
        }
        Ok(())
    }

    /// `backend ...`: the backend as declared, in the service it names.
    pub(super) fn declare_backend(
        &mut self,
        source: &Source,
        span: Span,
        decl: &BackendDecl,
    ) -> Result<(), Failure> {
        let key = self.resolve(source, decl.service.as_ref())?;
        let desired = plan::declared_backend(decl);
        self.apply_planned(source, span, |kernel| {
            Ok(plan::declare_backend(&kernel.backends(&key)?, key, desired))
        })
    }

    /// `set service ...`: the named settings changed, the rest kept.
    pub(super) fn set_service(
        &mut self,
        source: &Source,
        span: Span,
        edit: &ServiceEdit,
    ) -> Result<(), Failure> {
        let key = self.resolve(source, Some(&edit.service))?;
        self.apply_planned(source, span, |kernel| {
            let current = kernel.service(&key)?.service;
            let new = plan::service_with(current.clone(), edit.scheduler.as_ref(), &edit.options);
            Ok(plan::edit_service(current, new))
        })
    }

    /// `set backend ...`: the named settings changed, the rest kept.
    pub(super) fn set_backend(
        &mut self,
        source: &Source,
        span: Span,
        decl: &BackendDecl,
    ) -> Result<(), Failure> {
        let key = self.resolve(source, decl.service.as_ref())?;
        self.apply_planned(source, span, |kernel| plan::edit_backend(&kernel.backends(&key)?, key, decl))
    }

    /// `del service ...`.
    pub(super) fn delete_service(
        &mut self,
        source: &Source,
        span: Span,
        service: &Spanned<SvcRef>,
    ) -> Result<(), Failure> {
        let key = self.resolve(source, Some(service))?;
        self.apply_planned(source, span, |kernel| plan::delete_service(kernel, key))
    }

    /// `del backend ...`.
    pub(super) fn delete_backend(
        &mut self,
        source: &Source,
        span: Span,
        service: &Spanned<SvcRef>,
        addr: SocketAddr,
    ) -> Result<(), Failure> {
        let key = self.resolve(source, Some(service))?;
        self.apply_planned(source, span, |kernel| plan::delete_backend(&kernel.backends(&key)?, key, addr))
    }

    /// `flush`.
    pub(super) fn flush(&mut self, source: &Source, span: Span) -> Result<(), Failure> {
        self.apply_planned(source, span, plan::flush)
    }

    /// `zero`, of one service or of all.
    pub(super) fn zero(
        &mut self,
        source: &Source,
        span: Span,
        service: Option<&Spanned<SvcRef>>,
    ) -> Result<(), Failure> {
        let key = match service {
            Some(s) => Some(self.resolve(source, Some(s))?),
            None => None,
        };
        self.apply(source, span, plan::zero(key))
    }

    /// `timeouts ...`.
    pub(super) fn set_timeouts(
        &mut self,
        source: &Source,
        span: Span,
        decl: &TimeoutsDecl,
    ) -> Result<(), Failure> {
        self.apply_planned(source, span, |kernel| plan::timeouts(kernel, decl))
    }

    /// `daemon start ...`.
    pub(super) fn start_daemon(
        &mut self,
        source: &Source,
        span: Span,
        decl: &DaemonDecl,
    ) -> Result<(), Failure> {
        let mut daemon = decl.daemon.clone();
        if daemon.interface.is_empty() {
            // ipvsadm's default too; say whether this namespace has it.
            daemon.interface = "eth0".into();
            let exists = self.kernel.netns().run(|| interface_exists("eth0")).unwrap_or(false);
            self.write(&crate::render::notes::default_interface(daemon.state, "eth0", exists))?;
        }
        self.apply(source, span, plan::start_daemon(daemon))
    }

    /// `daemon stop ...`.
    pub(super) fn stop_daemon(
        &mut self,
        source: &Source,
        span: Span,
        state: DaemonState,
    ) -> Result<(), Failure> {
        self.apply_planned(source, span, |kernel| plan::stop_daemon(kernel, state))
    }
}

/// Whether this thread's network namespace has an interface named `name`.
fn interface_exists(name: &str) -> bool {
    // SAFETY: if_nametoindex only reads the NUL-terminated name.
    std::ffi::CString::new(name).is_ok_and(|c| unsafe { libc::if_nametoindex(c.as_ptr()) } != 0)
}
