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
    /// The services of the one dump, in the kernel's order (with
    /// `originals`, the table as the stretch found it: [`Staged::table_before`]).
    order: Vec<ServiceKey>,
    /// Each service of the dump that a step changed, as it was before the
    /// first: copied then, so an unchanged rerun copies nothing.
    originals: FastMap<ServiceKey, Original>,
    /// A step changed more than `originals` keeps (a flush).
    lost: bool,
}

/// A service as the stretch found it, and its backends if they were read.
struct Original {
    entry: ServiceEntry,
    backends: Option<Vec<BackendEntry>>,
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
            order: Vec::new(),
            originals: FastMap::default(),
            lost: false,
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
            staged.order = services.iter().map(|(entry, _)| entry.service.key).collect();
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

    /// The table as the stretch found it, in the kernel's order: what
    /// [`Kernel::table`] said then. Backends no declaration read yet are
    /// read now, from the prefetch or `kernel`: so the caller asks before
    /// anything of the run was written. `None` when the stretch did not
    /// read every service, a step changed more than it keeps (a flush), or
    /// a read fails (the caller then reads the table itself).
    pub fn table_before(
        &mut self,
        kernel: &mut dyn Kernel,
    ) -> Option<Vec<(ServiceEntry, Vec<BackendEntry>)>> {
        if !self.whole || self.lost {
            return None;
        }
        let mut table = Vec::with_capacity(self.order.len());
        for i in 0..self.order.len() {
            let key = self.order[i];
            let (entry, backends) = match self.originals.get(&key) {
                Some(original) => (original.entry.clone(), original.backends.clone()),
                None => (self.services.get(&key).cloned().flatten()?, self.backends.get(&key).cloned()),
            };
            let backends = match backends {
                Some(backends) => backends,
                // Changed before its backends were read: those read now are as found.
                None if self.originals.contains_key(&key) => self.found_backends(kernel, &key).ok()?,
                None => self.read_backends(kernel, &key).ok()?,
            };
            table.push((entry, backends));
        }
        Some(table)
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

    /// Copies `key`'s service and backends as the stretch found them,
    /// before a step's first change to them (a service of the one dump).
    fn keep_original(&mut self, key: &ServiceKey) {
        if !self.whole || self.originals.contains_key(key) {
            return;
        }
        if let Some(Some(entry)) = self.services.get(key) {
            let original = Original { entry: entry.clone(), backends: self.backends.get(key).cloned() };
            self.originals.insert(*key, original);
        }
    }

    /// The backends of `key` as the kernel has them, from the prefetch if
    /// it read them, else read now (without counters: a plan compares settings).
    fn found_backends(
        &mut self,
        kernel: &mut dyn Kernel,
        key: &ServiceKey,
    ) -> Result<Vec<BackendEntry>, KernelError> {
        match self.prefetch.as_mut().and_then(|p| p.backends(key)) {
            Some(read) => Ok(read),
            None => kernel.backends_without_counters(key, self.counts.get(key).copied()),
        }
    }

    /// [`Staged::found_backends`], kept for the steps to change.
    fn read_backends(
        &mut self,
        kernel: &mut dyn Kernel,
        key: &ServiceKey,
    ) -> Result<Vec<BackendEntry>, KernelError> {
        let read = self.found_backends(kernel, key)?;
        self.backends.insert(*key, read.clone());
        Ok(read)
    }

    fn play(&mut self, op: &Op) {
        match (op, op.service()) {
            (Op::Flush, _) => self.lost = true,
            // Counters only: the settings stay as found.
            (Op::Zero(_), _) => {}
            (_, Some(key)) => self.keep_original(&key),
            (_, None) => {}
        }
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
        // A service the kernel had, and no step has touched: read it once.
        self.staged.read_backends(self.kernel, key)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Forward, Service};

    /// A kernel of services with two backends each ([`fixed`]), that only reads.
    struct Fixed {
        services: Vec<ServiceEntry>,
    }

    fn key(i: u16) -> ServiceKey {
        ServiceKey::tcp(std::net::SocketAddr::from(([10, 0, 0, 1], 1000 + i)))
    }

    fn backends_of(key: &ServiceKey) -> Vec<BackendEntry> {
        let port = match key {
            ServiceKey::Inet { addr, .. } => addr.port(),
            ServiceKey::Fwmark { .. } => 0,
        };
        (1..=2u8)
            .map(|b| {
                BackendEntry::idle(Backend::new(
                    std::net::SocketAddr::from(([172, 16, 0, b], port)),
                    Forward::Masq,
                ))
            })
            .collect()
    }

    fn fixed(n: u16) -> Fixed {
        Fixed {
            services: (0..n)
                .map(|i| ServiceEntry { service: Service::new(key(i)), stats: Stats::default() })
                .collect(),
        }
    }

    impl Kernel for Fixed {
        fn info(&mut self) -> Result<Info, KernelError> {
            unimplemented!("not read by a stretch")
        }
        fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
            Ok(self.services.clone())
        }
        fn service(&mut self, key: &ServiceKey) -> Result<ServiceEntry, KernelError> {
            let found = self.services.iter().find(|s| s.service.key == *key).cloned();
            found.ok_or(KernelError::NoSuchService { service: *key, adding_backend: false })
        }
        fn backends(&mut self, key: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
            Ok(backends_of(key))
        }
        fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
            Ok(Timeouts::default())
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
        fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
            unimplemented!("a stretch only reads until its batch goes")
        }
    }

    fn step(op: Op) -> Change {
        Change::one(op, Vec::new())
    }

    #[test]
    fn the_table_before_is_as_found_with_the_steps_changes_copied_only_where_a_step_changed_it() {
        let mut kernel = fixed(20);
        let found = kernel.table().expect("the fixed table reads");
        let mut staged = Staged::begin(&mut kernel, WHOLE_TABLE_AT, None).expect("one dump");
        // Service 3's backends are read, then one's weight changes; service
        // 5 changes scheduler before its backends are read; 9 goes; a new one comes.
        let read = staged.view(&mut kernel).backends(&key(3)).expect("read");
        let mut heavier = read[0].backend;
        heavier.weight = 7;
        staged.stage(Span::default(), step(Op::EditBackend { service: key(3), backend: heavier }));
        let mut wlc = Service::new(key(5));
        wlc.scheduler = crate::ipvs::Scheduler::new("wlc");
        staged.stage(Span::default(), step(Op::EditService(wlc)));
        staged.stage(Span::default(), step(Op::DelService(key(9))));
        staged.stage(Span::default(), step(Op::AddService(Service::new(key(100)))));
        assert_eq!(staged.originals.len(), 3, "a copy of each service a step changed, and only of those");

        assert_eq!(
            staged.table_before(&mut kernel),
            Some(found),
            "the table as found, in the kernel's order"
        );
        // The steps' table is still the changed one.
        let view = &mut staged.view(&mut kernel);
        assert_eq!(view.backends(&key(3)).expect("staged")[0].backend.weight, 7);
        assert_eq!(view.service(&key(5)).expect("staged").service.scheduler.name(), "wlc");
        assert!(view.service(&key(9)).is_err());
    }

    #[test]
    fn an_unchanged_stretch_copies_nothing_and_a_flush_or_a_partial_read_has_no_table_before() {
        let mut kernel = fixed(20);
        let mut staged = Staged::begin(&mut kernel, WHOLE_TABLE_AT, None).expect("one dump");
        for i in 0..20 {
            let _ = staged.view(&mut kernel).backends(&key(i));
        }
        assert!(staged.originals.is_empty());
        staged.stage(Span::default(), step(Op::Flush));
        assert_eq!(staged.table_before(&mut kernel), None);

        let mut short = Staged::begin(&mut kernel, WHOLE_TABLE_AT - 1, None).expect("nothing read");
        assert_eq!(short.table_before(&mut kernel), None, "a short stretch did not read every service");
    }
}
