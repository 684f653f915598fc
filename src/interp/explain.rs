//! `explain`: a statement planned against the kernel as it is, and shown
//! instead of applied.

use super::{Failure, Interpreter};
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Info, Kernel, KernelError, Netns, Op, Outcomes, ServiceEntry,
    ServiceKey, Timeouts,
};
use crate::lang::ast::{Stmt, StmtKind};
use crate::lang::command::{self, Effect};
use crate::lang::ipvsadm::IpvsadmCommand;
use crate::lang::source::Source;
use crate::render::explain;

impl Interpreter {
    /// Prints the kernel operations `stmt` would perform, changing nothing
    /// (not even the session's names).
    pub(super) fn explain(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        let statement = crate::lang::print::print_stmt(&stmt.kind);
        if !changes_kernel(&stmt.kind) {
            if self.json {
                return self.write(&explain::json(&statement, false, &[], None));
            }
            let command = statement.split_whitespace().next().unwrap_or_default().to_string();
            return self.write(&explain::read_only(&command));
        }
        // A kernel lvsh cannot read (no IPVS, no permission) still gets its
        // plan, from an empty table, and is said to be unread.
        let unread = self.kernel.info().err();
        let real = unread.is_some().then(|| std::mem::replace(&mut self.kernel, Box::new(EmptyTable)));
        let session = self.session.clone();
        self.plan = Some(Vec::new());
        let result = self.exec(source, stmt);
        let ops: Vec<Op> = self.plan.take().unwrap_or_default();
        self.session = session;
        if let Some(real) = real {
            self.kernel = real;
        }
        result?;
        if self.json {
            let unread = unread.map(|e| e.to_string());
            return self.write(&explain::json(&statement, true, &ops, unread.as_deref()));
        }
        self.write(&explain::plan(&ops))?;
        match unread {
            Some(e) => self.write(&explain::unread(&e.to_string())),
            None => Ok(()),
        }
    }
}

/// The kernel `explain` plans against when the real one cannot be read: no
/// services, no daemons, the kernel's default timeouts. Planning only
/// reads; nothing is ever applied to it.
struct EmptyTable;

impl Kernel for EmptyTable {
    fn info(&mut self) -> Result<Info, KernelError> {
        Ok(Info { version: 0, conn_tab_size: 0 })
    }
    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        Ok(Vec::new())
    }
    fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        Err(KernelError::NoSuchService { service: *key, adding_backend: false })
    }
    // A service the plan adds has no backends yet.
    fn backends(&mut self, _: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        Ok(Vec::new())
    }
    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        Ok(Timeouts::default())
    }
    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        Ok(Vec::new())
    }
    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        Ok(Vec::new())
    }
    fn netns(&self) -> Netns {
        Netns::Current
    }
    fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
        Err(KernelError::Unreachable { reason: "an explanation applies nothing".into(), help: None })
    }
}

/// Whether a statement may change the kernel's IPVS, as its command says
/// (a `check` only drains after connecting, and a program run on a node may
/// do anything: neither is planned). Rhai changes the kernel through
/// statements, which are planned too; an ipvsadm line depends on its command.
pub(super) fn changes_kernel(kind: &StmtKind) -> bool {
    match kind {
        StmtKind::Ipvsadm(line) => !matches!(
            line.command,
            IpvsadmCommand::List { .. }
                | IpvsadmCommand::Save
                | IpvsadmCommand::Help
                | IpvsadmCommand::Version
        ),
        _ => command::of(kind).is_some_and(|c| c.effect == Effect::Changes),
    }
}
