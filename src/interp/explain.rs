//! `explain`: a statement planned against the kernel as it is, and shown
//! instead of applied.

use super::{Failure, Interpreter};
use crate::ipvs::Op;
use crate::lang::ast::{Stmt, StmtKind};
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

/// Whether a statement may change the kernel's IPVS (a `check` only
/// drains after connecting, and a program run on a node may do anything:
/// neither is planned).
pub(super) fn changes_kernel(kind: &StmtKind) -> bool {
    match kind {
        StmtKind::Service(_)
        | StmtKind::Backend(_)
        | StmtKind::SetService(_)
        | StmtKind::SetBackend(_)
        | StmtKind::DelService(_)
        | StmtKind::DelBackend { .. }
        | StmtKind::Flush
        | StmtKind::Zero(_)
        | StmtKind::Timeouts(_)
        | StmtKind::DaemonStart(_)
        | StmtKind::DaemonStop(_)
        | StmtKind::Restore(_)
        | StmtKind::Source(_)
        // Rhai changes the kernel through statements, which are planned too.
        | StmtKind::Script(_) => true,
        StmtKind::Ipvsadm(line) => !matches!(
            line.command,
            IpvsadmCommand::List { .. }
                | IpvsadmCommand::Save
                | IpvsadmCommand::Help
                | IpvsadmCommand::Version
        ),
        StmtKind::Show(_)
        | StmtKind::Save(_)
        | StmtKind::Echo(_)
        | StmtKind::Sleep(_)
        | StmtKind::Probe(_)
        | StmtKind::Expect(_)
        | StmtKind::Check(_)
        | StmtKind::Watch(_)
        | StmtKind::Help(_)
        | StmtKind::Explain(_)
        // The lab's namespaces and programs are not IPVS; `use` only chooses.
        | StmtKind::Lab(_)
        | StmtKind::OnNode(_)
        | StmtKind::Jobs(_)
        | StmtKind::Stop(_)
        | StmtKind::Serve(_)
        | StmtKind::Use(_)
        | StmtKind::Tutorial(_) => false,
    }
}
