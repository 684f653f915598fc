//! ipvsadm's words for a kernel's refusal: libipvs's `ipvs_strerror`, a
//! table searched by the library call that failed and the errno, then by
//! the errno alone, then the C library's `strerror`.

use crate::ipvs::error::strerror;
use crate::ipvs::{KernelError, Op};

/// The libipvs call a failure comes from, as far as its messages differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    AddService,
    EditService,
    DelService,
    ZeroService,
    AddDest,
    EditDest,
    DelDest,
    StartDaemon,
    StopDaemon,
    /// Reading services or a service's destinations (a listing).
    Get,
    /// Any other: flush, zero of everything, timeouts, initialisation.
    Other,
}

impl Call {
    /// The call that sends `op`.
    pub fn of(op: &Op) -> Call {
        match op {
            Op::AddService(_) => Call::AddService,
            Op::EditService(_) => Call::EditService,
            Op::DelService(_) => Call::DelService,
            Op::Zero(Some(_)) => Call::ZeroService,
            Op::AddBackend { .. } => Call::AddDest,
            Op::EditBackend { .. } => Call::EditDest,
            Op::DelBackend { .. } => Call::DelDest,
            Op::StartDaemon(_) => Call::StartDaemon,
            Op::StopDaemon(_) => Call::StopDaemon,
            Op::Zero(None) | Op::Flush | Op::SetTimeouts(_) => Call::Other,
        }
    }
}

/// What ipvsadm prints for `error` from `call`. A failure that is not a
/// kernel's answer (lvsh stopped waiting, a reply it cannot read) has no
/// errno to look up: lvsh's own sentence says what happened.
pub fn message(call: Call, error: &KernelError) -> String {
    match error.errno() {
        Some(errno) => errno_message(call, errno),
        None => error.to_string(),
    }
}

/// `ipvs_strerror(errno)` after `call` failed.
pub fn errno_message(call: Call, errno: i32) -> String {
    let by_call = match (call, errno) {
        (Call::AddService, libc::EEXIST) => Some("Service already exists"),
        (Call::AddService | Call::EditService, libc::ENOENT) => {
            Some("Scheduler or persistence engine not found")
        }
        (Call::EditService | Call::DelService | Call::ZeroService | Call::Get, libc::ESRCH) => {
            Some("No such service")
        }
        (Call::AddDest | Call::EditDest | Call::DelDest, libc::ESRCH) => Some("Service not defined"),
        (Call::AddDest, libc::EEXIST) => Some("Destination already exists"),
        (Call::EditDest | Call::DelDest, libc::ENOENT) => Some("No such destination"),
        (Call::StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (Call::StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        (Call::Get, libc::ENOENT) => Some("No such service"),
        _ => None,
    };
    let any_call = match errno {
        libc::EPERM => Some("Permission denied (you must be root)"),
        libc::EINVAL => Some("Invalid operation.  Possibly wrong module version, address not unicast, ..."),
        libc::ENOPROTOOPT => Some("Protocol not available"),
        libc::ENOMEM => Some("Memory allocation problem"),
        libc::EOPNOTSUPP => Some("Operation not supported with IPv6"),
        libc::EAFNOSUPPORT => Some("Operation not supported with specified address family"),
        libc::EMSGSIZE => Some("Module is wrong version"),
        _ => None,
    };
    by_call.or(any_call).map_or_else(|| strerror(errno), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{DaemonState, ServiceKey};

    #[test]
    fn the_same_errno_reads_by_the_call_that_failed() {
        assert_eq!(errno_message(Call::DelService, libc::ESRCH), "No such service");
        assert_eq!(errno_message(Call::DelDest, libc::ESRCH), "Service not defined");
        assert_eq!(errno_message(Call::AddService, libc::EEXIST), "Service already exists");
        assert_eq!(errno_message(Call::AddDest, libc::EEXIST), "Destination already exists");
        assert_eq!(errno_message(Call::StartDaemon, libc::EEXIST), "Daemon has already run");
        assert_eq!(errno_message(Call::StopDaemon, libc::ESRCH), "No daemon is running");
    }

    #[test]
    fn other_errnos_read_as_any_call_or_as_the_c_library_says() {
        assert_eq!(
            errno_message(Call::AddDest, libc::EINVAL),
            "Invalid operation.  Possibly wrong module version, address not unicast, ..."
        );
        assert_eq!(errno_message(Call::AddDest, libc::ERANGE), "Numerical result out of range");
        assert_eq!(errno_message(Call::StartDaemon, libc::ENODEV), "No such device");
        assert_eq!(errno_message(Call::Other, libc::EEXIST), "File exists");
    }

    #[test]
    fn kernel_errors_read_by_their_errno() {
        let key = ServiceKey::tcp("10.1.0.1:80".parse().unwrap());
        let missing = KernelError::NoSuchService { service: key, adding_backend: true };
        assert_eq!(message(Call::AddDest, &missing), "Service not defined");
        let stopped = KernelError::NoDaemon { state: DaemonState::Master };
        assert_eq!(message(Call::of(&Op::StopDaemon(DaemonState::Master)), &stopped), "No daemon is running");
        let silent = KernelError::NoAnswer { seconds: 30 };
        assert_eq!(message(Call::Other, &silent), "the kernel did not answer within 30 s");
    }
}
