//! `check`'s report: each backend connected to directly from the director,
//! what `--drain-failed` changed, and what stops the backends that answer
//! from serving clients through the service.

use std::net::SocketAddr;
use std::time::Duration;

use crate::diagnose::Finding;
use crate::probe::names::Names;

/// One backend's check.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub backend: SocketAddr,
    /// How long the connection took, or why it failed.
    pub state: Result<Duration, String>,
    pub weight: u32,
    /// The weight `--drain-failed` set: 0 drained, the old one restored.
    pub new_weight: Option<u32>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub service: String,
    pub director: &'a str,
    pub backends: Vec<Checked>,
    /// doctor's findings about the backends that answered (or the director).
    pub not_through: Vec<Finding>,
}

/// As people read it.
pub fn text(report: &Report<'_>, names: &Names) -> String {
    let Report { service, director, .. } = report;
    // Say what was tested: the backends from the director, not the service as clients see it.
    let mut text = format!(
        "check {service}: each backend connected to directly from {director} \
         (clients go through the service itself: `probe` tests that)\n"
    );
    for b in &report.backends {
        let name = names.addr(b.backend);
        match &b.state {
            Ok(latency) => text.push_str(&format!("  {name:<24} up    {}\n", super::probe::ms(*latency))),
            Err(why) => text.push_str(&format!("  {name:<24} down  {why}\n")),
        }
        if let Some(weight) = b.new_weight {
            let verb = if weight == 0 { "drained" } else { "restored" };
            text.push_str(&format!("  {verb} {} (weight {} -> {weight})\n", b.backend, b.weight));
        }
    }
    for f in &report.not_through {
        text.push_str(&format!("  but not through {service}: {} ({}) — run `doctor`\n", f.what, f.code));
    }
    text
}

/// `check --json` (schema/check.schema.json).
pub fn json(report: &Report<'_>, names: &Names) -> String {
    let backends: Vec<serde_json::Value> = report
        .backends
        .iter()
        .map(|b| {
            serde_json::json!({
                "backend": b.backend.to_string(),
                "node": names.of(b.backend.ip()),
                "up": b.state.is_ok(),
                "latency_ms": b.state.as_ref().ok().map(|l| l.as_secs_f64() * 1000.0),
                "failure": b.state.as_ref().err(),
                "weight": b.weight,
                "new_weight": b.new_weight,
            })
        })
        .collect();
    let not_through: Vec<serde_json::Value> =
        report.not_through.iter().map(super::doctor::cause_json).collect();
    let value = serde_json::json!({
        "service": report.service, "from": report.director, "backends": backends, "not_through": not_through,
    });
    format!("{value:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Place, Severity};

    fn report(director: &str) -> Report<'_> {
        let finding = Finding {
            severity: Severity::Error,
            code: "doctor::no-reply-path",
            what: "int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1".into(),
            place: Place { node: Some("int1".into()), ..Place::default() },
            why: "replies must pass through gw".into(),
            fix: Some("int1 ip route add default via 10.10.0.1".into()),
        };
        Report {
            service: "TCP 111.111.0.1:80".into(),
            director,
            backends: vec![
                Checked {
                    backend: "10.10.0.2:8000".parse().unwrap(),
                    state: Ok(Duration::from_micros(1500)),
                    weight: 1,
                    new_weight: None,
                },
                Checked {
                    backend: "10.10.0.3:8000".parse().unwrap(),
                    state: Err("connection refused".into()),
                    weight: 2,
                    new_weight: Some(0),
                },
            ],
            not_through: vec![finding],
        }
    }

    #[test]
    fn each_backend_reads_up_or_down_then_what_changed_and_what_stops_clients() {
        let names = crate::lab::Lab::seed("").names();
        assert_eq!(
            text(&report("gw"), &names),
            "check TCP 111.111.0.1:80: each backend connected to directly from gw (clients go through the \
             service itself: `probe` tests that)\n  \
             10.10.0.2:8000 (int1)    up    1.5ms\n  \
             10.10.0.3:8000 (int2)    down  connection refused\n  \
             drained 10.10.0.3:8000 (weight 2 -> 0)\n  \
             but not through TCP 111.111.0.1:80: int1 has no route to client 111.111.0.2 (ext1), not via gw \
             10.10.0.1 (doctor::no-reply-path) — run `doctor`\n"
        );
    }

    #[test]
    fn json_names_each_backend_s_node_and_nulls_what_does_not_apply() {
        let names = crate::lab::Lab::seed("").names();
        let value: serde_json::Value = serde_json::from_str(&json(&report("gw"), &names)).unwrap();
        assert_eq!(value["backends"][0]["node"], "int1");
        assert_eq!(value["backends"][0]["failure"], serde_json::Value::Null);
        assert_eq!(value["backends"][1]["new_weight"], 0);
        assert_eq!(value["not_through"][0]["code"], "doctor::no-reply-path");
    }
}
