//! The editor's helper: rustyline asks it for completions, hints and
//! colors; it answers from the pure functions beside it, over the latest
//! catalog snapshot and the lines of a block typed so far.

use std::borrow::Cow;
use std::cell::RefCell;

use colored::Colorize;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::SearchDirection;
use rustyline::validate::Validator;
use rustyline::Context;

use super::catalog::Names;
use super::complete::{complete, Model};
use super::highlight::{paint, styles};
use super::hint::{hint, LineHint};
use super::refresh::Snapshots;

/// What the editor consults while a line is edited.
pub struct Helper {
    snapshots: Snapshots,
    /// Names the session gave, as of the last line run.
    pub names: Names,
    /// The earlier lines of a block still open, each ending in a newline.
    pub pending: RefCell<String>,
}

impl Helper {
    /// A helper reading the refresher's snapshots.
    pub fn new(snapshots: Snapshots) -> Helper {
        Helper { snapshots, names: Names::new(), pending: RefCell::new(String::new()) }
    }
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pending = self.pending.borrow();
        let text = format!("{pending}{}", line.get(..pos).unwrap_or(line));
        let catalog = self.snapshots.get();
        let (start, candidates) = complete(&text, Model { catalog: &catalog, names: &self.names });
        let pairs = candidates.into_iter().map(|c| Pair { display: c.display, replacement: c.replacement });
        Ok((start.saturating_sub(pending.len()), pairs.collect()))
    }
}

impl Hinter for Helper {
    type Hint = LineHint;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<LineHint> {
        if pos < line.len() {
            return None;
        }
        let pending = self.pending.borrow();
        let history = ctx.history();
        let newest = history.len().saturating_sub(1);
        let from_history = match pending.is_empty() && !line.is_empty() {
            true => history.starts_with(line, newest, SearchDirection::Reverse).ok().flatten(),
            false => None,
        };
        let catalog = self.snapshots.get();
        let text = format!("{pending}{line}");
        hint(
            &text,
            from_history.as_ref().map(|r| r.entry.as_ref()),
            Model { catalog: &catalog, names: &self.names },
        )
    }
}

impl Highlighter for Helper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        let catalog = self.snapshots.get();
        let styles = styles(&self.pending.borrow(), line, Model { catalog: &catalog, names: &self.names });
        match styles.is_empty() {
            true => Cow::Borrowed(line),
            false => Cow::Owned(paint(line, &styles)),
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(hint.dimmed().to_string())
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        true
    }
}

/// Blocks are gathered by the shell itself, one line and prompt at a time.
impl Validator for Helper {}

impl rustyline::Helper for Helper {}
