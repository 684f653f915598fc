//! `watch`: a listing with the numbers that changed since the last refresh
//! highlighted (when color is on).

use colored::Colorize;
use serde_json::{json, Value};

use crate::ipvs::ServiceKey;
use crate::keep::events::TableChange;

/// A change as a JSON event: `event` (`backend-changed` ...), `service`
/// (its name, or its key), `key`, `backend` where it is one, `from` and
/// `to` (the settings as lvsh declares them) where they apply, and `time`
/// (seconds since 1970) when given.
pub fn change_json(
    change: &TableChange,
    name_of: &dyn Fn(&ServiceKey) -> Option<String>,
    time: Option<f64>,
) -> Value {
    let (service, backend, from, to) = match change {
        TableChange::ServiceAdded { service, to } => (service, None, None, Some(to)),
        TableChange::ServiceRemoved { service, from } => (service, None, Some(from), None),
        TableChange::ServiceChanged { service, from, to } => (service, None, Some(from), Some(to)),
        TableChange::BackendAdded { service, backend, to } => (service, Some(backend), None, Some(to)),
        TableChange::BackendRemoved { service, backend, from } => (service, Some(backend), Some(from), None),
        TableChange::BackendChanged { service, backend, from, to } => {
            (service, Some(backend), Some(from), Some(to))
        }
    };
    let mut event = json!({
        "event": change.kind(),
        "service": name_of(service).unwrap_or_else(|| service.to_string()),
        "key": service.to_string(),
    });
    if let Value::Object(map) = &mut event {
        if let Some(t) = time {
            map.insert("time".into(), json!((t * 1000.0).round() / 1000.0));
        }
        if let Some(b) = backend {
            map.insert("backend".into(), json!(b.to_string()));
        }
        if let Some(f) = from {
            map.insert("from".into(), json!(f));
        }
        if let Some(t) = to {
            map.insert("to".into(), json!(t));
        }
    }
    event
}

/// `current` with every word that differs from the same place in `previous`
/// highlighted; the first refresh (no previous) is shown as it is.
pub fn mark_changes(previous: &str, current: &str) -> String {
    mark_with(previous, current, &|word| word.yellow().bold().to_string())
}

fn mark_with(previous: &str, current: &str, highlight: &dyn Fn(&str) -> String) -> String {
    if previous.is_empty() {
        return current.to_string();
    }
    let old: Vec<&str> = previous.lines().collect();
    current
        .lines()
        .enumerate()
        .map(|(i, line)| mark_line(old.get(i).copied().unwrap_or(""), line, highlight))
        .map(|line| line + "\n")
        .collect()
}

/// Keeps the line's spacing; highlights words that changed.
fn mark_line(old: &str, line: &str, highlight: &dyn Fn(&str) -> String) -> String {
    let old_words: Vec<&str> = old.split_whitespace().collect();
    let mut out = String::new();
    let mut index = 0;
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        match old_words.get(index) {
            Some(before) if before == &word => out.push_str(word),
            _ => out.push_str(&highlight(word)),
        }
        rest = &rest[end..];
        index += 1;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_numbers_are_highlighted_and_spacing_kept() {
        let marked =
            mark_with("TCP  1.1.1.1:80   3   10\n", "TCP  1.1.1.1:80   3   12\n", &|w| format!("[{w}]"));
        assert_eq!(marked, "TCP  1.1.1.1:80   3   [12]\n");
    }

    #[test]
    fn the_first_refresh_is_shown_as_it_is() {
        assert_eq!(mark_with("", "a 2\n", &|w| format!("[{w}]")), "a 2\n");
    }
}
