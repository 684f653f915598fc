//! Virtual services: their key (protocol + address + port, or firewall mark),
//! scheduler and persistence.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::Stats;

/// Address family of a service or backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// Transport protocol of a non-fwmark service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
    /// Any other IP protocol number: the kernel does not validate it.
    Other(u16),
}

impl Protocol {
    /// The IP protocol number (`IPPROTO_*`).
    pub fn number(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
            Protocol::Other(n) => n,
        }
    }

    /// The protocol for an IP protocol number.
    pub fn from_number(n: u16) -> Protocol {
        match n {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            132 => Protocol::Sctp,
            n => Protocol::Other(n),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Tcp => f.write_str("tcp"),
            Protocol::Udp => f.write_str("udp"),
            Protocol::Sctp => f.write_str("sctp"),
            Protocol::Other(n) => write!(f, "proto-{n}"),
        }
    }
}

/// What identifies a virtual service in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKey {
    /// A protocol, address and port, e.g. `tcp 111.111.0.1:80`.
    Inet { protocol: Protocol, addr: SocketAddr },
    /// A firewall mark set by netfilter; the family says which packets match.
    Fwmark { mark: u32, family: Family },
}

impl ServiceKey {
    /// A TCP service key.
    pub fn tcp(addr: SocketAddr) -> ServiceKey {
        ServiceKey::Inet { protocol: Protocol::Tcp, addr }
    }

    /// A UDP service key.
    pub fn udp(addr: SocketAddr) -> ServiceKey {
        ServiceKey::Inet { protocol: Protocol::Udp, addr }
    }

    /// The address family of the service.
    pub fn family(&self) -> Family {
        match self {
            ServiceKey::Inet { addr, .. } => Family::of(addr.ip()),
            ServiceKey::Fwmark { family, .. } => *family,
        }
    }

    /// The service port (0 for fwmark services).
    pub fn port(&self) -> u16 {
        match self {
            ServiceKey::Inet { addr, .. } => addr.port(),
            ServiceKey::Fwmark { .. } => 0,
        }
    }
}

/// `tcp 111.111.0.1:80`, `udp [2001:db8::1]:53`, `fwmark 7`, `fwmark 8 ipv6`.
impl fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Inet { protocol, addr } => write!(f, "{protocol} {addr}"),
            ServiceKey::Fwmark { mark, family: Family::V4 } => write!(f, "fwmark {mark}"),
            ServiceKey::Fwmark { mark, family: Family::V6 } => write!(f, "fwmark {mark} ipv6"),
        }
    }
}

/// A scheduler, by its module name (`ip_vs_<name>`).
///
/// Any name is allowed because schedulers are kernel modules; `none` is the
/// kernel's special "no scheduler".
///
/// A name the kernel ships is kept without an allocation of its own (a
/// listing or a plan of thousands of services holds one per service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scheduler(Cow<'static, str>);

impl Scheduler {
    /// The schedulers shipped with the kernel, in ipvsadm's help order.
    pub const KNOWN: [&'static str; 15] = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos", "none",
    ];

    /// A scheduler by name.
    pub fn new(name: impl AsRef<str>) -> Scheduler {
        let name = name.as_ref();
        match Self::KNOWN.iter().find(|known| **known == name) {
            Some(known) => Scheduler(Cow::Borrowed(known)),
            None => Scheduler(Cow::Owned(name.to_string())),
        }
    }

    /// The module name, e.g. `rr`.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Whether the kernel ships a scheduler of this name.
    pub fn is_known(&self) -> bool {
        Self::KNOWN.contains(&self.name())
    }
}

/// The kernel's default scheduler, as ipvsadm chooses it.
impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new("wlc")
    }
}

impl fmt::Display for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The three generic scheduler flag bits (`IP_VS_SVC_F_SCHED1..3`).
///
/// `sh` reads them as sh-fallback and sh-port, `mh` as mh-fallback and
/// mh-port; other schedulers ignore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct SchedFlags {
    pub flag1: bool,
    pub flag2: bool,
    pub flag3: bool,
}

impl SchedFlags {
    /// No flag set.
    pub fn is_empty(&self) -> bool {
        !(self.flag1 || self.flag2 || self.flag3)
    }

    /// The names ipvsadm gives the set flags for a scheduler, in bit order.
    pub fn names(&self, scheduler: &Scheduler) -> Vec<&'static str> {
        let (one, two, three) = match scheduler.name() {
            "sh" => (Some("sh-fallback"), Some("sh-port"), None),
            "mh" => (Some("mh-fallback"), Some("mh-port"), None),
            _ => (Some("flag-1"), Some("flag-2"), Some("flag-3")),
        };
        [(self.flag1, one), (self.flag2, two), (self.flag3, three)]
            .into_iter()
            .filter_map(|(set, name)| if set { name } else { None })
            .collect()
    }
}

/// Persistence granularity: which client addresses share one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Netmask {
    /// An IPv4 mask, e.g. 255.255.255.0 (the kernel does not ask it to be contiguous).
    V4(Ipv4Addr),
    /// An IPv6 prefix length, 1..=128.
    V6(u8),
}

impl Netmask {
    /// The whole address: one client address is one persistence entry.
    pub fn full(family: Family) -> Netmask {
        match family {
            Family::V4 => Netmask::V4(Ipv4Addr::BROADCAST),
            Family::V6 => Netmask::V6(128),
        }
    }

    /// Whether this is the full mask of its family.
    pub fn is_full(&self) -> bool {
        match self {
            Netmask::V4(mask) => *mask == Ipv4Addr::BROADCAST,
            Netmask::V6(prefix) => *prefix == 128,
        }
    }
}

/// Persistence: a client keeps its backend for `timeout` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Persistence {
    /// Seconds; ipvsadm's default is 360.
    pub timeout: u32,
}

impl Persistence {
    /// ipvsadm's default persistence timeout (`-p` without a value).
    pub const DEFAULT_TIMEOUT: u32 = 360;
}

/// A virtual service's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Service {
    pub key: ServiceKey,
    pub scheduler: Scheduler,
    pub sched_flags: SchedFlags,
    /// `Some` when the service is persistent.
    pub persistence: Option<Persistence>,
    /// Persistence granularity; kept even when not persistent.
    pub netmask: Netmask,
    /// One-packet scheduling (`-o`): each UDP datagram is scheduled on its own.
    pub one_packet: bool,
    /// Persistence engine, e.g. `sip`.
    pub pe: Option<String>,
}

impl Service {
    /// A service with ipvsadm's defaults: wlc, not persistent, full netmask.
    pub fn new(key: ServiceKey) -> Service {
        Service {
            key,
            scheduler: Scheduler::default(),
            sched_flags: SchedFlags::default(),
            persistence: None,
            netmask: Netmask::full(key.family()),
            one_packet: false,
            pe: None,
        }
    }

    /// The same service with another scheduler.
    pub fn with_scheduler(mut self, name: &str) -> Service {
        self.scheduler = Scheduler::new(name);
        self
    }
}

/// A service as listed by the kernel: its configuration and counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    pub service: Service,
    pub stats: Stats,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_keys_read_like_ipvsadm_arguments() {
        let v4 = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let v6 = ServiceKey::udp("[2001:db8::1]:53".parse().unwrap());
        let fw = ServiceKey::Fwmark { mark: 8, family: Family::V6 };
        assert_eq!(v4.to_string(), "tcp 111.111.0.1:80");
        assert_eq!(v6.to_string(), "udp [2001:db8::1]:53");
        assert_eq!(fw.to_string(), "fwmark 8 ipv6");
    }

    #[test]
    fn sched_flag_names_depend_on_the_scheduler() {
        let flags = SchedFlags { flag1: true, flag2: true, flag3: true };
        assert_eq!(flags.names(&Scheduler::new("sh")), ["sh-fallback", "sh-port"]);
        assert_eq!(flags.names(&Scheduler::new("mh")), ["mh-fallback", "mh-port"]);
        assert_eq!(flags.names(&Scheduler::new("wlc")), ["flag-1", "flag-2", "flag-3"]);
    }
}
