//! The plain IPVS data model: what a service, a backend, counters, timeouts
//! and sync daemons are, with no knowledge of netlink.

mod backend;
mod daemon;
mod info;
mod service;
mod stats;
mod timeouts;

pub use backend::{Backend, BackendEntry, Forward, Tunnel, TunnelCsum, TunnelKind};
pub use daemon::{Daemon, DaemonState};
pub use info::Info;
pub use service::{
    Family, Netmask, Persistence, Protocol, SchedFlags, Scheduler, Service, ServiceEntry, ServiceKey,
};
pub use stats::Stats;
pub use timeouts::Timeouts;
