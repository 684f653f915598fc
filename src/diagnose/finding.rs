//! What a check found: how bad, what, where, why it breaks traffic, and
//! the line that fixes it.

use std::fmt;
use std::net::SocketAddr;

use crate::probe::names::Names;

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

/// The findings that may explain a connection lost on its way to `backend`:
/// those about it (as `names` prints it) or its node, and the director's own
/// (on no other node, about no backend).
pub fn relevant(
    found: Vec<Finding>,
    backend: Option<SocketAddr>,
    director: &str,
    names: &Names,
) -> Vec<Finding> {
    let node = backend.and_then(|b| names.of(b.ip()));
    let shown = backend.map(|b| names.addr(b));
    found
        .into_iter()
        .filter(|f| {
            let about_backend = f.place.backend.is_some() && f.place.backend == shown;
            let on_its_node = f.place.node.is_some() && f.place.node.as_deref() == node;
            let directors_own =
                f.place.backend.is_none() && f.place.node.as_deref().is_none_or(|n| n == director);
            about_backend || on_its_node || directors_own
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(node: Option<&str>, backend: Option<&str>) -> Finding {
        Finding {
            severity: Severity::Error,
            code: "doctor::test",
            what: String::new(),
            place: Place {
                node: node.map(str::to_string),
                backend: backend.map(str::to_string),
                ..Place::default()
            },
            why: String::new(),
            fix: None,
        }
    }

    #[test]
    fn a_lost_connection_is_explained_by_its_backend_its_node_and_the_director() {
        let names = Names::new([("10.10.0.2".parse().unwrap(), "int1".to_string())]);
        let found = vec![
            at(Some("int1"), Some("10.10.0.2:8000 (int1)")),
            at(Some("int1"), None),
            at(Some("gw"), None),
            at(None, None),
            // Another port of the same address is another backend.
            at(None, Some("10.10.0.2:80 (int1)")),
            at(Some("int2"), Some("10.10.0.3:8000 (int2)")),
        ];
        let kept = relevant(found, "10.10.0.2:8000".parse().ok(), "gw", &names);
        let places: Vec<(Option<&str>, Option<&str>)> =
            kept.iter().map(|f| (f.place.node.as_deref(), f.place.backend.as_deref())).collect();
        assert_eq!(
            places,
            vec![
                (Some("int1"), Some("10.10.0.2:8000 (int1)")),
                (Some("int1"), None),
                (Some("gw"), None),
                (None, None)
            ]
        );
    }
}
