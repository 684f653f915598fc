//! Backends (ipvsadm's real servers, the kernel's destinations).

use std::fmt;
use std::net::SocketAddr;

use super::Stats;

/// Tunnel encapsulation for tunnelled backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TunnelKind {
    Ipip,
    /// Generic UDP encapsulation to this UDP port.
    Gue {
        port: u16,
    },
    Gre,
}

/// Tunnel checksum mode (gue and gre only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum TunnelCsum {
    #[default]
    NoCsum,
    Csum,
    /// Remote checksum offload (gue only).
    RemCsum,
}

/// A tunnel: encapsulation and checksum mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tunnel {
    pub kind: TunnelKind,
    pub csum: TunnelCsum,
}

impl Tunnel {
    /// Plain IP-in-IP, ipvsadm's `-i`.
    pub const IPIP: Tunnel = Tunnel { kind: TunnelKind::Ipip, csum: TunnelCsum::NoCsum };
}

/// How packets reach a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Forward {
    /// NAT (`-m`).
    Masq,
    /// The director itself.
    Local,
    /// Tunnelling (`-i`).
    Tunnel(Tunnel),
    /// Direct routing (`-g`), ipvsadm's default.
    Route,
    /// Bypass.
    Bypass,
    /// A method number the kernel stored but that has no name (5..=7).
    Unknown(u8),
}

impl fmt::Display for Forward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Forward::Masq => f.write_str("masq"),
            Forward::Local => f.write_str("local"),
            Forward::Tunnel(_) => f.write_str("tunnel"),
            Forward::Route => f.write_str("route"),
            Forward::Bypass => f.write_str("bypass"),
            Forward::Unknown(n) => write!(f, "method-{n}"),
        }
    }
}

/// A backend's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Backend {
    /// Address and port; its family may differ from the service's only for tunnels.
    pub addr: SocketAddr,
    pub forward: Forward,
    /// 0 quiesces the backend; the kernel keeps it as a C int (at most `i32::MAX`).
    pub weight: u32,
    /// Upper connection threshold, 0 for none.
    pub upper: u32,
    /// Lower connection threshold, 0 for none.
    pub lower: u32,
}

impl Backend {
    /// A backend with weight 1 and no thresholds.
    pub fn new(addr: SocketAddr, forward: Forward) -> Backend {
        Backend { addr, forward, weight: 1, upper: 0, lower: 0 }
    }

    /// The same backend with another weight.
    pub fn with_weight(mut self, weight: u32) -> Backend {
        self.weight = weight;
        self
    }
}

/// A backend as listed by the kernel: configuration, connections and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendEntry {
    pub backend: Backend,
    pub active_conns: u32,
    pub inactive_conns: u32,
    /// Persistence templates pointing at this backend.
    pub persist_conns: u32,
    pub stats: Stats,
}

impl BackendEntry {
    /// A backend with no connections and zero counters.
    pub fn idle(backend: Backend) -> BackendEntry {
        BackendEntry {
            backend,
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }
}
