//! What a check found: how bad, what, where, why it breaks traffic, and
//! the line that fixes it.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Traffic is lost now.
    Error,
    /// Traffic goes where it should not, or will be lost when the table changes.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Where a finding is: each part that applies, as the user names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The node (lab name) or namespace.
    pub node: Option<String>,
    pub interface: Option<String>,
    /// The service, by its name or `tcp ADDR:PORT`.
    pub service: Option<String>,
    /// The backend, with its node's name when it has one: `10.10.0.2:8000 (int1)`.
    pub backend: Option<String>,
}

impl Place {
    /// The parts that are known, in the order node, interface, service, backend.
    pub fn parts(&self) -> Vec<(&'static str, &str)> {
        [
            ("node", &self.node),
            ("interface", &self.interface),
            ("service", &self.service),
            ("backend", &self.backend),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Stable, for scripts and the docs: `doctor::no-reply-path`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub what: String,
    pub place: Place,
    /// Why it breaks traffic, in one sentence.
    pub why: String,
    /// A line that fixes it, as it can be pasted into lvsh; `None` when only
    /// the user can tell what the right fix is.
    pub fix: Option<String>,
}
