//! Windows of a long batch, sent while the next is planned: a stretch of
//! thousands of declarations ([`super::staged`]) and a restore's lines. A
//! run of a table of thousands used to plan it all, then wait for the
//! kernel to take it: the kernel's half of the time and lvsh's came one
//! after the other. Here each full window (a few thousand steps) has its
//! undo put on disk, is encoded, and goes to a [`Writer`] thread that sends
//! it on a second connection to the same IPVS, while the planning goes on.
//! Answers are journaled in order, as [`Interpreter::send`] journals a
//! batch, so a refusal, a failed plan or a signal later on rolls back every
//! window the kernel took.
//!
//! Reads and writes on two connections do not cross: a declaration's plan
//! reads a service's backends before it plans any step on that service,
//! and a restore sends and settles every window before a line whose plan
//! reads the kernel; so no window in flight touches what is being read.
//! Not under `--keep-going` (a refusal skips only its own statement),
//! `explain`, or a group of namespaces: there a batch goes whole.

use std::collections::VecDeque;

use super::apply::Batch;
use super::failure::refusal;
use super::plan::Change;
use super::{Failure, Interpreter};
use crate::ipvs::writer::Writer;
use crate::ipvs::Op;
use crate::lang::source::{Source, Span};

/// At most this many windows wait for the kernel: one being sent, one
/// behind it, so the kernel never waits for lvsh and lvsh's memory of
/// planned steps stays a few windows.
const WAITING: usize = 2;

/// Steps in the first window: few, so that the kernel gets work soon; each
/// next window is twice the last, up to [`WINDOW`].
const FIRST_WINDOW: usize = 512;

/// Steps per window at most: many, so that each costs one record write in
/// thousands of steps; not too many, so that the last one, sent after all
/// is planned, is soon taken.
const WINDOW: usize = 4096;

/// Planned steps: each one's place, operation and undo, in three lists
/// (see [`Batch`]).
#[derive(Default)]
pub(super) struct Steps {
    pub spans: Vec<Span>,
    pub ops: Vec<Op>,
    pub undos: Vec<Vec<Op>>,
}

impl Steps {
    /// Adds a planned change's steps, each at `span`.
    pub fn push(&mut self, span: Span, change: Change) {
        for (op, undo) in change.steps {
            self.spans.push(span);
            self.ops.push(op);
            self.undos.push(undo);
        }
    }
}

/// How many steps fill the next window of a batch.
pub(super) struct WindowSize(usize);

impl Default for WindowSize {
    fn default() -> WindowSize {
        WindowSize(FIRST_WINDOW)
    }
}

impl WindowSize {
    /// Never full: the batch goes whole.
    pub fn never() -> WindowSize {
        WindowSize(usize::MAX)
    }

    fn filled_by(&self, steps: &Steps) -> bool {
        steps.ops.len() >= self.0
    }

    fn grow(&mut self) {
        self.0 = self.0.saturating_mul(2).min(WINDOW);
    }
}

/// Windows sent and not yet answered.
pub(super) struct Pipeline {
    writer: Writer,
    windows: VecDeque<Window>,
}

/// What the journal needs of a window once it is answered (the writer
/// hands its operations back).
struct Window {
    spans: Vec<Span>,
    undos: Vec<Vec<Op>>,
    /// Its batch number in the run's record.
    number: usize,
}

impl Interpreter {
    /// Sends the stretch's planned steps as a window if they fill one.
    pub(super) fn send_full_window(&mut self, source: &Source) -> Result<(), Failure> {
        // Asked after every declaration (25,000 in a big table): the staged
        // table moves out only when a window is full.
        let Some(staged) = &mut self.staged else { return Ok(()) };
        let (steps, size) = staged.window();
        if !size.filled_by(steps) {
            return Ok(());
        }
        let Some(mut staged) = self.staged.take() else { return Ok(()) };
        self.keep_before_from(&mut staged);
        let (steps, size) = staged.window();
        let sent = self.send_if_full(source, steps, size);
        self.staged = Some(staged);
        sent
    }

    /// Sends `steps` as a window of `source` if they fill one of `size`,
    /// starting the writer at the first; where there can be none (see the
    /// module doc), the steps stay, to go whole.
    pub(super) fn send_if_full(
        &mut self,
        source: &Source,
        steps: &mut Steps,
        size: &mut WindowSize,
    ) -> Result<(), Failure> {
        if !size.filled_by(steps) {
            return Ok(());
        }
        if !self.writer_ready() {
            *size = WindowSize::never();
            return Ok(());
        }
        size.grow();
        self.send_window(source, std::mem::take(steps))
    }

    /// Whether windows can go: the writer runs, or starts now on a second
    /// connection to the kernel.
    fn writer_ready(&mut self) -> bool {
        let whole = self.keep_going || self.plan.is_some() || !self.group.is_empty();
        if self.pipeline.is_none() && !whole {
            if let Some(kernel) = self.kernel.another() {
                self.pipeline = Some(Pipeline { writer: Writer::start(kernel), windows: VecDeque::new() });
            }
        }
        self.pipeline.is_some()
    }

    /// Puts a window's undo on disk and queues it for the writer; waits
    /// while more than [`WAITING`] windows are in flight. Without a writer
    /// the window goes as a batch of its own.
    fn send_window(&mut self, source: &Source, steps: Steps) -> Result<(), Failure> {
        if self.pipeline.is_none() {
            return self.send(Batch::of(source, steps));
        }
        let Steps { spans, ops, undos } = steps;
        let Some(&first) = spans.first() else { return Ok(()) };
        let number = self.write_ahead(source, first, &undos)?;
        self.writes += 1;
        // Encoded here, while the writer sends the window before.
        let prepared = self.kernel.prepare(ops);
        if let Some(pipeline) = &mut self.pipeline {
            pipeline.writer.send(prepared);
            pipeline.windows.push_back(Window { spans, undos, number });
        }
        while self.pipeline.as_ref().is_some_and(|p| p.writer.in_flight() > WAITING) {
            self.settle_window(source)?;
        }
        Ok(())
    }

    /// The steps left after the last full window: sent (whole, when no
    /// window went), then every window answered and journaled; the first
    /// refusal among them, if any.
    pub(super) fn send_and_settle(&mut self, source: &Source, steps: Steps) -> Result<(), Failure> {
        let sent = self.send_window(source, steps);
        let settled = self.settle_windows(source);
        sent.and(settled)
    }

    /// Waits for every window in flight and journals each; the first
    /// refusal among them, if any. The writer stops.
    pub(super) fn settle_windows(&mut self, source: &Source) -> Result<(), Failure> {
        let mut first = Ok(());
        while self.pipeline.as_ref().is_some_and(|p| p.writer.in_flight() > 0) {
            let settled = self.settle_window(source);
            if first.is_ok() {
                first = settled;
            }
        }
        self.pipeline = None;
        first
    }

    /// Journals the oldest window in flight once the kernel answered it.
    fn settle_window(&mut self, source: &Source) -> Result<(), Failure> {
        let Some(pipeline) = &mut self.pipeline else { return Ok(()) };
        let (Some(window), Some((ops, outcomes))) = (pipeline.windows.pop_front(), pipeline.writer.answer())
        else {
            return Ok(());
        };
        let Window { spans, undos, number } = window;
        let first = spans.first().copied().unwrap_or_default();
        let outcomes = outcomes.map_err(|e| refusal(source, first, e))?;
        self.settle(Batch::of(source, Steps { spans, ops, undos }), number, outcomes)
    }
}
