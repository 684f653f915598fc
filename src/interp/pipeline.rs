//! The windows of a long stretch of declarations, sent while the next is
//! planned. A run of a table of thousands used to plan it all, then wait
//! for the kernel to take it: the kernel's half of the time and lvsh's
//! came one after the other. Here each full window (a few thousand steps)
//! has its undo put on disk, then goes to a [`Writer`] thread that
//! sends it on a second connection to the same IPVS, and the planning goes
//! on. Answers are journaled in order, as [`Interpreter::send`] journals a
//! batch, so a refusal, a failed plan or a signal later in the stretch
//! rolls back every window the kernel took.
//!
//! Reads and writes on two connections do not cross: a plan reads a
//! service's backends before it plans any step on that service, so no
//! window in flight ever touches what is being read.

use std::collections::VecDeque;

use super::apply::Batch;
use super::failure::refusal;
use super::staged::Steps;
use super::{Failure, Interpreter};
use crate::ipvs::writer::Writer;
use crate::ipvs::Op;
use crate::lang::source::{Source, Span};

/// At most this many windows wait for the kernel: one being sent, one
/// behind it, so the kernel never waits for lvsh and lvsh's memory of
/// planned steps stays a few windows.
const WAITING: usize = 2;

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
    /// Sends the stretch's planned steps as a window if they fill one,
    /// starting the writer at the first; without a second connection the
    /// stretch goes as one batch at its end instead.
    pub(super) fn send_full_window(&mut self, source: &Source) -> Result<(), Failure> {
        let Some(staged) = &mut self.staged else { return Ok(()) };
        if !staged.fills_window() {
            return Ok(());
        }
        if self.pipeline.is_none() {
            match self.kernel.another() {
                Some(kernel) => {
                    self.pipeline = Some(Pipeline { writer: Writer::start(kernel), windows: VecDeque::new() })
                }
                None => {
                    staged.unwindowed();
                    return Ok(());
                }
            }
        }
        match staged.full_window() {
            Some(steps) => self.send_window(source, steps),
            None => Ok(()),
        }
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

    /// The rest of a stretch, after its last full window: sent, then every
    /// window answered and journaled; the first refusal among them, if any.
    pub(super) fn send_last_window(&mut self, source: &Source, steps: Steps) -> Result<(), Failure> {
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
