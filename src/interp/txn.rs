//! The journal of a run: for every change applied, the operations that undo
//! it, so that a refused operation can put the kernel back as it was.

use crate::ipvs::{Kernel, KernelError, Netns, Op};
use crate::lang::source::Span;

/// One applied change and its undo.
#[derive(Debug, Clone)]
struct Entry {
    /// Where the change was written: a source in [`Journal::sources`], and the place in it.
    origin: (usize, Span),
    undo: Vec<Op>,
    /// The namespace whose IPVS the change went to (`use` can switch), in [`Journal::namespaces`].
    netns: usize,
}

/// Changes applied so far in a run, oldest first.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Vec<Entry>,
    /// The names of the sources and the namespaces the entries name, each
    /// once: a restore records tens of thousands of changes from one file.
    sources: Vec<String>,
    namespaces: Vec<Netns>,
}

/// The index of `item` in `list`, added at the end if missing; the last
/// one is looked at first, as consecutive entries share it.
fn index_of<T: PartialEq + ?Sized, U: std::borrow::Borrow<T>>(
    list: &mut Vec<U>,
    item: &T,
    owned: impl FnOnce() -> U,
) -> usize {
    if let Some(last) = list.len().checked_sub(1).filter(|&i| list[i].borrow() == item) {
        return last;
    }
    match list.iter().position(|x| x.borrow() == item) {
        Some(i) => i,
        None => {
            list.push(owned());
            list.len() - 1
        }
    }
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
    pub fn record(&mut self, source: &str, span: Span, undo: Vec<Op>, netns: &Netns) {
        let source = index_of(&mut self.sources, source, || source.to_string());
        let netns = index_of(&mut self.namespaces, netns, || netns.clone());
        self.entries.push(Entry { origin: (source, span), undo, netns });
    }

    /// Room for `more` changes (a batch of thousands).
    pub fn reserve(&mut self, more: usize) {
        self.entries.reserve(more);
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
        let netns = self.namespaces.iter().position(|n| *n == kernel.netns());
        let (entries, others): (Vec<Entry>, Vec<Entry>) =
            std::mem::take(&mut self.entries).into_iter().partition(|e| Some(e.netns) == netns);
        self.entries = others;
        let ops: Vec<Op> = entries.iter().rev().flat_map(|e| e.undo.iter().cloned()).collect();
        let failed = match kernel.apply(&ops) {
            Ok(outcomes) => outcomes.into_iter().filter_map(Result::err).collect(),
            Err(e) => vec![e],
        };
        let undone = entries.len();
        let origins = entries.into_iter().map(|e| (self.sources[e.origin.0].clone(), e.origin.1)).collect();
        Rollback { undone, failed, origins }
    }

    /// Forgets the changes made to a namespace that is gone.
    pub fn forget(&mut self, netns: &Netns) {
        let Some(gone) = self.namespaces.iter().position(|n| n == netns) else { return };
        self.entries.retain(|e| e.netns != gone);
    }

    /// Forgets the recorded changes: they are kept.
    pub fn commit(&mut self) {
        self.entries.clear();
    }
}
