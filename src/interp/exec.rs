//! One statement at a time: which function runs each kind of statement.

use super::{Failure, Interpreter};
use crate::lang::ast::{Stmt, StmtKind};
use crate::lang::source::Source;

impl Interpreter {
    /// Runs one statement: in each namespace of a group, if it is about the table.
    pub(super) fn exec(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        match self.in_each(stmt) {
            true => self.exec_in_each(source, stmt),
            false => self.exec_one(source, stmt),
        }
    }

    /// Runs one statement in the namespace lvsh acts on.
    pub(super) fn exec_one(&mut self, source: &Source, stmt: &Stmt) -> Result<(), Failure> {
        if self.plan.is_some() && !super::explain::changes_kernel(&stmt.kind) {
            // Explaining a sourced file: only what changes the kernel counts.
            return Ok(());
        }
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Service(decl) => self.declare_service(source, span, decl),
            StmtKind::Backend(decl) => self.declare_backend(source, span, decl),
            StmtKind::SetService(edit) => self.set_service(source, span, edit),
            StmtKind::SetBackend(decl) => self.set_backend(source, span, decl),
            StmtKind::DelService(service) => self.delete_service(source, span, service),
            StmtKind::DelBackend { service, addr } => self.delete_backend(source, span, service, addr.value),
            StmtKind::Flush => self.flush(source, span),
            StmtKind::Zero(service) => self.zero(source, span, service.as_ref()),
            StmtKind::Timeouts(decl) => self.set_timeouts(source, span, decl),
            StmtKind::DaemonStart(decl) => self.start_daemon(source, span, decl),
            StmtKind::DaemonStop(state) => self.stop_daemon(source, span, *state),
            StmtKind::Show(show) => self.show(source, span, show),
            StmtKind::Metrics => self.metrics(source, span),
            StmtKind::Save(path) => self.save(source, span, path.as_ref()),
            StmtKind::Restore(path) => self.restore(source, span, path),
            StmtKind::Source(path) => self.source_file(source, path, self.scripting.parse),
            StmtKind::Echo(text) => self.write(&format!("{text}\n")),
            StmtKind::Sleep(d) => match self.pause(*d) {
                true => Ok(()),
                false => self.stop_if_signalled(source, span),
            },
            StmtKind::Ipvsadm(line) => self.ipvsadm(source, span, line),
            StmtKind::Probe(p) => self.probe(source, span, p),
            StmtKind::Expect(e) => self.expect(source, span, e),
            StmtKind::ExpectJob(e) => self.expect_job(source, e),
            StmtKind::Check(c) => self.check(source, span, c),
            StmtKind::Doctor(d) => self.doctor(source, span, d),
            StmtKind::Health(h) => self.declare_health(source, h),
            StmtKind::Trace(t) => self.trace(source, span, t),
            StmtKind::Watch(w) => self.watch(source, span, w),
            StmtKind::Help(Some(name)) if name.value == "rhai" => {
                self.write(&crate::render::help::rhai((self.scripting.functions)()))
            }
            StmtKind::Help(name) => self.help(source, name.as_ref()),
            StmtKind::Describe(topic) => self.describe(source, topic.as_ref()),
            StmtKind::Explain(inner) => self.explain(source, inner),
            StmtKind::Script(block) => self.script_block(source, block),
            StmtKind::Lab(lab) => self.lab(source, span, lab),
            StmtKind::OnNode(c) => self.on_node(source, span, c),
            StmtKind::Jobs(which) => self.jobs(source, which.as_ref()),
            StmtKind::Stop(n) => self.stop(source, n),
            StmtKind::Serve(s) => self.serve(source, span, s),
            StmtKind::Use(nodes) => match nodes.as_slice() {
                [node] => self.use_node(source, node),
                several => self.use_all(source, several),
            },
            StmtKind::Tutorial(t) => self.tutorial(source, span, t),
        }
    }
}
