//! From statements to operations: what must change in the kernel, computed
//! against what is there, and how to undo it. Declarations that already
//! hold plan nothing, which makes running a file twice change nothing.

use crate::ipvs::{
    Backend, BackendEntry, Forward, Kernel, KernelError, Op, Persistence, Service, ServiceKey, Timeouts,
};
use crate::lang::ast::{BackendDecl, SvcOption, TimeoutsDecl};
use crate::lang::source::Spanned;

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
}

/// A service with the scheduler and options of a statement applied to `base`.
pub fn service_with(
    mut base: Service,
    scheduler: Option<&Spanned<String>>,
    options: &[Spanned<SvcOption>],
) -> Service {
    if let Some(s) = scheduler {
        base.scheduler = crate::ipvs::Scheduler::new(s.value.clone());
    }
    for option in options {
        match &option.value {
            SvcOption::Persistent(t) => {
                base.persistence = Some(Persistence { timeout: t.unwrap_or(Persistence::DEFAULT_TIMEOUT) })
            }
            SvcOption::Netmask(mask) => base.netmask = *mask,
            SvcOption::OnePacket => base.one_packet = true,
            SvcOption::Flags(flags, _) => base.sched_flags = *flags,
            SvcOption::Pe(pe) => base.pe = Some(pe.clone()),
        }
    }
    base
}

/// A backend with the settings of a statement applied to `base`.
pub fn backend_with(mut base: Backend, decl: &BackendDecl) -> Backend {
    if let Some(f) = &decl.forward {
        base.forward = f.value;
    }
    if let Some(w) = &decl.weight {
        base.weight = w.value;
    }
    if let Some(u) = &decl.upper {
        base.upper = u.value;
    }
    if let Some(l) = &decl.lower {
        base.lower = l.value;
    }
    base
}

/// The backend a declaration describes: masq, weight 1, no thresholds unless said.
pub fn declared_backend(decl: &BackendDecl) -> Backend {
    backend_with(Backend::new(decl.addr.value, Forward::Masq), decl)
}

/// Ensures a service exists with exactly these settings.
pub fn declare_service(kernel: &mut dyn Kernel, desired: Service) -> Result<Change, KernelError> {
    let key = desired.key;
    match kernel.service(&key) {
        Ok(current) if current.service == desired => Ok(Change::default()),
        Ok(current) => Ok(Change::one(Op::EditService(desired), vec![Op::EditService(current.service)])),
        Err(KernelError::NoSuchService { .. }) => {
            Ok(Change::one(Op::AddService(desired), vec![Op::DelService(key)]))
        }
        Err(e) => Err(e),
    }
}

/// Ensures a backend exists with exactly these settings.
pub fn declare_backend(current: &[BackendEntry], service: ServiceKey, desired: Backend) -> Change {
    match current.iter().find(|b| b.backend.addr == desired.addr) {
        Some(b) if b.backend == desired => Change::default(),
        Some(b) => Change::one(
            Op::EditBackend { service, backend: desired },
            vec![Op::EditBackend { service, backend: b.backend }],
        ),
        None => Change::one(
            Op::AddBackend { service, backend: desired },
            vec![Op::DelBackend { service, addr: desired.addr }],
        ),
    }
}

/// Changes what a `set backend` names, keeping the rest.
pub fn edit_backend(
    current: &[BackendEntry],
    service: ServiceKey,
    decl: &BackendDecl,
) -> Result<Change, KernelError> {
    let old = find_backend(current, service, decl.addr.value)?;
    let new = backend_with(old, decl);
    if new == old {
        return Ok(Change::default());
    }
    Ok(Change::one(
        Op::EditBackend { service, backend: new },
        vec![Op::EditBackend { service, backend: old }],
    ))
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
    Ok(Change::one(Op::DelBackend { service, addr }, vec![Op::AddBackend { service, backend: old }]))
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

/// Sets the named timeouts; the undo sets the old ones.
pub fn timeouts(kernel: &mut dyn Kernel, decl: &TimeoutsDecl) -> Result<Change, KernelError> {
    let old = kernel.timeouts()?;
    let new = Timeouts {
        tcp: decl.tcp.unwrap_or(0),
        tcp_fin: decl.tcp_fin.unwrap_or(0),
        udp: decl.udp.unwrap_or(0),
    };
    Ok(Change::one(Op::SetTimeouts(new), vec![Op::SetTimeouts(old)]))
}

fn find_backend(
    current: &[BackendEntry],
    service: ServiceKey,
    addr: std::net::SocketAddr,
) -> Result<Backend, KernelError> {
    current
        .iter()
        .find(|b| b.backend.addr == addr)
        .map(|b| b.backend)
        .ok_or(KernelError::NoSuchBackend { service, backend: addr })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
