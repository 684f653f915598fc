//! Which of a lab's namespaces are lvsh's: each one there is held open and
//! judged against the lab's record ([`super::record`]). While lvsh holds a
//! namespace open it cannot cease to exist, so its identity cannot pass to
//! another between the judgement and what lvsh then does to it.
//!
//! A partly recorded lab (a `lab up` interrupted half-way, or namespaces
//! deleted by hand) is judged name by name: what the record names and is
//! still there is lvsh's; a name with no namespace is free (`lab up` makes
//! it, `lab down` has nothing to do); any other namespace of a lab name is
//! foreign, and left alone. A namespace made by a `lab up` that was killed
//! before it could write it down is foreign too: lvsh errs on the side of
//! the namespace it cannot vouch for.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::LabError;
use super::record::{boot_id, Foreign, Identity, Lock, Record, RecordError, Store, Verdict};
use super::Lab;
use crate::ipvs::Netns;

/// How long `lab up` or `lab down` waits for another lvsh's on the same lab.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// A namespace held open.
#[derive(Debug)]
pub struct Pinned {
    _file: File,
    pub identity: Identity,
}

impl Pinned {
    /// Whether `path` still names this namespace.
    pub fn still_at(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.dev() == self.identity.dev && m.ino() == self.identity.ino)
    }
}

/// Where the namespace called `name` is mounted.
pub fn path_of(name: &str) -> PathBuf {
    Netns::Named(name.to_string()).path().unwrap_or_default()
}

/// Whether lvsh runs in the machine's own network namespace (init's), not
/// inside another, such as a lab node's (`gw lvsh keep ...`). When init's
/// cannot be read, lvsh is taken to be where it usually is: in it.
pub fn in_the_machines_namespace() -> bool {
    let identity = |path: &str| std::fs::metadata(path).map(|m| (m.dev(), m.ino()));
    match (identity("/proc/self/ns/net"), identity("/proc/1/ns/net")) {
        (Ok(own), Ok(init)) => own == init,
        _ => true,
    }
}

/// Opens the namespace called `name` and reads who it is: `None` if there
/// is none; `Err` says why it cannot be identified.
pub fn pin(name: &str) -> Result<Option<Pinned>, String> {
    let file = match File::open(path_of(name)) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let meta = file.metadata().map_err(|e| e.to_string())?;
    let cookie = cookie(&file).map_err(|e| format!("cannot enter it: {e}"))?;
    Ok(Some(Pinned { identity: Identity { dev: meta.dev(), ino: meta.ino(), cookie }, _file: file }))
}

/// The namespace's cookie, read from a socket made inside it by a thread
/// that entered it (lvsh itself never moves).
fn cookie(namespace: &File) -> io::Result<u64> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns only reads the descriptor, which `namespace` keeps open.
                if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                // A Unix socket: it belongs to the namespace and touches no network.
                let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::DGRAM, None)?;
                let mut cookie: u64 = 0;
                let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
                // SAFETY: the kernel writes at most `len` bytes into `cookie`.
                let rc = unsafe {
                    libc::getsockopt(
                        socket.as_raw_fd(),
                        libc::SOL_SOCKET,
                        SO_NETNS_COOKIE,
                        (&raw mut cookie).cast(),
                        &mut len,
                    )
                };
                match rc {
                    0 => Ok(cookie),
                    _ => Err(io::Error::last_os_error()),
                }
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// `SO_NETNS_COOKIE` (Linux 5.14), which the libc crate does not export.
const SO_NETNS_COOKIE: libc::c_int = 71;

/// What one name of the lab is now.
#[derive(Debug)]
pub enum State {
    Absent,
    Ours(Pinned),
    Foreign(Foreign),
}

/// A lab taken in hand: its lock, its record, and each of its namespaces
/// judged and (when there) held open.
#[derive(Debug)]
pub struct Claim {
    lab: Lab,
    store: Store,
    record: Record,
    namespaces: Vec<(String, State)>,
    _lock: Lock,
}

impl Claim {
    /// Takes the lab's lock and judges its namespaces by its record.
    pub fn take(lab: &Lab) -> Result<Claim, LabError> {
        let store = Store::system();
        let lock = store.lock(&lab.prefix, LOCK_WAIT)?;
        let record = store.load(&lab.prefix, &boot_id())?;
        let namespaces =
            lab.namespaces().into_iter().map(|name| (name.clone(), judge(&record, &name))).collect();
        Ok(Claim { lab: lab.clone(), store, record, namespaces, _lock: lock })
    }

    /// The lab it holds.
    pub fn lab(&self) -> &Lab {
        &self.lab
    }

    /// What the namespace called `name` is.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.namespaces.iter().find(|(n, _)| n == name).map(|(_, state)| state)
    }

    /// The lab's namespaces that are lvsh's and there.
    pub fn ours(&self) -> Vec<String> {
        self.namespaces.iter().filter(|(_, s)| matches!(s, State::Ours(_))).map(|(n, _)| n.clone()).collect()
    }

    /// The lab's namespaces that are there but not lvsh's, and why.
    pub fn foreign(&self) -> Vec<(String, Foreign)> {
        self.namespaces
            .iter()
            .filter_map(|(n, s)| match s {
                State::Foreign(why) => Some((n.clone(), why.clone())),
                _ => None,
            })
            .collect()
    }

    /// The identities of the lab's namespaces that are lvsh's and there.
    pub fn pinned(&self) -> impl Iterator<Item = &Pinned> {
        self.namespaces.iter().filter_map(|(_, s)| match s {
            State::Ours(pinned) => Some(pinned),
            _ => None,
        })
    }

    /// Writes down a namespace lvsh has just made, at once: an interrupted
    /// `lab up` leaves a record of what it made.
    pub fn adopt(&mut self, name: &str) -> Result<(), LabError> {
        let fail = |why: String| LabError::Step { command: format!("ip netns add {name}"), why };
        let pinned = pin(name).map_err(fail)?.ok_or_else(|| fail("it was gone right after".to_string()))?;
        self.record.insert(name, pinned.identity);
        self.set(name, State::Ours(pinned));
        Ok(self.store.save(&self.record)?)
    }

    /// Forgets a namespace that is gone; [`Claim::save`] writes it down.
    pub fn forget(&mut self, name: &str) {
        self.record.remove(name);
        self.set(name, State::Absent);
    }

    /// Writes the record as it stands: names whose namespace is gone are
    /// dropped (an empty record removes the file).
    pub fn save(mut self) -> Result<(), RecordError> {
        for (name, state) in &self.namespaces {
            if matches!(state, State::Absent) {
                self.record.remove(name);
            }
        }
        self.store.save(&self.record)
    }

    fn set(&mut self, name: &str, state: State) {
        if let Some(entry) = self.namespaces.iter_mut().find(|(n, _)| n == name) {
            entry.1 = state;
        }
    }
}

/// What the namespace called `name` is, by `record`.
fn judge(record: &Record, name: &str) -> State {
    match pin(name) {
        Err(why) => State::Foreign(Foreign::Unreadable(why)),
        Ok(pinned) => match (record.verdict(name, pinned.as_ref().map(|p| p.identity)), pinned) {
            (Verdict::Ours, Some(pinned)) => State::Ours(pinned),
            (Verdict::Foreign(why), _) => State::Foreign(why),
            _ => State::Absent,
        },
    }
}

/// The lab's namespaces that are there but not lvsh's, read without the
/// lock and without writing anything (for `lab status`). A record that
/// cannot be read owns nothing.
pub fn foreign(lab: &Lab) -> Vec<String> {
    let record = Store::system()
        .load(&lab.prefix, &boot_id())
        .unwrap_or_else(|_| Record::new(&lab.prefix, &boot_id()));
    lab.namespaces().into_iter().filter(|name| matches!(judge(&record, name), State::Foreign(_))).collect()
}
