//! The tutorial's lessons on the real kernel: each `tutorial NAME --yes`
//! passes on a fresh lab, and again after `lab down` and `lab up`; then
//! `ipvsadm` on the lab's gw judges what the lesson claims (the direct
//! routing and tunnel lessons: gw's OutPkts stayed 0 while every connection
//! was served), and the lab's own tools that each lesson put the backends
//! back as it found them. One more test runs every lesson in a row in one
//! shell, as a learner would, each starting from what the one before left.
//! Each test has a lab prefix of its own.

use std::sync::Mutex;

use crate::lvsh::Output;
use crate::support::{lvsh, run, IP};

/// The health lesson's keeper writes /tmp/lvsh-lesson-health.lvs, and keeps
/// its state by the name of the namespace it runs in (its own): one at a time.
static KEEPER: Mutex<()> = Mutex::new(());

/// Runs `tutorial LESSON --yes` on a fresh lab under `prefix`, then again
/// after `lab down` and `lab up`; both must pass every step. Returns the
/// second run's output; the lab is left up for the caller to judge.
fn twice(prefix: &str, lesson: &str) -> String {
    let mut last = String::new();
    for rebuild in ["", &format!("lab down prefix {prefix}\n")] {
        let script = format!("{rebuild}lab up prefix {prefix}\ntutorial {lesson} --yes\n");
        let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
        assert_eq!(code, 0, "tutorial {lesson} on lab {prefix}:\n{stdout}\n{stderr}");
        let steps = stdout.matches("\n== step ").count();
        assert!(steps >= 4, "{stdout}");
        assert_eq!(stdout.matches(" done\n").count(), steps, "every step of {lesson} passes:\n{stdout}");
        assert!(!stdout.contains("did not hold"), "{stdout}");
        last = stdout;
    }
    last
}

/// `ipvsadm ARGS` in the lab's gw.
fn gw_ipvsadm(prefix: &str, args: &[&str]) -> String {
    let gw = format!("{prefix}gw");
    let mut argv = vec!["netns", "exec", gw.as_str(), "ipvsadm"];
    argv.extend_from_slice(args);
    run(IP, &argv)
}

/// The seed's table, as `ipvsadm -S -n` saves it.
const SEED_TABLE: &str = "-A -t 111.111.0.1:80 -s rr\n-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1\n\
                          -a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1\n";

/// Asserts gw's table, as `ipvsadm -S -n` saves it.
#[track_caller]
fn assert_gw_saves(prefix: &str, expected: &str) {
    assert_eq!(gw_ipvsadm(prefix, &["-S", "-n"]), expected, "gw's table under {prefix}");
}

/// `ip -n NODE ARGS` in one of the lab's namespaces.
fn ip_in(prefix: &str, node: &str, args: &[&str]) -> String {
    let ns = format!("{prefix}{node}");
    let mut argv = vec!["-n", ns.as_str()];
    argv.extend_from_slice(args);
    run(IP, &argv)
}

fn lab_down(prefix: &str) {
    let Output { code, stdout, stderr, .. } = lvsh().commands(&format!("lab down prefix {prefix}")).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

/// The backends are as `lab up` made them: no VIP on lo or tunl0, no port
/// on ext, their default route through gw.
fn assert_backends_as_lab_up_made_them(prefix: &str) {
    for node in ["int1", "int2"] {
        let addrs = ip_in(prefix, node, &["-o", "-4", "addr", "show"]);
        assert!(!addrs.contains("111.111.0."), "{node} holds no address on 111.111.0.0/24: {addrs}");
        let links = ip_in(prefix, node, &["-o", "link", "show"]);
        assert!(!links.contains(" eth2"), "{node} has no port on ext: {links}");
        let route = ip_in(prefix, node, &["route", "show", "default"]);
        assert!(route.contains("default via 10.10.0.1 dev eth1"), "{node}: {route}");
    }
    let ext = ip_in(prefix, "lan", &["-o", "link", "show", "master", "ext"]);
    assert!(!ext.contains("int1-ext") && !ext.contains("int2-ext"), "{ext}");
}

/// The service line of `ipvsadm -L -n --stats`: Conns, InPkts, OutPkts,
/// read until the kernel has folded the counters (every two seconds).
fn service_stats(prefix: &str) -> (u64, u64, u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let listing = gw_ipvsadm(prefix, &["-L", "-n", "--stats", "--exact"]);
        let line = listing.lines().find(|l| l.starts_with("TCP  111.111.0.1:80")).unwrap_or_default();
        let n: Vec<u64> = line.split_whitespace().skip(2).filter_map(|w| w.parse().ok()).collect();
        if n.first().is_some_and(|conns| *conns > 0) || std::time::Instant::now() > deadline {
            assert!(n.len() >= 3, "{listing}");
            return (n[0], n[1], n[2]);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

#[test]
fn the_seed_lesson_passes_twice_and_leaves_the_seeds_table() {
    let out = twice("ls1-", "seed");
    assert!(out.contains("lesson 1/"), "{out}");
    assert!(out.contains("ok: expect web order alternate\n"), "{out}");
    assert_gw_saves("ls1-", SEED_TABLE);
    lab_down("ls1-");
}

#[test]
fn the_weights_lesson_proves_3_to_1_then_the_live_change() {
    let out = twice("ls2-", "weights");
    assert_eq!(out.matches("ok: expect web ratio weights within 10%\n").count(), 2, "{out}");
    assert!(out.contains("  10.10.0.2:8000 (int1)       15   75%"), "3:1 over 20 connections: {out}");
    assert!(out.contains("  10.10.0.3:8000 (int2)       15   75%"), "1:3 after the change: {out}");
    assert_gw_saves(
        "ls2-",
        "-A -t 111.111.0.1:80 -s wrr\n-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 0\n\
         -a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 3\n",
    );
    assert_eq!(service_stats("ls2-").0, 48, "20 + 20 + 8 connections");
    lab_down("ls2-");
}

#[test]
fn the_persistence_lesson_leaves_a_template_for_ext1s_network_on_int1() {
    let out = twice("ls3-", "persistence");
    assert!(out.contains("ok: expect web sticky\n"), "{out}");
    // ipvsadm's connection table: the /24 template ext1 made and ext2
    // followed to int1, and ext2's own once the netmask was gone.
    let table = gw_ipvsadm("ls3-", &["-L", "-n", "-c"]);
    let template = |client: &str, backend: &str| {
        table.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() == 6 && w[3] == client && w[4] == "111.111.0.1:80" && w[5] == backend
        })
    };
    assert!(template("111.111.0.0:0", "10.10.0.2:8000"), "{table}");
    assert!(template("111.111.0.3:0", "10.10.0.3:8000"), "{table}");
    assert!(gw_ipvsadm("ls3-", &["-S", "-n"]).starts_with("-A -t 111.111.0.1:80 -s rr -p 60"));
    lab_down("ls3-");
}

/// The direct routing and tunnel lessons: the probe was served, gw counted
/// the clients' packets and not one reply, and the backends are back as
/// `lab up` made them.
fn replies_bypassed_gw(prefix: &str, lesson: &str, flag: &str) {
    let out = twice(prefix, lesson);
    assert!(out.contains("probe tcp 111.111.0.1:80: 6 connections, 6 served\n"), "{out}");
    assert!(out.contains("ok: expect web no failures\n"), "{out}");
    assert!(out.contains("doctor: no problem found on gw\n"), "{out}");
    let save = gw_ipvsadm(prefix, &["-S", "-n"]);
    assert!(save.contains(&format!("-a -t 111.111.0.1:80 -r 10.10.0.2:80 {flag} -w 1")), "{save}");
    let (conns, in_pkts, out_pkts) = service_stats(prefix);
    assert_eq!(conns, 6, "the six connections of the probe");
    assert!(in_pkts >= 6 * 3, "gw forwarded the clients' packets: {in_pkts}");
    assert_eq!(out_pkts, 0, "no reply came back through gw");
    assert_backends_as_lab_up_made_them(prefix);
    lab_down(prefix);
}

#[test]
fn the_direct_routing_lesson_serves_every_connection_with_no_reply_through_gw() {
    replies_bypassed_gw("ls4-", "direct-routing", "-g");
}

#[test]
fn the_tunnel_lesson_serves_every_connection_with_no_reply_through_gw() {
    replies_bypassed_gw("ls5-", "tunnel", "-i");
}

#[test]
fn the_health_lesson_drains_and_restores_int1_by_check_then_by_the_keeper() {
    let _keeper = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    let out = twice("ls6-", "health");
    assert!(out.contains("  drained 10.10.0.2:8000 (weight 1 -> 0)\n"), "{out}");
    assert!(out.contains("  restored 10.10.0.2:8000 (weight 0 -> 1)\n"), "{out}");
    assert!(
        out.contains("  | lvsh keep: 10.10.0.2:8000 of web drained (weight 0) after 2 failures"),
        "{out}"
    );
    assert!(
        out.contains("  | lvsh keep: 10.10.0.2:8000 of web restored to its weight after 2 passes"),
        "{out}"
    );
    assert_gw_saves("ls6-", SEED_TABLE);
    // The keeper ended with the run: nothing is left running in gw.
    let pids = run(IP, &["netns", "pids", "ls6-gw"]);
    assert_eq!(pids.trim(), "", "no process in gw");
    lab_down("ls6-");
}

#[test]
fn the_broken_lesson_finds_the_missing_route_and_its_fix_serves_again() {
    let out = twice("ls7-", "broken");
    assert!(out.contains("→ int1 10.10.0.2:8000 [no reply through gw]"), "{out}");
    assert!(
        out.contains("error doctor::no-reply-path: int1 has no route to client 111.111.0.2 (ext1)"),
        "{out}"
    );
    assert!(out.contains("fixed: ran `int1 ip route add default via 10.10.0.1`\n"), "{out}");
    assert_backends_as_lab_up_made_them("ls7-");
    lab_down("ls7-");
}

#[test]
fn the_two_directors_lesson_fails_over_with_a_live_connection_and_leaves_the_seeds_lab() {
    let out = twice("ls8-", "two-directors");
    // gw was master; the synced connection was on gw2 before the failover.
    assert!(out.contains("    gw        pid "), "{out}");
    let before = out.split("lab failover").next().unwrap_or_default();
    let on_gw2 = before.rsplit("# the IPVS of gw2\n").next().unwrap_or_default();
    assert!(on_gw2.lines().any(|l| l.contains("ESTABLISHED") && l.contains("111.111.0.1:80")), "{out}");
    assert!(out.contains("VRRP moved 111.111.0.1 and 10.10.0.1 to gw2 in "), "{out}");
    let after = out.split("VRRP moved").nth(1).unwrap_or_default();
    assert!(after.contains("    gw        not running"), "{out}");
    assert!(after.contains("MASTER, holds it    MASTER, holds it"), "{out}");
    assert!(after.contains("ok: expect job ext1 prints \"tick\""), "the connection answered after: {out}");
    assert!(after.contains("ok: expect web no failures"), "{out}");
    // The lesson leaves the seed's lab: one director, gw with the VIP.
    assert!(ip_in("ls8-", "gw", &["-o", "-4", "addr"]).contains(" 111.111.0.1/24"));
    assert!(!std::path::Path::new("/run/netns/ls8-gw2").exists(), "gw2 is gone");
    lab_down("ls8-");
}

#[test]
fn every_lesson_in_a_row_in_one_shell_starts_from_what_the_last_one_left() {
    let _keeper = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    let lessons = lvsh::lab::lessons::all();
    let mut script = "lab up prefix lsa-\n".to_string();
    for lesson in lessons {
        script += &format!("tutorial {} --yes\n", lesson.name);
    }
    script += "lab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches(" is over").count(), lessons.len(), "{stdout}");
    assert!(!stdout.contains("did not hold"), "{stdout}");
    // The second lesson's servers are the first's, still running.
    assert!(stdout.contains("int1: serving tcp on port 8000 (already)\n"), "{stdout}");
}
