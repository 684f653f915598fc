//! Batches sent on a thread of their own, through a second connection to
//! the same IPVS, so that the caller plans the next batch while the kernel
//! takes this one. A run of a big file spends about half its time waiting
//! for the kernel's answers; in series with its own planning and journal
//! that made it twice what the kernel costs, overlapped it is little more.
//!
//! Batches are sent in the order given and answered in that order. Every
//! batch given is sent, even when the caller stops asking for answers:
//! dropping the [`Writer`] waits for the thread, so no write reaches the
//! kernel after it is gone.

use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use super::error::KernelError;
use super::kernel::{Kernel, Outcomes, Prepared};
use super::op::Op;

/// A batch the kernel answered: its operations, handed back, and each one's
/// outcome ([`Kernel::apply`]'s).
pub type Answered = (Vec<Op>, Result<Outcomes, KernelError>);

/// A thread sending batches to one kernel.
pub struct Writer {
    batches: Option<Sender<Prepared>>,
    answers: Receiver<Answered>,
    /// How many operations each batch not yet answered holds, oldest first.
    in_flight: VecDeque<usize>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread, which owns `kernel` until the writer is dropped.
    pub fn start(mut kernel: Box<dyn Kernel + Send>) -> Writer {
        let (batches, inbox) = channel::<Prepared>();
        let (outbox, answers) = channel();
        let thread = std::thread::spawn(move || {
            for batch in inbox {
                let outcomes = kernel.apply_prepared(&batch);
                if outbox.send((batch.ops, outcomes)).is_err() {
                    // Nobody reads the answers: the rest is still sent, unanswered.
                    continue;
                }
            }
        });
        Writer { batches: Some(batches), answers, in_flight: VecDeque::new(), thread: Some(thread) }
    }

    /// Queues a batch behind the ones not yet sent (prepared by the
    /// kernel the caller reads, [`Kernel::prepare`]).
    pub fn send(&mut self, batch: Prepared) {
        self.in_flight.push_back(batch.ops.len());
        // A thread that is gone answers that it could not send ([`Writer::answer`]).
        if let Some(batches) = &self.batches {
            let _ = batches.send(batch);
        }
    }

    /// How many batches are not answered yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The oldest unanswered batch's answer, waiting for it; `None` when
    /// every batch was answered. A thread that ended early (it panicked)
    /// answers that the exchange failed: which operations took effect is
    /// unknown, as for any [`Kernel::apply`] that fails.
    pub fn answer(&mut self) -> Option<Answered> {
        let count = self.in_flight.pop_front()?;
        Some(self.answers.recv().unwrap_or_else(|_| {
            let source = std::io::Error::other("the thread sending to the kernel stopped");
            (Vec::with_capacity(count), Err(KernelError::Io { context: "send", source }))
        }))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // The thread ends once the queue is empty; nothing is written after this.
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::{BackendEntry, Daemon, Info, ServiceEntry, ServiceKey, Timeouts};
    use crate::ipvs::{ConnEntry, Netns};
    use std::sync::{Arc, Mutex};

    /// A kernel that keeps every operation it is sent, and refuses a flush.
    struct Log(Arc<Mutex<Vec<Op>>>);

    impl Kernel for Log {
        fn info(&mut self) -> Result<Info, KernelError> {
            Err(KernelError::IpvsMissing)
        }
        fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
            Ok(Vec::new())
        }
        fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
            Err(KernelError::NoSuchService { service: *key, adding_backend: false })
        }
        fn backends(&mut self, _: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
            Ok(Vec::new())
        }
        fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
            Err(KernelError::IpvsMissing)
        }
        fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
            Ok(Vec::new())
        }
        fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
            Ok(Vec::new())
        }
        fn netns(&self) -> Netns {
            Netns::Current
        }
        fn apply(&mut self, ops: &[Op]) -> Result<Outcomes, KernelError> {
            let mut log = self.0.lock().map_err(|_| KernelError::IpvsMissing)?;
            log.extend(ops.iter().cloned());
            Ok(ops
                .iter()
                .map(|op| if *op == Op::Flush { Err(KernelError::IpvsMissing) } else { Ok(()) })
                .collect())
        }
    }

    fn zero(port: u16) -> Op {
        Op::Zero(Some(ServiceKey::tcp(std::net::SocketAddr::from(([10, 0, 0, 1], port)))))
    }

    #[test]
    fn batches_are_answered_in_the_order_given_each_op_with_its_outcome() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut writer = Writer::start(Box::new(Log(Arc::clone(&log))));
        writer.send(Prepared::plain(vec![zero(1), zero(2)]));
        writer.send(Prepared::plain(vec![Op::Flush]));
        writer.send(Prepared::plain(vec![zero(3)]));
        assert_eq!(writer.in_flight(), 3);
        let (ops, outcomes) = writer.answer().unwrap();
        assert_eq!(ops, vec![zero(1), zero(2)]);
        assert!(outcomes.unwrap().iter().all(Result::is_ok));
        let (ops, outcomes) = writer.answer().unwrap();
        assert_eq!(ops, vec![Op::Flush]);
        assert!(outcomes.unwrap()[0].is_err());
        assert_eq!(writer.answer().unwrap().0, vec![zero(3)]);
        assert!(writer.answer().is_none());
        assert_eq!(*log.lock().unwrap(), vec![zero(1), zero(2), Op::Flush, zero(3)]);
    }

    #[test]
    fn a_dropped_writer_still_sends_every_batch_given_before_it_goes() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut writer = Writer::start(Box::new(Log(Arc::clone(&log))));
        for port in 0..50 {
            writer.send(Prepared::plain(vec![zero(port)]));
        }
        drop(writer);
        assert_eq!(log.lock().unwrap().len(), 50);
    }
}
