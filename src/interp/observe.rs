//! Statements that observe the service rather than configure it: probe,
//! expect, check and watch.

use std::net::SocketAddr;

use super::failure::script_failure;
use super::plan::{self, Change};
use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{Netns, ServiceKey};
use crate::lang::ast::{CheckStmt, ExpectStmt, Predicate, ProbeStmt, ShowTarget, StmtKind, WatchStmt};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::ipvsadm::ListTarget;
use crate::lang::source::{Source, Span};
use crate::probe::connect::{check_backends, run_probe, Backends, ProbeSpec};
use crate::probe::{judge, Expectation, Verdict};
use crate::probe::{Failure as ProbeFailure, ProbeResult};
use crate::render::check::{self, Checked};
use crate::render::ipvsadm as listing;
use crate::render::probe::{not_through_the_vip, report as probe_report, Context};
use crate::render::words::plural;

impl Interpreter {
    /// Connects to the service and reports which backend served each connection.
    pub(super) fn probe(&mut self, source: &Source, span: Span, p: &ProbeStmt) -> Result<(), Failure> {
        let key = self.resolve(source, Some(&p.service))?;
        let ServiceKey::Inet { addr, protocol } = key else {
            return Err(script_failure(source, span, "a fwmark service has no address to connect to"));
        };
        let k = |e| kernel_failure(source, span, e, "lvs::probe::failed");
        let udp = protocol == crate::ipvs::Protocol::Udp;
        let stop = || super::interrupt::pending().is_some();
        let probe = ProbeSpec { target: addr, udp, options: p.options.clone(), stop: Some(stop) };
        let client = p.from.as_ref().map_or(Netns::Current, |n| self.lab.resolve(&n.value));
        let addrs: Vec<SocketAddr> =
            self.kernel.backends(&key).map_err(k)?.into_iter().map(|b| b.backend.addr).collect();
        let known = Backends { names: self.lab.names_of(&addrs), addrs };
        let result = run_probe(&probe, &client, self.kernel.as_mut(), key.to_string(), &known).map_err(k)?;
        // A probe a signal cut short reports nothing: the run stops here.
        self.stop_if_signalled(source, span)?;
        let ctx = self.probe_context(source, span, key, &result);
        let report = match p.json || self.json {
            true => crate::render::json::probe(&result, &known.addrs, &ctx),
            false => probe_report(&result, &known.addrs, &ctx),
        };
        self.write(&report)?;
        self.session.record_probe(key, result);
        Ok(())
    }

    /// What a probe's report needs besides the probe: names, the director's
    /// name, and, when a connection was lost on its way, doctor's findings
    /// about the service (none if doctor cannot look: the probe still reports).
    fn probe_context(
        &mut self,
        source: &Source,
        span: Span,
        key: ServiceKey,
        result: &ProbeResult,
    ) -> Context {
        let lost = result
            .failures()
            .iter()
            .any(|f| matches!(f, ProbeFailure::Timeout | ProbeFailure::Refused | ProbeFailure::Reset));
        let findings = match lost {
            true => self.findings_about(source, span, key),
            false => Vec::new(),
        };
        Context { names: self.names(), director: self.director_name(), findings }
    }

    /// Refreshes a listing every interval, marking what changed since the last.
    pub(super) fn watch(&mut self, source: &Source, span: Span, w: &WatchStmt) -> Result<(), Failure> {
        let target = match &w.show.target {
            ShowTarget::Service(s) => ListTarget::Service(self.resolve(source, Some(s))?),
            _ => ListTarget::Table,
        };
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        if w.show.json || self.json {
            return self.watch_events(source, span, w, &target);
        }
        let mut previous = String::new();
        let mut round = 0;
        while w.count.is_none_or(|n| round < n) {
            if round > 0 && !self.pause(w.interval) {
                break;
            }
            let text = match &target {
                ListTarget::Service(key) => {
                    listing::list_service(&self.service_row(key).map_err(k)?, &w.show.options)
                }
                _ => listing::list(&self.table_for(w.show.options.format).map_err(k)?, &w.show.options),
            };
            let marked = crate::render::watch::mark_changes(&previous, &text);
            self.write(&format!("{}\n", marked))?;
            previous = text;
            round += 1;
        }
        Ok(())
    }

    /// `watch --json`: the table read at each refresh and compared with the
    /// last read; a JSON line for each change, whoever made it (IPVS sends
    /// no notifications). The first read only sets where changes count from.
    fn watch_events(
        &mut self,
        source: &Source,
        span: Span,
        w: &WatchStmt,
        target: &ListTarget,
    ) -> Result<(), Failure> {
        let k = |e| kernel_failure(source, span, e, "lvs::kernel::list");
        let only = match target {
            ListTarget::Service(key) => Some(*key),
            _ => None,
        };
        let read = |interp: &mut Self| -> Result<crate::converge::Live, Failure> {
            let mut live = interp.live().map_err(k)?;
            live.services.retain(|s| only.is_none_or(|key| s.entry.service.key == key));
            Ok(live)
        };
        let mut previous = read(self)?;
        let mut round = 1;
        while w.count.is_none_or(|n| round < n) {
            if !self.pause(w.interval) {
                break;
            }
            let now = read(self)?;
            let time = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let session = self.session.clone();
            let name_of = |key: &ServiceKey| session.name_of(key).map(str::to_string);
            let mut text = String::new();
            for change in crate::keep::events::changes(&previous, &now) {
                text.push_str(&crate::render::watch::change_json(&change, &name_of, Some(time)).to_string());
                text.push('\n');
            }
            if !text.is_empty() {
                self.write(&text)?;
            }
            previous = now;
            round += 1;
        }
        Ok(())
    }

    /// Connects to each backend directly; with `--drain-failed`, a failed
    /// backend's weight goes to 0 and comes back when it answers again.
    pub(super) fn check(&mut self, source: &Source, span: Span, c: &CheckStmt) -> Result<(), Failure> {
        let key = self.resolve(source, Some(&c.service))?;
        let k = |e| kernel_failure(source, span, e, "lvs::check::failed");
        let entries = self.kernel.backends(&key).map_err(k)?;
        let mut addrs: Vec<SocketAddr> = entries.iter().map(|b| b.backend.addr).collect();
        addrs.sort();
        let udp = matches!(key, ServiceKey::Inet { protocol: crate::ipvs::Protocol::Udp, .. });
        let health = check_backends(&addrs, udp, c.timeout, &self.kernel.netns()).map_err(k)?;
        let names = self.names();
        let director = self.director_name();
        let mut change = Change::default();
        let mut backends = Vec::new();
        for h in &health {
            let Some(entry) = entries.iter().find(|b| b.backend.addr == h.backend) else { continue };
            let b = entry.backend;
            let new_weight = match (&h.state, c.drain_failed) {
                (_, false) => None,
                (Err(_), true) if b.weight > 0 => {
                    self.session.drain(key, b.addr, b.weight);
                    Some(0)
                }
                (Ok(_), true) => self.session.undrain(key, b.addr),
                (Err(_), true) => None,
            };
            let new_weight = new_weight.filter(|w| *w != b.weight);
            if let Some(weight) = new_weight {
                change.extend(plan::set_weight(key, b, weight));
            }
            let state = h.state.as_ref().copied().map_err(ToString::to_string);
            backends.push(Checked { backend: b.addr, state, weight: b.weight, new_weight });
        }
        let up: Vec<SocketAddr> = health.iter().filter(|h| h.state.is_ok()).map(|h| h.backend).collect();
        let not_through = match up.is_empty() {
            true => Vec::new(),
            false => not_through_the_vip(&self.findings_about(source, span, key), &up, &director, &names),
        };
        let report = check::Report { service: key.to_string(), director: &director, backends, not_through };
        let text = match c.json || self.json {
            true => check::json(&report, &names),
            false => check::text(&report, &names),
        };
        self.write(&text)?;
        self.apply(source, span, change)
    }

    /// Judges an expectation; a failed one is reported and the run goes on.
    pub(super) fn expect(&mut self, source: &Source, span: Span, e: &ExpectStmt) -> Result<(), Failure> {
        let key = self.resolve(source, Some(&e.service))?;
        let k = |err| kernel_failure(source, span, err, "lvs::kernel::list");
        let entries = self.kernel.backends(&key).map_err(k)?;
        let verdict = match &e.predicate.value {
            Predicate::Probe(expectation) => {
                let Some(result) = self.session.last_probe(&key).cloned() else {
                    let message = format!("there is no probe of service {key} to judge");
                    let d =
                        Diagnostic::error("lvs::expect::no-probe", message, e.service.span, "not probed yet")
                            .with_help("run `probe SERVICE` before `expect`");
                    return Err(Failure::script(source, d));
                };
                judge_probe(expectation, &result, &entries)
            }
            Predicate::Scheduler(name) => {
                let actual = self.kernel.service(&key).map_err(k)?.service.scheduler;
                Verdict {
                    passed: actual.name() == name,
                    expected: format!("scheduler {name}"),
                    observed: format!("scheduler {actual}"),
                }
            }
            Predicate::Backends(n) => Verdict {
                passed: entries.len() == *n,
                expected: plural(*n, "backend"),
                observed: plural(entries.len(), "backend"),
            },
            Predicate::BackendWeight(addr, weight) => {
                let actual = entries.iter().find(|b| b.backend.addr == *addr).map(|b| b.backend.weight);
                Verdict {
                    passed: actual == Some(*weight),
                    expected: format!("backend {addr} with weight {weight}"),
                    observed: actual.map_or(format!("no backend {addr}"), |w| format!("weight {w}")),
                }
            }
        };
        let line = crate::lang::print::print_stmt(&StmtKind::Expect(e.clone()));
        if self.json {
            let json = crate::render::probe::verdict_json(
                &line,
                verdict.passed,
                &verdict.expected,
                &verdict.observed,
            );
            self.write(&json)?;
        }
        if verdict.passed {
            return match self.json {
                true => Ok(()),
                false => self.write(&format!("ok: {line}\n")),
            };
        }
        let d = Diagnostic::error(
            "lvs::expect::failed",
            format!("expectation failed: {line}"),
            e.predicate.span,
            "does not hold",
        )
        .with_note(format!("expected: {}", verdict.expected))
        .with_note(format!("observed: {}", verdict.observed));
        Err(Failure::expectation(source, d))
    }
}

/// Judges a probe expectation, with the kernel's weights for `ratio weights`.
fn judge_probe(
    expectation: &Expectation,
    result: &crate::probe::ProbeResult,
    entries: &[crate::ipvs::BackendEntry],
) -> Verdict {
    let backends: Vec<SocketAddr> = entries.iter().map(|b| b.backend.addr).collect();
    let predicate = match expectation {
        Expectation::RatioWeights { within_percent, .. } => Expectation::RatioWeights {
            weights: entries.iter().map(|b| (b.backend.addr, b.backend.weight)).collect(),
            within_percent: *within_percent,
        },
        other => other.clone(),
    };
    judge(&predicate, result, &backends)
}
