//! The keeper's state, without the kernel or the clock: which backend each
//! declared health check watches, each backend's run of successes or
//! failures, which backends are drained, and the table the kernel should
//! hold now (the declared one, drained backends at weight 0 or removed).
//! `lvsh keep` (src/app/keep.rs) runs the checks and converges the kernel
//! to [`Keeper::effective`].

pub mod events;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use crate::converge::Desired;
use crate::ipvs::ServiceKey;
use crate::lang::ast::{HealthCheck, HealthStmt};

/// One backend a check watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: ServiceKey,
    /// The service's name in the files, for what the keeper says.
    pub label: String,
    pub backend: SocketAddr,
    pub check: HealthCheck,
    pub interval: Duration,
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
    pub from: Option<String>,
    pub remove: bool,
}

/// A backend's health as the keeper counts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Drained: its failures reached `fall`, and it has not yet passed `rise` checks.
    pub drained: bool,
    /// Checks in a row with the same outcome as the last.
    pub streak: u32,
    /// Whether the last check passed.
    pub last_ok: bool,
    /// Why the last check failed.
    pub reason: Option<String>,
}

impl Health {
    /// Before its first check: taken as passing (a backend starts in
    /// service), unless it was drained when the keeper last stopped.
    fn at_start(drained: bool) -> Health {
        Health { drained, last_ok: !drained, ..Health::default() }
    }
}

/// What a check changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The first failure after a pass, or the first pass after a failure.
    Turned { ok: bool },
    /// `fall` failures in a row: the backend is drained.
    Drained,
    /// `rise` passes in a row after a drain: its weight is back.
    Restored,
}

/// The keeper's view of one namespace.
#[derive(Debug, Clone, Default)]
pub struct Keeper {
    desired: Desired,
    health: HashMap<(ServiceKey, SocketAddr), Health>,
    /// What it has done, for its metrics.
    pub counts: Counts,
}

/// What the keeper has counted since it started, for `--metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Checks of each backend that passed and that failed.
    pub checks: HashMap<BackendKey, (u64, u64)>,
    /// How long each backend's last check took.
    pub last_check: HashMap<BackendKey, Duration>,
    /// Repairs of a table changed behind the keeper's back.
    pub drift_repairs: u64,
    /// Repairs the kernel refused or that could not read the table.
    pub repair_failures: u64,
    /// Times the files were read again (SIGHUP).
    pub reloads: u64,
    /// How long the last change of the kernel (apply, drain, repair) took.
    pub last_apply: Option<Duration>,
}

/// One checked backend's state, for the metrics and the state file.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub target: Target,
    pub health: Health,
}

/// A service and backend, as the state file and events write them.
pub type BackendKey = (ServiceKey, SocketAddr);

impl Keeper {
    /// A keeper of `desired`, with the backends drained when it last ran
    /// (they stay drained until they pass `rise` checks).
    pub fn new(desired: Desired, drained: &BTreeSet<BackendKey>) -> Keeper {
        let mut keeper = Keeper { desired, health: HashMap::new(), counts: Counts::default() };
        for target in keeper.targets() {
            let key = (target.service, target.backend);
            let drained = drained.contains(&key);
            keeper.health.insert(key, Health::at_start(drained));
        }
        keeper
    }

    /// New files: their table, keeping what is known of backends still checked.
    pub fn reload(&mut self, desired: Desired) {
        let old = std::mem::take(&mut self.health);
        self.desired = desired;
        for target in self.targets() {
            let key = (target.service, target.backend);
            self.health.insert(key, old.get(&key).cloned().unwrap_or_else(|| Health::at_start(false)));
        }
    }

    pub fn desired(&self) -> &Desired {
        &self.desired
    }

    /// Every declared backend that a `health` statement covers, with the
    /// check that applies to it: its own, else its service's.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for svc in &self.desired.services {
            let key = svc.service.key;
            let label = svc.name.clone().unwrap_or_else(|| key.to_string());
            // The last statement wins, as a later declaration does.
            let for_service = self.desired.health.iter().rev().filter(|(k, _, _)| *k == key);
            let service_wide = for_service.clone().find(|(_, h, _)| h.backend.is_none());
            for b in &svc.backends {
                let own =
                    for_service.clone().find(|(_, h, _)| h.backend.as_ref().map(|a| a.value) == Some(b.addr));
                let Some((_, h, _)) = own.or(service_wide) else { continue };
                out.push(target(key, &label, b.addr, h));
            }
        }
        out
    }

    /// Counts one check's outcome; what it changed, if anything.
    pub fn record(&mut self, target: &Target, outcome: &Result<Duration, String>) -> Vec<Change> {
        let health =
            self.health.entry((target.service, target.backend)).or_insert_with(|| Health::at_start(false));
        let ok = outcome.is_ok();
        let key = (target.service, target.backend);
        let tally = self.counts.checks.entry(key).or_default();
        match ok {
            true => tally.0 += 1,
            false => tally.1 += 1,
        }
        if let Ok(took) = outcome {
            self.counts.last_check.insert(key, *took);
        }
        let mut changes = Vec::new();
        if ok == health.last_ok {
            health.streak = health.streak.saturating_add(1);
        } else {
            health.streak = 1;
            health.last_ok = ok;
            changes.push(Change::Turned { ok });
        }
        health.reason = outcome.as_ref().err().cloned();
        if !ok && !health.drained && health.streak >= target.fall {
            health.drained = true;
            changes.push(Change::Drained);
        }
        if ok && health.drained && health.streak >= target.rise {
            health.drained = false;
            changes.push(Change::Restored);
        }
        changes
    }

    /// A backend's health, if a check covers it.
    pub fn health(&self, service: ServiceKey, backend: SocketAddr) -> Option<&Health> {
        self.health.get(&(service, backend))
    }

    /// Every checked backend with its health, in the files' order.
    pub fn checked(&self) -> Vec<Checked> {
        self.targets()
            .into_iter()
            .filter_map(|target| {
                let health = self.health.get(&(target.service, target.backend))?.clone();
                Some(Checked { target, health })
            })
            .collect()
    }

    /// The backends drained now, for the state file.
    pub fn drained(&self) -> BTreeSet<BackendKey> {
        self.health.iter().filter(|(_, h)| h.drained).map(|(k, _)| *k).collect()
    }

    /// The table the kernel should hold now: the declared one, each
    /// drained backend at weight 0, or gone where its check says `remove`.
    pub fn effective(&self) -> Desired {
        let removing: BTreeSet<BackendKey> =
            self.targets().into_iter().filter(|t| t.remove).map(|t| (t.service, t.backend)).collect();
        let mut desired = self.desired.clone();
        for svc in &mut desired.services {
            let key = svc.service.key;
            let drained = |addr: SocketAddr| self.health.get(&(key, addr)).is_some_and(|h| h.drained);
            svc.backends.retain(|b| !(drained(b.addr) && removing.contains(&(key, b.addr))));
            for b in svc.backends.iter_mut().filter(|b| drained(b.addr)) {
                b.weight = 0;
            }
        }
        desired
    }
}

fn target(service: ServiceKey, label: &str, backend: SocketAddr, h: &HealthStmt) -> Target {
    Target {
        service,
        label: label.to_string(),
        backend,
        check: h.check.clone(),
        interval: h.interval,
        timeout: h.timeout,
        rise: h.rise,
        fall: h.fall,
        from: h.from.as_ref().map(|f| f.value.clone()),
        remove: h.remove,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::parse::{no_nodes, parse_script};
    use crate::lang::source::Source;

    fn desired(text: &str) -> Desired {
        let (script, diagnostics) = parse_script(&Source::new("t.lvs", text), no_nodes);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        crate::converge::desired::desired(&[script.stmts.as_slice()]).expect("declarations")
    }

    const FILE: &str = "service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8000 weight 3
    backend 10.10.0.3:8000 weight 1
}
health web tcp fall 2 rise 2
health web 10.10.0.3:8000 http /up remove
";

    fn weights(d: &Desired) -> Vec<(SocketAddr, u32)> {
        d.services[0].backends.iter().map(|b| (b.addr, b.weight)).collect()
    }

    #[test]
    fn a_backend_drains_after_fall_failures_and_returns_after_rise_passes() {
        let mut keeper = Keeper::new(desired(FILE), &BTreeSet::new());
        let targets = keeper.targets();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].check, HealthCheck::Tcp);
        assert!(
            matches!(targets[1].check, HealthCheck::Http { .. }) && targets[1].remove,
            "its own check wins"
        );
        let int1 = &targets[0];
        let fail = Err("refused".to_string());
        let pass = Ok(Duration::from_millis(1));
        assert_eq!(keeper.record(int1, &fail), vec![Change::Turned { ok: false }]);
        assert_eq!(keeper.record(int1, &fail), vec![Change::Drained]);
        assert_eq!(keeper.record(int1, &fail), vec![]);
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(weights(&keeper.effective()), [(a("10.10.0.2:8000"), 0), (a("10.10.0.3:8000"), 1)]);
        assert_eq!(keeper.record(int1, &pass), vec![Change::Turned { ok: true }]);
        assert_eq!(keeper.record(int1, &pass), vec![Change::Restored]);
        assert_eq!(weights(&keeper.effective()), [(a("10.10.0.2:8000"), 3), (a("10.10.0.3:8000"), 1)]);
        // `remove`: a drained backend leaves the table instead.
        let int2 = &targets[1];
        for _ in 0..3 {
            keeper.record(int2, &fail);
        }
        assert_eq!(weights(&keeper.effective()), [(a("10.10.0.2:8000"), 3)]);
    }

    #[test]
    fn a_restarted_keeper_keeps_a_drained_backend_drained_until_it_rises() {
        let first = Keeper::new(desired(FILE), &BTreeSet::new());
        let int1 = first.targets()[0].clone();
        let drained: BTreeSet<BackendKey> = [(int1.service, int1.backend)].into();
        let mut keeper = Keeper::new(desired(FILE), &drained);
        assert_eq!(keeper.effective().services[0].backends[0].weight, 0);
        assert_eq!(keeper.record(&int1, &Ok(Duration::ZERO)), vec![Change::Turned { ok: true }]);
        assert_eq!(keeper.effective().services[0].backends[0].weight, 0, "one pass is not `rise`");
        assert_eq!(keeper.record(&int1, &Ok(Duration::ZERO)), vec![Change::Restored]);
        assert_eq!(keeper.drained(), BTreeSet::new());
    }
}
