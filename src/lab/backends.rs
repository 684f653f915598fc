//! Setting the lab's backends up for a forwarding method: `lab backends
//! masq|route|tunnel`, made of `ip` and `sysctl` steps as `lab up` is, so
//! that `--explain` shows what to type by hand.
//!
//! Direct routing and tunnelling hand a backend the client's packet still
//! addressed to the VIP, and the backend replies from the VIP straight to
//! the client. So each backend holds the VIP where it answers no ARP (lo
//! for `route`, the decapsulating `tunl0` for `tunnel`), is kept from
//! answering or announcing it on the wire (arp_ignore 1, arp_announce 2),
//! and gets a port of its own on the `ext` bridge: in the seed's lab its
//! only way to the clients is gw, which owns the VIP and would drop a
//! packet from it as a martian. The request then comes in on eth1 while the
//! way back is that port, so reverse-path filtering is made loose
//! (rp_filter 2). `masq` undoes all of it: the backends are as `lab up`
//! made them.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use super::build::{ip, Done};
use super::error::LabError;
use super::ownership::{Claim, State};
use super::{port, Lab, Port, LAN};
use crate::ipvs::Netns;
use crate::lang::ast::BackendMethod;

/// The lab's virtual address: gw's outside address, the VIP of its services.
pub const VIP: Ipv4Addr = Ipv4Addr::new(111, 111, 0, 1);

/// Each backend, and the port `route` and `tunnel` give it on the `ext` bridge.
pub const EXT_PORTS: &[(&str, Port)] = &[
    ("int1", port("eth2", "ext", "int1-ext", [111, 111, 0, 12])),
    ("int2", port("eth2", "ext", "int2-ext", [111, 111, 0, 13])),
];

/// The kernel module that makes `tunl0`, the device that takes IP-in-IP.
const IPIP: &str = "ipip";

/// One step of setting the backends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `ip ARGS...` that makes something (done already when it exists).
    Add(Vec<String>),
    /// `ip ARGS...` that takes something away, or sets a device down
    /// (done already when it is not there).
    Remove(Vec<String>),
    /// `ip ARGS...` that sets a device up: the same whether or not it was.
    Set(Vec<String>),
    /// `net.ipv4.conf.all.KEY=VALUE` in a namespace.
    Sysctl { ns: String, key: &'static str, value: u8 },
    /// `modprobe MODULE`: the whole machine's, as every module is.
    Modprobe(&'static str),
}

impl fmt::Display for Step {
    /// The command a learner would type for this step.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Add(args) | Step::Remove(args) | Step::Set(args) => write!(f, "ip {}", args.join(" ")),
            Step::Sysctl { ns, key, value } => {
                write!(f, "ip netns exec {ns} sysctl -w net.ipv4.conf.all.{key}={value}")
            }
            Step::Modprobe(module) => write!(f, "modprobe {module}"),
        }
    }
}

impl Step {
    /// Whether it only takes something away.
    pub fn is_removal(&self) -> bool {
        matches!(self, Step::Remove(_))
    }

    /// Whether it sets a value rather than making something.
    pub fn is_setting(&self) -> bool {
        matches!(self, Step::Set(_) | Step::Sysctl { .. })
    }

    /// Whether it changed something when it ran: `ip link set` succeeds
    /// whether or not the device was so already.
    fn changed(&self, done: Done) -> bool {
        let link_set = match self {
            Step::Add(args) | Step::Remove(args) | Step::Set(args) => {
                args.windows(2).any(|w| w == ["link", "set"])
            }
            _ => false,
        };
        done == Done::Made && !link_set
    }
}

fn ip_words(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The steps that set the backends up for `method`, in order. `ipip`:
/// whether the ipip module is loaded, so that each namespace has a `tunl0`
/// that may hold the VIP from an earlier `tunnel`.
pub fn plan(lab: &Lab, method: BackendMethod, ipip: bool) -> Vec<Step> {
    let lan = lab.ns_name(LAN);
    let vip = format!("{VIP}/32");
    let mut steps = Vec::new();
    if method == BackendMethod::Tunnel {
        steps.push(Step::Modprobe(IPIP));
    }
    let tunl0 = ipip || method == BackendMethod::Tunnel;
    for (node, ext) in EXT_PORTS {
        let ns = lab.ns_name(node);
        let sysctl = |key, value| Step::Sysctl { ns: ns.clone(), key, value };
        let on = |args: &[&str]| ip_words(&[&["-n", &ns], args].concat());
        let cidr = format!("{}/{}", ext.addr, ext.prefix_len);
        let (arp_ignore, arp_announce, rp_filter) = match method {
            BackendMethod::Masq => (0, 0, 0),
            _ => (1, 2, 2),
        };
        let settings = [
            sysctl("arp_ignore", arp_ignore),
            sysctl("arp_announce", arp_announce),
            sysctl("rp_filter", rp_filter),
        ];
        match method {
            // The way back first, then the VIP, then the settings.
            BackendMethod::Masq => {
                steps.push(Step::Remove(ip_words(&["-n", &lan, "link", "del", ext.peer])));
                steps.push(Step::Remove(on(&["addr", "del", &vip, "dev", "lo"])));
                if tunl0 {
                    steps.push(Step::Remove(on(&["addr", "del", &vip, "dev", "tunl0"])));
                    steps.push(Step::Remove(on(&["link", "set", "tunl0", "down"])));
                }
                steps.extend(settings);
            }
            // The settings first, so that the VIP is never answered for.
            BackendMethod::Route | BackendMethod::Tunnel => {
                steps.extend(settings);
                if method == BackendMethod::Route {
                    if tunl0 {
                        steps.push(Step::Remove(on(&["addr", "del", &vip, "dev", "tunl0"])));
                        steps.push(Step::Remove(on(&["link", "set", "tunl0", "down"])));
                    }
                    steps.push(Step::Add(on(&["addr", "add", &vip, "dev", "lo"])));
                } else {
                    steps.push(Step::Remove(on(&["addr", "del", &vip, "dev", "lo"])));
                    steps.push(Step::Add(on(&["addr", "add", &vip, "dev", "tunl0"])));
                    steps.push(Step::Set(on(&["link", "set", "tunl0", "up"])));
                }
                steps.extend([
                    Step::Add(ip_words(&[
                        "-n", &lan, "link", "add", ext.peer, "type", "veth", "peer", "name", ext.iface,
                        "netns", &ns,
                    ])),
                    Step::Set(ip_words(&["-n", &lan, "link", "set", ext.peer, "master", ext.bridge, "up"])),
                    Step::Add(on(&["addr", "add", &cidr, "dev", ext.iface])),
                    Step::Set(on(&["link", "set", ext.iface, "up"])),
                ]);
            }
        }
    }
    steps
}

/// Whether the ipip module is loaded (and so every namespace has `tunl0`).
pub fn ipip_loaded() -> bool {
    Path::new("/sys/module").join(IPIP).exists()
}

/// Sets the backends up for `method`; `each` sees every step as it ends.
/// Returns how many changes it made (0: they were set up so already). It
/// touches only the backends' and the bridges' namespaces, and only when
/// they are lvsh's (a containerlab deployment's are left alone).
pub fn set_up(
    claim: Claim,
    method: BackendMethod,
    each: &mut dyn FnMut(&Step, Done),
) -> Result<usize, LabError> {
    let lab = claim.lab().clone();
    let mut foreign = Vec::new();
    for name in EXT_PORTS.iter().map(|(node, _)| *node).chain([LAN]) {
        let ns = lab.ns_name(name);
        match claim.state(&ns) {
            Some(State::Ours(_)) => {}
            Some(State::Foreign(why)) => foreign.push((ns, why.clone())),
            _ => return Err(LabError::NotUp { action: "lab backends", missing: ns }),
        }
    }
    if !foreign.is_empty() {
        return Err(LabError::Foreign { action: "lab backends", namespaces: foreign });
    }
    let mut made = 0;
    for step in plan(&lab, method, ipip_loaded()) {
        let done = run(&step)?;
        made += usize::from(step.changed(done));
        each(&step, done);
    }
    Ok(made)
}

/// Runs one step.
fn run(step: &Step) -> Result<Done, LabError> {
    match step {
        Step::Add(args) | Step::Remove(args) | Step::Set(args) => match ip(args) {
            Ok(_) => Ok(Done::Made),
            Err(LabError::Step { why, .. }) if already(step, &why) => Ok(Done::Already),
            Err(e) => Err(e),
        },
        Step::Sysctl { ns, key, value } => sysctl(ns, key, *value, &step.to_string()),
        Step::Modprobe(module) => modprobe(module, &step.to_string()),
    }
}

/// Whether `ip`'s complaint means the step's work was done already.
fn already(step: &Step, why: &str) -> bool {
    match step {
        Step::Add(_) => why.contains("File exists"),
        Step::Remove(_) => {
            why.contains("Cannot find device") || why.contains("Cannot assign requested address")
        }
        _ => false,
    }
}

/// Sets `net.ipv4.conf.all.KEY` inside `ns`: `/proc/sys/net` is the
/// namespace's own from a thread that entered it.
fn sysctl(ns: &str, key: &str, value: u8, shown: &str) -> Result<Done, LabError> {
    let knob = format!("/proc/sys/net/ipv4/conf/all/{key}");
    let fail = |why: String| LabError::Step { command: shown.to_string(), why };
    Netns::Named(ns.to_string())
        .run(|| match std::fs::read_to_string(&knob) {
            Ok(now) if now.trim() == value.to_string() => Ok(Done::Already),
            _ => {
                std::fs::write(&knob, value.to_string()).map(|()| Done::Made).map_err(|e| fail(e.to_string()))
            }
        })
        .map_err(|e| fail(e.to_string()))?
}

/// `modprobe MODULE`, unless it is loaded.
fn modprobe(module: &str, shown: &str) -> Result<Done, LabError> {
    if Path::new("/sys/module").join(module).exists() {
        return Ok(Done::Already);
    }
    let fail = |why: String| LabError::Step { command: shown.to_string(), why };
    let out = Command::new("modprobe").arg(module).output().map_err(|e| fail(e.to_string()))?;
    match out.status.success() {
        true => Ok(Done::Made),
        false => Err(fail(String::from_utf8_lossy(&out.stderr).trim().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(method: BackendMethod, ipip: bool) -> Vec<String> {
        plan(&Lab::new("t-"), method, ipip).iter().map(Step::to_string).collect()
    }

    #[test]
    fn route_quiets_arp_then_puts_the_vip_on_lo_and_gives_each_backend_a_port_on_ext() {
        let steps = text(BackendMethod::Route, false);
        assert_eq!(
            steps[..8],
            [
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.arp_ignore=1",
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.arp_announce=2",
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.rp_filter=2",
                "ip -n t-int1 addr add 111.111.0.1/32 dev lo",
                "ip -n t-lan link add int1-ext type veth peer name eth2 netns t-int1",
                "ip -n t-lan link set int1-ext master ext up",
                "ip -n t-int1 addr add 111.111.0.12/24 dev eth2",
                "ip -n t-int1 link set eth2 up",
            ]
        );
        assert_eq!(steps.len(), 16);
        assert!(steps.contains(&"ip -n t-int2 addr add 111.111.0.13/24 dev eth2".to_string()));
        // With the ipip module loaded, a tunnel's VIP on tunl0 goes first.
        let steps = text(BackendMethod::Route, true);
        assert_eq!(steps[3], "ip -n t-int1 addr del 111.111.0.1/32 dev tunl0");
        assert_eq!(steps[4], "ip -n t-int1 link set tunl0 down");
    }

    #[test]
    fn tunnel_loads_ipip_and_moves_the_vip_from_lo_to_tunl0() {
        let steps = text(BackendMethod::Tunnel, false);
        assert_eq!(steps[0], "modprobe ipip");
        assert_eq!(
            steps[4..7],
            [
                "ip -n t-int1 addr del 111.111.0.1/32 dev lo",
                "ip -n t-int1 addr add 111.111.0.1/32 dev tunl0",
                "ip -n t-int1 link set tunl0 up",
            ]
        );
        assert!(steps
            .contains(&"ip -n t-lan link add int2-ext type veth peer name eth2 netns t-int2".to_string()));
    }

    #[test]
    fn masq_takes_the_port_and_the_vip_away_and_restores_the_kernels_defaults() {
        let steps = text(BackendMethod::Masq, true);
        assert_eq!(
            steps[..7],
            [
                "ip -n t-lan link del int1-ext",
                "ip -n t-int1 addr del 111.111.0.1/32 dev lo",
                "ip -n t-int1 addr del 111.111.0.1/32 dev tunl0",
                "ip -n t-int1 link set tunl0 down",
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.arp_ignore=0",
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.arp_announce=0",
                "ip netns exec t-int1 sysctl -w net.ipv4.conf.all.rp_filter=0",
            ]
        );
        // Without ipip there is no tunl0 to clear, and nothing is loaded.
        let steps = text(BackendMethod::Masq, false);
        assert!(!steps.iter().any(|s| s.contains("tunl0") || s.starts_with("modprobe")), "{steps:#?}");
        assert!(
            plan(&Lab::default(), BackendMethod::Masq, false).iter().filter(|s| s.is_removal()).count() == 4
        );
    }

    #[test]
    fn only_a_missing_thing_counts_as_removed_already_and_only_an_existing_one_as_added() {
        let add = Step::Add(Vec::new());
        let remove = Step::Remove(Vec::new());
        assert!(already(&add, "RTNETLINK answers: File exists"));
        assert!(!already(&add, "Cannot find device \"eth2\""));
        assert!(already(&remove, "Cannot find device \"int1-ext\""));
        assert!(already(&remove, "RTNETLINK answers: Cannot assign requested address"));
        assert!(!already(&remove, "RTNETLINK answers: Operation not permitted"));
    }

    #[test]
    fn the_ports_on_ext_fit_the_kernels_limit_and_take_no_lab_address() {
        let taken: Vec<Ipv4Addr> =
            super::super::NODES.iter().flat_map(|n| n.ports.iter().map(|p| p.addr)).collect();
        for (node, ext) in EXT_PORTS {
            assert!(super::super::Lab::node(node).is_some(), "{node}");
            assert!(ext.peer.len() < 16 && !taken.contains(&ext.addr), "{ext:?}");
        }
    }
}
