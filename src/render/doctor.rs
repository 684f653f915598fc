//! `doctor`'s findings: for people, each with what, where, why and the fix;
//! for machines, `{"findings": [{"severity", "code", "what", "where": {"node",
//! "interface", "service", "backend"}, "why", "fix"}]}` (absent parts null).

use serde_json::{json, Value};

use super::words::plural;
use crate::diagnose::Finding;

/// The findings as text; `director` names what was examined.
pub fn report(findings: &[Finding], director: &str) -> String {
    if findings.is_empty() {
        return format!("doctor: no problem found on {director}\n");
    }
    let mut text = format!("doctor: {} found on {director}\n", plural(findings.len(), "problem"));
    for f in findings {
        text += &format!("{} {}: {}\n", f.severity, f.code, f.what);
        let place: Vec<String> = f.place.parts().iter().map(|(k, v)| format!("{k} {v}")).collect();
        if !place.is_empty() {
            text += &format!("  where: {}\n", place.join(", "));
        }
        text += &format!("  why:   {}\n", f.why);
        match &f.fix {
            Some(fix) => text += &format!("  fix:   {fix}\n"),
            None => text += "  fix:   (none lvsh can tell: see why)\n",
        }
    }
    text
}

/// The findings as JSON, one object.
pub fn json(findings: &[Finding]) -> String {
    let findings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "severity": f.severity.to_string(),
                "code": f.code,
                "what": f.what,
                "where": {
                    "node": f.place.node,
                    "interface": f.place.interface,
                    "service": f.place.service,
                    "backend": f.place.backend,
                },
                "why": f.why,
                "fix": f.fix,
            })
        })
        .collect();
    format!("{}\n", json!({ "findings": findings }))
}

/// A finding as the likely cause of a lost connection, for `probe` and
/// `trace` in JSON: `{"code", "what", "fix"}`.
pub fn cause_json(f: &Finding) -> Value {
    json!({ "code": f.code, "what": f.what, "fix": f.fix })
}

/// `doctor --fix --json`: what was found, the fixes run, those left to the
/// user (`not_run`: `{"fix", "why"}`), and what is left.
pub fn json_fixed(
    found: &[Finding],
    ran: &[String],
    skipped: &[(String, String)],
    left: &[Finding],
) -> String {
    let value = |text: String| serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    let found = value(json(found))["findings"].take();
    let left = value(json(left))["findings"].take();
    let not_run: Vec<Value> = skipped.iter().map(|(fix, why)| json!({ "fix": fix, "why": why })).collect();
    format!("{}\n", json!({ "findings": found, "ran": ran, "not_run": not_run, "left": left }))
}

/// What `doctor --fix` ran, one line each, and the fixes it could not run.
pub fn fixes(ran: &[String], skipped: &[(String, String)]) -> String {
    let mut text = String::new();
    for line in ran {
        text += &format!("fixed: ran `{line}`\n");
    }
    for (line, why) in skipped {
        text += &format!("not run: `{line}`: {why}\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Place, Severity};

    fn finding() -> Finding {
        Finding {
            severity: Severity::Error,
            code: "doctor::no-reply-path",
            what: "int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1".into(),
            place: Place { node: Some("int1".into()), service: Some("web".into()), ..Place::default() },
            why: "replies must pass through gw".into(),
            fix: Some("int1 ip route add default via 10.10.0.1".into()),
        }
    }

    #[test]
    fn a_finding_reads_what_where_why_and_fix() {
        assert_eq!(
            report(&[finding()], "gw"),
            "doctor: 1 problem found on gw\n\
             error doctor::no-reply-path: int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1\n  \
             where: node int1, service web\n  \
             why:   replies must pass through gw\n  \
             fix:   int1 ip route add default via 10.10.0.1\n"
        );
        assert_eq!(report(&[], "gw"), "doctor: no problem found on gw\n");
    }

    #[test]
    fn json_keeps_every_part_and_nulls_the_unknown() {
        let v: Value = serde_json::from_str(&json(&[finding()])).unwrap();
        let f = &v["findings"][0];
        assert_eq!(f["code"], "doctor::no-reply-path");
        assert_eq!(f["where"]["node"], "int1");
        assert_eq!(f["where"]["interface"], Value::Null);
        assert_eq!(f["fix"], "int1 ip route add default via 10.10.0.1");
    }
}
