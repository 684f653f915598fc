//! `lvsh history`: the changes kept for a namespace, newest first.

use crate::converge::history::Entry;

/// One line per change: its number, when (UTC), what made it, what it changed.
pub fn list(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "no change recorded in this namespace yet\n".to_string();
    }
    let width = entries.iter().map(|e| e.command.chars().count()).max().unwrap_or(0).min(60);
    let mut out = String::new();
    for e in entries.iter().rev() {
        out += &format!("{:>4}  {}  {:<width$}  {}\n", e.number, utc(e.time), e.command, e.changes);
    }
    out + "`lvsh rollback N` returns to the table before change N; `lvsh history N` shows that table\n"
}

/// `lvsh history --json` (schema/history.schema.json): the changes, newest first.
pub fn json(namespace: &str, entries: &[Entry]) -> String {
    let changes: Vec<serde_json::Value> = entries.iter().rev().map(change).collect();
    format!("{:#}\n", serde_json::json!({ "namespace": namespace, "changes": changes }))
}

/// `lvsh history N --json` (schema/history-entry.schema.json): change N,
/// and the table before it as `.lvs` declarations (what `rollback N` applies).
pub fn entry_json(namespace: &str, entry: &Entry, before: &str) -> String {
    let mut value = change(entry);
    value["namespace"] = serde_json::json!(namespace);
    value["before"] = serde_json::json!(before);
    format!("{value:#}\n")
}

fn change(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "number": e.number, "time": e.time, "utc": utc(e.time), "command": e.command, "changes": e.changes,
    })
}

/// Seconds since the epoch as `2026-11-29 22:50:01` (UTC).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_796_423_401), "2026-12-04 22:30:01");
    }
}
