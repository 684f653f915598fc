//! Declarations staged in memory. A stretch of `service` and `backend`
//! statements is planned against the table as the statements before it in
//! the stretch left it, and reaches the kernel as one batch when a
//! statement that is not a declaration comes, or the run ends. A long
//! stretch (a table of thousands) then costs one services dump, one
//! backends read for each declared service the kernel already had, and
//! one batch of writes, instead of a few round trips per statement; a
//! short one reads only the services it names. (The backends are
//! read without their counters: a plan compares settings.) A run's first
//! stretch may instead take the table from a [`Prefetch`], read on another
//! thread while the file was parsed (`app::run_files`).
//!
//! Nothing is written until the batch goes, so a declaration that cannot
//! be planned (a backend of an undeclared service) stops the run with
//! nothing sent; a refusal in the batch points at its own statement, and
//! the run is rolled back as any refused run is. In a long stretch, the
//! steps go in windows instead, each sent on another thread
//! while the next is planned ([`super::pipeline`]): there a declaration
//! that cannot be planned stops the run after the windows before it, and
//! the run is rolled back.

use super::pipeline::{Steps, WindowSize};
use super::plan::Change;
use crate::ipvs::fasthash::FastMap;
use crate::ipvs::prefetch::Prefetch;
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Info, Kernel, KernelError, Netns, Op, Outcomes, ServiceEntry,
    ServiceKey, Stats, Timeouts,
};
use crate::lang::source::Span;

/// From this many declarations on, a stretch reads every service in one
/// dump; a shorter one asks for each service it names (a `service` line in
/// the shell must not cost a dump of thousands).
pub(super) const WHOLE_TABLE_AT: usize = 16;

/// The table as the staged steps leave it, and the steps.
pub(super) struct Staged {
    /// The services known so far, as the steps changed them (`None`:
    /// absent, or deleted by a step).
    services: FastMap<ServiceKey, Option<ServiceEntry>>,
    /// Whether `services` holds every service the kernel had when the
    /// stretch began (one dump), so that a key it lacks is absent; else a
    /// key it lacks is asked of the kernel.
    whole: bool,
    /// The backends of each service read or made so far (newest first).
    backends: FastMap<ServiceKey, Vec<BackendEntry>>,
    /// How many backends the kernel said each service had (a hint for reading them).
    counts: FastMap<ServiceKey, u32>,
    /// The steps planned and not sent yet, in order.
    steps: Steps,
    /// How many steps fill the next window: full windows go before the
    /// stretch ends in a long stretch (see [`super::pipeline`]).
    window: WindowSize,
    /// The kernel's backends being read on another thread (a run's first
    /// stretch, read while its file was parsed).
    prefetch: Option<Prefetch>,
}

impl Staged {
    /// Starts a stretch of `declarations` statements: a long one with one
    /// dump of the kernel's services (`prefetch`'s, when it has them), a
    /// short one with nothing read yet.
    pub fn begin(
        kernel: &mut dyn Kernel,
        declarations: usize,
        prefetch: Option<Prefetch>,
    ) -> Result<Staged, KernelError> {
        let mut staged = Staged {
            services: FastMap::default(),
            whole: declarations >= WHOLE_TABLE_AT,
            backends: FastMap::default(),
            counts: FastMap::default(),
            steps: Steps::default(),
            window: match declarations >= WHOLE_TABLE_AT {
                true => WindowSize::default(),
                false => WindowSize::never(),
            },
            prefetch: None,
        };
        if staged.whole {
            let prefetched = prefetch.and_then(|mut prefetch| {
                let services = prefetch.services()?;
                staged.prefetch = Some(prefetch);
                Some(services)
            });
            let services = match prefetched {
                Some(services) => services?,
                None => kernel.services_counted()?,
            };
            staged.services.reserve(services.len());
            staged.counts.reserve(services.len());
            staged.backends.reserve(services.len());
            for (entry, count) in services {
                if let Some(count) = count {
                    staged.counts.insert(entry.service.key, count);
                }
                staged.services.insert(entry.service.key, Some(entry));
            }
        }
        Ok(staged)
    }

    /// The staged table in front of `kernel`, for planning.
    pub fn view<'a>(&'a mut self, kernel: &'a mut dyn Kernel) -> View<'a> {
        View { staged: self, kernel }
    }

    /// Adds a planned change's steps, and plays them on the table.
    pub fn stage(&mut self, span: Span, change: Change) {
        for (op, _) in &change.steps {
            self.play(op);
        }
        self.steps.push(span, change);
    }

    /// The steps planned and not sent yet, and the size of the window they fill.
    pub fn window(&mut self) -> (&mut Steps, &mut WindowSize) {
        (&mut self.steps, &mut self.window)
    }

    /// The table as the stretch's prefetch read it when the stretch began,
    /// whole (see [`Prefetch::table`]); `None` without a prefetch.
    pub fn table_read(&mut self) -> Option<Vec<(ServiceEntry, Vec<BackendEntry>)>> {
        self.prefetch.as_mut()?.table()
    }

    /// Whether no step is waiting to be sent.
    pub fn nothing_to_send(&self) -> bool {
        self.steps.ops.is_empty()
    }

    /// The steps not sent yet; the staged table goes before they are (a
    /// run's peak of memory).
    pub fn into_steps(self) -> Steps {
        self.steps
    }

    fn play(&mut self, op: &Op) {
        match op {
            Op::AddService(service) | Op::EditService(service) => {
                let stats = match self.services.get(&service.key) {
                    Some(Some(old)) => old.stats,
                    _ => Stats::default(),
                };
                self.services.insert(service.key, Some(ServiceEntry { service: service.clone(), stats }));
                if matches!(op, Op::AddService(_)) {
                    self.backends.insert(service.key, Vec::new());
                }
            }
            Op::DelService(key) => {
                self.services.insert(*key, None);
                self.backends.remove(key);
            }
            Op::Flush => {
                self.services.values_mut().for_each(|s| *s = None);
                self.backends.clear();
            }
            Op::AddBackend { service, backend } => {
                // The kernel lists the newest backend first.
                self.backends.entry(*service).or_default().insert(0, BackendEntry::idle(*backend));
            }
            Op::EditBackend { service, backend } => {
                let backends = self.backends.entry(*service).or_default();
                if let Some(b) = backends.iter_mut().find(|b| b.backend.addr == backend.addr) {
                    b.backend = *backend;
                }
            }
            Op::DelBackend { service, addr } => {
                self.backends.entry(*service).or_default().retain(|b| b.backend.addr != *addr);
            }
            Op::Zero(_) | Op::SetTimeouts(_) | Op::StartDaemon(_) | Op::StopDaemon(_) => {}
        }
    }
}

/// The staged table answering a plan's reads; what it does not hold (the
/// backends of a service it has not read yet, the timeouts, the daemons)
/// comes from the kernel.
pub(super) struct View<'a> {
    staged: &'a mut Staged,
    kernel: &'a mut dyn Kernel,
}

impl View<'_> {
    /// Whether the service exists as the steps left it (as [`View::known`],
    /// without a copy of it).
    fn exists(&mut self, key: &ServiceKey) -> Result<bool, KernelError> {
        match self.staged.services.get(key) {
            Some(known) => Ok(known.is_some()),
            None if self.staged.whole => Ok(false),
            None => Ok(self.known(key)?.is_some()),
        }
    }

    /// The service as the steps left it, asked of the kernel the first time
    /// when the stretch did not read them all.
    fn known(&mut self, key: &ServiceKey) -> Result<Option<ServiceEntry>, KernelError> {
        if let Some(known) = self.staged.services.get(key) {
            return Ok(known.clone());
        }
        if self.staged.whole {
            return Ok(None);
        }
        let read = match self.kernel.service(key) {
            Ok(entry) => Some(entry),
            Err(KernelError::NoSuchService { .. }) => None,
            Err(e) => return Err(e),
        };
        self.staged.services.insert(*key, read.clone());
        Ok(read)
    }
}

impl Kernel for View<'_> {
    fn info(&mut self) -> Result<Info, KernelError> {
        self.kernel.info()
    }

    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        let mut services: FastMap<ServiceKey, Option<ServiceEntry>> = match self.staged.whole {
            true => FastMap::default(),
            false => self.kernel.services()?.into_iter().map(|e| (e.service.key, Some(e))).collect(),
        };
        services.extend(self.staged.services.iter().map(|(k, e)| (*k, e.clone())));
        Ok(services.into_values().flatten().collect())
    }

    fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        let missing = || KernelError::NoSuchService { service: *key, adding_backend: false };
        self.known(key)?.ok_or_else(missing)
    }

    /// As the kernel's dump: empty for a service that does not exist (a
    /// backend added to it is refused when the batch goes).
    fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        if !self.exists(key)? {
            return Ok(Vec::new());
        }
        if let Some(backends) = self.staged.backends.get(key) {
            return Ok(backends.clone());
        }
        // A service the kernel had, and no step has touched: read it once
        // (a plan compares settings, not counters), unless the prefetch did.
        let prefetched = self.staged.prefetch.as_mut().and_then(|p| p.backends(key));
        let read = match prefetched {
            Some(read) => read,
            None => self.kernel.backends_without_counters(key, self.staged.counts.get(key).copied())?,
        };
        self.staged.backends.insert(*key, read.clone());
        Ok(read)
    }

    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        self.kernel.timeouts()
    }

    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        self.kernel.daemons()
    }

    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        self.kernel.connections()
    }

    fn netns(&self) -> Netns {
        self.kernel.netns()
    }

    /// Plans only read; a change goes through [`Staged::stage`].
    fn apply(&mut self, ops: &[Op]) -> Result<Outcomes, KernelError> {
        ops.iter().for_each(|op| self.staged.play(op));
        Ok(ops.iter().map(|_| Ok(())).collect())
    }
}
