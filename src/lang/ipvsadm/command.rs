//! What one ipvsadm invocation asks for, in lvsh's model.

use std::net::SocketAddr;

use crate::ipvs::model::{Backend, Daemon, DaemonState, Service, ServiceKey, Timeouts};
use crate::ipvs::Op;
use crate::lang::show::ListOptions;

/// What one ipvsadm invocation asks for, in lvsh's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsadmCommand {
    /// `-A`: add a virtual service.
    AddService(Service),
    /// `-E`: replace every settable field of a service; what the line omits
    /// takes ipvsadm's default (wlc, not persistent, no flags, no pe).
    EditService(Service),
    /// `-D`: delete a service and its backends.
    DelService(ServiceKey),
    /// `-C`: delete every service.
    Flush,
    /// `-a`: add a backend.
    AddServer { service: ServiceKey, backend: Backend },
    /// `-e`: replace a backend's settings; omitted ones take the defaults
    /// (direct routing, weight 1, no thresholds).
    EditServer { service: ServiceKey, backend: Backend },
    /// `-d`: remove the backend at `addr`.
    DelServer { service: ServiceKey, addr: SocketAddr },
    /// `-L`/`-l` (and no arguments at all).
    List { target: ListTarget, options: ListOptions },
    /// `-Z`: zero the counters of one service, or of all and the totals.
    Zero(Option<ServiceKey>),
    /// `--set tcp tcpfin udp`; 0 keeps a timeout as it is.
    SetTimeouts(Timeouts),
    /// `--start-daemon master|backup`.
    StartDaemon(Daemon),
    /// `--stop-daemon master|backup`.
    StopDaemon(DaemonState),
    /// `-S`: print the table as ipvsadm lines.
    Save,
    /// `-R`: run lines from standard input (a caller refuses it inside `-R`).
    Restore,
    /// `-h`.
    Help,
    /// `-v`.
    Version,
}

/// What a listing lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListTarget {
    /// Every service and its backends.
    Table,
    /// One service (`-L -t VIP:PORT`).
    Service(ServiceKey),
    /// The connection table (`-L -c`); `persistent` adds the
    /// persistence-engine columns (`--persistent-conn`).
    Connections { persistent: bool },
    /// `-L --timeout`.
    Timeouts,
    /// `-L --daemon`.
    Daemons,
}

impl IpvsadmCommand {
    /// The one kernel operation a change command is, read as it is written
    /// (`-a` is always an addition); `None` for listings, help and `-R`.
    pub fn into_op(self) -> Option<Op> {
        Some(match self {
            IpvsadmCommand::AddService(s) => Op::AddService(s),
            IpvsadmCommand::EditService(s) => Op::EditService(s),
            IpvsadmCommand::DelService(k) => Op::DelService(k),
            IpvsadmCommand::AddServer { service, backend } => Op::AddBackend { service, backend },
            IpvsadmCommand::EditServer { service, backend } => Op::EditBackend { service, backend },
            IpvsadmCommand::DelServer { service, addr } => Op::DelBackend { service, addr },
            IpvsadmCommand::Zero(k) => Op::Zero(k),
            IpvsadmCommand::Flush => Op::Flush,
            IpvsadmCommand::SetTimeouts(t) => Op::SetTimeouts(t),
            IpvsadmCommand::StartDaemon(d) => Op::StartDaemon(d),
            IpvsadmCommand::StopDaemon(s) => Op::StopDaemon(s),
            _ => return None,
        })
    }
}
