//! What the checks look at, read once: the director's settings, routes and
//! table, and what each backend that lvsh can enter routes and listens on.

use std::net::{IpAddr, SocketAddr};

use crate::ipvs::{Backend, ConnEntry, Daemon, Service};
use crate::probe::names::Names;

/// Everything the checks need, gathered from the namespaces or written by
/// hand in a test.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The director as the user names it (`gw`); `None`: the namespace lvsh runs in.
    pub director: Option<String>,
    /// Whether IPVS answers in the director's namespace.
    pub ipvs: bool,
    /// The tunnel modules that are loaded ([`TUNNEL_MODULES`]). Modules are
    /// the machine's, not a namespace's: loading `ipip` adds a `tunl0` to
    /// every namespace, so a fix that would load one says so.
    pub modules: Vec<String>,
    /// `net.ipv4.ip_forward`; `None` when it could not be read.
    pub ip_forward: Option<bool>,
    pub vs: VsSysctls,
    /// The services looked at (all, or the one named), with their backends.
    pub services: Vec<ServiceFacts>,
    /// The director's connection entries (`ipvsadm -L -n -c`).
    pub connections: Vec<ConnEntry>,
    pub daemons: Vec<Daemon>,
    /// The director's network interfaces.
    pub interfaces: Vec<String>,
    /// The director's interfaces with their addresses and flags (`ip addr`).
    pub director_links: Vec<Link>,
    /// The director's `net.ipv4.conf.*` settings.
    pub director_conf: Conf,
    /// The director's route to each backend address (`None`: no route).
    pub director_routes: Vec<(IpAddr, Option<Route>)>,
    /// The backends lvsh could enter.
    pub hosts: Vec<BackendHost>,
    /// Names of addresses (the lab's nodes): `10.10.0.2` is `int1`.
    pub names: Names,
    /// Whether no client was known, so each masq VIP stood in for the
    /// clients in the backends' routes.
    pub vips_for_clients: bool,
    /// Whether the nodes are the lab's, whose names lvsh takes as commands
    /// (`int1 ip route ...`); other namespaces need `on NODE ...`.
    pub lab: bool,
}

/// The modules a tunnel backend's fix may need: the devices' and fou's.
pub const TUNNEL_MODULES: &[&str] = &["ipip", "ip_gre", "fou"];

/// The `net.ipv4.vs.*` settings that decide what happens to traffic of
/// drained and deleted backends (`None`: not readable, e.g. no IPVS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VsSysctls {
    pub conn_reuse_mode: Option<u32>,
    pub expire_nodest_conn: Option<u32>,
    pub expire_quiescent_template: Option<u32>,
}

/// A service, how the user names it, and its backends.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    /// Its name in this session (`web`), or its key (`tcp 111.111.0.1:80`).
    pub label: String,
    pub service: Service,
    pub backends: Vec<Backend>,
}

/// The route a namespace uses to reach an address (`ip route get`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The next hop; `None` when the address is on a connected network.
    pub via: Option<IpAddr>,
    pub dev: String,
    /// The source address the namespace would use.
    pub src: Option<IpAddr>,
}

/// A backend's own namespace, as far as the checks need it.
#[derive(Debug, Clone)]
pub struct BackendHost {
    /// Its node's name (`int1`).
    pub node: String,
    pub addr: IpAddr,
    /// Its route to each client address (`None`: no route).
    pub routes: Vec<(IpAddr, Option<Route>)>,
    pub listeners: Listeners,
    /// Its interfaces with their addresses and flags (`ip addr`).
    pub links: Vec<Link>,
    /// Its `net.ipv4.conf.*` settings.
    pub conf: Conf,
}

/// A network interface of a namespace, as `ip -j addr` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    /// Administratively up (the UP flag).
    pub up: bool,
    /// It answers no ARP: the loopback, or a NOARP device (dummy, tunnels).
    pub noarp: bool,
    /// The kernel's link type: `ether`, `loopback`, `ipip`, `gre`, `none`, ...
    pub link_type: String,
    /// Its addresses with their prefix lengths.
    pub addrs: Vec<(IpAddr, u8)>,
}

impl Link {
    pub fn holds(&self, ip: IpAddr) -> bool {
        self.addrs.iter().any(|(a, _)| *a == ip)
    }
}

/// The `net.ipv4.conf.{all,IFACE}.*` settings of a namespace that decide
/// what DR and tunnel traffic survives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conf {
    /// `all` and each interface, by name, with its settings.
    pub ifaces: Vec<(String, ConfValues)>,
}

/// One `net.ipv4.conf.X` directory's settings (`None`: unreadable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConfValues {
    pub rp_filter: Option<u32>,
    pub arp_ignore: Option<u32>,
    pub arp_announce: Option<u32>,
    pub accept_local: Option<u32>,
}

impl Conf {
    fn of(&self, name: &str) -> ConfValues {
        self.ifaces.iter().find(|(n, _)| n == name).map(|(_, v)| *v).unwrap_or_default()
    }

    /// The value the kernel applies on `iface` for rp_filter, arp_ignore
    /// and arp_announce: the larger of `all`'s and the interface's.
    pub fn effective(&self, iface: &str, pick: fn(&ConfValues) -> Option<u32>) -> Option<u32> {
        match (pick(&self.of("all")), pick(&self.of(iface))) {
            (Some(a), Some(i)) => Some(a.max(i)),
            (a, i) => a.or(i),
        }
    }

    /// The value `all` has, to say which of the two a fix must change.
    pub fn all(&self, pick: fn(&ConfValues) -> Option<u32>) -> Option<u32> {
        pick(&self.of("all"))
    }

    /// accept_local is on when `all`'s or the interface's is.
    pub fn accepts_local(&self, iface: &str) -> bool {
        [self.of("all"), self.of(iface)].iter().any(|v| v.accept_local.is_some_and(|x| x != 0))
    }
}

/// The sockets that wait for traffic in a namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listeners {
    /// TCP sockets in LISTEN.
    pub tcp: Vec<SocketAddr>,
    /// Bound UDP sockets.
    pub udp: Vec<SocketAddr>,
}

impl Listeners {
    /// Whether something would take traffic for `addr` (a socket on its
    /// port, bound to its address or to any).
    pub fn serves(&self, addr: SocketAddr, udp: bool) -> bool {
        let sockets = if udp { &self.udp } else { &self.tcp };
        sockets.iter().any(|s| s.port() == addr.port() && (s.ip() == addr.ip() || s.ip().is_unspecified()))
    }
}

impl Facts {
    /// The director as a sentence names it.
    pub fn director_name(&self) -> &str {
        self.director.as_deref().unwrap_or("the director")
    }

    /// A command to run on the director, as lvsh takes it: `gw sysctl ...`
    /// for a lab node, the bare command where lvsh runs.
    pub fn on_director(&self, command: &str) -> String {
        match &self.director {
            Some(node) => self.on(node, command),
            None => command.to_string(),
        }
    }

    /// A command to run on a node, as lvsh takes it: `int1 ip route ...` for
    /// a lab node, `on blue ip route ...` for a namespace outside the lab.
    pub fn on(&self, node: &str, command: &str) -> String {
        match self.lab {
            true => format!("{node} {command}"),
            false => format!("on {node} {command}"),
        }
    }
}
