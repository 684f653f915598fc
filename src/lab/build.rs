//! Building, removing and inspecting the lab with iproute2's `ip`, the same
//! commands `lab up --explain` shows, so the learner can repeat them by hand.

use std::process::Command;

use super::error::LabError;
use super::ownership::{self, path_of, Claim, State};
use super::plan::{self, Step};
use super::processes;
use super::record::Foreign;
use super::{ha, Lab, BRIDGES, DIRECTOR, LAN, STANDBY};
use crate::ipvs::Netns;

/// What happened to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// It ran and changed something.
    Made,
    /// What it makes was already there (or, for `lab down`, already gone).
    Already,
    /// It was not run: the namespace it would delete is not lvsh's.
    LeftAlone,
}

/// Takes the lab in hand for `lab up` or `lab down`: its lock, its record,
/// and which of its namespaces are lvsh's.
pub fn claim(lab: &Lab) -> Result<Claim, LabError> {
    Claim::take(lab)
}

/// Builds whatever of the lab is missing; `each` sees every step as it ends.
/// Returns how many pieces were made (0: the lab was already up). A
/// namespace of the lab's names that lvsh did not make stops it before it
/// changes anything: the lab's links would go into that namespace.
pub fn up(mut claim: Claim, each: &mut dyn FnMut(&Step, Done)) -> Result<usize, LabError> {
    let foreign = claim.foreign();
    if !foreign.is_empty() {
        return Err(LabError::Foreign { action: "lab up", namespaces: foreign });
    }
    let lab = claim.lab().clone();
    let exists = |short: &str| path_of(&lab.ns_name(short)).exists();
    if lab.ha && exists(DIRECTOR) && !exists(STANDBY) {
        return Err(LabError::NotPair);
    }
    let mut made = 0;
    for step in plan::up(&lab) {
        let done = match &step {
            Step::AddNetns(ns) => add_namespace(&mut claim, ns)?,
            Step::Ip(args) => match ip(args) {
                Ok(_) => Done::Made,
                Err(LabError::Step { why, .. }) if why.contains("File exists") => Done::Already,
                Err(e) => return Err(e),
            },
            Step::Forwarding(ns) => forwarding(ns)?,
            Step::DelNetns(_) => Done::Already,
            Step::Config { path, text } => write_config(path, text)?,
            Step::Keepalived { ns, argv, log } => keepalived(ns, argv, log, &step)?,
            Step::SyncDaemon { ns, state } => sync_daemon(ns, *state, &step)?,
        };
        // `link set ... up` always runs and always succeeds: only steps that
        // make something count as changes.
        made += usize::from(done == Done::Made && !step.is_setting());
        each(&step, done);
    }
    claim.save()?;
    if lab.ha {
        master(&lab)?;
    }
    Ok(made)
}

/// Whether `director` holds every floating address.
fn holds_floating(lab: &Lab, director: &str) -> bool {
    let held = addresses(&lab.ns_name(director)).unwrap_or_default();
    ha::FLOATING.iter().all(|f| held.contains(&f.listed()))
}

/// Waits until VRRP has made a director master (it holds the floating
/// addresses): keepalived starts as backup and takes over after about
/// three silent advert intervals, and what follows `lab up ha` needs the VIP.
fn master(lab: &Lab) -> Result<&'static str, LabError> {
    let start = std::time::Instant::now();
    loop {
        if let Some(director) = lab.directors().into_iter().find(|d| holds_floating(lab, d)) {
            return Ok(director);
        }
        if start.elapsed() > FAILOVER_WAIT {
            return Err(LabError::NoMaster);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `ip netns add`, for a name that is free or lvsh's; what it makes is
/// written down at once. A namespace that appeared since the claim is
/// someone else's.
fn add_namespace(claim: &mut Claim, ns: &str) -> Result<Done, LabError> {
    match claim.state(ns) {
        Some(State::Ours(_)) => return Ok(Done::Already),
        Some(State::Foreign(why)) => {
            return Err(LabError::Foreign {
                action: "lab up",
                namespaces: vec![(ns.to_string(), why.clone())],
            })
        }
        _ => {}
    }
    match ip(&["netns", "add", ns]) {
        Ok(_) => claim.adopt(ns).map(|()| Done::Made),
        Err(LabError::Step { why, .. }) if why.contains("File exists") => Err(LabError::Foreign {
            action: "lab up",
            namespaces: vec![(ns.to_string(), Foreign::Unrecorded)],
        }),
        Err(e) => Err(e),
    }
}

/// Writes a keepalived configuration where only root may change it.
fn write_config(path: &std::path::Path, text: &str) -> Result<Done, LabError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(Done::Already);
    }
    let fail = |e: std::io::Error| LabError::Step {
        command: format!("write {}", path.display()),
        why: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::write(path, text).map(|()| Done::Made).map_err(fail)
}

/// Starts keepalived in `ns` unless one runs there already; a keepalived
/// that exits at once (a bad configuration, no VRRP) is an error with the
/// end of its log.
fn keepalived(ns: &str, argv: &[String], log: &std::path::Path, step: &Step) -> Result<Done, LabError> {
    let fail = |why: String| LabError::Step { command: step.to_string(), why };
    if running_keepalived(ns).is_some() {
        return Ok(Done::Already);
    }
    let file =
        std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| fail(e.to_string()))?;
    let netns = Netns::Named(ns.to_string());
    let pid = crate::node::spawn::spawn_daemon(&netns, argv, file).map_err(|e| match e {
        crate::node::spawn::SpawnError::NotFound(_) => LabError::NoKeepalived,
        other => fail(other.to_string()),
    })?;
    // keepalived checks its configuration before it settles: give it a moment.
    std::thread::sleep(std::time::Duration::from_millis(300));
    match std::path::Path::new(&format!("/proc/{pid}")).exists() {
        true => Ok(Done::Made),
        false => {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Err(fail(format!("keepalived exited at once: {}", tail.join(" / "))))
        }
    }
}

/// The pid of the keepalived running in `ns`, if one does.
pub fn running_keepalived(ns: &str) -> Option<u32> {
    processes(ns)
        .into_iter()
        .find(|(_, cmd)| cmd.split_whitespace().next().is_some_and(|w| w.ends_with("keepalived")))
        .map(|(pid, _)| pid)
}

/// Starts a sync daemon in `ns` through netlink, unless it runs there.
fn sync_daemon(ns: &str, state: crate::ipvs::model::DaemonState, step: &Step) -> Result<Done, LabError> {
    use crate::ipvs::Kernel;
    let fail = |e: crate::ipvs::KernelError| LabError::Step { command: step.to_string(), why: e.to_string() };
    let mut kernel = crate::ipvs::NetlinkKernel::connect_in(&Netns::Named(ns.to_string())).map_err(fail)?;
    if kernel.daemons().map_err(fail)?.iter().any(|d| d.state == state) {
        return Ok(Done::Already);
    }
    let outcome = kernel.apply(&[crate::ipvs::Op::StartDaemon(ha::sync_daemon(state))]).map_err(fail)?;
    match outcome.into_iter().next() {
        Some(Err(e)) => Err(fail(e)),
        _ => Ok(Done::Made),
    }
}

/// What `lab failover` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failover {
    /// The director that held the floating addresses, whose keepalived stopped.
    pub from: &'static str,
    pub keepalived: Vec<i32>,
    /// The director that holds them now, and how long they took to move;
    /// `None` when they had not moved within the wait.
    pub to: Option<(&'static str, std::time::Duration)>,
}

/// How long `lab failover` waits for VRRP to move the addresses: the
/// backup takes over after about three missed adverts (one a second).
const FAILOVER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// `lab failover`: stops keepalived on the director that holds the
/// floating addresses, as a crash of that director would, and waits for
/// VRRP to move them to the other. `lab up ha` starts it again (gw, the
/// preferred, then takes them back).
pub fn failover(claim: &Claim) -> Result<Failover, LabError> {
    let lab = claim.lab();
    if !lab.ha {
        return Err(LabError::NotHa);
    }
    let holds = |director: &str| holds_floating(lab, director);
    let directors = lab.directors();
    let from = directors.iter().copied().find(|d| holds(d)).ok_or(LabError::NoMaster)?;
    let pinned = match claim.state(&lab.ns_name(from)) {
        Some(State::Ours(pinned)) => pinned,
        _ => return Err(LabError::NoMaster),
    };
    let keepalived = processes::stop_program(&pinned.identity, "keepalived");
    let start = std::time::Instant::now();
    let mut to = None;
    while to.is_none() && start.elapsed() < FAILOVER_WAIT {
        std::thread::sleep(std::time::Duration::from_millis(100));
        to = directors.iter().copied().find(|d| *d != from && holds(d)).map(|d| (d, start.elapsed()));
    }
    Ok(Failover { from, keepalived, to })
}

/// What `lab down` did.
#[derive(Debug, Default)]
pub struct Down {
    /// How many namespaces it deleted.
    pub removed: usize,
    /// The namespaces of the lab's names it left alone, and why.
    pub refused: Vec<(String, Foreign)>,
}

impl Down {
    /// The error to report for what it left alone, if anything.
    pub fn refusal(&self) -> Option<LabError> {
        match self.refused.is_empty() {
            true => None,
            false => Some(LabError::Foreign { action: "lab down", namespaces: self.refused.clone() }),
        }
    }
}

/// Stops every process in the lab's namespaces that lvsh made, then deletes
/// those namespaces; every other namespace of the lab's names, and what runs
/// in it, is left alone (see [`Down::refusal`]).
pub fn down(mut claim: Claim, each: &mut dyn FnMut(&Step, Done)) -> Result<Down, LabError> {
    for pinned in claim.pinned() {
        processes::stop(&pinned.identity);
    }
    let mut result = Down::default();
    for step in plan::down(claim.lab()) {
        let Step::DelNetns(ns) = &step else { continue };
        let done = match claim.state(ns) {
            Some(State::Ours(pinned)) if pinned.still_at(&path_of(ns)) => match ip(&["netns", "del", ns]) {
                Ok(_) => Done::Made,
                Err(LabError::Step { why, .. }) if why.contains("No such file") => Done::Already,
                Err(e) => return Err(e),
            },
            Some(State::Ours(_)) => {
                result.refused.push((ns.clone(), Foreign::Replaced));
                Done::LeftAlone
            }
            Some(State::Foreign(why)) => {
                result.refused.push((ns.clone(), why.clone()));
                Done::LeftAlone
            }
            _ => Done::Already,
        };
        if done != Done::LeftAlone {
            claim.forget(ns);
        }
        result.removed += usize::from(done == Done::Made);
        each(&step, done);
    }
    // The HA lab's keepalived files went with their processes.
    for director in claim.lab().directors() {
        let files = ha::files(&claim.lab().ns_name(director));
        for path in [files.config, files.pid, files.vrrp_pid, files.log] {
            let _ = std::fs::remove_file(path);
        }
    }
    claim.save()?;
    Ok(result)
}

/// `ip ARGS`; its standard output, or its error message.
pub(super) fn ip(args: &[impl AsRef<str>]) -> Result<String, LabError> {
    let words: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let command = || format!("ip {}", words.join(" "));
    let out = Command::new("ip").args(&words).output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LabError::NoIp,
        _ => LabError::Step { command: command(), why: e.to_string() },
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Err(LabError::Step { command: command(), why })
}

/// Turns on forwarding inside `ns`: `/proc/sys/net` is the namespace's own
/// from a thread that entered it.
fn forwarding(ns: &str) -> Result<Done, LabError> {
    const KNOB: &str = "/proc/sys/net/ipv4/ip_forward";
    let fail =
        |why: String| LabError::Step { command: plan::Step::Forwarding(ns.to_string()).to_string(), why };
    Netns::Named(ns.to_string())
        .run(|| match std::fs::read_to_string(KNOB) {
            Ok(v) if v.trim() == "1" => Ok(Done::Already),
            _ => std::fs::write(KNOB, "1").map(|()| Done::Made).map_err(|e| fail(e.to_string())),
        })
        .map_err(|e| fail(e.to_string()))?
}

/// What `lab status` shows of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    /// The short name, `int1`.
    pub name: &'static str,
    /// Its namespace's name (with the prefix).
    pub namespace: String,
    pub role: &'static str,
    pub present: bool,
    /// `eth1 111.111.0.2/24`, one per address.
    pub addresses: Vec<String>,
    /// The processes running inside: pid and command line.
    pub processes: Vec<(u32, String)>,
}

/// What `lab status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub prefix: String,
    pub nodes: Vec<NodeStatus>,
    /// Each bridge and the links plugged into it, in the `lan` namespace.
    pub bridges: Vec<(String, Vec<String>)>,
    /// The lab's namespaces that lvsh did not make (a containerlab
    /// deployment's, say): `lab up` and `lab down` leave them alone.
    pub foreign: Vec<String>,
    /// The HA lab's directors: VRRP and sync daemons.
    pub pair: Vec<DirectorStatus>,
}

impl Status {
    /// Whether every node and bridge is there.
    pub fn is_up(&self) -> bool {
        self.nodes.iter().all(|n| n.present) && self.bridges.iter().all(|(_, members)| !members.is_empty())
    }

    /// Whether nothing of the lab is there.
    pub fn is_down(&self) -> bool {
        self.nodes.iter().all(|n| !n.present) && self.bridges.is_empty()
    }
}

/// Reads the lab's nodes, addresses, bridges and processes.
pub fn status(lab: &Lab) -> Result<Status, LabError> {
    let exists = |ns: &str| Netns::Named(ns.to_string()).path().is_some_and(|p| p.exists());
    let mut nodes = Vec::new();
    for node in lab.nodes() {
        let namespace = lab.ns_name(node.name);
        let present = exists(&namespace);
        let (addresses, processes) = match present {
            true => (addresses(&namespace)?, processes(&namespace)),
            false => (Vec::new(), Vec::new()),
        };
        nodes.push(NodeStatus { name: node.name, namespace, role: node.role, present, addresses, processes });
    }
    let lan = lab.ns_name(LAN);
    let mut bridges = Vec::new();
    if exists(&lan) {
        for bridge in BRIDGES {
            let out = ip(&["-n", &lan, "-o", "link", "show", "master", bridge]).unwrap_or_default();
            bridges.push((bridge.to_string(), link_names(&out)));
        }
    }
    let pair = match lab.ha {
        true => lab
            .directors()
            .into_iter()
            .filter(|d| exists(&lab.ns_name(d)))
            .map(|d| pair_status(lab, d))
            .collect(),
        false => Vec::new(),
    };
    Ok(Status { prefix: lab.prefix.clone(), nodes, bridges, foreign: ownership::foreign(lab), pair })
}

/// One director of the HA pair, as `lab status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorStatus {
    pub name: &'static str,
    /// keepalived's pid, when it runs.
    pub keepalived: Option<u32>,
    /// Each floating address, its VRRP instance's logged state, and
    /// whether this director holds the address now.
    pub floating: Vec<(ha::Floating, Option<ha::VrrpState>, bool)>,
    /// The sync daemons running, as `ipvsadm -L --daemon` prints them.
    pub daemons: Vec<crate::ipvs::model::Daemon>,
}

fn pair_status(lab: &Lab, director: &'static str) -> DirectorStatus {
    use crate::ipvs::Kernel;
    let ns = lab.ns_name(director);
    let keepalived = running_keepalived(&ns);
    let log = std::fs::read_to_string(ha::files(&ns).log).unwrap_or_default();
    let held = addresses(&ns).unwrap_or_default();
    let floating = ha::FLOATING
        .iter()
        .map(|f| {
            let state =
                keepalived.map(|_| ha::logged_state(&log, f.instance).unwrap_or(ha::VrrpState::Starting));
            let holds = held.contains(&f.listed());
            (*f, state, holds)
        })
        .collect();
    let daemons = crate::ipvs::NetlinkKernel::connect_in(&Netns::Named(ns))
        .and_then(|mut k| k.daemons())
        .unwrap_or_default();
    DirectorStatus { name: director, keepalived, floating, daemons }
}

/// `eth1 111.111.0.2/24` for each IPv4 address but loopback's.
fn addresses(ns: &str) -> Result<Vec<String>, LabError> {
    let out = ip(&["-n", ns, "-o", "-4", "addr", "show"])?;
    Ok(parse_addresses(&out))
}

fn parse_addresses(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [_, "lo", ..] => None,
                [_, iface, "inet", addr, ..] => Some(format!("{iface} {addr}")),
                _ => None,
            }
        })
        .collect()
}

/// The names in `ip -o link show` output (`5: ext1@if2: <...>` gives `ext1`).
fn link_names(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|line| line.split(": ").nth(1))
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .collect()
}

/// The processes whose network namespace is `ns`, with their command lines.
fn processes(ns: &str) -> Vec<(u32, String)> {
    let out = ip(&["netns", "pids", ns]).unwrap_or_default();
    out.split_whitespace()
        .filter_map(|p| p.parse::<u32>().ok())
        .map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let words: Vec<String> = cmdline
                .split(|b| *b == 0)
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            (pid, words.join(" "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_from_ip_o_output() {
        let out = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth1    inet 111.111.0.1/24 scope global eth1\\       valid_lft forever preferred_lft forever
3: eth2    inet 10.10.0.1/24 scope global eth2\\       valid_lft forever preferred_lft forever
";
        assert_eq!(parse_addresses(out), ["eth1 111.111.0.1/24", "eth2 10.10.0.1/24"]);
    }

    #[test]
    fn bridge_members_are_read_from_link_output() {
        let out = "5: ext1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master ext state UP\n\
                   7: gw-ext@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master ext state UP\n";
        assert_eq!(link_names(out), ["ext1", "gw-ext"]);
    }
}
