//! Errors and warnings about a script, as data: what, where, and what to do.
//! `render::diagnostic` draws them.

use super::source::Span;

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A labelled place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One problem found in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `lvs::parse::unknown-option`.
    pub code: &'static str,
    pub message: String,
    /// The place at fault, with what was expected there.
    pub primary: Label,
    /// Related places (the service a backend belongs to, an unclosed `{`).
    pub secondary: Vec<Label>,
    /// The fix, when there is one to suggest.
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label { span, text: label.into() },
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message, span, label) }
    }

    /// The same diagnostic with a suggested fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with a related place.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, text: text.into() });
        self
    }

    /// The same diagnostic with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether this stops a run.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest of `candidates` to `word`, if close enough to suggest.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    near.or_else(|| unique_start(word, &candidates))
}

/// The one candidate that `word` begins (`--drain` for `--drain-failed`),
/// if `word` has at least three letters.
fn unique_start<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.trim_start_matches('-').len() < 3 {
        return None;
    }
    match candidates.iter().filter(|c| c.starts_with(word) && c.len() > word.len()).collect::<Vec<_>>()[..] {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_keyword() {
        assert_eq!(suggest("wieght", ["weight", "upper", "lower"]), Some("weight"));
        assert_eq!(suggest("wrrr", ["rr", "wrr", "lc"]), Some("wrr"));
        assert_eq!(suggest("zzzzzz", ["weight", "upper"]), None);
    }
}
