//! The journal of a run: for every change applied, the operations that undo
//! it, so that a refused operation can put the kernel back as it was.

use crate::ipvs::{Kernel, KernelError, Op};
use crate::lang::source::Span;

/// One applied change and its undo.
#[derive(Debug, Clone)]
struct Entry {
    /// Where in which source the change was written.
    origin: (String, Span),
    undo: Vec<Op>,
}

/// Changes applied so far in a run, oldest first.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Vec<Entry>,
}

/// What a rollback did.
#[derive(Debug)]
pub struct Rollback {
    /// Changes undone.
    pub undone: usize,
    /// Undo operations the kernel refused, if any.
    pub failed: Vec<KernelError>,
    /// The places of the changes that were undone, oldest first.
    pub origins: Vec<(String, Span)>,
}

impl Journal {
    /// Records an applied change.
    pub fn record(&mut self, source: &str, span: Span, undo: Vec<Op>) {
        self.entries.push(Entry { origin: (source.to_string(), span), undo });
    }

    /// How many changes are recorded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Undoes every recorded change, newest first, in one batch.
    pub fn rollback(&mut self, kernel: &mut dyn Kernel) -> Rollback {
        let entries = std::mem::take(&mut self.entries);
        let ops: Vec<Op> = entries.iter().rev().flat_map(|e| e.undo.iter().cloned()).collect();
        let failed = match kernel.apply(&ops) {
            Ok(outcomes) => outcomes.into_iter().filter_map(Result::err).collect(),
            Err(e) => vec![e],
        };
        Rollback { undone: entries.len(), failed, origins: entries.into_iter().map(|e| e.origin).collect() }
    }

    /// Forgets the recorded changes: they are kept.
    pub fn commit(&mut self) {
        self.entries.clear();
    }
}
