//! The one way changes reach the kernel: a planned change is sent in one
//! batch and each step that took effect is journaled with its undo (or,
//! while explaining, only collected).

use super::failure::refusal;
use super::pipeline::Steps;
use super::plan::Change;
use super::recovery::{run_dir, RunRecord};
use super::{Failure, Interpreter};
use crate::ipvs::{Kernel, KernelError, Op, Outcomes};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};

/// Operations to send at once, each with its place in a source and its
/// undo, kept in three lists: [`Kernel::apply`] takes the operations as one
/// slice, and a batch of a restore or a run holds tens of thousands (taking
/// one list of tuples apart cost a copy of all of them, at the run's peak of
/// memory).
#[derive(Default)]
pub(super) struct Batch<'s> {
    pub places: Vec<(&'s Source, Span)>,
    pub ops: Vec<Op>,
    pub undos: Vec<Vec<Op>>,
}

impl<'s> Batch<'s> {
    /// Planned steps, each at its place in `source`.
    pub fn of(source: &'s Source, steps: Steps) -> Batch<'s> {
        let Steps { spans, ops, undos } = steps;
        Batch { places: spans.into_iter().map(|span| (source, span)).collect(), ops, undos }
    }

    fn push(&mut self, (source, span, op, undo): (&'s Source, Span, Op, Vec<Op>)) {
        self.places.push((source, span));
        self.ops.push(op);
        self.undos.push(undo);
    }
}

impl<'s> FromIterator<(&'s Source, Span, Op, Vec<Op>)> for Batch<'s> {
    fn from_iter<I: IntoIterator<Item = (&'s Source, Span, Op, Vec<Op>)>>(steps: I) -> Batch<'s> {
        let steps = steps.into_iter();
        let room = steps.size_hint().0;
        let mut batch = Batch {
            places: Vec::with_capacity(room),
            ops: Vec::with_capacity(room),
            undos: Vec::with_capacity(room),
        };
        steps.for_each(|step| batch.push(step));
        batch
    }
}

impl Interpreter {
    /// Puts the undo of a batch on disk before the batch goes: after a
    /// crash, `lvsh recover` finds it there. Returns the batch's number in
    /// the record.
    pub(super) fn write_ahead(
        &mut self,
        source: &Source,
        span: Span,
        undos: &[Vec<Op>],
    ) -> Result<usize, Failure> {
        let netns = self.kernel.netns();
        if self.history && self.before.is_none() {
            // Not readable: the run goes on, without a history entry.
            let live = self.live().ok();
            self.keep_before(live);
        }
        let record = match &mut self.record {
            Some(record) => record,
            None => self.record.insert(RunRecord::create().map_err(|e| unrecorded(source, span, e))?),
        };
        record.intend(&netns, undos).map_err(|e| unrecorded(source, span, e))
    }

    /// Keeps `live` as the table before the run's first write, for the
    /// history, with the replay that follows the run's writes on it.
    fn keep_before(&mut self, live: Option<crate::converge::Live>) {
        self.before = live.map(|live| (self.kernel.netns(), live));
        self.applied = self.before.as_ref().map(|(_, live)| crate::converge::Replay::of(live));
    }

    /// Before a stretch's first write, when it is the run's first: the
    /// table as the stretch read it (one dump, and the backends it or its
    /// prefetch read) is the table before, so the history reads no second
    /// table of thousands (in a guest, 0.18 s of a run that changed one
    /// weight among 5,000 services). Otherwise the first write reads it
    /// ([`Interpreter::write_ahead`]).
    pub(super) fn keep_before_from(&mut self, staged: &mut super::staged::Staged) {
        if !self.history || self.before.is_some() || self.record.is_some() {
            return;
        }
        let Some(table) = staged.table_before(self.kernel.as_mut()) else { return };
        if let Ok(timeouts) = self.kernel.timeouts() {
            self.keep_before(Some(crate::converge::Live::of(table, timeouts)));
        }
    }

    /// Plans a change against the kernel as it is, then applies it.
    pub(super) fn apply_planned(
        &mut self,
        source: &Source,
        span: Span,
        plan: impl FnOnce(&mut dyn Kernel) -> Result<Change, KernelError>,
    ) -> Result<(), Failure> {
        let change = self.reading(plan).map_err(|e| refusal(source, span, e))?;
        self.apply(source, span, change)
    }

    /// Applies a change in one batch; each step that took effect is
    /// journaled. In a stretch of declarations it is staged instead, and
    /// goes with the stretch.
    pub(super) fn apply(&mut self, source: &Source, span: Span, change: Change) -> Result<(), Failure> {
        match &mut self.staged {
            Some(staged) => {
                staged.stage(span, change);
                self.send_full_window(source)
            }
            None => {
                let mut steps = Steps::default();
                steps.push(span, change);
                self.send(Batch::of(source, steps))
            }
        }
    }

    /// Sends operations in one batch, each written at a place in a source
    /// (`apply` converges several files at once); each that took effect is
    /// journaled with its undo, and a refusal points at the first refused
    /// one's place.
    pub(super) fn send(&mut self, batch: Batch) -> Result<(), Failure> {
        let Batch { places, ops, undos } = batch;
        let Some(&(source, first)) = places.first() else {
            return Ok(());
        };
        if let Some(plan) = &mut self.plan {
            plan.extend(ops);
            return Ok(());
        }
        self.writes += 1;
        let number = self.write_ahead(source, first, &undos)?;
        let outcomes = self.kernel.apply(&ops).map_err(|e| refusal(source, first, e))?;
        self.settle(Batch { places, ops, undos }, number, outcomes)
    }

    /// Journals each step of batch `number` of the record that took effect,
    /// with its undo, once the kernel answered; a refusal points at the
    /// first refused step's place.
    pub(super) fn settle(&mut self, batch: Batch, number: usize, outcomes: Outcomes) -> Result<(), Failure> {
        let Batch { places, ops, undos } = batch;
        let netns = self.kernel.netns();
        // The history replays what the kernel took in the namespace it began in.
        let replays = matches!(&self.before, Some((began, _)) if *began == netns);
        let mut first_error = None;
        let mut took = Vec::with_capacity(ops.len());
        self.journal.reserve(ops.len());
        for (step, ((outcome, (source, span)), undo)) in
            outcomes.into_iter().zip(places).zip(undos).enumerate()
        {
            match outcome {
                Ok(()) => {
                    took.push(step);
                    self.journal.record(&source.name, span, undo, &netns);
                }
                Err(e) => {
                    first_error.get_or_insert((source, span, e));
                }
            }
        }
        if let (true, Some(after)) = (replays, &mut self.applied) {
            let fits = took.iter().all(|&step| after.play(&ops[step]).is_some());
            if !fits {
                self.applied = None;
            }
        }
        if let Some(record) = &mut self.record {
            // Not synced: a crash before it only makes `recover` try every step.
            let _ = record.applied(number, &took);
        }
        match first_error {
            None => Ok(()),
            Some((source, span, e)) => Err(refusal(source, span, e)),
        }
    }
}

/// A run that cannot keep its undo on disk does not write to the kernel.
fn unrecorded(source: &Source, span: Span, e: std::io::Error) -> Failure {
    let d = Diagnostic::error(
        "lvs::run::unrecorded",
        format!("cannot keep this run's undo in {}: {e}", run_dir().display()),
        span,
        "before this change",
    )
    .with_help("lvsh keeps it there to undo a run that was killed; run as root, or set LVSH_RUN_DIR");
    Failure::environment(source, d)
}
