//! Kernel errnos, per operation, as [`KernelError`]s that name the object
//! (the checks are those of `net/netfilter/ipvs/ip_vs_ctl.c`).

use crate::ipvs::error::KernelError;
use crate::ipvs::model::{Backend, Family, Forward, ServiceKey, TunnelKind};
use crate::ipvs::op::Op;

/// The error for `op` refused with `errno` (positive).
pub fn error_for(op: &Op, errno: i32) -> KernelError {
    if errno == libc::EPERM {
        return KernelError::PermissionDenied { action: "change" };
    }
    let specific = match op {
        Op::AddService(svc) | Op::EditService(svc) => match errno {
            libc::EEXIST => Some(KernelError::ServiceExists { service: svc.key }),
            libc::ESRCH => Some(no_service(svc.key, false)),
            libc::ENOENT => Some(KernelError::SchedulerUnavailable {
                scheduler: svc.scheduler.name().to_string(),
                pe: svc.pe.clone(),
            }),
            libc::EINVAL => Some(invalid(op, "the service's settings are invalid (an IPv6 persistence prefix must be 1 to 128)")),
            libc::EAFNOSUPPORT => Some(KernelError::AddressFamily { action: op.to_string() }),
            _ => None,
        },
        Op::DelService(key) | Op::Zero(Some(key)) => match errno {
            libc::ESRCH => Some(no_service(*key, false)),
            _ => None,
        },
        Op::AddBackend { service, backend } | Op::EditBackend { service, backend } => {
            backend_error(op, *service, backend, errno)
        }
        Op::DelBackend { service, addr } => match errno {
            libc::ESRCH => Some(no_service(*service, true)),
            libc::ENOENT => Some(KernelError::NoSuchBackend { service: *service, backend: *addr }),
            _ => None,
        },
        Op::StartDaemon(daemon) => match errno {
            libc::EEXIST => Some(KernelError::DaemonRunning { state: daemon.state }),
            libc::ENODEV => Some(KernelError::NoSuchInterface { interface: daemon.interface.clone() }),
            libc::EINVAL => Some(invalid(
                op,
                "the multicast group must be a multicast address, and no backend may be of another address family than its service while a daemon runs",
            )),
            _ => None,
        },
        Op::StopDaemon(state) => match errno {
            libc::ESRCH => Some(KernelError::NoDaemon { state: *state }),
            _ => None,
        },
        Op::SetTimeouts(_) => match errno {
            libc::EINVAL => Some(invalid(op, "a timeout is out of range")),
            _ => None,
        },
        Op::Zero(None) | Op::Flush => None,
    };
    specific.unwrap_or_else(|| KernelError::Refused { action: op.to_string(), errno })
}

fn backend_error(op: &Op, service: ServiceKey, backend: &Backend, errno: i32) -> Option<KernelError> {
    let addr = backend.addr;
    match errno {
        libc::ESRCH => Some(no_service(service, true)),
        libc::EEXIST => Some(KernelError::BackendExists { service, backend: addr }),
        libc::ENOENT => Some(KernelError::NoSuchBackend { service, backend: addr }),
        libc::ERANGE if backend.weight > i32::MAX as u32 => {
            Some(KernelError::WeightRange { service, backend: addr, weight: backend.weight })
        }
        libc::ERANGE => Some(KernelError::ThresholdOrder {
            service,
            backend: addr,
            upper: backend.upper,
            lower: backend.lower,
        }),
        libc::EINVAL => Some(invalid(op, &invalid_backend_reason(service, backend))),
        libc::EAFNOSUPPORT => Some(KernelError::AddressFamily { action: op.to_string() }),
        _ => None,
    }
}

/// Why the kernel most likely said EINVAL to a backend: the checks it makes, in order.
fn invalid_backend_reason(service: ServiceKey, backend: &Backend) -> String {
    let mixed = Family::of(backend.addr.ip()) != service.family();
    match backend.forward {
        Forward::Tunnel(t) if matches!(t.kind, TunnelKind::Gue { port: 0 }) => {
            "a gue tunnel needs a non-zero port".to_string()
        }
        Forward::Tunnel(_) if mixed => format!(
            "backend {} is of another address family than the service; that needs tunnelling and no sync daemon running",
            backend.addr
        ),
        _ if mixed => format!(
            "backend {} is of another address family than the service, which only tunnelling allows",
            backend.addr
        ),
        _ => format!(
            "{} is not an address the kernel accepts for a backend: it must be unicast \
             (in a namespace with no routes yet, bring `lo` up first: `ip link set lo up`)",
            backend.addr.ip()
        ),
    }
}

fn no_service(service: ServiceKey, adding_backend: bool) -> KernelError {
    KernelError::NoSuchService { service, adding_backend }
}

fn invalid(op: &Op, reason: &str) -> KernelError {
    KernelError::Invalid { action: op.to_string(), reason: reason.to_string() }
}

/// The error for a read (`what` names it, e.g. "list services").
pub fn read_error(errno: i32, what: &str) -> KernelError {
    match errno {
        libc::EPERM => KernelError::PermissionDenied { action: "read" },
        _ => KernelError::Refused { action: what.to_string(), errno },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::Service;

    fn key() -> ServiceKey {
        ServiceKey::tcp("111.111.0.1:80".parse().unwrap())
    }

    #[test]
    fn eexist_on_new_service_names_the_service() {
        let err = error_for(&Op::AddService(Service::new(key())), libc::EEXIST);
        assert_eq!(err.to_string(), "service tcp 111.111.0.1:80 already exists");
    }

    #[test]
    fn esrch_on_new_backend_says_to_add_the_service() {
        let backend = Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq);
        let err = error_for(&Op::AddBackend { service: key(), backend }, libc::ESRCH);
        assert_eq!(err.to_string(), "no service tcp 111.111.0.1:80");
        assert_eq!(err.help().as_deref(), Some("add the service first"));
    }

    #[test]
    fn enoent_on_new_service_names_the_scheduler_module() {
        let err = error_for(&Op::AddService(Service::new(key()).with_scheduler("foo")), libc::ENOENT);
        assert_eq!(err.to_string(), "scheduler 'foo' is not available in this kernel (modprobe ip_vs_foo)");
    }

    #[test]
    fn eperm_asks_for_root() {
        let err = error_for(&Op::Flush, libc::EPERM);
        assert_eq!(err.to_string(), "lvsh needs root or CAP_NET_ADMIN to change IPVS");
    }

    #[test]
    fn unmapped_errno_keeps_the_action_and_name() {
        let err = error_for(&Op::Flush, libc::ENOMEM);
        assert_eq!(
            err.to_string(),
            "the kernel refused to flush all services: Cannot allocate memory (ENOMEM)"
        );
    }
}
