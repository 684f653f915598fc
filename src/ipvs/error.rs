//! Errors of the kernel layer, in plain words: each names the object and,
//! through [`KernelError::help`], what to do.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::model::{DaemonState, ServiceKey};

/// Something the kernel refused, or could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("IPVS is not available in this kernel")]
    IpvsMissing,

    #[error("lvsh needs root or CAP_NET_ADMIN to {action} IPVS")]
    PermissionDenied { action: &'static str },

    #[error("no network namespace `{name}` ({})", path.display())]
    NoSuchNamespace { name: String, path: PathBuf },

    #[error("cannot enter network namespace {}: {source}", path.display())]
    Namespace { path: PathBuf, source: io::Error },

    #[error("service {service} already exists")]
    ServiceExists { service: ServiceKey },

    #[error("no service {service}")]
    NoSuchService { service: ServiceKey, adding_backend: bool },

    #[error("{}", scheduler_unavailable(scheduler, pe.as_deref()))]
    SchedulerUnavailable { scheduler: String, pe: Option<String> },

    #[error("backend {backend} already exists in service {service}")]
    BackendExists { service: ServiceKey, backend: SocketAddr },

    #[error("no backend {backend} in service {service}")]
    NoSuchBackend { service: ServiceKey, backend: SocketAddr },

    #[error(
        "backend {backend} of service {service}: lower threshold {lower} is above upper threshold {upper}"
    )]
    ThresholdOrder { service: ServiceKey, backend: SocketAddr, upper: u32, lower: u32 },

    #[error("backend {backend} of service {service}: weight {weight} is out of range")]
    WeightRange { service: ServiceKey, backend: SocketAddr, weight: u32 },

    #[error("the kernel refused to {action}: {reason}")]
    Invalid { action: String, reason: String },

    #[error("the kernel refused to {action}: this address family is not supported (is IPv6 disabled?)")]
    AddressFamily { action: String },

    #[error("a {state} sync daemon is already running")]
    DaemonRunning { state: DaemonState },

    #[error("no {state} sync daemon is running")]
    NoDaemon { state: DaemonState },

    #[error("no network interface `{interface}` for the sync daemon")]
    NoSuchInterface { interface: String },

    #[error("the kernel refused to {action}: {} ({})", strerror(*errno), errno_name(*errno))]
    Refused { action: String, errno: i32 },

    #[error("the kernel did not answer within {seconds} s")]
    NoAnswer { seconds: u64 },

    #[error("netlink {context} failed: {source}")]
    Io { context: &'static str, source: io::Error },

    /// The kernel could not be reached when lvsh started (an [`super::Unreachable`]
    /// stands in for it); the reason is that first error's message.
    #[error("{reason}")]
    Unreachable { reason: String, help: Option<String> },

    #[error("lvsh could not encode a request: {what}")]
    Encode { what: String },

    #[error("the kernel sent a reply lvsh cannot read: {what}")]
    Malformed { what: String },
}

fn scheduler_unavailable(scheduler: &str, pe: Option<&str>) -> String {
    match pe {
        None => {
            format!("scheduler '{scheduler}' is not available in this kernel (modprobe ip_vs_{scheduler})")
        }
        Some(pe) => format!(
            "scheduler '{scheduler}' or persistence engine '{pe}' is not available in this kernel \
             (modprobe ip_vs_{scheduler} ip_vs_pe_{pe})"
        ),
    }
}

impl KernelError {
    /// What the user can do about it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        let text = match self {
            KernelError::IpvsMissing => "load it with `modprobe ip_vs`",
            KernelError::PermissionDenied { .. } => {
                "run lvsh as root (sudo lvsh); the kernel asks for CAP_NET_ADMIN even to list"
            }
            KernelError::NoSuchNamespace { name, .. } => {
                return Some(format!("create it with `ip netns add {name}`, or list them with `ip netns`"))
            }
            KernelError::ServiceExists { .. } => {
                "declare it with `service` to accept it as it is, or edit it"
            }
            KernelError::NoSuchService { adding_backend: true, .. } => "add the service first",
            KernelError::NoSuchService { .. } => "list the services with `show`",
            KernelError::SchedulerUnavailable { .. } => "check the name, or load the module",
            KernelError::BackendExists { .. } => "edit it instead, or delete it first",
            KernelError::NoSuchBackend { .. } => "list the backends with `show`",
            KernelError::ThresholdOrder { .. } => "set an upper threshold at least as large as the lower one",
            KernelError::WeightRange { .. } => "use a weight from 0 to 2147483647",
            KernelError::DaemonRunning { .. } => "stop it first",
            KernelError::NoDaemon { .. } => "nothing to stop",
            KernelError::NoSuchInterface { .. } => "name an existing interface (see `ip link`)",
            KernelError::Unreachable { help, .. } => return help.clone(),
            KernelError::Malformed { .. } | KernelError::Encode { .. } => {
                "this is a bug in lvsh or the kernel; please report it with the kernel version"
            }
            _ => return None,
        };
        Some(text.to_string())
    }
}

impl KernelError {
    /// The errno the kernel answered with, when this error is a kernel's
    /// answer (ipvsadm words its messages by it); `None` when lvsh itself
    /// failed or stopped waiting. `Invalid` is EINVAL, the kernel's answer
    /// to every request it finds malformed (libipvs also sets it when a
    /// reply cannot be read).
    pub fn errno(&self) -> Option<i32> {
        Some(match self {
            KernelError::PermissionDenied { .. } => libc::EPERM,
            KernelError::ServiceExists { .. }
            | KernelError::BackendExists { .. }
            | KernelError::DaemonRunning { .. } => libc::EEXIST,
            KernelError::NoSuchService { .. } | KernelError::NoDaemon { .. } => libc::ESRCH,
            KernelError::SchedulerUnavailable { .. } | KernelError::NoSuchBackend { .. } => libc::ENOENT,
            KernelError::ThresholdOrder { .. } | KernelError::WeightRange { .. } => libc::ERANGE,
            KernelError::Invalid { .. } => libc::EINVAL,
            KernelError::AddressFamily { .. } => libc::EAFNOSUPPORT,
            KernelError::NoSuchInterface { .. } => libc::ENODEV,
            KernelError::Refused { errno, .. } => *errno,
            KernelError::IpvsMissing
            | KernelError::NoSuchNamespace { .. }
            | KernelError::Namespace { .. }
            | KernelError::NoAnswer { .. }
            | KernelError::Io { .. }
            | KernelError::Unreachable { .. }
            | KernelError::Encode { .. }
            | KernelError::Malformed { .. } => return None,
        })
    }
}

/// The C library's text for an errno, e.g. "File exists".
pub fn strerror(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// The symbolic name of an errno, e.g. `EEXIST`, or `errno N`.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::ENOMEM => "ENOMEM",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ERANGE => "ERANGE",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::ENOBUFS => "ENOBUFS",
        _ => return format!("errno {errno}"),
    };
    name.to_string()
}
