//! A stand-in for a kernel lvsh could not reach (no IPVS, no permission, no
//! such namespace), so that what needs no kernel (`help`, `echo`) still
//! runs and the rest fails with the reason.

use super::conntable::ConnEntry;
use super::error::KernelError;
use super::kernel::{Kernel, Outcomes};
use super::model::{BackendEntry, Daemon, Info, ServiceEntry, ServiceKey, Timeouts};
use super::netns::Netns;
use super::op::Op;

/// Every request fails with the error met when connecting.
#[derive(Debug)]
pub struct Unreachable {
    netns: Netns,
    reason: String,
    help: Option<String>,
    /// The kernel has no IPVS at all: said as such, so that `doctor` can
    /// report it as a finding rather than fail.
    missing: bool,
}

impl Unreachable {
    /// Stands in for the kernel of `netns`, which answered `error`.
    pub fn new(netns: Netns, error: &KernelError) -> Unreachable {
        let missing = matches!(error, KernelError::IpvsMissing);
        Unreachable { netns, reason: error.to_string(), help: error.help(), missing }
    }

    fn error(&self) -> KernelError {
        match self.missing {
            true => KernelError::IpvsMissing,
            false => KernelError::Unreachable { reason: self.reason.clone(), help: self.help.clone() },
        }
    }
}

impl Kernel for Unreachable {
    fn info(&mut self) -> Result<Info, KernelError> {
        Err(self.error())
    }
    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        Err(self.error())
    }
    fn service(&mut self, _: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        Err(self.error())
    }
    fn backends(&mut self, _: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        Err(self.error())
    }
    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        Err(self.error())
    }
    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        Err(self.error())
    }
    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        Err(self.error())
    }
    fn netns(&self) -> Netns {
        self.netns.clone()
    }
    fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
        Err(self.error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_fails_with_the_first_reason_and_its_help() {
        let mut k = Unreachable::new(Netns::Current, &KernelError::IpvsMissing);
        let err = k.services().unwrap_err();
        assert_eq!(err.to_string(), "IPVS is not available in this kernel");
        assert_eq!(err.help().as_deref(), Some("load it with `modprobe ip_vs`"));
    }
}
