//! Keeps the catalog fresh without making Tab wait: a thread of its own,
//! with its own kernel connection, reads every service and backend when
//! asked (after each line the shell runs) and, while the shell is idle, now
//! and then (so changes made behind lvsh's back, by ipvsadm say, show up).
//! Tab only ever reads the last snapshot.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::catalog::{namespaces, Catalog};
use crate::ipvs::netns::NETNS_DIR;
use crate::ipvs::{Kernel, NetlinkKernel, Netns};

/// The shortest pause between idle refreshes; a slow table waits longer.
const IDLE: Duration = Duration::from_secs(2);
/// An idle refresh waits this many times as long as the last one took.
const IDLE_FACTOR: u32 = 50;

/// A request: refresh (the namespace may have changed), numbered.
struct Request {
    id: u64,
    netns: Netns,
}

#[derive(Default)]
struct State {
    catalog: Arc<Catalog>,
    /// The newest request the snapshot answers.
    served: u64,
    /// How long the last refresh took.
    took: Duration,
}

/// The handle the shell keeps.
pub struct Refresher {
    shared: Arc<(Mutex<State>, Condvar)>,
    requests: Sender<Request>,
    next_id: u64,
}

impl Refresher {
    /// Starts the thread; its first refresh begins at once.
    pub fn start(netns: Netns) -> Refresher {
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let (requests, inbox) = channel::<Request>();
        let worker = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut kernel: Option<(Netns, NetlinkKernel)> = None;
            let mut current = Request { id: 0, netns };
            loop {
                let took = lock(&worker.0).took;
                let wait = IDLE.max(took * IDLE_FACTOR);
                let started = Instant::now();
                let catalog = load(&mut kernel, &current.netns);
                let mut state = lock(&worker.0);
                state.catalog = Arc::new(catalog);
                state.served = state.served.max(current.id);
                state.took = started.elapsed();
                drop(state);
                worker.1.notify_all();
                match inbox.recv_timeout(wait) {
                    Ok(request) => current = request,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                // Requests that queued up meanwhile are answered by one refresh.
                while let Ok(request) = inbox.try_recv() {
                    current = request;
                }
            }
        });
        Refresher { shared, requests, next_id: 0 }
    }

    /// The last snapshot.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.snapshots().get()
    }

    /// A handle that reads the last snapshot, for the editor's helper.
    pub fn snapshots(&self) -> Snapshots {
        Snapshots(Arc::clone(&self.shared))
    }

    /// Asks for a refresh of `netns`; waits for it up to `limit` if the
    /// last one was quick (a big table never holds up the prompt).
    pub fn refresh(&mut self, netns: &Netns, limit: Duration) {
        self.next_id += 1;
        let id = self.next_id;
        if self.requests.send(Request { id, netns: netns.clone() }).is_err() {
            return;
        }
        let (state, changed) = &*self.shared;
        let state = lock(state);
        if state.took > limit / 4 {
            return;
        }
        let _ = changed.wait_timeout_while(state, limit, |s| s.served < id);
    }
}

/// Reads the newest snapshot; cheap, never waits for a refresh.
#[derive(Clone)]
pub struct Snapshots(Arc<(Mutex<State>, Condvar)>);

impl Snapshots {
    /// The newest snapshot.
    pub fn get(&self) -> Arc<Catalog> {
        Arc::clone(&lock(&self.0 .0).catalog)
    }
}

/// Reads the catalog, connecting (again) when needed.
fn load(kernel: &mut Option<(Netns, NetlinkKernel)>, netns: &Netns) -> Catalog {
    // The lab's short names (what `on` and `from` take), and every namespace.
    let mut nodes: Vec<String> = crate::lab::NODES.iter().map(|n| n.name.to_string()).collect();
    nodes.extend(namespaces(std::path::Path::new(NETNS_DIR)));
    nodes.sort();
    nodes.dedup();
    if kernel.as_ref().is_none_or(|(n, _)| n != netns) {
        match NetlinkKernel::connect_in(netns) {
            Ok(k) => *kernel = Some((netns.clone(), k)),
            Err(e) => {
                *kernel = None;
                return Catalog::unavailable(&e, nodes);
            }
        }
    }
    let Some((_, k)) = kernel.as_mut() else { return Catalog::default() };
    match Catalog::load(k as &mut dyn Kernel, nodes.clone()) {
        Ok(catalog) => catalog,
        Err(e) => {
            *kernel = None;
            Catalog::unavailable(&e, nodes)
        }
    }
}

/// The lock, even if a panic poisoned it (the data is a plain snapshot).
fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
