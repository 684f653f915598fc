//! The chain of `source`d files: a file that sources itself (directly or
//! through others) would run forever, and a chain too long is surely a
//! mistake; both are refused with the chain shown, before the file runs.

use std::path::PathBuf;

use super::Failure;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Spanned};

/// How many `source`s may be open at once.
pub const MAX_DEPTH: usize = 16;

/// One file of the chain.
#[derive(Debug, Clone)]
pub struct Sourced {
    /// The file, canonical where it can be resolved.
    pub file: PathBuf,
    /// The `source` statement that opened it, as `file:line` (none for the
    /// file the run was given).
    pub site: Option<String>,
}

impl Sourced {
    /// The file the run was given (a `-c` text or stdin is no file, and never matches one).
    pub fn outermost(source: &Source) -> Sourced {
        Sourced { file: identity(&source.name), site: None }
    }

    /// The file `path` names, opened by the `source` at `path` in `source`.
    pub fn by(source: &Source, path: &Spanned<String>) -> Sourced {
        let line = source.line_col(path.span.start as usize).0;
        Sourced { file: identity(&path.value), site: Some(format!("{}:{line}", source.name)) }
    }
}

/// A file as the chain compares them: canonical, so `./a.lvs` is `a.lvs`.
fn identity(name: &str) -> PathBuf {
    std::fs::canonicalize(name).unwrap_or_else(|_| PathBuf::from(name))
}

/// The failure for opening `next` inside `open`, if it may not be.
pub fn refuse(open: &[Sourced], next: &Sourced, source: &Source, path: &Spanned<String>) -> Option<Failure> {
    let (code, message, label, help) = if open.iter().any(|s| s.file == next.file) {
        (
            "lvs::source::cycle",
            format!("`{}` is already being run: sourcing it again would never end", path.value),
            "sources itself",
            "remove the `source` that closes the loop",
        )
    } else if open.len() > MAX_DEPTH {
        (
            "lvs::source::too-deep",
            format!("`source` is nested more than {MAX_DEPTH} deep"),
            "one `source` too many",
            "source the files one after another instead of each from the last",
        )
    } else {
        return None;
    };
    let mut d = Diagnostic::error(code, message, path.span, label).with_help(help);
    d.notes = open
        .iter()
        .chain(std::iter::once(next))
        .filter_map(|s| s.site.as_ref().map(|site| format!("{site} sources {}", s.file.display())))
        .collect();
    Some(Failure::script(source, d))
}
