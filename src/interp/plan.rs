//! From statements to operations: what must change in the kernel, computed
//! against what is there, and how to undo it. Declarations that already
//! hold plan nothing, which makes running a file twice change nothing.

use crate::ipvs::{
    Backend, BackendEntry, Daemon, DaemonState, Kernel, KernelError, Op, Service, ServiceKey, Timeouts,
};
use crate::lang::ast::{BackendDecl, TimeoutsDecl};

/// Operations to apply, each with the operations that undo it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    pub steps: Vec<(Op, Vec<Op>)>,
}

impl Change {
    /// One operation and its undo.
    pub fn one(op: Op, undo: Vec<Op>) -> Change {
        Change { steps: vec![(op, undo)] }
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Appends the steps of `other`, to apply them in the same batch.
    pub fn extend(&mut self, other: Change) {
        self.steps.extend(other.steps);
    }
}

pub use crate::converge::desired::{backend_with, declared_backend, service_with};

/// Adds a service; the undo deletes it.
pub fn add_service(service: Service) -> Change {
    let key = service.key;
    Change::one(Op::AddService(service), vec![Op::DelService(key)])
}

/// Sends `new` even when it equals `old` (as `ipvsadm -E` does); the undo
/// puts `old` back.
pub fn replace_service(old: Service, new: Service) -> Change {
    Change::one(Op::EditService(new), vec![Op::EditService(old)])
}

/// Changes a service's settings from `old` to `new`; nothing when they are equal.
pub fn edit_service(old: Service, new: Service) -> Change {
    match new == old {
        true => Change::default(),
        false => replace_service(old, new),
    }
}

/// Ensures a service exists with exactly these settings.
pub fn declare_service(kernel: &mut dyn Kernel, desired: Service) -> Result<Change, KernelError> {
    match kernel.service(&desired.key) {
        Ok(current) => Ok(edit_service(current.service, desired)),
        Err(KernelError::NoSuchService { .. }) => Ok(add_service(desired)),
        Err(e) => Err(e),
    }
}

/// Adds a backend; the undo deletes it.
pub fn add_backend(service: ServiceKey, backend: Backend) -> Change {
    Change::one(Op::AddBackend { service, backend }, vec![Op::DelBackend { service, addr: backend.addr }])
}

/// Ensures a backend exists with exactly these settings.
pub fn declare_backend(current: &[BackendEntry], service: ServiceKey, desired: Backend) -> Change {
    match known_backend(current, desired.addr) {
        Some(old) if old == desired => Change::default(),
        Some(old) => backend_edit(service, Some(old), desired),
        None => add_backend(service, desired),
    }
}

/// Changes what a `set backend` names, keeping the rest.
pub fn edit_backend(
    current: &[BackendEntry],
    service: ServiceKey,
    decl: &BackendDecl,
) -> Result<Change, KernelError> {
    edit_backend_with(current, service, decl.addr.value, |b| *b = backend_with(*b, decl))
}

/// Changes a backend's settings with `edit`; nothing when they stay the
/// same, an error when the service has no such backend.
pub fn edit_backend_with(
    current: &[BackendEntry],
    service: ServiceKey,
    addr: std::net::SocketAddr,
    edit: impl FnOnce(&mut Backend),
) -> Result<Change, KernelError> {
    let old = find_backend(current, service, addr)?;
    let mut new = old;
    edit(&mut new);
    match new == old {
        true => Ok(Change::default()),
        false => Ok(backend_edit(service, Some(old), new)),
    }
}

/// Sends `backend`'s settings as `ipvsadm -e` does, even for a backend the
/// service lacks, so that the kernel's own refusal is reported; the undo
/// puts back the old settings, if there were any.
pub fn replace_backend(current: &[BackendEntry], service: ServiceKey, backend: Backend) -> Change {
    backend_edit(service, known_backend(current, backend.addr), backend)
}

/// Gives a backend another weight; the undo restores it as it is.
pub fn set_weight(service: ServiceKey, backend: Backend, weight: u32) -> Change {
    backend_edit(service, Some(backend), backend.with_weight(weight))
}

/// Deletes a service; the undo puts it back with its backends.
pub fn delete_service(kernel: &mut dyn Kernel, key: ServiceKey) -> Result<Change, KernelError> {
    let current = kernel.service(&key)?;
    let backends = kernel.backends(&key)?;
    let mut undo = vec![Op::AddService(current.service)];
    undo.extend(backends.into_iter().rev().map(|b| Op::AddBackend { service: key, backend: b.backend }));
    Ok(Change::one(Op::DelService(key), undo))
}

/// Deletes a backend; the undo adds it back.
pub fn delete_backend(
    current: &[BackendEntry],
    service: ServiceKey,
    addr: std::net::SocketAddr,
) -> Result<Change, KernelError> {
    let old = find_backend(current, service, addr)?;
    Ok(backend_removal(service, addr, Some(old)))
}

/// Deletes a backend as `ipvsadm -d` does, even one the service lacks, so
/// that the kernel's own refusal is reported; the undo adds it back, if
/// it was there.
pub fn remove_backend(current: &[BackendEntry], service: ServiceKey, addr: std::net::SocketAddr) -> Change {
    backend_removal(service, addr, known_backend(current, addr))
}

/// Deletes everything; the undo rebuilds the table.
pub fn flush(kernel: &mut dyn Kernel) -> Result<Change, KernelError> {
    let mut undo = Vec::new();
    for entry in kernel.services()? {
        let key = entry.service.key;
        undo.push(Op::AddService(entry.service));
        let backends = kernel.backends(&key)?;
        undo.extend(backends.into_iter().rev().map(|b| Op::AddBackend { service: key, backend: b.backend }));
    }
    Ok(Change::one(Op::Flush, undo))
}

/// Zeroes the counters of one service, or of all.
pub fn zero(service: Option<ServiceKey>) -> Change {
    // Counters cannot be put back: zeroing has no undo.
    Change::one(Op::Zero(service), Vec::new())
}

/// Sets the named timeouts; the undo sets the old ones.
pub fn timeouts(kernel: &mut dyn Kernel, decl: &TimeoutsDecl) -> Result<Change, KernelError> {
    set_timeouts(
        kernel,
        Timeouts {
            tcp: decl.tcp.unwrap_or(0),
            tcp_fin: decl.tcp_fin.unwrap_or(0),
            udp: decl.udp.unwrap_or(0),
        },
    )
}

/// Sets the timeouts to `new`; the undo sets the old ones.
pub fn set_timeouts(kernel: &mut dyn Kernel, new: Timeouts) -> Result<Change, KernelError> {
    let old = kernel.timeouts()?;
    Ok(Change::one(Op::SetTimeouts(new), vec![Op::SetTimeouts(old)]))
}

/// Starts a sync daemon; the undo stops it.
pub fn start_daemon(daemon: Daemon) -> Change {
    let state = daemon.state;
    Change::one(Op::StartDaemon(daemon), vec![Op::StopDaemon(state)])
}

/// Stops the sync daemon in `state`; the undo starts it again as it ran, if it ran.
pub fn stop_daemon(kernel: &mut dyn Kernel, state: DaemonState) -> Result<Change, KernelError> {
    let running = kernel.daemons()?.into_iter().find(|d| d.state == state);
    Ok(Change::one(Op::StopDaemon(state), running.map(Op::StartDaemon).into_iter().collect()))
}

/// Sets a backend to `new`; the undo sets `old` again, if there was one.
fn backend_edit(service: ServiceKey, old: Option<Backend>, new: Backend) -> Change {
    let undo = old.map(|backend| Op::EditBackend { service, backend }).into_iter().collect();
    Change::one(Op::EditBackend { service, backend: new }, undo)
}

/// Deletes a backend; the undo adds `old` back, if there was one.
fn backend_removal(service: ServiceKey, addr: std::net::SocketAddr, old: Option<Backend>) -> Change {
    let undo = old.map(|backend| Op::AddBackend { service, backend }).into_iter().collect();
    Change::one(Op::DelBackend { service, addr }, undo)
}

/// The backend at `addr` as the kernel has it, if it has it.
fn known_backend(current: &[BackendEntry], addr: std::net::SocketAddr) -> Option<Backend> {
    current.iter().find(|b| b.backend.addr == addr).map(|b| b.backend)
}

fn find_backend(
    current: &[BackendEntry],
    service: ServiceKey,
    addr: std::net::SocketAddr,
) -> Result<Backend, KernelError> {
    known_backend(current, addr).ok_or(KernelError::NoSuchBackend { service, backend: addr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::Forward;
    use crate::lang::source::Spanned;

    fn entry(backend: Backend) -> BackendEntry {
        BackendEntry::idle(backend)
    }

    fn key() -> ServiceKey {
        ServiceKey::tcp("111.111.0.1:80".parse().unwrap())
    }

    #[test]
    fn a_backend_that_already_matches_plans_nothing() {
        let b = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq);
        assert!(declare_backend(&[entry(b)], key(), b).is_empty());
    }

    #[test]
    fn a_backend_with_another_weight_is_edited_and_the_undo_restores_it() {
        let old = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq);
        let new = old.with_weight(3);
        let change = declare_backend(&[entry(old)], key(), new);
        assert_eq!(
            change.steps,
            vec![(
                Op::EditBackend { service: key(), backend: new },
                vec![Op::EditBackend { service: key(), backend: old }]
            )]
        );
    }

    #[test]
    fn a_missing_backend_is_added_and_the_undo_deletes_it() {
        let b = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq);
        let change = declare_backend(&[], key(), b);
        assert_eq!(change.steps[0].1, vec![Op::DelBackend { service: key(), addr: b.addr }]);
    }

    #[test]
    fn editing_an_unknown_backend_names_it() {
        let decl = BackendDecl {
            service: None,
            addr: Spanned::new("10.10.0.9:80".parse().unwrap(), Default::default()),
            forward: None,
            weight: None,
            upper: None,
            lower: None,
        };
        let err = edit_backend(&[], key(), &decl).unwrap_err();
        assert_eq!(err.to_string(), "no backend 10.10.0.9:80 in service tcp 111.111.0.1:80");
    }

    #[test]
    fn an_ipvsadm_edit_of_an_unknown_backend_is_sent_with_no_undo() {
        let b = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq);
        let change = replace_backend(&[], key(), b);
        assert_eq!(change.steps, vec![(Op::EditBackend { service: key(), backend: b }, vec![])]);
    }

    #[test]
    fn an_ipvsadm_delete_of_a_known_backend_is_undone_by_adding_it_back() {
        let b = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq).with_weight(4);
        let change = remove_backend(&[entry(b)], key(), b.addr);
        assert_eq!(change.steps[0].1, vec![Op::AddBackend { service: key(), backend: b }]);
    }

    #[test]
    fn a_service_edit_that_changes_nothing_plans_nothing() {
        let svc = Service::new(key());
        assert!(edit_service(svc.clone(), svc.clone()).is_empty());
        assert_eq!(replace_service(svc.clone(), svc.clone()).steps.len(), 1);
    }

    #[test]
    fn a_drained_backend_is_restored_by_the_undo() {
        let b = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq).with_weight(5);
        let change = set_weight(key(), b, 0);
        assert_eq!(
            change.steps,
            vec![(
                Op::EditBackend { service: key(), backend: b.with_weight(0) },
                vec![Op::EditBackend { service: key(), backend: b }]
            )]
        );
    }
}
