//! The lab as a list of steps, each one `ip` command (or the one sysctl),
//! so that `lab up --explain` shows exactly what is run.

use std::fmt;

use super::{Lab, BRIDGES, LAN, NODES};

/// One step of building the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `ip ARGS...`, run as it is shown.
    Ip(Vec<String>),
    /// `ip netns add NAME`: a namespace lvsh makes, and writes down as its own.
    AddNetns(String),
    /// `ip netns del NAME`: done only to a namespace lvsh made.
    DelNetns(String),
    /// Turn on IPv4 forwarding in a namespace (`sysctl` there).
    Forwarding(String),
}

impl fmt::Display for Step {
    /// The command a learner would type for this step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Ip(args) => write!(f, "ip {}", args.join(" ")),
            Step::AddNetns(ns) => write!(f, "ip netns add {ns}"),
            Step::DelNetns(ns) => write!(f, "ip netns del {ns}"),
            Step::Forwarding(ns) => write!(f, "ip netns exec {ns} sysctl -w net.ipv4.ip_forward=1"),
        }
    }
}

impl Step {
    /// Whether the step only sets a state (`link set`), which is the same
    /// whether or not it was set before.
    pub fn is_setting(&self) -> bool {
        matches!(self, Step::Ip(args) if args.windows(2).any(|w| w == ["link", "set"]))
    }
}

fn ip(args: &[&str]) -> Step {
    Step::Ip(args.iter().map(|a| a.to_string()).collect())
}

/// Every step of `lab up`, in order: the `lan` namespace and its bridges,
/// then each node with its links, addresses and route, then forwarding on gw.
pub fn up(lab: &Lab) -> Vec<Step> {
    let lan = lab.ns_name(LAN);
    let mut steps = vec![Step::AddNetns(lan.clone()), ip(&["-n", &lan, "link", "set", "lo", "up"])];
    for bridge in BRIDGES {
        steps.push(ip(&["-n", &lan, "link", "add", bridge, "type", "bridge"]));
        steps.push(ip(&["-n", &lan, "link", "set", bridge, "up"]));
    }
    for node in NODES {
        let ns = lab.ns_name(node.name);
        steps.push(Step::AddNetns(ns.clone()));
        steps.push(ip(&["-n", &ns, "link", "set", "lo", "up"]));
        for port in node.ports {
            let cidr = format!("{}/{}", port.addr, port.prefix_len);
            steps.extend([
                ip(&[
                    "-n", &lan, "link", "add", port.peer, "type", "veth", "peer", "name", port.iface,
                    "netns", &ns,
                ]),
                ip(&["-n", &lan, "link", "set", port.peer, "master", port.bridge, "up"]),
                ip(&["-n", &ns, "addr", "add", &cidr, "dev", port.iface]),
                ip(&["-n", &ns, "link", "set", port.iface, "up"]),
            ]);
        }
        match node.gateway {
            Some(gateway) => {
                steps.push(ip(&["-n", &ns, "route", "add", "default", "via", &gateway.to_string()]))
            }
            None => steps.push(Step::Forwarding(ns)),
        }
    }
    steps
}

/// The steps of `lab down`: deleting a namespace deletes its links, and a
/// veth goes with either end, so this is all.
pub fn down(lab: &Lab) -> Vec<Step> {
    lab.namespaces().into_iter().map(Step::DelNetns).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_builds_the_seed_topology_in_order() {
        let text: Vec<String> = up(&Lab::default()).iter().map(Step::to_string).collect();
        assert_eq!(
            text[..6],
            [
                "ip netns add lan",
                "ip -n lan link set lo up",
                "ip -n lan link add ext type bridge",
                "ip -n lan link set ext up",
                "ip -n lan link add int type bridge",
                "ip -n lan link set int up",
            ]
        );
        for expected in [
            "ip -n lan link add ext1 type veth peer name eth1 netns ext1",
            "ip -n lan link set ext1 master ext up",
            "ip -n ext1 addr add 111.111.0.2/24 dev eth1",
            "ip -n ext1 route add default via 111.111.0.1",
            "ip -n gw addr add 111.111.0.1/24 dev eth1",
            "ip -n gw addr add 10.10.0.1/24 dev eth2",
            "ip netns exec gw sysctl -w net.ipv4.ip_forward=1",
            "ip -n int2 addr add 10.10.0.3/24 dev eth1",
            "ip -n int2 route add default via 10.10.0.1",
        ] {
            assert!(text.contains(&expected.to_string()), "{expected} in {text:#?}");
        }
        let node = |name: &str| text.iter().position(|t| t == &format!("ip netns add {name}")).unwrap();
        assert!(node("ext1") < node("gw") && node("gw") < node("int1"));
    }

    #[test]
    fn a_prefix_names_the_namespaces_only() {
        let text: Vec<String> = up(&Lab::new("t1-")).iter().map(Step::to_string).collect();
        assert!(
            text.contains(&"ip -n t1-lan link add gw-int type veth peer name eth2 netns t1-gw".to_string())
        );
        assert!(text.contains(&"ip netns exec t1-gw sysctl -w net.ipv4.ip_forward=1".to_string()));
    }

    #[test]
    fn down_deletes_every_namespace_and_nothing_else() {
        let text: Vec<String> = down(&Lab::default()).iter().map(Step::to_string).collect();
        assert_eq!(
            text,
            [
                "ip netns del ext1",
                "ip netns del ext2",
                "ip netns del gw",
                "ip netns del int1",
                "ip netns del int2",
                "ip netns del lan",
            ]
        );
    }
}
