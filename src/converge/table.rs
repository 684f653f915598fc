//! The two tables a plan compares: the one the files declare and the one
//! the kernel holds.

use crate::ipvs::{Backend, BackendEntry, Kernel, KernelError, Service, ServiceEntry, ServiceKey, Timeouts};
use crate::lang::ast::TimeoutsDecl;
use crate::lang::source::Span;

/// Where a declaration was written: which file (an index into the files
/// given) and where in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: usize,
    pub span: Span,
}

/// A service as the files declare it: exactly these settings and backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredService {
    pub service: Service,
    pub name: Option<String>,
    /// In the order written.
    pub backends: Vec<Backend>,
    pub origin: Origin,
}

/// What the files declare.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Desired {
    /// In the order written.
    pub services: Vec<DeclaredService>,
    /// The timeouts the files set; those they leave out are not managed.
    pub timeouts: Option<TimeoutsDecl>,
    /// Where the (last) `timeouts` statement is.
    pub timeouts_origin: Origin,
}

impl Desired {
    /// The declared service with this key.
    pub fn service(&self, key: &ServiceKey) -> Option<&DeclaredService> {
        self.services.iter().find(|s| s.service.key == *key)
    }

    /// The table `live` is, as declarations: `apply --prune` of it gives it back.
    pub fn from_live(live: &Live) -> Desired {
        let services = live
            .services
            .iter()
            .map(|s| DeclaredService {
                service: s.service().clone(),
                name: None,
                // The kernel lists backends newest first: declared oldest first.
                backends: s.backends.iter().rev().map(|b| b.backend).collect(),
                origin: Origin::default(),
            })
            .collect();
        let t = live.timeouts;
        let timeouts = Some(TimeoutsDecl { tcp: Some(t.tcp), tcp_fin: Some(t.tcp_fin), udp: Some(t.udp) });
        Desired { services, timeouts, timeouts_origin: Origin::default() }
    }

    /// The name the files give a service.
    pub fn name_of(&self, key: &ServiceKey) -> Option<&str> {
        self.service(key).and_then(|s| s.name.as_deref())
    }
}

/// A service in the kernel with its backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveService {
    pub entry: ServiceEntry,
    /// In the kernel's order (newest first).
    pub backends: Vec<BackendEntry>,
}

impl LiveService {
    /// The service's settings.
    pub fn service(&self) -> &Service {
        &self.entry.service
    }
}

/// What the kernel holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    /// In the kernel's dump order.
    pub services: Vec<LiveService>,
    pub timeouts: Timeouts,
}

impl Live {
    /// Reads every service with its backends, and the timeouts.
    pub fn read(kernel: &mut dyn Kernel) -> Result<Live, KernelError> {
        let mut services = Vec::new();
        for entry in kernel.services()? {
            let backends = kernel.backends(&entry.service.key)?;
            services.push(LiveService { entry, backends });
        }
        Ok(Live { services, timeouts: kernel.timeouts()? })
    }

    /// The service with this key, if the kernel has it.
    pub fn service(&self, key: &ServiceKey) -> Option<&LiveService> {
        self.services.iter().find(|s| s.entry.service.key == *key)
    }
}
