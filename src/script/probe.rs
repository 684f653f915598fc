//! `ProbeResult` in Rhai: what a probe saw, and the `expect` predicates as
//! methods returning booleans, so a script can decide as well as assert.

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map};

use super::host::Site;
use crate::interp::{Failure, Interpreter};
use crate::ipvs::ServiceKey;
use crate::probe::{judge, Expectation, Outcome, ProbeResult};

/// A probe's result, with the service's backends and weights when it ran.
#[derive(Debug, Clone)]
pub struct ProbeRef {
    result: Rc<ProbeResult>,
    weights: Rc<Vec<(SocketAddr, u32)>>,
}

impl ProbeRef {
    /// The service's last probe (the one just run).
    pub fn last(interp: &mut Interpreter, site: &Site, key: ServiceKey) -> Result<ProbeRef, Failure> {
        let entries = interp.backends(&key).map_err(|e| site.kernel(e))?;
        let weights = entries.iter().rev().map(|b| (b.backend.addr, b.backend.weight)).collect();
        let Some(result) = interp.session.last_probe(&key).cloned() else {
            let message = format!("the probe of service {key} left no result");
            return Err(site.failure("lvs::script::probe", message, None));
        };
        Ok(ProbeRef { result: Rc::new(result), weights: Rc::new(weights) })
    }

    fn backends(&self) -> Vec<SocketAddr> {
        self.weights.iter().map(|(b, _)| *b).collect()
    }

    fn holds(&self, e: &Expectation) -> bool {
        judge(e, &self.result, &self.backends()).passed
    }

    /// Connections per backend: every backend of the service (0 if unreached), then any other.
    fn counts(&self) -> Map {
        let seen = self.result.counts();
        let mut map: Map =
            self.backends().iter().map(|b| (b.to_string().into(), Dynamic::from(0_i64))).collect();
        for (b, n) in seen {
            map.insert(b.to_string().into(), Dynamic::from(i64::try_from(n).unwrap_or(i64::MAX)));
        }
        map
    }
}

/// Registers `ProbeResult`: its properties and predicates.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ProbeRef>("ProbeResult");
    engine.register_fn("to_string", |r: &mut ProbeRef| {
        crate::render::probe::report(&r.result, &r.backends(), &Default::default()).trim_end().to_string()
    });
    engine.register_fn("to_debug", |r: &mut ProbeRef| format!("ProbeResult({})", r.result.service));
    engine.register_get("service", |r: &mut ProbeRef| r.result.service.clone());
    engine.register_get("connections", |r: &mut ProbeRef| r.result.attempts.len() as i64);
    engine.register_get("served", |r: &mut ProbeRef| r.result.served() as i64);
    engine.register_get("unattributed", |r: &mut ProbeRef| r.result.unattributed() as i64);
    engine.register_get("counts", |r: &mut ProbeRef| r.counts());
    engine.register_get("order", |r: &mut ProbeRef| {
        r.result.order().iter().map(|b| Dynamic::from(b.to_string())).collect::<Array>()
    });
    engine.register_get("failures", |r: &mut ProbeRef| failures(&r.result));
    engine.register_get("latencies", |r: &mut ProbeRef| {
        let served = r.result.attempts.iter().filter(|a| a.is_served());
        served.filter_map(|a| a.latency).map(|d| Dynamic::from(ms(d))).collect::<Array>()
    });
    engine.register_get("latency", |r: &mut ProbeRef| match r.result.latency() {
        None => Dynamic::UNIT,
        Some(l) => Dynamic::from(Map::from_iter([
            ("min".into(), Dynamic::from(ms(l.min))),
            ("median".into(), Dynamic::from(ms(l.median))),
            ("max".into(), Dynamic::from(ms(l.max))),
        ])),
    });
    engine.register_fn("count", |r: &mut ProbeRef, backend: &str| {
        let counts = r.counts();
        counts.get(backend.trim()).and_then(|n| n.as_int().ok()).unwrap_or(0)
    });
    register_predicates(engine);
}

/// The `expect` predicates, judged exactly as `expect` judges them.
fn register_predicates(engine: &mut Engine) {
    engine.register_fn("spread_even", |r: &mut ProbeRef| r.holds(&Expectation::spread_even()));
    engine.register_fn("spread_even", |r: &mut ProbeRef, within: i64| {
        r.holds(&Expectation::SpreadEven { within: within.unsigned_abs() })
    });
    engine.register_fn("ratio_weights", |r: &mut ProbeRef| {
        r.holds(&Expectation::ratio_weights(r.weights.to_vec()))
    });
    engine.register_fn("ratio_weights", |r: &mut ProbeRef, within_percent: i64| {
        let e =
            Expectation::RatioWeights { weights: r.weights.to_vec(), within_percent: within_percent as f64 };
        r.holds(&e)
    });
    engine.register_fn("order_alternate", |r: &mut ProbeRef| r.holds(&Expectation::OrderAlternate));
    engine.register_fn("order", |r: &mut ProbeRef, cycle: Array| -> Result<bool, Box<EvalAltResult>> {
        Ok(r.holds(&Expectation::Order(addrs(&cycle)?)))
    });
    engine.register_fn("reaches_all", |r: &mut ProbeRef| r.holds(&Expectation::ReachesAll(Vec::new())));
    engine.register_fn("reaches_only", |r: &mut ProbeRef, set: Array| -> Result<bool, Box<EvalAltResult>> {
        Ok(r.holds(&Expectation::ReachesOnly(addrs(&set)?)))
    });
    engine.register_fn("sticky", |r: &mut ProbeRef| r.holds(&Expectation::Sticky));
    engine.register_fn("no_failures", |r: &mut ProbeRef| r.holds(&Expectation::NoFailures));
    engine.register_fn("latency_below", |r: &mut ProbeRef, limit_ms: i64| {
        r.holds(&Expectation::LatencyBelow(Duration::from_millis(limit_ms.unsigned_abs())))
    });
}

/// Backend addresses from a script's array of `"ADDR:PORT"` strings.
fn addrs(items: &Array) -> Result<Vec<SocketAddr>, Box<EvalAltResult>> {
    items
        .iter()
        .map(|v| {
            let text = v.to_string();
            text.trim()
                .parse()
                .map_err(|_| format!("`{text}` is not a backend address like 10.10.0.2:8000").into())
        })
        .collect()
}

fn failures(r: &ProbeResult) -> Array {
    let numbered = r.attempts.iter().enumerate();
    numbered
        .filter_map(|(i, a)| match &a.outcome {
            Outcome::Failed(f) => Some(Dynamic::from(format!("connection {}: {f}", i + 1))),
            Outcome::Served(_) => None,
        })
        .collect()
}

/// Milliseconds with a fraction, as a script computes with them.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
