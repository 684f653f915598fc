//! The journal of a run: for every change applied, the operations that undo
//! it, so that a refused operation can put the kernel back as it was.

use crate::ipvs::{Kernel, KernelError, Netns, Op};
use crate::lang::source::Span;

/// One applied change and its undo.
#[derive(Debug, Clone)]
struct Entry {
    /// Where in which source the change was written.
    origin: (String, Span),
    undo: Vec<Op>,
    /// The namespace whose IPVS the change went to (`use` can switch).
    netns: Netns,
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
    pub fn record(&mut self, source: &str, span: Span, undo: Vec<Op>, netns: Netns) {
        self.entries.push(Entry { origin: (source.to_string(), span), undo, netns });
    }

    /// How many changes are recorded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Undoes every recorded change made to `kernel`'s namespace, newest
    /// first, in one batch; changes to other namespaces stay recorded.
    pub fn rollback(&mut self, kernel: &mut dyn Kernel) -> Rollback {
        let netns = kernel.netns();
        let (entries, others): (Vec<Entry>, Vec<Entry>) =
            std::mem::take(&mut self.entries).into_iter().partition(|e| e.netns == netns);
        self.entries = others;
        let ops: Vec<Op> = entries.iter().rev().flat_map(|e| e.undo.iter().cloned()).collect();
        let failed = match kernel.apply(&ops) {
            Ok(outcomes) => outcomes.into_iter().filter_map(Result::err).collect(),
            Err(e) => vec![e],
        };
        Rollback { undone: entries.len(), failed, origins: entries.into_iter().map(|e| e.origin).collect() }
    }

    /// Forgets the changes made to a namespace that is gone.
    pub fn forget(&mut self, netns: &Netns) {
        self.entries.retain(|e| &e.netns != netns);
    }

    /// Forgets the recorded changes: they are kept.
    pub fn commit(&mut self) {
        self.entries.clear();
    }
}
