//! The keeper's own families, which `lvsh keep --metrics` serves after
//! the namespace's IPVS families: each checked backend's health, whether
//! it is drained, its checks; the keeper's repairs and reloads, and how
//! long its last check and last change took. Backends are labelled as in
//! [`super::lvsh`]: `service` (its name in the files, or its key), `key`,
//! `backend`.

use super::{Family, Kind, Value};
use crate::keep::{Checked, Counts};

fn labels(c: &Checked) -> Vec<(&'static str, String)> {
    vec![
        ("service", c.target.label.clone()),
        ("key", c.target.service.to_string()),
        ("backend", c.target.backend.to_string()),
    ]
}

/// The keeper's families, from what it has checked and counted.
pub fn families(checked: &[Checked], counts: &Counts) -> Vec<Family> {
    let mut healthy = Family::new(
        "lvsh_keep_backend_healthy",
        "1 when the backend's last health check passed, else 0.",
        Kind::Gauge,
    );
    let mut drained = Family::new(
        "lvsh_keep_backend_drained",
        "1 while the keeper holds the backend drained (weight 0, or removed) after failed checks.",
        Kind::Gauge,
    );
    let mut checks =
        Family::new("lvsh_keep_checks_total", "Health checks of the backend, by result.", Kind::Counter);
    let mut took = Family::new(
        "lvsh_keep_last_check_duration_seconds",
        "How long the backend's last passing health check took.",
        Kind::Gauge,
    );
    for c in checked {
        let key = (c.target.service, c.target.backend);
        healthy.sample(labels(c), Value::Count(u64::from(c.health.last_ok)));
        drained.sample(labels(c), Value::Count(u64::from(c.health.drained)));
        let (passed, failed) = counts.checks.get(&key).copied().unwrap_or_default();
        for (result, n) in [("pass", passed), ("fail", failed)] {
            let mut l = labels(c);
            l.push(("result", result.to_string()));
            checks.sample(l, Value::Count(n));
        }
        if let Some(d) = counts.last_check.get(&key) {
            took.sample(labels(c), Value::Real(d.as_secs_f64()));
        }
    }
    let mut out = vec![healthy, drained, checks, took];
    for (name, help, n) in [
        (
            "lvsh_keep_drift_repairs_total",
            "Repairs of a table changed behind the keeper's back.",
            counts.drift_repairs,
        ),
        (
            "lvsh_keep_repair_failures_total",
            "Changes the kernel refused, or tables that could not be read; each is retried.",
            counts.repair_failures,
        ),
        ("lvsh_keep_reloads_total", "Times the files were read again (SIGHUP).", counts.reloads),
    ] {
        let mut f = Family::new(name, help, Kind::Counter);
        f.sample(Vec::new(), Value::Count(n));
        out.push(f);
    }
    if let Some(d) = counts.last_apply {
        let mut f = Family::new(
            "lvsh_keep_last_apply_duration_seconds",
            "How long the keeper's last change of the kernel (apply, drain, repair) took.",
            Kind::Gauge,
        );
        f.sample(Vec::new(), Value::Real(d.as_secs_f64()));
        out.push(f);
    }
    out
}
