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

pub mod backends;
pub mod build;
pub mod error;
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

/// The bridges, inside the `lan` namespace.
pub const BRIDGES: &[&str] = &["ext", "int"];
/// The namespace that holds the bridges.
pub const LAN: &str = "lan";
/// The node whose IPVS a lab's service commands act on.
pub const DIRECTOR: &str = "gw";

/// A lab: the topology under a name prefix. The default prefix is empty
/// (namespaces `ext1`, `gw`, ...); a containerlab deployment of the seed is
/// the same lab under `clab-mod3-2ext2int-`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lab {
    pub prefix: String,
}

impl Lab {
    /// The lab under `prefix`.
    pub fn new(prefix: impl Into<String>) -> Lab {
        Lab { prefix: prefix.into() }
    }

    /// A lab node by its short name (`int1`).
    pub fn node(name: &str) -> Option<&'static Node> {
        NODES.iter().find(|n| n.name == name)
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
        NODES.iter().map(|n| self.ns_name(n.name)).chain([self.ns_name(LAN)]).collect()
    }

    /// Whether every node of the lab exists.
    pub fn is_up(&self) -> bool {
        NODES.iter().all(|n| self.resolve(n.name).path().is_some_and(|p| p.exists()))
    }

    /// Every node's addresses with its name, for output to print beside them.
    pub fn names() -> Names {
        Names::new(
            NODES.iter().flat_map(|n| n.ports.iter().map(|p| (IpAddr::V4(p.addr), n.name.to_string()))),
        )
    }

    /// The names backends may announce themselves by: the lab node that has
    /// each one's IP.
    pub fn names_of(backends: &[SocketAddr]) -> Vec<(String, SocketAddr)> {
        let names = Lab::names();
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
        assert_eq!(Lab::names().of("10.10.0.3".parse().unwrap()), Some("int2"));
        assert_eq!(Lab::names().of("10.10.0.9".parse().unwrap()), None);
    }

    #[test]
    fn lan_side_names_fit_the_kernels_limit() {
        for port in NODES.iter().flat_map(|n| n.ports) {
            assert!(port.peer.len() < 16 && port.iface.len() < 16, "{port:?}");
        }
    }
}
