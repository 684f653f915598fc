//! The interpreter: runs statements against the kernel. The only writer to
//! the kernel; a run is a transaction unless `keep_going` is set.

mod apply;
mod configure;
mod converge;
mod diagnose;
mod embed;
mod exec;
mod explain;
mod failure;
pub mod group;
mod help;
pub mod interrupt;
mod ipvsadm;
mod lab;
mod lab_backends;
mod listing;
mod metrics;
mod observe;
mod pipeline;
pub mod plan;
pub mod recovery;
mod resolve;
pub mod session;
mod sourcing;
mod staged;
mod trace;
mod tutorial;
pub mod txn;

use std::io::Write;

use crate::ipvs::Kernel;
use crate::lang::ast::Script;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span, Spanned};
use crate::render::words::plural;
pub use embed::Scripting;
pub use failure::{kernel_failure, Failure, FailureKind};
use session::Session;
use txn::Journal;

/// Runs scripts against a kernel.
pub struct Interpreter {
    kernel: Box<dyn Kernel>,
    pub session: Session,
    journal: Journal,
    out: Box<dyn Write>,
    /// Report refused operations and go on instead of rolling back.
    pub keep_going: bool,
    /// Failures reported while keeping going.
    pub failures: Vec<Failure>,
    /// Every `show` prints JSON (`--json`).
    pub json: bool,
    /// While explaining: the operations planned instead of applied.
    plan: Option<Vec<crate::ipvs::Op>>,
    /// How many batches were sent to the kernel, to tell when it changed.
    writes: u64,
    /// The lab whose nodes `on`, `from`, `serve` and `use` name.
    pub lab: crate::lab::Lab,
    /// Background jobs; they end with the interpreter.
    pub jobs: crate::node::jobs::Jobs,
    /// The namespace was chosen on the command line (`--netns`): a lab
    /// does not move lvsh to gw.
    pub pinned: bool,
    /// Where lvsh started acting (`use -` goes back there).
    home: crate::ipvs::Netns,
    /// The namespace `use` or the lab chose, named as the user knows it;
    /// `show` and the prompt say it.
    chosen: Option<String>,
    /// Kernels of namespaces acted on before a `use`, kept for rollback.
    parked: Vec<Box<dyn Kernel>>,
    /// The namespaces acted on as one (`use gw gw2`); empty for one.
    group: Vec<group::Member>,
    /// Rhai, from the layer above.
    scripting: Scripting,
    /// The files being `source`d, outermost first.
    sourcing: Vec<sourcing::Sourced>,
    /// How many `script { }` blocks are running inside one another.
    script_depth: usize,
    /// The run's undo on disk, from its first kernel write (crash recovery).
    record: Option<recovery::RunRecord>,
    /// Keep the table as it was before the first kernel write, for the
    /// history (`lvsh run` sets it).
    pub history: bool,
    /// The table before the first kernel write, and its namespace.
    before: Option<(crate::ipvs::Netns, crate::converge::Live)>,
    /// That table with the operations the kernel took in that namespace
    /// since played on it, as each batch is answered, so that the history
    /// can tell the table after without reading it again; `None` once the
    /// table changed in a way lvsh cannot replay (a rollback, a program run
    /// on a node).
    applied: Option<crate::converge::Replay>,
    /// Declarations planned but not yet sent (see [`staged`]).
    staged: Option<staged::Staged>,
    /// The table being read on another thread for the first statement, if
    /// it begins a stretch of declarations ([`Interpreter::prefetched`]).
    prefetch: Option<crate::ipvs::prefetch::Prefetch>,
    /// Windows of a long stretch sent and not yet answered ([`pipeline`]).
    pipeline: Option<pipeline::Pipeline>,
}

impl Interpreter {
    /// An interpreter writing its output to `out`.
    pub fn new(kernel: Box<dyn Kernel>, out: Box<dyn Write>, scripting: Scripting) -> Interpreter {
        let home = kernel.netns();
        Interpreter {
            lab: crate::lab::Lab::default(),
            jobs: crate::node::jobs::Jobs::default(),
            pinned: false,
            home,
            chosen: None,
            parked: Vec::new(),
            group: Vec::new(),
            kernel,
            session: Session::default(),
            journal: Journal::default(),
            out,
            keep_going: false,
            failures: Vec::new(),
            json: false,
            plan: None,
            writes: 0,
            scripting,
            sourcing: Vec::new(),
            script_depth: 0,
            record: None,
            history: false,
            applied: None,
            staged: None,
            before: None,
            prefetch: None,
            pipeline: None,
        }
    }

    /// The kernel's table, being read on another thread (started while the
    /// script was parsed), for the first statement to run: used if that
    /// begins a long stretch of declarations, else dropped.
    pub fn prefetched(&mut self, prefetch: crate::ipvs::prefetch::Prefetch) {
        // A lab may have moved this run to gw's namespace.
        if *prefetch.netns() == self.kernel.netns() {
            self.prefetch = Some(prefetch);
        }
    }

    /// Waits `d`, or less if a signal comes; returns whether it waited it all.
    fn pause(&self, d: std::time::Duration) -> bool {
        let end = std::time::Instant::now() + d;
        while interrupt::pending().is_none() {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
        }
        false
    }

    /// The failure that stops the run at `span` when a signal has come.
    fn stop_if_signalled(&self, source: &Source, span: Span) -> Result<(), Failure> {
        match interrupt::pending() {
            Some(signal) => Err(failure::interrupted(source, span, signal)),
            None => Ok(()),
        }
    }

    /// The table as it was before this interpreter first changed the
    /// kernel, and its namespace, when `history` is set; taken once.
    pub fn take_before(&mut self) -> Option<(crate::ipvs::Netns, crate::converge::Live)> {
        self.before.take()
    }

    /// What changed from `before` ([`Interpreter::take_before`]'s table) to
    /// the table now in its namespace: that table with this run's operations
    /// replayed, or read from the kernel when they cannot tell it.
    pub fn changes_since(
        &mut self,
        before: &crate::converge::Live,
    ) -> Result<crate::converge::Changes, crate::ipvs::KernelError> {
        use crate::converge::changes;
        match self.applied.take() {
            Some(after) => Ok(changes(before, after.services(), after.timeouts())),
            None => {
                let after = self.live()?;
                Ok(changes(before, &after.services, after.timeouts))
            }
        }
    }

    /// How many times this interpreter has changed the kernel (a REPL
    /// refreshes what it knows of the kernel when this moves).
    pub fn kernel_writes(&self) -> u64 {
        self.writes
    }

    /// The network namespace whose IPVS the interpreter acts on.
    pub fn netns(&self) -> crate::ipvs::Netns {
        self.kernel.netns()
    }

    /// Acts on another kernel connection from now on, keeping the session.
    pub fn set_kernel(&mut self, kernel: Box<dyn Kernel>) {
        self.kernel = kernel;
    }

    /// Runs a script as one transaction: on a refusal, everything this run
    /// changed is undone, newest first, and the failure says so.
    pub fn run(&mut self, source: &Source, script: &Script) -> Result<(), Failure> {
        self.transaction(|interp| {
            interp.run_stmts(source, script)?;
            // A signal during the last statement still undoes the run.
            interp.stop_if_signalled(source, script.stmts.last().map_or(Span::default(), |s| s.span))
        })
    }

    /// Runs `f` as one transaction: kept if it succeeds, undone if it fails.
    pub fn transaction(&mut self, f: impl FnOnce(&mut Self) -> Result<(), Failure>) -> Result<(), Failure> {
        match f(self) {
            Ok(()) => {
                self.journal.commit();
                self.end_record(true);
                Ok(())
            }
            Err(failure) => Err(self.roll_back(failure)),
        }
    }

    /// The run is over: its record on disk goes, unless `done` is false (an
    /// undo the kernel refused), when it stays for `lvsh recover`.
    fn end_record(&mut self, done: bool) {
        match (self.record.take(), done) {
            (Some(record), true) => record.remove(),
            (Some(_kept), false) => {}
            (None, _) => {}
        }
    }

    /// Runs the statements in order; a stretch of declarations goes to the
    /// kernel as one batch ([`staged`]), sent before the next statement that
    /// is not one, and at the end.
    fn run_stmts(&mut self, source: &Source, script: &Script) -> Result<(), Failure> {
        let ran = self.run_staging(source, script);
        if ran.is_err() {
            // Steps not sent yet are dropped: the run is rolled back anyway,
            // with the windows already sent, once they are journaled.
            self.staged = None;
            let _ = self.settle_windows(source);
        }
        ran
    }

    fn run_staging(&mut self, source: &Source, script: &Script) -> Result<(), Failure> {
        for (i, stmt) in script.stmts.iter().enumerate() {
            self.stop_if_signalled(source, stmt.span)?;
            self.stage_for(source, &script.stmts[i..])?;
            match self.exec(source, stmt) {
                // An expectation is an assertion, not a refusal: report it and go on.
                Err(failure) if failure.kind == FailureKind::Expectation => self.failures.push(failure),
                Err(failure) if self.keep_going && failure.kind == FailureKind::Refused => {
                    self.failures.push(failure)
                }
                other => other?,
            }
        }
        self.send_staged(source)
    }

    /// Before the first of `next` runs: a declaration joins the stretch
    /// (begun here, sized by how many declarations follow); anything else
    /// first sends it. Statement by statement instead when a refusal must
    /// skip only its own statement (`--keep-going`), when only planning
    /// (`explain`), or when the kernel cannot be read (the statement then
    /// fails with the reason).
    fn stage_for(&mut self, source: &Source, next: &[crate::lang::ast::Stmt]) -> Result<(), Failure> {
        use crate::lang::ast::StmtKind;
        // Read before any statement ran: only the first may use it.
        let prefetch = self.prefetch.take();
        let declaration =
            |s: &crate::lang::ast::Stmt| matches!(s.kind, StmtKind::Service(_) | StmtKind::Backend(_));
        // A group's declarations run in each member, one at a time.
        let one_by_one = self.keep_going || self.plan.is_some() || !self.group.is_empty();
        if !next.first().is_some_and(declaration) || one_by_one {
            return self.send_staged(source);
        }
        if self.staged.is_none() {
            let stretch = next.iter().take_while(|s| declaration(s)).count();
            self.staged = staged::Staged::begin(self.kernel.as_mut(), stretch, prefetch).ok();
        }
        Ok(())
    }

    /// Sends the stretch's steps as one batch, each at its statement, or
    /// as its last window when windows went before.
    fn send_staged(&mut self, source: &Source) -> Result<(), Failure> {
        let Some(mut staged) = self.staged.take() else { return Ok(()) };
        if !staged.nothing_to_send() {
            self.keep_before_from(&mut staged);
        }
        self.send_and_settle(source, staged.into_steps())
    }

    /// The kernel as plans read it: the staged table while a stretch of
    /// declarations is being planned.
    fn reading<T>(&mut self, read: impl FnOnce(&mut dyn Kernel) -> T) -> T {
        match &mut self.staged {
            Some(staged) => read(&mut staged.view(self.kernel.as_mut())),
            None => read(self.kernel.as_mut()),
        }
    }

    /// `source FILE`: the file's statements, inside this run's transaction.
    /// `parse` reads the file (`.lvs`, or Rhai by its extension).
    fn source_file(
        &mut self,
        source: &Source,
        path: &Spanned<String>,
        parse: impl FnOnce(&Source) -> (Script, Vec<Diagnostic>),
    ) -> Result<(), Failure> {
        let file = Source::read(std::path::Path::new(&path.value))
            .map_err(|e| failure::read_failure(source, path, e))?;
        let (script, diagnostics) = parse(&file);
        if let Some(d) = diagnostics.into_iter().find(Diagnostic::is_error) {
            return Err(Failure::script(&file, d));
        }
        // The same file twice in the chain of `source`s would never end; the
        // chain starts at the file the run was given.
        let outermost = self.sourcing.is_empty();
        if outermost {
            self.sourcing.push(sourcing::Sourced::outermost(source));
        }
        let next = sourcing::Sourced::by(source, path);
        let result = match sourcing::refuse(&self.sourcing, &next, source, path) {
            Some(failure) => Err(failure),
            None => {
                self.sourcing.push(next);
                let result = self.run_stmts(&file, &script);
                self.sourcing.pop();
                result
            }
        };
        if outermost {
            self.sourcing.clear();
        }
        result
    }

    fn roll_back(&mut self, mut failure: Failure) -> Failure {
        if self.journal.is_empty() {
            self.end_record(true);
            failure.diagnostic.notes.push("nothing was changed".to_string());
            return failure;
        }
        self.applied = None;
        let mut rollback = self.journal.rollback(self.kernel.as_mut());
        for kernel in &mut self.parked {
            let more = self.journal.rollback(kernel.as_mut());
            rollback.undone += more.undone;
            rollback.failed.extend(more.failed);
            rollback.origins.extend(more.origins);
        }
        self.end_record(rollback.failed.is_empty());
        let mut lines: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // Where each line starts, to number thousands of places (a restored file's) quickly.
        let text = &failure.source.text;
        let starts: Vec<usize> =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        for (name, span) in &rollback.origins {
            let line = match name == &failure.source.name {
                true => format!("{}", starts.partition_point(|&start| start <= span.start as usize)),
                false => name.clone(),
            };
            // A loop in a script makes many changes on one line: name it once.
            if seen.insert(line.clone()) {
                lines.push(line);
            }
        }
        let changes = plural(rollback.undone, "change");
        let note = match rollback.failed.first() {
            None => format!(
                "rolled back the {changes} this run made (lines {}); the kernel is as it was",
                shortened(&lines)
            ),
            Some(e) => {
                format!("rolling back the {changes} this run made failed: {e}; check the kernel with `show`")
            }
        };
        failure.diagnostic.notes.push(note);
        failure
    }

    /// The namespace lvsh acts on, as the user named it (`gw`), when `use`
    /// or the lab chose it; `None` when it is where lvsh started.
    pub fn acting_on(&self) -> Option<&str> {
        self.chosen.as_deref()
    }

    /// Writes to the run's output.
    pub fn write(&mut self, text: &str) -> Result<(), Failure> {
        self.out.write_all(text.as_bytes()).map_err(|e| {
            let d = Diagnostic::error(
                "lvs::io::output",
                format!("cannot write output: {e}"),
                Span::default(),
                "",
            );
            Failure::environment(&Source::new("<output>", ""), d)
        })
    }
}

/// Places as a list short enough to read: a restored file of thousands of
/// lines names its first few and counts the rest.
fn shortened(places: &[String]) -> String {
    const SHOWN: usize = 10;
    match places.len() > SHOWN {
        true => format!("{} and {} more", places[..SHOWN].join(", "), places.len() - SHOWN),
        false => places.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_places_names_the_first_ten_and_counts_the_rest() {
        let places: Vec<String> = (1..=4000).map(|n| n.to_string()).collect();
        assert_eq!(shortened(&places), "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3990 more");
        assert_eq!(shortened(&places[..10]), "1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
    }
}
