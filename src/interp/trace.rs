//! `trace`: one connection from a node to a service, followed through the
//! director: the backend the scheduler chose, the director's entry for the
//! connection and its state, any persistence template, the service's
//! counters, where the connection was lost, and doctor's likely cause.

use std::time::{Duration, Instant};

use super::failure::script_failure;
use super::{kernel_failure, Failure, Interpreter};
use crate::diagnose::relevant;
use crate::ipvs::{Netns, Protocol, ServiceKey, Stats};
use crate::lang::ast::{DoctorStmt, TraceStmt};
use crate::lang::source::{Source, Span};
use crate::probe::trace::connect_traced;
use crate::render::trace::{self as render, Trace};

/// How long the kernel may take to fold a connection into its counters
/// (its estimator sums the per-CPU counters every two seconds).
const COUNTERS_SETTLE: Duration = Duration::from_millis(2500);

impl Interpreter {
    pub(super) fn trace(&mut self, source: &Source, span: Span, t: &TraceStmt) -> Result<(), Failure> {
        let key = self.resolve(source, Some(&t.service))?;
        let ServiceKey::Inet { addr: vip, protocol } = key else {
            return Err(script_failure(source, span, "a fwmark service has no address to connect to"));
        };
        let k = |e| kernel_failure(source, span, e, "lvs::probe::failed");
        let client_ns = t.from.as_ref().map_or(Netns::Current, |n| self.lab.resolve(&n.value));
        // One read gives the counters to compare and the scheduler to name.
        let service = self.kernel.service(&key).map_err(k)?;
        let before = service.stats;
        let udp = protocol == Protocol::Udp;
        let traced = client_ns
            .run(|| connect_traced(vip, udp, t.timeout))
            .map_err(k)?
            .map_err(|e| script_failure(source, span, &format!("cannot open a connection to {vip}: {e}")))?;
        let table = self.kernel.connections().unwrap_or_default();
        let entry =
            table.iter().find(|c| !c.is_template() && c.client == traced.client && c.virtual_addr == vip);
        let template = table.iter().find(|c| {
            c.is_template() && c.client.ip() == traced.client.ip() && c.virtual_addr.ip() == vip.ip()
        });
        let after = self.settled(&key, &before);
        let in_lab = self.in_lab();
        let director = self.director_name();
        let trace = Trace {
            from: t.from.as_ref().map(|n| n.value.clone()),
            client: traced.client,
            director,
            vip,
            service: self.session.name_of(&key).map_or_else(|| key.to_string(), str::to_string),
            scheduler: service.service.scheduler.to_string(),
            entry: entry.cloned(),
            template: template.cloned(),
            outcome: traced.outcome,
            elapsed: traced.elapsed,
            counters: after.map(|a| {
                (a.in_pkts.saturating_sub(before.in_pkts), a.out_pkts.saturating_sub(before.out_pkts))
            }),
            causes: Vec::new(),
            names: self.names(),
        };
        let trace = match trace.lost() {
            // Doctor's checks say why, about this backend or the director.
            true => {
                let scope = self.doctor_scope(source, span, &DoctorStmt::default(), in_lab)?;
                let found = self.diagnose(source, span, &scope)?;
                let backend = trace.entry.as_ref().map(|e| e.dest);
                Trace { causes: relevant(found, backend, &trace.director, &trace.names), ..trace }
            }
            false => trace,
        };
        let text = match t.json || self.json {
            true => render::json(&trace),
            false => render::text(&trace),
        };
        self.write(&text)
    }

    /// The service's counters once they include the traced connection, or
    /// as they are after [`COUNTERS_SETTLE`].
    fn settled(&mut self, key: &ServiceKey, before: &Stats) -> Option<Stats> {
        let end = Instant::now() + COUNTERS_SETTLE;
        loop {
            let now = self.kernel.service(key).ok()?.stats;
            if now.conns > before.conns || Instant::now() >= end || !self.pause(Duration::from_millis(100)) {
                return Some(now);
            }
        }
    }
}
