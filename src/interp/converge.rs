//! `apply`: the kernel made equal to what files declare, in one
//! transaction; with draining, the backends that go first get weight 0 and
//! are removed once their active connections have closed (or time is up).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::failure::refusal;
use super::{Failure, Interpreter};
use crate::converge::{Live, Steps};
use crate::ipvs::{KernelError, ServiceKey};
use crate::lang::source::{Source, Span};
use crate::render::words::plural;

impl Interpreter {
    /// The kernel's table now: every service with its backends, and the timeouts.
    pub fn live(&mut self) -> Result<Live, KernelError> {
        Live::read(self.kernel.as_mut())
    }

    /// The sync daemons that run (`export` names them).
    pub fn daemons(&mut self) -> Result<Vec<crate::ipvs::Daemon>, KernelError> {
        self.kernel.daemons()
    }

    /// Carries out `steps` as one transaction: a refusal (or a signal)
    /// undoes all of it. `sources` are the files the steps' origins index;
    /// `drain` is how long to wait for drained backends' connections.
    pub fn converge(&mut self, sources: &[Source], steps: Steps, drain: Duration) -> Result<(), Failure> {
        self.transaction(|interp| interp.converge_steps(sources, steps, drain))
    }

    /// [`Interpreter::converge`]'s work, inside a transaction of the caller's.
    pub(super) fn converge_steps(
        &mut self,
        sources: &[Source],
        steps: Steps,
        drain: Duration,
    ) -> Result<(), Failure> {
        let Some(first) = sources.first() else { return Ok(()) };
        let batch = |steps: Vec<crate::converge::steps::Step>| -> super::apply::Batch {
            steps
                .into_iter()
                .map(|s| (sources.get(s.origin.file).unwrap_or(first), s.origin.span, s.op, s.undo))
                .collect()
        };
        if !steps.drain.is_empty() {
            self.send(batch(steps.drain))?;
            self.wait_drained(first, &steps.draining, drain)?;
        }
        self.send(batch(steps.main))
    }

    /// Waits until the drained backends have no active connection, or
    /// `limit` has passed, saying how many are left as they close.
    fn wait_drained(
        &mut self,
        source: &Source,
        draining: &[(ServiceKey, SocketAddr)],
        limit: Duration,
    ) -> Result<(), Failure> {
        let start = Instant::now();
        let n = plural(draining.len(), "backend");
        self.write(&format!(
            "draining {n} (weight 0), waiting up to {}s for their active connections\n",
            limit.as_secs()
        ))?;
        let mut last = None;
        loop {
            let open = self.active(draining).map_err(|e| refusal(source, Span::default(), e))?;
            let total: u32 = open.iter().map(|(_, _, n)| n).sum();
            if total == 0 {
                return self.write(&format!("drained in {:.1}s\n", start.elapsed().as_secs_f64()));
            }
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() {
                let still: Vec<String> = open
                    .iter()
                    .filter(|(_, _, n)| *n > 0)
                    .map(|(_, addr, n)| format!("{addr} ({n})"))
                    .collect();
                return self.write(&format!(
                    "{}s passed with {} still open on {}: removing anyway\n",
                    limit.as_secs(),
                    plural(total as usize, "active connection"),
                    still.join(", ")
                ));
            }
            if last != Some(total) {
                self.write(&format!(
                    "  {} open, {}s left\n",
                    plural(total as usize, "active connection"),
                    left.as_secs()
                ))?;
                last = Some(total);
            }
            if !self.pause(left.min(Duration::from_millis(250))) {
                return self.stop_if_signalled(source, Span::default());
            }
        }
    }

    /// The active connections of each draining backend (0 for one that is gone).
    fn active(
        &mut self,
        draining: &[(ServiceKey, SocketAddr)],
    ) -> Result<Vec<(ServiceKey, SocketAddr, u32)>, KernelError> {
        let mut open = Vec::new();
        let mut read: Option<(ServiceKey, Vec<crate::ipvs::BackendEntry>)> = None;
        for &(key, addr) in draining {
            if read.as_ref().is_none_or(|(k, _)| *k != key) {
                read = Some((key, self.kernel.backends(&key)?));
            }
            let backends = read.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
            let active = backends.iter().find(|b| b.backend.addr == addr).map_or(0, |b| b.active_conns);
            open.push((key, addr, active));
        }
        Ok(open)
    }
}
