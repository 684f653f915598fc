//! The table read on a thread of its own, while the caller does something
//! else (a `run` of a big file parses it meanwhile). The thread lists the
//! services, then reads each one's backends (without counters, as plans
//! compare settings), handing each over as soon as it is read; the caller
//! takes what it needs, in any order, and reads nothing twice.
//!
//! Dropping the [`Prefetch`] stops the thread after the read it is in: a
//! run that turns out not to need the table wastes at most one read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

use super::error::KernelError;
use super::fasthash::{FastMap, FastSet};
use super::kernel::Kernel;
use super::model::{BackendEntry, ServiceEntry, ServiceKey};
use super::netns::Netns;

/// Every service with the kernel's count of its backends, as
/// [`Kernel::services_counted`] gives them.
type Counted = Vec<(ServiceEntry, Option<u32>)>;

/// One piece of the table, as the thread read it.
enum Piece {
    Services(Result<Counted, KernelError>),
    /// The backends of a few services, in the order read.
    Backends(Vec<(ServiceKey, Vec<BackendEntry>)>),
}

/// How many services' backends go over at once: one hand-over each would
/// wake the caller thousands of times (in a guest: 2,600 futex calls, and
/// a rerun slower than without the prefetch).
const CHUNK: usize = 256;

/// A table being read on another thread.
pub struct Prefetch {
    netns: Netns,
    pieces: Receiver<Piece>,
    stop: Arc<AtomicBool>,
    /// Backends received while waiting for another service's.
    received: FastMap<ServiceKey, Vec<BackendEntry>>,
    /// The services listed whose backends were not handed over yet.
    pending: FastSet<ServiceKey>,
}

impl Prefetch {
    /// Starts reading the table of `netns`, on a new thread, from the
    /// kernel `connect` makes there.
    pub fn start<K: Kernel>(
        netns: Netns,
        connect: impl FnOnce(&Netns) -> Result<K, KernelError> + Send + 'static,
    ) -> Prefetch {
        let (sender, pieces) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let there = netns.clone();
        std::thread::spawn(move || {
            let mut kernel = match connect(&there) {
                Ok(kernel) => kernel,
                Err(e) => return drop(sender.send(Piece::Services(Err(e)))),
            };
            let services = kernel.services_counted();
            let wanted: Vec<(ServiceKey, Option<u32>)> = match &services {
                Ok(services) => services.iter().map(|(entry, count)| (entry.service.key, *count)).collect(),
                Err(_) => Vec::new(),
            };
            if sender.send(Piece::Services(services)).is_err() {
                return;
            }
            for chunk in wanted.chunks(CHUNK) {
                let mut read = Vec::with_capacity(chunk.len());
                for (key, count) in chunk {
                    if stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    // A failed read is left to the caller, who reads it again and says why.
                    match kernel.backends_without_counters(key, *count) {
                        Ok(backends) => read.push((*key, backends)),
                        Err(_) => return drop(sender.send(Piece::Backends(read))),
                    }
                }
                if sender.send(Piece::Backends(read)).is_err() {
                    return;
                }
            }
        });
        Prefetch { netns, pieces, stop, received: FastMap::default(), pending: FastSet::default() }
    }

    /// The namespace whose table this is.
    pub fn netns(&self) -> &Netns {
        &self.netns
    }

    /// Every service with its backend count hint, as
    /// [`Kernel::services_counted`] gave them (waits for the thread's list);
    /// `None` if the thread ended without one.
    pub fn services(&mut self) -> Option<Result<Counted, KernelError>> {
        loop {
            if let Piece::Services(services) = self.pieces.recv().ok()? {
                if let Ok(services) = &services {
                    self.pending = services.iter().map(|(entry, _)| entry.service.key).collect();
                }
                return Some(services);
            }
        }
    }

    /// The backends of `key` as the thread read them (waiting for them), once;
    /// `None` if it did not (a service it did not list, a read that failed,
    /// or asked twice): the caller then reads them itself.
    pub fn backends(&mut self, key: &ServiceKey) -> Option<Vec<BackendEntry>> {
        if !self.pending.remove(key) {
            return None;
        }
        loop {
            if let Some(backends) = self.received.remove(key) {
                return Some(backends);
            }
            if let Piece::Backends(read) = self.pieces.recv().ok()? {
                self.received.extend(read);
            }
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::{Backend, Daemon, Forward, Info, Service, Stats, Timeouts};
    use crate::ipvs::{ConnEntry, Op, Outcomes};
    use std::sync::atomic::AtomicUsize;

    /// A table of `services` services with one backend each, counting the
    /// backends reads it answers; from the `held`-th on, each read waits
    /// until `gate` opens. It says when the thread that owns it ends.
    struct Table {
        services: Vec<ServiceEntry>,
        reads: Arc<AtomicUsize>,
        held: usize,
        gate: Arc<AtomicBool>,
        ended: Arc<AtomicBool>,
    }

    impl Drop for Table {
        fn drop(&mut self) {
            self.ended.store(true, Ordering::SeqCst);
        }
    }

    fn key(i: u16) -> ServiceKey {
        ServiceKey::tcp(std::net::SocketAddr::from(([10, 0, 0, 1], 1000 + i)))
    }

    fn backend_of(key: &ServiceKey) -> Vec<BackendEntry> {
        let port = match key {
            ServiceKey::Inet { addr, .. } => addr.port(),
            ServiceKey::Fwmark { .. } => 0,
        };
        let addr = std::net::SocketAddr::from(([172, 16, 0, 1], port));
        vec![BackendEntry::idle(Backend::new(addr, Forward::Masq))]
    }

    fn table(services: u16, reads: &Arc<AtomicUsize>) -> Table {
        let services = (0..services)
            .map(|i| ServiceEntry { service: Service::new(key(i)), stats: Stats::default() })
            .collect();
        let open = Arc::new(AtomicBool::new(true));
        Table { services, reads: Arc::clone(reads), held: usize::MAX, gate: open, ended: Arc::default() }
    }

    impl Kernel for Table {
        fn info(&mut self) -> Result<Info, KernelError> {
            unimplemented!("not read by a prefetch")
        }
        fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
            Ok(self.services.clone())
        }
        fn service(&mut self, _: &ServiceKey) -> Result<ServiceEntry, KernelError> {
            unimplemented!("not read by a prefetch")
        }
        fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
            if self.reads.fetch_add(1, Ordering::SeqCst) + 1 >= self.held {
                while !self.gate.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
            Ok(backend_of(key))
        }
        fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
            unimplemented!("not read by a prefetch")
        }
        fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
            unimplemented!("not read by a prefetch")
        }
        fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
            unimplemented!("not read by a prefetch")
        }
        fn netns(&self) -> Netns {
            Netns::Current
        }
        fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
            unimplemented!("a prefetch only reads")
        }
    }

    #[test]
    fn every_service_and_its_backends_are_handed_over_once_in_any_order() {
        let reads = Arc::new(AtomicUsize::new(0));
        let kernel = table(50, &reads);
        let mut prefetch = Prefetch::start(Netns::Current, move |_: &Netns| Ok(kernel));
        let services = prefetch.services().expect("the thread lists the services").expect("the table reads");
        assert_eq!(services.len(), 50);
        for i in (0..50).rev() {
            assert_eq!(prefetch.backends(&key(i)), Some(backend_of(&key(i))), "service {i}");
        }
        // Asked twice, or never listed: the caller reads it itself.
        assert_eq!(prefetch.backends(&key(7)), None);
        assert_eq!(prefetch.backends(&key(99)), None);
        assert_eq!(reads.load(Ordering::SeqCst), 50);
    }

    #[test]
    fn a_kernel_that_cannot_be_reached_is_said_as_the_list_of_services() {
        let mut prefetch = Prefetch::start(Netns::Current, |_: &Netns| -> Result<Table, KernelError> {
            Err(KernelError::PermissionDenied { action: "read" })
        });
        assert!(matches!(prefetch.services(), Some(Err(KernelError::PermissionDenied { .. }))));
        assert_eq!(prefetch.backends(&key(0)), None);
    }

    #[test]
    fn dropping_it_stops_the_reads_after_the_one_it_is_in() {
        let reads = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let mut kernel = table(100, &reads);
        (kernel.held, kernel.gate, kernel.ended) = (10, Arc::clone(&gate), Arc::clone(&ended));
        let mut prefetch = Prefetch::start(Netns::Current, move |_: &Netns| Ok(kernel));
        let _ = prefetch.services();
        while reads.load(Ordering::SeqCst) < 10 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // The thread is in its 10th read: dropped now, it ends after it.
        drop(prefetch);
        gate.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !ended.load(Ordering::SeqCst) {
            assert!(std::time::Instant::now() < deadline, "the thread still runs 30 s after the drop");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 10);
    }
}
