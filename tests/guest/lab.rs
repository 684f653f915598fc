//! The lab: `lab up/down/status`, node commands and jobs, `serve`, `use`,
//! the seed lesson (`examples/lessons/01-seed.lvs`) and the tutorial, on the
//! real kernel. Each test builds its lab under a prefix of its own, so they
//! run side by side; the one that runs the seed's file as it is (no prefix)
//! holds `DEFAULT_LAB`.
//! Namespaces of a lab's names made behind lvsh's back (`Foreign`) show
//! that `lab up` and `lab down` touch only what lvsh made.

use std::process::Command;
use std::sync::Mutex;

use crate::lvsh::Output;
use crate::support::{lvsh, IP};

/// The seed lesson, where scripts/test puts the project's examples in the guest.
const SEED: &str = "/root/examples/lessons/01-seed.lvs";

/// The unprefixed lab (`ext1`, `gw`, ...) is one per machine.
pub(crate) static DEFAULT_LAB: Mutex<()> = Mutex::new(());

fn namespaces() -> Vec<String> {
    let out = Command::new(IP).args(["netns", "list"]).output().expect("ip netns list");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

/// The host's own links: a lab must leave them as they were.
fn host_links() -> String {
    let out = Command::new(IP).args(["-o", "link", "show"]).output().expect("ip link");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string() + "\n")
        .collect()
}

/// The lab's namespaces under `prefix` that exist, sorted.
fn lab_namespaces(prefix: &str) -> Vec<String> {
    let ours = ["ext1", "ext2", "gw", "int1", "int2", "lan"].map(|n| format!("{prefix}{n}"));
    let mut there: Vec<String> = namespaces().into_iter().filter(|n| ours.contains(n)).collect();
    there.sort();
    there
}

#[test]
fn lab_up_is_idempotent_and_lab_down_leaves_nothing_behind() {
    let links = host_links();
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t1- --explain").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("+ ip netns add t1-gw\n"), "{stdout}");
    assert!(
        stdout.contains("+ ip -n t1-lan link add ext1 type veth peer name eth1 netns t1-ext1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("+ ip netns exec t1-gw sysctl -w net.ipv4.ip_forward=1\n"), "{stdout}");
    assert!(stdout.ends_with("service commands now act on gw's IPVS\n"), "{stdout}");
    assert_eq!(lab_namespaces("t1-").len(), 6);
    // Again: nothing to do, and it says so.
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t1- --explain").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("= ip netns add t1-gw   (already there)\n"), "{stdout}");
    assert!(stdout.contains("lab is already up: t1-ext1 t1-ext2 t1-gw t1-int1 t1-int2\n"), "{stdout}");
    // The lab routes: ext1 reaches int1 through gw.
    let Output { code, stdout, stderr, .. } =
        lvsh().commands("lab status prefix t1-; on t1-ext1 ping -c 1 -W 2 10.10.0.2").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("lab (prefix t1-): up\n"), "{stdout}");
    assert!(stdout.contains("eth1 111.111.0.1/24, eth2 10.10.0.1/24"), "{stdout}");
    assert!(stdout.contains("  bridge ext: ext1 ext2 gw-ext\n"), "{stdout}");
    assert!(stdout.contains("  bridge int: gw-int int1 int2\n"), "{stdout}");
    assert!(stdout.contains("1 packets received"), "{stdout}");
    // A process lvsh did not start would keep its namespace alive: lab down ends it too.
    let mut stray =
        Command::new(IP).args(["netns", "exec", "t1-int1", "sleep", "300"]).spawn().expect("sleep");
    wait_inside("t1-int1", stray.id());
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix t1-").run();
    assert_eq!((code, stdout.as_str()), (0, "lab down: removed 6 namespaces\n"), "{stderr}");
    assert!(stray.try_wait().expect("wait for sleep").is_some(), "lab down stopped the stray process");
    assert!(lab_namespaces("t1-").is_empty(), "{:?}", namespaces());
    assert_eq!(host_links(), links, "the host's links are as they were");
    let Output { code, stdout, .. } = lvsh().commands("lab down prefix t1-; lab status prefix t1-").run();
    assert_eq!((code, stdout.as_str()), (0, "lab is already down\nlab (prefix t1-): down\n"));
}

#[test]
fn the_seed_tutorials_own_commands_work_in_order_and_nc_shows_the_alternation() {
    // The seed's commands with `docker exec clab-...-` and `gw` dropped.
    let script = r#"lab up prefix t2-
ipvsadm -A -t 111.111.0.1:80 -s rr
ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m
ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m
ipvsadm -L -n
int1 nc -l -p 8000 -v -k &
int2 nc -l -p 8000 -v -k &
sleep 500ms
ext1 bash -c 'echo "xxx" | nc -N -w 2 -v 111.111.0.1 80'
ext1 bash -c 'echo "xxx" | nc -N -w 2 -v 111.111.0.1 80'
ext1 bash -c 'echo "xxx" | nc -N -w 2 -v 111.111.0.1 80'
ext1 bash -c 'echo "xxx" | nc -N -w 2 -v 111.111.0.1 80'
sleep 300ms
jobs
jobs int1
jobs 2
stop 1
jobs
lab down
"#;
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("TCP  111.111.0.1:80 rr\n"), "{stdout}");
    assert!(stdout.contains("  -> 10.10.0.2:8000") && stdout.contains("  -> 10.10.0.3:8000"), "{stdout}");
    assert!(stdout.contains("[1] int1: nc -l -p 8000 -v -k (pid "), "{stdout}");
    assert_eq!(stdout.matches("Connection to 111.111.0.1 80 port [tcp/*] succeeded!").count(), 4, "{stdout}");
    // Each backend's nc printed what it received: two "xxx" each.
    let int1 = stdout.split("[1] running").nth(2).expect("jobs int1 output");
    let int1 = int1.split("\n[").next().unwrap_or_default();
    assert_eq!(int1.matches("  | xxx").count(), 2, "int1 saw two: {stdout}");
    let int2 = stdout.split("[2] running").nth(2).expect("jobs 2 output");
    assert_eq!(int2.matches("  | xxx").count(), 2, "int2 saw two: {stdout}");
    assert!(stdout.contains("[1] stopped: t2-int1 nc -l -p 8000 -v -k\n[2] running "), "{stdout}");
    assert!(stdout.ends_with("lab down: removed 6 namespaces, stopped 1 job\n"), "{stdout}");
    assert!(lab_namespaces("t2-").is_empty());
}

#[test]
fn the_seed_lessons_file_runs_and_passes_on_the_real_kernel() {
    let _lab = DEFAULT_LAB.lock().unwrap_or_else(|e| e.into_inner());
    let Output { code, stdout, stderr, .. } = lvsh().args(["run", SEED]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for expected in [
        "lab up: ext1 ext2 gw int1 int2",
        "# the IPVS of gw\nIP Virtual Server version",
        "[1] int1: serving tcp on port 8000\n",
        "probe tcp 111.111.0.1:80: 6 connections, 6 served\n",
        "ok: expect web order alternate\n",
        "ok: expect web spread even within 1\n",
        "ok: expect web reaches all\n",
        "ok: expect web no failures\n",
        "  | int1: connection from 111.111.0.2:",
        "  | int2: connection from 111.111.0.2:",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    // In the lab, each backend's node name stands beside its address.
    for backend in ["10.10.0.2:8000 (int1)", "10.10.0.3:8000 (int2)"] {
        let row = format!("  {backend:<24} {:>5}  {:>3}%  ##########\n", 3, 50);
        assert!(stdout.contains(&row), "{row} in {stdout}");
    }
    // The run's jobs ended with it; the lab stays up for the learner.
    assert_eq!(lab_namespaces("").len(), 6);
    let gw_table = || {
        let out =
            Command::new(IP).args(["netns", "exec", "gw", "ipvsadm", "-S", "-n"]).output().expect("ipvsadm");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = gw_table();
    assert!(first.contains("-A -t 111.111.0.1:80 -s rr\n"), "{first}");
    // A second run finds everything in place and passes again.
    let Output { code, stdout, stderr, .. } = lvsh().args(["run", SEED]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("lab is already up"), "{stdout}");
    assert_eq!(gw_table(), first, "the second run changed nothing");
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab status").run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("serve"), "no server outlives the run: {stdout}");
    let Output { code, stdout, stderr, .. } = lvsh().commands("show").run();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("# the IPVS of gw\n"), "a new lvsh acts on gw while the lab is up: {stdout}");
    let Output { code, stderr, .. } = lvsh().commands("lab down").run();
    assert_eq!(code, 0, "{stderr}");
    assert!(lab_namespaces("").is_empty());
}

#[test]
fn the_tutorial_runs_every_step_of_the_seed_without_asking() {
    let Output { code, stdout, stderr, .. } = lvsh().commands("tutorial seed 99").run();
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("lesson seed has 9 steps; there is no step 99"), "{stderr}");
    let Output { code, stdout, stderr, .. } = lvsh().commands("tutorial 99").run();
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("there is no lesson `99`"), "{stderr}");
    let Output { code, stdout, stderr, .. } =
        lvsh().commands("lab up prefix t3-\ntutorial seed --list\ntutorial --yes\nlab down").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains(" 1. Build the lab\n"), "{stdout}");
    let steps = stdout.matches("\n== step ").count();
    assert!(steps >= 8, "{stdout}");
    assert_eq!(stdout.matches(" done\n").count(), steps, "every step passes: {stdout}");
    assert!(stdout.contains("  ipvsadm: ipvsadm -A -t 111.111.0.1:80 -s rr\n"), "{stdout}");
    assert!(stdout.contains("kernel: the table changed\n  + TCP  111.111.0.1:80 rr\n"), "{stdout}");
    assert!(stdout.contains("ok: expect web order alternate\n"), "{stdout}");
    assert!(lab_namespaces("t3-").is_empty());
    // Resuming at the last step runs that one only.
    let last = steps.to_string();
    let Output { code, stdout, stderr, .. } =
        lvsh().commands(&format!("lab up prefix t3-\ntutorial seed {last} --yes\nlab down")).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("\n== step ").count(), 1, "{stdout}");
    assert!(stdout.contains(&format!("== step {last}/{last}: The counters ==")), "{stdout}");
}

#[test]
fn use_moves_between_namespaces_and_a_failed_run_rolls_back_in_each() {
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t4-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // Changes in gw and in int1, then a refusal: both are undone.
    let script = "lab status prefix t4-
service a tcp 111.111.0.1:80 rr
use int1
service b tcp 10.10.0.2:80 rr
show
ipvsadm -a -t 10.9.9.9:80 -r 10.10.0.3:80
";
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stdout.contains("# the IPVS of int1\n"), "{stdout}");
    assert!(stderr.contains("rolled back the 2 changes this run made"), "{stderr}");
    for node in ["t4-gw", "t4-int1"] {
        let out =
            Command::new(IP).args(["netns", "exec", node, "ipvsadm", "-S", "-n"]).output().expect("ipvsadm");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{node} is as it was");
    }
    let Output { code, stdout, stderr, .. } =
        lvsh().commands("lab status prefix t4-; use int1; service b tcp 10.10.0.2:80; use -; show").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("service commands now act on the IPVS of int1\n"), "{stdout}");
    assert!(stdout.contains("service commands now act on the IPVS of lvsh's own namespace\n"), "{stdout}");
    assert!(!stdout.contains("10.10.0.2:80"), "`use -` is back where lvsh started, where b is not: {stdout}");
    let Output { code, stderr, .. } = lvsh().commands("lab down prefix t4-").run();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn serve_answers_with_the_node_name_and_probes_over_http_and_udp_are_attributed() {
    let script = "lab up prefix t5-
service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8080 masq
    backend 10.10.0.3:8080 masq
}
service dns udp 111.111.0.1:53 rr {
    backend 10.10.0.2:5353 masq
    backend 10.10.0.3:5353 masq
}
serve int1 8080 http
serve int2 8080 http
serve int1 5353 udp
serve int2 5353 udp reply two
probe web count 4 from ext1 http / reply int
probe dns count 4 from ext2 send ping
expect web spread even
expect dns spread even
expect web no failures
expect dns no failures
ext1 nc -N -w 2 111.111.0.1 80
jobs int2
lab down
";
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for expected in [
        "probe tcp 111.111.0.1:80: 4 connections, 4 served\n",
        "probe udp 111.111.0.1:53: 4 connections, 4 served\n",
        "int2: connection from 111.111.0.2:",
        "int2: datagram from 111.111.0.3:",
        "\"GET / HTTP/1.0\"",
        "\"ping\"",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    assert!(lab_namespaces("t5-").is_empty());
}

/// Namespaces made behind lvsh's back, each with a `sleep` inside; the
/// sleeps are killed and the namespaces deleted when dropped.
struct Foreign {
    names: Vec<String>,
    sleeps: Vec<std::process::Child>,
}

impl Foreign {
    /// Makes each namespace with `ip netns add`, as someone else would.
    fn add(names: &[&str]) -> Foreign {
        let mut foreign = Foreign { names: Vec::new(), sleeps: Vec::new() };
        for name in names {
            crate::support::run(IP, &["netns", "add", name]);
            foreign.names.push(name.to_string());
        }
        foreign
    }

    /// Starts `sleep 300` in `name` and waits until it is inside; its pid.
    fn sleep_in(&mut self, name: &str) -> u32 {
        let child = Command::new(IP).args(["netns", "exec", name, "sleep", "300"]).spawn().expect("sleep");
        let pid = child.id();
        self.sleeps.push(child);
        wait_inside(name, pid);
        pid
    }

    /// Whether every sleep still runs.
    fn all_alive(&mut self) -> bool {
        self.sleeps.iter_mut().all(|s| s.try_wait().expect("wait for sleep").is_none())
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        for sleep in &mut self.sleeps {
            let _ = sleep.kill();
            let _ = sleep.wait();
        }
        for name in &self.names {
            let _ = Command::new(IP).args(["netns", "del", name]).status();
        }
    }
}

/// Waits until process `pid` runs in namespace `name` (`ip netns exec`
/// enters it a moment after it starts).
fn wait_inside(name: &str, pid: u32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !pids_in(name).contains(&pid) {
        assert!(std::time::Instant::now() < deadline, "process {pid} never entered {name}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The pids `ip netns pids` finds in a namespace.
fn pids_in(name: &str) -> Vec<u32> {
    let out = Command::new(IP).args(["netns", "pids", name]).output().expect("ip netns pids");
    String::from_utf8_lossy(&out.stdout).split_whitespace().filter_map(|p| p.parse().ok()).collect()
}

/// The lab's record, as lvsh keeps it.
fn record(prefix: &str) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(format!("/run/lvsh/lab-{prefix}.json")).ok()?;
    Some(serde_json::from_str(&text).expect("the record is JSON"))
}

/// The namespace names a lab's record holds.
fn recorded(prefix: &str) -> Vec<String> {
    record(prefix)
        .and_then(|r| r["namespaces"].as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default()
}

#[test]
fn a_foreign_gw_and_what_runs_in_it_survive_lab_up_and_lab_down() {
    let mut foreign = Foreign::add(&["t6-gw"]);
    let sleep = foreign.sleep_in("t6-gw");
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t6-").run();
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stderr.contains("error[lvs::lab::foreign]"), "{stderr}");
    assert!(
        stderr.contains("`lab up` refused namespace `t6-gw` (lvsh did not make it): lvsh leaves it, and what runs in it, alone"),
        "{stderr}"
    );
    assert!(stderr.contains("`ip netns del t6-gw`"), "the help says what to do: {stderr}");
    // Refused before anything was made: no link of the lab went into the foreign gw.
    assert_eq!(lab_namespaces("t6-"), ["t6-gw"]);
    assert!(recorded("t6-").is_empty());
    let gw_links = crate::support::run(IP, &["-n", "t6-gw", "-o", "link", "show"]);
    // The lab's links are named eth1, eth2 inside a node; lo and the fallback
    // devices a tunnel module adds to every namespace (tunl0, gre0, ...,
    // once another test has loaded it) are not the lab's.
    let names: Vec<&str> = gw_links
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n))
        .collect();
    assert!(names.contains(&"lo") && !names.iter().any(|n| n.starts_with("eth")), "no lab link: {gw_links}");

    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix t6- --explain").run();
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("! ip netns del t6-gw   (not made by lvsh: left alone)\n"), "{stdout}");
    assert!(stdout.contains("= ip netns del t6-int1   (already gone)\n"), "{stdout}");
    assert!(stdout.ends_with("lab is already down\n"), "{stdout}");
    assert!(stderr.contains("`lab down` refused namespace `t6-gw` (lvsh did not make it)"), "{stderr}");
    assert!(foreign.all_alive(), "the sleep in the foreign gw lives on");
    assert!(pids_in("t6-gw").contains(&sleep));
    assert_eq!(lab_namespaces("t6-"), ["t6-gw"]);

    // Read-only, `lab status` works on it and says whose it is.
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab status prefix t6-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("lab (prefix t6-): partly up"), "{stdout}");
    assert!(stdout.contains(&format!("sleep 300 (pid {sleep})")), "{stdout}");
    assert!(
        stdout.contains("  not made by lvsh: t6-gw (`lab up` and `lab down` leave them alone)\n"),
        "{stdout}"
    );
    assert!(foreign.all_alive());
}

#[test]
fn lab_down_refuses_a_namespace_made_again_behind_its_back_and_removes_the_rest() {
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t7-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(recorded("t7-"), ["t7-ext1", "t7-ext2", "t7-gw", "t7-int1", "t7-int2", "t7-lan"]);
    // Someone deletes lvsh's gw and makes their own of the same name.
    crate::support::run(IP, &["netns", "del", "t7-gw"]);
    let mut foreign = Foreign::add(&["t7-gw"]);
    let sleep = foreign.sleep_in("t7-gw");
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix t7- --explain").run();
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("+ ip netns del t7-int1\n"), "{stdout}");
    assert!(stdout.contains("! ip netns del t7-gw   (not made by lvsh: left alone)\n"), "{stdout}");
    assert!(stdout.ends_with("lab down: removed 5 namespaces\n"), "{stdout}");
    assert!(stderr.contains("error[lvs::lab::foreign]"), "{stderr}");
    assert!(
        stderr.contains(
            "`lab down` refused namespace `t7-gw` (it is not the one lvsh made: that one was deleted"
        ),
        "{stderr}"
    );
    assert_eq!(lab_namespaces("t7-"), ["t7-gw"]);
    assert!(foreign.all_alive() && pids_in("t7-gw").contains(&sleep), "the new gw's sleep lives on");
    // `lab up` will not build around it either.
    let Output { code, stderr, .. } = lvsh().commands("lab up prefix t7-").run();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("`lab up` refused namespace `t7-gw` (it is not the one lvsh made"), "{stderr}");
    assert_eq!(lab_namespaces("t7-"), ["t7-gw"]);
    assert!(foreign.all_alive());
    // Once its owner removes it, the lab is down and its record gone.
    drop(foreign);
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix t7-").run();
    assert_eq!((code, stdout.as_str()), (0, "lab is already down\n"), "{stderr}");
    assert!(record("t7-").is_none());
}

#[test]
fn a_lab_missing_a_namespace_is_completed_by_lab_up_and_removed_whole_by_lab_down() {
    use std::os::unix::fs::PermissionsExt;
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up prefix t8-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let mode = |path: &str| std::fs::metadata(path).expect(path).permissions().mode() & 0o777;
    assert_eq!((mode("/run/lvsh"), mode("/run/lvsh/lab-t8-.json")), (0o700, 0o600), "root's alone");
    let gw = record("t8-").expect("a record")["namespaces"]["t8-gw"].clone();
    assert!(gw["ino"].as_u64().is_some() && gw["cookie"].as_u64().is_some(), "{gw}");
    // Gone behind lvsh's back, not made again: the name is free.
    crate::support::run(IP, &["netns", "del", "t8-int2"]);
    let Output { code, stdout, stderr, .. } =
        lvsh().commands("lab up prefix t8- --explain; on t8-ext1 ping -c 1 -W 2 10.10.0.3").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("+ ip netns add t8-int2\n"), "{stdout}");
    assert!(stdout.contains("= ip netns add t8-gw   (already there)\n"), "{stdout}");
    assert!(stdout.contains("1 packets received"), "{stdout}");
    assert_eq!(record("t8-").expect("a record")["namespaces"]["t8-gw"], gw, "gw is the same namespace");
    assert_eq!(recorded("t8-").len(), 6);
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix t8-").run();
    assert_eq!((code, stdout.as_str()), (0, "lab down: removed 6 namespaces\n"), "{stderr}");
    assert!(lab_namespaces("t8-").is_empty());
    assert!(record("t8-").is_none(), "an empty record is removed");
}

#[test]
fn lab_status_reads_a_lab_lvsh_did_not_make_and_changes_nothing() {
    // A containerlab-like deployment: the five nodes, made by someone else.
    let names = ["t9clab-ext1", "t9clab-ext2", "t9clab-gw", "t9clab-int1", "t9clab-int2"];
    let mut foreign = Foreign::add(&names);
    crate::support::run(IP, &["-n", "t9clab-gw", "addr", "add", "111.111.0.1/32", "dev", "lo"]);
    let sleep = foreign.sleep_in("t9clab-gw");
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab status prefix t9clab-; show").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("lab (prefix t9clab-): up\n"), "{stdout}");
    assert!(stdout.contains(&format!("sleep 300 (pid {sleep})")), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "  not made by lvsh: {} (`lab up` and `lab down` leave them alone)\n",
            names.join(" ")
        )),
        "{stdout}"
    );
    assert!(stdout.contains("# the IPVS of gw\n"), "lvsh acts on its gw's IPVS: {stdout}");
    assert!(foreign.all_alive());
    assert_eq!(lab_namespaces("t9clab-"), names);
    let addrs = crate::support::run(IP, &["-n", "t9clab-gw", "-o", "-4", "addr", "show"]);
    assert!(addrs.contains("111.111.0.1/32"), "{addrs}");
    assert!(record("t9clab-").is_none(), "status writes no record");
}
