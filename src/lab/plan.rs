//! The lab as a list of steps, each one `ip` command (or the one sysctl),
//! so that `lab up --explain` shows exactly what is run.

use std::fmt;
use std::path::PathBuf;

use super::{ha, Lab, BRIDGES, LAN};
use crate::ipvs::model::DaemonState;

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
    /// Write a director's keepalived configuration (the HA lab).
    Config { path: PathBuf, text: String },
    /// Start keepalived in a director's namespace, unless it runs there.
    Keepalived { ns: String, argv: Vec<String>, log: PathBuf },
    /// Start an IPVS sync daemon in a director's namespace (done through
    /// lvsh's netlink, shown as the ipvsadm command).
    SyncDaemon { ns: String, state: DaemonState },
}

impl fmt::Display for Step {
    /// The command a learner would type for this step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Ip(args) => write!(f, "ip {}", args.join(" ")),
            Step::AddNetns(ns) => write!(f, "ip netns add {ns}"),
            Step::DelNetns(ns) => write!(f, "ip netns del {ns}"),
            Step::Forwarding(ns) => write!(f, "ip netns exec {ns} sysctl -w net.ipv4.ip_forward=1"),
            Step::Config { path, .. } => write!(f, "write {} (keepalived's VRRP settings)", path.display()),
            Step::Keepalived { ns, argv, log } => {
                write!(f, "ip netns exec {ns} {} >{} 2>&1 &", argv.join(" "), log.display())
            }
            Step::SyncDaemon { ns, state } => write!(
                f,
                "ip netns exec {ns} ipvsadm --start-daemon {state} --mcast-interface {} --syncid {}",
                ha::SYNC_INTERFACE,
                ha::SYNC_ID
            ),
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
/// then each node with its links, addresses and route, then forwarding on
/// gw; in the HA lab, then each director's keepalived and sync daemons.
pub fn up(lab: &Lab) -> Vec<Step> {
    let lan = lab.ns_name(LAN);
    let mut steps = vec![Step::AddNetns(lan.clone()), ip(&["-n", &lan, "link", "set", "lo", "up"])];
    for bridge in BRIDGES {
        steps.push(ip(&["-n", &lan, "link", "add", bridge, "type", "bridge"]));
        steps.push(ip(&["-n", &lan, "link", "set", bridge, "up"]));
    }
    for node in lab.nodes() {
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
    if lab.ha {
        steps.extend(lab.directors().into_iter().flat_map(|director| pair(lab, director)));
    }
    steps
}

/// A director's part of the HA pair: its keepalived and both sync daemons.
fn pair(lab: &Lab, director: &str) -> Vec<Step> {
    let ns = lab.ns_name(director);
    let files = ha::files(&ns);
    vec![
        Step::Config { path: files.config.clone(), text: ha::config(lab, director) },
        Step::Keepalived { ns: ns.clone(), argv: ha::keepalived_argv(&files), log: files.log },
        Step::SyncDaemon { ns: ns.clone(), state: DaemonState::Master },
        Step::SyncDaemon { ns, state: DaemonState::Backup },
    ]
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
    fn the_ha_lab_adds_gw2_and_each_directors_keepalived_and_sync_daemons() {
        let lab = Lab { prefix: String::new(), ha: true };
        let text: Vec<String> = up(&lab).iter().map(Step::to_string).collect();
        for expected in [
            "ip -n gw addr add 111.111.0.252/24 dev eth1",
            "ip -n gw2 addr add 10.10.0.253/24 dev eth2",
            "ip -n lan link add gw2-ext type veth peer name eth1 netns gw2",
            "ip netns exec gw2 sysctl -w net.ipv4.ip_forward=1",
            "ip -n int1 route add default via 10.10.0.1",
            "write /run/lvsh/ha/gw2.keepalived.conf (keepalived's VRRP settings)",
            "ip netns exec gw ipvsadm --start-daemon master --mcast-interface eth2 --syncid 51",
            "ip netns exec gw2 ipvsadm --start-daemon backup --mcast-interface eth2 --syncid 51",
        ] {
            assert!(text.contains(&expected.to_string()), "{expected} in {text:#?}");
        }
        assert!(!text.iter().any(|t| t.contains("addr add 111.111.0.1/")), "{text:#?}");
        let keepalived = text.iter().find(|t| t.starts_with("ip netns exec gw keepalived ")).unwrap();
        assert!(keepalived.ends_with(" >/run/lvsh/ha/gw.keepalived.log 2>&1 &"), "{keepalived}");
        assert_eq!(down(&lab).len(), 7);
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
