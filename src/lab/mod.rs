//! The tutorial's lab, built from network namespaces: the seed's
//! containerlab topology (ext1, ext2 -> gw -> int1, int2) without docker.
//!
//! ```text
//!  ext1 111.111.0.2 ─┐                        ┌─ int1 10.10.0.2
//!                    ├─ ext ── gw ── int ─────┤
//!  ext2 111.111.0.3 ─┘   111.111.0.1  10.10.0.1 └─ int2 10.10.0.3
//! ```
//!
//! The two bridges live in a namespace of their own (`lan`), so the lab
//! touches nothing of the host's network: `lab down` deletes namespaces, and
//! with them every link and bridge the lab made.
//!
//! lvsh touches only the lab it made: `lab up` writes down each namespace it
//! makes (`lan` too) in a root-only record ([`record`]), and `lab up` and
//! `lab down` refuse any namespace of the lab's names that the record does
//! not vouch for ([`ownership`]), leaving it and its processes alone.
//! `lab status` reads any lab, a containerlab deployment's included.
//!
//! `lab up ha` builds the same lab with a second director, gw2 ([`ha`]):
//! the seed's gw addresses float between gw and gw2 under keepalived's VRRP.

pub mod backends;
pub mod build;
pub mod error;
pub mod ha;
pub mod lessons;
pub mod ownership;
pub mod plan;
pub mod processes;
pub mod record;
pub mod tutorial;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::ipvs::Netns;
use crate::probe::names::Names;

/// One interface of a lab node, on one of the two bridges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// The interface's name inside the node (containerlab names data links eth1, eth2).
    pub iface: &'static str,
    /// The bridge it is plugged into: `ext` or `int`.
    pub bridge: &'static str,
    /// Its name on the bridge's side, inside the `lan` namespace.
    pub peer: &'static str,
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
}

/// A lab node: a network namespace with its ports and its default route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    pub name: &'static str,
    /// What the node is for, for `lab status`.
    pub role: &'static str,
    pub ports: &'static [Port],
    /// The default gateway; `None` for gw, which routes between the two.
    pub gateway: Option<Ipv4Addr>,
}

const fn port(iface: &'static str, bridge: &'static str, peer: &'static str, addr: [u8; 4]) -> Port {
    Port { iface, bridge, peer, addr: Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]), prefix_len: 24 }
}

const GW_EXT: Ipv4Addr = Ipv4Addr::new(111, 111, 0, 1);
const GW_INT: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 1);

/// The seed's five nodes, in the order they are built.
pub const NODES: &[Node] = &[
    Node {
        name: "ext1",
        role: "client",
        ports: &[port("eth1", "ext", "ext1", [111, 111, 0, 2])],
        gateway: Some(GW_EXT),
    },
    Node {
        name: "ext2",
        role: "client",
        ports: &[port("eth1", "ext", "ext2", [111, 111, 0, 3])],
        gateway: Some(GW_EXT),
    },
    Node {
        name: "gw",
        role: "director (IPVS)",
        ports: &[
            port("eth1", "ext", "gw-ext", [111, 111, 0, 1]),
            port("eth2", "int", "gw-int", [10, 10, 0, 1]),
        ],
        gateway: None,
    },
    Node {
        name: "int1",
        role: "backend",
        ports: &[port("eth1", "int", "int1", [10, 10, 0, 2])],
        gateway: Some(GW_INT),
    },
    Node {
        name: "int2",
        role: "backend",
        ports: &[port("eth1", "int", "int2", [10, 10, 0, 3])],
        gateway: Some(GW_INT),
    },
];

/// The high-availability lab's nodes: the seed's, with gw on addresses of
/// its own and gw2 beside it. The seed's gw addresses (111.111.0.1 for the
/// clients, 10.10.0.1 for the backends) become the pair's floating
/// addresses, held by whichever director VRRP makes master ([`ha`]).
pub const HA_NODES: &[Node] = &[
    NODES[0],
    NODES[1],
    Node {
        name: "gw",
        role: "director (IPVS)",
        ports: &[
            port("eth1", "ext", "gw-ext", [111, 111, 0, 252]),
            port("eth2", "int", "gw-int", [10, 10, 0, 252]),
        ],
        gateway: None,
    },
    Node {
        name: "gw2",
        role: "director (IPVS)",
        ports: &[
            port("eth1", "ext", "gw2-ext", [111, 111, 0, 253]),
            port("eth2", "int", "gw2-int", [10, 10, 0, 253]),
        ],
        gateway: None,
    },
    NODES[3],
    NODES[4],
];

/// The bridges, inside the `lan` namespace.
pub const BRIDGES: &[&str] = &["ext", "int"];
/// The namespace that holds the bridges.
pub const LAN: &str = "lan";
/// The node whose IPVS a lab's service commands act on.
pub const DIRECTOR: &str = "gw";
/// The high-availability lab's second director.
pub const STANDBY: &str = "gw2";

/// A lab: the topology under a name prefix. The default prefix is empty
/// (namespaces `ext1`, `gw`, ...); a containerlab deployment of the seed is
/// the same lab under `clab-mod3-2ext2int-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub prefix: String,
    /// The high-availability lab (gw and gw2): chosen by `lab up ha`, and
    /// found again by its gw2 namespace.
    pub ha: bool,
}

impl Default for Lab {
    fn default() -> Lab {
        Lab::new("")
    }
}

impl Lab {
    /// The lab under `prefix`: the high-availability one when its gw2 is there.
    pub fn new(prefix: impl Into<String>) -> Lab {
        let prefix = prefix.into();
        let ha = Netns::Named(format!("{prefix}{STANDBY}")).path().is_some_and(|p| p.exists());
        Lab { prefix, ha }
    }

    /// The seed lab under `prefix`, whatever namespaces exist.
    pub fn seed(prefix: impl Into<String>) -> Lab {
        Lab { prefix: prefix.into(), ha: false }
    }

    /// The lab's nodes, in the order they are built.
    pub fn nodes(&self) -> &'static [Node] {
        match self.ha {
            true => HA_NODES,
            false => NODES,
        }
    }

    /// The directors: gw, and gw2 in the high-availability lab.
    pub fn directors(&self) -> Vec<&'static str> {
        self.nodes().iter().filter(|n| n.gateway.is_none()).map(|n| n.name).collect()
    }

    /// A lab node by its short name (`int1`), in either lab.
    pub fn node(name: &str) -> Option<&'static Node> {
        NODES.iter().chain(HA_NODES).find(|n| n.name == name)
    }

    /// Whether a word is a lab node's name, which alone runs a command on
    /// that node (the parser's [`crate::lang::parse::Nodes`]).
    pub fn is_node(name: &str) -> bool {
        Lab::node(name).is_some()
    }

    /// The namespace name of a lab node or of `lan`.
    pub fn ns_name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    /// Where a node name leads: a lab node's namespace under the prefix, or
    /// any other namespace by name or path.
    pub fn resolve(&self, name: &str) -> Netns {
        match Lab::node(name) {
            Some(node) => Netns::Named(self.ns_name(node.name)),
            None => Netns::parse(name),
        }
    }

    /// The namespaces of the lab, `lan` last.
    pub fn namespaces(&self) -> Vec<String> {
        self.nodes().iter().map(|n| self.ns_name(n.name)).chain([self.ns_name(LAN)]).collect()
    }

    /// Whether every node of the lab exists.
    pub fn is_up(&self) -> bool {
        self.nodes().iter().all(|n| self.resolve(n.name).path().is_some_and(|p| p.exists()))
    }

    /// Every node's addresses with its name, for output to print beside them.
    /// The high-availability lab's floating addresses belong to no one node.
    pub fn names(&self) -> Names {
        Names::new(
            self.nodes()
                .iter()
                .flat_map(|n| n.ports.iter().map(|p| (IpAddr::V4(p.addr), n.name.to_string()))),
        )
    }

    /// The names backends may announce themselves by: the lab node that has
    /// each one's IP.
    pub fn names_of(&self, backends: &[SocketAddr]) -> Vec<(String, SocketAddr)> {
        let names = self.names();
        backends.iter().filter_map(|b| names.of(b.ip()).map(|name| (name.to_string(), *b))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_nodes_resolve_under_the_prefix_and_others_pass_through() {
        let clab = Lab::new("clab-mod3-2ext2int-");
        assert_eq!(clab.resolve("ext1"), Netns::Named("clab-mod3-2ext2int-ext1".into()));
        assert_eq!(clab.resolve("blue"), Netns::Named("blue".into()));
        assert_eq!(Lab::default().resolve("/proc/1/ns/net"), Netns::parse("/proc/1/ns/net"));
        assert_eq!(Lab::default().resolve("gw"), Netns::Named("gw".into()));
    }

    #[test]
    fn the_seed_addresses_are_kept() {
        let gw = Lab::node("gw").unwrap();
        let addrs: Vec<String> = gw.ports.iter().map(|p| p.addr.to_string()).collect();
        assert_eq!(addrs, ["111.111.0.1", "10.10.0.1"]);
        let names = Lab::seed("").names();
        assert_eq!(names.of("10.10.0.3".parse().unwrap()), Some("int2"));
        assert_eq!(names.of("10.10.0.9".parse().unwrap()), None);
    }

    #[test]
    fn the_ha_lab_has_two_directors_and_gives_the_seed_gw_addresses_to_neither() {
        let ha = Lab { prefix: String::new(), ha: true };
        assert_eq!(ha.directors(), ["gw", "gw2"]);
        assert_eq!(Lab::seed("").directors(), ["gw"]);
        let names = ha.names();
        assert_eq!(names.of("111.111.0.1".parse().unwrap()), None);
        assert_eq!(names.of("10.10.0.253".parse().unwrap()), Some("gw2"));
        assert!(Lab::is_node("gw2"));
    }

    #[test]
    fn lan_side_names_fit_the_kernels_limit() {
        for port in NODES.iter().chain(HA_NODES).flat_map(|n| n.ports) {
            assert!(port.peer.len() < 16 && port.iface.len() < 16, "{port:?}");
        }
    }
}
