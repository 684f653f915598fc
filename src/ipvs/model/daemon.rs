//! Connection synchronisation daemons.

use std::fmt;
use std::net::IpAddr;

/// Which side of the connection sync a daemon is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DaemonState {
    Master,
    Backup,
}

impl fmt::Display for DaemonState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DaemonState::Master => "master",
            DaemonState::Backup => "backup",
        })
    }
}

/// A sync daemon; optional fields left `None` take the kernel's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Daemon {
    pub state: DaemonState,
    /// Multicast interface, e.g. `eth0`.
    pub interface: String,
    pub sync_id: u32,
    /// Largest sync payload; default from the interface MTU.
    pub max_len: Option<u16>,
    /// Default 224.0.0.81.
    pub group: Option<IpAddr>,
    /// Default 8848.
    pub port: Option<u16>,
    /// Default 1.
    pub ttl: Option<u8>,
}

impl Daemon {
    /// A daemon with the kernel's defaults for everything optional.
    pub fn new(state: DaemonState, interface: impl Into<String>, sync_id: u32) -> Daemon {
        Daemon {
            state,
            interface: interface.into(),
            sync_id,
            max_len: None,
            group: None,
            port: None,
            ttl: None,
        }
    }
}
