//! `explain`: a statement planned against the kernel as it is, and shown
//! instead of applied.

use super::{Failure, Interpreter};
use crate::ipvs::Op;
use crate::lang::ast::{Stmt, StmtKind};
use crate::lang::command::{self, Effect};
use crate::lang::ipvsadm::IpvsadmCommand;
use crate::lang::source::Source;
use crate::render::explain;

impl Interpreter {
    /// Prints the kernel operations `stmt` would perform, changing nothing
    /// (not even the session's names).
    pub(super) fn explain(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        if !changes_kernel(&stmt.kind) {
            let text = crate::lang::print::print_stmt(&stmt.kind);
            let command = text.split_whitespace().next().unwrap_or_default().to_string();
            return self.write(&explain::read_only(&command));
        }
        let session = self.session.clone();
        self.plan = Some(Vec::new());
        let result = self.exec(source, stmt);
        let ops: Vec<Op> = self.plan.take().unwrap_or_default();
        self.session = session;
        result?;
        self.write(&explain::plan(&ops))
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
