//! `lvsh keep --status`: the health of each backend the keeper checks, as
//! it last wrote it (`/run/lvsh/keep/NAMESPACE.json`, whose shape is
//! schema/keep-status.schema.json and what `--json` prints).

use serde_json::Value;

/// One row per backend: service, backend, passing or failing (and for how
/// many checks), drained, and the last failure's reason.
pub fn text(state: &Value) -> String {
    let backends = state.get("backends").and_then(Value::as_array).cloned().unwrap_or_default();
    if backends.is_empty() {
        return "the keeper checks no backend (no `health` in its files)\n".to_string();
    }
    let word = |b: &Value, key: &str| b.get(key).and_then(Value::as_str).unwrap_or("-").to_string();
    let mut rows =
        vec![["service", "backend", "health", "weight", "last failure"].map(String::from).to_vec()];
    for b in &backends {
        let streak = b.get("streak").and_then(Value::as_u64).unwrap_or(0);
        let health = match b.get("passing").and_then(Value::as_bool) {
            Some(true) => format!("passing ({streak} in a row)"),
            Some(false) => format!("failing ({streak} in a row)"),
            None => "not checked yet".to_string(),
        };
        let drained = match b.get("drained").and_then(Value::as_bool) {
            Some(true) => "drained (0)",
            _ => "as declared",
        };
        rows.push(vec![
            word(b, "service"),
            word(b, "backend"),
            health,
            drained.to_string(),
            word(b, "reason"),
        ]);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_reads_as_a_row() {
        let state = serde_json::json!({"backends": [
            {"service": "web", "key": "TCP 111.111.0.1:80", "backend": "10.10.0.2:8000", "drained": false,
             "passing": true, "streak": 3, "reason": null},
            {"service": "web", "key": "TCP 111.111.0.1:80", "backend": "10.10.0.3:8000", "drained": true,
             "passing": false, "streak": 2, "reason": "connection refused"},
        ]});
        assert_eq!(
            text(&state),
            "service  backend         health                weight       last failure\n\
             web      10.10.0.2:8000  passing (3 in a row)  as declared  -\n\
             web      10.10.0.3:8000  failing (2 in a row)  drained (0)  connection refused\n"
        );
        assert_eq!(
            text(&serde_json::json!({"backends": []})),
            "the keeper checks no backend (no `health` in its files)\n"
        );
    }
}
