//! Changes to the kernel's IPVS state: the one vocabulary every front end
//! (the `.lvs` language, ipvsadm lines, Rhai) ends in.

use std::fmt;
use std::net::SocketAddr;

use super::model::{Backend, Daemon, DaemonState, Service, ServiceKey, Timeouts};

/// One change the kernel can apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    AddService(Service),
    /// Replaces every settable field of an existing service.
    EditService(Service),
    /// Deletes a service and all its backends.
    DelService(ServiceKey),
    AddBackend {
        service: ServiceKey,
        backend: Backend,
    },
    /// Replaces forwarding, weight, thresholds and tunnel of an existing backend.
    EditBackend {
        service: ServiceKey,
        backend: Backend,
    },
    DelBackend {
        service: ServiceKey,
        addr: SocketAddr,
    },
    /// Zeroes the counters of one service, or of everything (`None`).
    Zero(Option<ServiceKey>),
    /// Deletes every service.
    Flush,
    SetTimeouts(Timeouts),
    StartDaemon(Daemon),
    StopDaemon(DaemonState),
}

impl Op {
    /// The service the operation is about, if any.
    pub fn service(&self) -> Option<ServiceKey> {
        match self {
            Op::AddService(s) | Op::EditService(s) => Some(s.key),
            Op::DelService(key) => Some(*key),
            Op::AddBackend { service, .. }
            | Op::EditBackend { service, .. }
            | Op::DelBackend { service, .. } => Some(*service),
            Op::Zero(key) => *key,
            Op::Flush | Op::SetTimeouts(_) | Op::StartDaemon(_) | Op::StopDaemon(_) => None,
        }
    }
}

/// What the operation does, in words: `add backend 10.10.0.2:8000 to tcp 111.111.0.1:80`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::AddService(s) => write!(f, "add service {}", s.key),
            Op::EditService(s) => write!(f, "edit service {}", s.key),
            Op::DelService(key) => write!(f, "delete service {key}"),
            Op::AddBackend { service, backend } => {
                write!(f, "add backend {} to service {service}", backend.addr)
            }
            Op::EditBackend { service, backend } => {
                write!(f, "edit backend {} of service {service}", backend.addr)
            }
            Op::DelBackend { service, addr } => {
                write!(f, "delete backend {addr} from service {service}")
            }
            Op::Zero(Some(key)) => write!(f, "zero the counters of service {key}"),
            Op::Zero(None) => f.write_str("zero all counters"),
            Op::Flush => f.write_str("flush all services"),
            Op::SetTimeouts(_) => f.write_str("set timeouts"),
            Op::StartDaemon(d) => write!(f, "start the {} sync daemon", d.state),
            Op::StopDaemon(state) => write!(f, "stop the {state} sync daemon"),
        }
    }
}
