//! What lvsh asks of a kernel's IPVS; the netlink client implements it.

use super::conntable::ConnEntry;
use super::error::KernelError;
use super::model::{BackendEntry, Daemon, Info, ServiceEntry, ServiceKey, Timeouts};
use super::netns::Netns;
use super::op::Op;

/// The outcome of each operation of a batch, in order.
pub type Outcomes = Vec<Result<(), KernelError>>;

/// Operations made ready to send by [`Kernel::prepare`], for
/// [`Kernel::apply_prepared`] on a connection from [`Kernel::another`], on
/// another thread. The netlink client encodes the requests as it prepares
/// them, so that the thread that sends them does nothing else.
pub struct Prepared {
    pub ops: Vec<Op>,
    /// The netlink client's requests: the generic-netlink family they were
    /// encoded for, and each `sendmsg`'s bytes with its first request's
    /// sequence number and how many requests it holds. Empty: not encoded.
    pub(super) family: u16,
    pub(super) sends: Vec<(Vec<u8>, u32, usize)>,
}

impl Prepared {
    /// Operations, not encoded: [`Kernel::apply_prepared`] applies them as they are.
    pub fn plain(ops: Vec<Op>) -> Prepared {
        Prepared { ops, family: 0, sends: Vec::new() }
    }
}

/// The kernel's IPVS: reads, and batches of changes.
pub trait Kernel {
    /// Version and connection table size.
    fn info(&mut self) -> Result<Info, KernelError>;
    /// Every service, each once, in the kernel's dump order (the netlink
    /// client lists any its dump skipped last; see its module doc).
    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError>;
    /// One service; [`KernelError::NoSuchService`] if absent.
    fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError>;
    /// The backends of a service, each once, newest first (the kernel's
    /// order); empty for a service that does not exist.
    fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError>;
    /// Every service, as [`Kernel::services`], each with the number of its
    /// backends when the kernel tells it cheaply (a hint for
    /// [`Kernel::backends_without_counters`]).
    fn services_counted(&mut self) -> Result<Vec<(ServiceEntry, Option<u32>)>, KernelError> {
        Ok(self.services()?.into_iter().map(|entry| (entry, None)).collect())
    }
    /// A service's backends as [`Kernel::backends`] gives them, their
    /// counters zero: for listings that show none and for plans. `count`
    /// is [`Kernel::services_counted`]'s hint. The netlink client reads
    /// them with far less kernel work than a dump.
    fn backends_without_counters(
        &mut self,
        key: &ServiceKey,
        _count: Option<u32>,
    ) -> Result<Vec<BackendEntry>, KernelError> {
        self.backends(key)
    }
    /// Every service with its backends, with every counter (listings with
    /// `--stats` or `--rate`, metrics).
    fn table_counted(&mut self) -> Result<Vec<(ServiceEntry, Vec<BackendEntry>)>, KernelError> {
        let services = self.services()?;
        services
            .into_iter()
            .map(|entry| {
                let backends = self.backends(&entry.service.key)?;
                Ok((entry, backends))
            })
            .collect()
    }
    /// Every service with its backends, their counters zero.
    fn table(&mut self) -> Result<Vec<(ServiceEntry, Vec<BackendEntry>)>, KernelError> {
        let services = self.services_counted()?;
        services
            .into_iter()
            .map(|(entry, count)| {
                let backends = self.backends_without_counters(&entry.service.key, count)?;
                Ok((entry, backends))
            })
            .collect()
    }
    /// The tcp, tcpfin and udp timeouts.
    fn timeouts(&mut self) -> Result<Timeouts, KernelError>;
    /// The running sync daemons, master first.
    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError>;
    /// The connection table.
    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError>;
    /// The network namespace this kernel's IPVS lives in (health checks
    /// connect to backends from there, as the director does).
    fn netns(&self) -> Netns;
    /// Applies operations in order. The kernel goes on after a refused one,
    /// so each has its own outcome; `Err` means the exchange itself failed
    /// and which operations took effect is unknown.
    fn apply(&mut self, ops: &[Op]) -> Result<Outcomes, KernelError>;

    /// A second connection to the same IPVS, for a thread of its own (a
    /// [`super::writer::Writer`]); `None` where there is none to make.
    fn another(&self) -> Option<Box<dyn Kernel + Send>> {
        None
    }

    /// Makes `ops` ready to send with [`Kernel::apply_prepared`], on this
    /// thread.
    fn prepare(&mut self, ops: Vec<Op>) -> Prepared {
        Prepared::plain(ops)
    }

    /// Applies prepared operations, as [`Kernel::apply`] applies them.
    fn apply_prepared(&mut self, prepared: &Prepared) -> Result<Outcomes, KernelError> {
        self.apply(&prepared.ops)
    }

    /// Applies one operation.
    fn apply_one(&mut self, op: &Op) -> Result<(), KernelError> {
        self.apply(std::slice::from_ref(op))?.pop().unwrap_or(Ok(()))
    }
}
