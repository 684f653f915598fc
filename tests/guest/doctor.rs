//! `doctor` in the lab: each fault is made, `doctor` must name the node,
//! the cause and the fix (exit 1), the printed fix (or `doctor --fix`) is
//! run, a probe through gw must then pass, and `doctor` must find nothing.
//! Each test builds its lab under a prefix of its own, as tests/guest/lab.rs does.

use crate::lvsh::{Lvsh, Output};
use crate::support::lvsh;

/// The tutorial's service with both backends serving, under `prefix`.
fn lab(prefix: &str, persistent: &str) -> String {
    format!(
        "lab up prefix {prefix}\n\
         service web tcp 111.111.0.1:80 rr{persistent}\n\
         backend web 10.10.0.2:8000 masq\n\
         backend web 10.10.0.3:8000 masq\n\
         serve int1 8000\n\
         serve int2 8000\n"
    )
}

/// Runs a script; the one `doctor` that found the fault makes it exit 1.
pub(crate) fn run_with_one_finding(script: &str) -> String {
    one_doctor_finds(lvsh(), script)
}

/// Runs a script with this `lvsh`; the one `doctor` that found the fault makes it exit 1.
pub(crate) fn one_doctor_finds(lvsh: Lvsh, script: &str) -> String {
    let Output { code, stdout, stderr, .. } = lvsh.commands(script).run();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("lvs::doctor::found").count(), 1, "one doctor found something: {stderr}");
    assert!(!stderr.contains("lvs::expect::failed"), "{stdout}\n{stderr}");
    stdout
}

/// What a tunnel backend int2 needs besides its device: the VIP on lo, its
/// ARP settings, and gw taking the replies from its own address.
pub(crate) const TUNNEL_BACKEND_READY: &str = "int2 ip addr add 111.111.0.1/32 dev lo\n\
     int2 sysctl -w net.ipv4.conf.all.arp_ignore=1\n\
     int2 sysctl -w net.ipv4.conf.all.arp_announce=2\n\
     gw sysctl -w net.ipv4.conf.eth2.accept_local=1\n";

/// Runs `setup` (a lab with a fault), then shows gw's table (`ipvsadm -S
/// -n`), a probe that fails, `doctor`, `doctor --fix`, a probe that must
/// pass, and `doctor`; only the first `doctor` may find something, and the
/// last must find nothing.
pub(crate) fn fault_then_doctor_fix(setup: &str) -> String {
    let script = format!(
        "{setup}\
         gw ipvsadm -S -n\n\
         probe web count 4 from ext1 timeout 1s\n\
         doctor\n\
         doctor --fix\n\
         probe web count 4 from ext1\n\
         expect web no failures\n\
         expect web spread even\n\
         doctor\n\
         lab down\n"
    );
    let stdout = run_with_one_finding(&script);
    assert!(
        stdout.contains("ok: expect web spread even within 1\ndoctor: no problem found on gw\nlab down"),
        "{stdout}"
    );
    stdout
}

/// Loads kernel modules in the guest, as a user would before `doctor --fix`.
fn load_modules(modules: &[&str]) {
    let status = std::process::Command::new("modprobe").arg("-a").args(modules).status().expect("modprobe");
    assert!(status.success(), "modprobe {modules:?}");
}

/// `text` from the first occurrence of `marker` on.
pub(crate) fn from<'a>(text: &'a str, marker: &str) -> &'a str {
    text.find(marker).map_or("", |i| &text[i..])
}

/// What follows the first occurrence of `marker` in `text`.
pub(crate) fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    text.split_once(marker).map_or("", |(_, rest)| rest)
}

#[test]
fn doctor_finds_nothing_in_a_healthy_lab() {
    let script = lab("dh-", "")
        + "doctor\ndoctor --json\nprobe web count 4 from ext1\nexpect web no failures\nlab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("doctor: no problem found on gw\n{\"findings\":[]}\n"), "{stdout}");
    assert!(stdout.contains("ok: expect web no failures\n"), "{stdout}");
}

#[test]
fn doctor_names_a_backend_without_its_default_route_and_its_fix_works() {
    let script = lab("d1-", "")
        + "int1 ip route del default\n\
           check web\n\
           check web --json\n\
           probe web count 4 from ext1 timeout 1s\n\
           doctor\n\
           doctor --json\n\
           int1 ip route add default via 10.10.0.1\n\
           probe web count 4 from ext1\n\
           expect web no failures\n\
           doctor\n\
           lab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    // Both doctors before the fix found it (text and JSON).
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("lvs::doctor::found").count(), 2, "{stderr}");
    assert_eq!(stdout.matches("timed out").count(), 2, "int1's replies are lost: {stdout}");
    // `check` says what it tested, and that it is not what clients get.
    assert!(
        stdout.contains(
            "check tcp 111.111.0.1:80: each backend connected to directly from gw \
             (clients go through the service itself: `probe` tests that)\n  10.10.0.2:8000 (int1)    up  "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  but not through tcp 111.111.0.1:80: int1 has no route to client 111.111.0.2 (ext1), \
             not via gw 10.10.0.1 (doctor::no-reply-path) — run `doctor`\n"
        ),
        "{stdout}"
    );
    // Each lost connection says where it was lost and why.
    assert!(stdout.contains("  10.10.0.2:8000 (int1)        0    0%"), "{stdout}");
    let lost = ": timed out: reached int1 10.10.0.2:8000, but its reply never came back through gw: \
                int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1 — run `doctor`\n";
    assert_eq!(stdout.matches(lost).count(), 2, "{stdout}");
    assert!(
        stdout.contains(
            "doctor: 1 problem found on gw\n\
             error doctor::no-reply-path: int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1\n  \
             where: node int1, service web, backend 10.10.0.2:8000 (int1)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  fix:   int1 ip route add default via 10.10.0.1\n"), "{stdout}");
    assert!(stdout.contains(r#""fix":"int1 ip route add default via 10.10.0.1""#), "{stdout}");
    let found = crate::schema::check_at("doctor", &stdout, "{\"findings\"");
    assert_eq!(found["findings"][0]["code"], "doctor::no-reply-path", "{found}");
    let checked = crate::schema::check_at("check", &stdout, "{\n  \"backends\"");
    assert_eq!(checked["not_through"][0]["code"], "doctor::no-reply-path", "{checked}");
    let fixed = after(&stdout, "ip route add default via 10.10.0.1\"");
    assert!(fixed.contains("ok: expect web no failures\ndoctor: no problem found on gw\n"), "{stdout}");
}

#[test]
fn doctor_names_gw_without_forwarding_and_doctor_fix_turns_it_on() {
    let script = lab("d2-", "")
        + "gw sysctl -w net.ipv4.ip_forward=0\n\
           doctor --fix\n\
           probe web count 4 from ext1\n\
           expect web no failures\n\
           doctor\n\
           gw sysctl -w net.ipv4.ip_forward=0\n\
           doctor --fix --json\n\
           lab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    assert_eq!(code, 0, "doctor --fix left nothing: {stdout}\n{stderr}");
    let fix = crate::schema::check_at("doctor-fix", &stdout, "{\"findings\"");
    assert_eq!(fix["ran"], serde_json::json!(["gw sysctl -w net.ipv4.ip_forward=1"]), "{fix}");
    assert_eq!(fix["left"], serde_json::json!([]), "{fix}");
    assert!(
        stdout.contains(
            "error doctor::no-forwarding: gw does not forward IPv4 (net.ipv4.ip_forward is 0)\n  \
             where: node gw, service web\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  fix:   gw sysctl -w net.ipv4.ip_forward=1\n"), "{stdout}");
    assert!(stdout.contains("fixed: ran `gw sysctl -w net.ipv4.ip_forward=1`\n"), "{stdout}");
    let fixed = after(&stdout, "fixed: ran");
    assert!(fixed.contains("doctor: no problem found on gw\n"), "{stdout}");
    assert!(fixed.contains("ok: expect web no failures\ndoctor: no problem found on gw\n"), "{stdout}");
}

#[test]
fn doctor_names_a_backend_whose_server_stopped_and_serve_brings_it_back() {
    // The restarted server's first answer can take more than the probe's
    // default 2 s on a busy emulated guest (once, 1 of 4 timed out).
    let script = lab("d3-", "")
        + "stop 2\n\
           probe web count 2 from ext1 timeout 1s\n\
           doctor\n\
           serve int2 8000\n\
           probe web count 4 from ext1 timeout 5s\n\
           expect web no failures\n\
           expect web spread even\n\
           doctor\n\
           lab down\n";
    let stdout = run_with_one_finding(&script);
    assert!(
        stdout.contains(
            "error doctor::not-listening: nothing listens on TCP port 8000 on int2\n  \
             where: node int2, service web, backend 10.10.0.3:8000 (int2)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  fix:   serve int2 8000\n"), "{stdout}");
    assert!(
        stdout.contains(
            ": refused: reached int2 10.10.0.3:8000, which refused it: \
             nothing listens on TCP port 8000 on int2 — run `doctor`\n"
        ),
        "{stdout}"
    );
    let fixed = after(&stdout, "fix:   serve int2 8000");
    assert!(
        fixed.contains("ok: expect web spread even within 1\ndoctor: no problem found on gw\n"),
        "{stdout}"
    );
}

#[test]
fn doctor_names_a_drained_backend_kept_by_persistence_and_the_sysctl_lets_it_go() {
    // int1 alone first, so ext1's persistence template points at it.
    let script = "lab up prefix d4-\n\
         service web tcp 111.111.0.1:80 rr persistent 300\n\
         backend web 10.10.0.2:8000 masq\n\
         serve int1 8000\n\
         serve int2 8000\n\
         gw sysctl -w net.ipv4.vs.expire_quiescent_template=0\n\
         probe web count 2 from ext1\n\
         backend web 10.10.0.3:8000 masq\n\
         set backend web 10.10.0.2:8000 weight 0\n\
         probe web count 3 from ext1\n\
         expect web reaches only 10.10.0.2:8000\n\
         doctor\n\
         gw sysctl -w net.ipv4.vs.expire_quiescent_template=1\n\
         probe web count 3 from ext1\n\
         expect web reaches only 10.10.0.3:8000\n\
         doctor\n\
         lab down\n";
    let stdout = run_with_one_finding(script);
    assert!(
        stdout.contains(
            "warning doctor::quiescent-template: drained backend 10.10.0.2:8000 (int1) of service web \
             keeps its persistent clients: net.ipv4.vs.expire_quiescent_template is 0\n  \
             where: node gw, service web, backend 10.10.0.2:8000 (int1)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  fix:   gw sysctl -w net.ipv4.vs.expire_quiescent_template=1\n"), "{stdout}");
    let fixed = after(&stdout, "fix:   gw sysctl");
    assert!(
        fixed.contains("ok: expect web reaches only 10.10.0.3:8000\ndoctor: no problem found on gw\n"),
        "{stdout}"
    );
}

#[test]
fn doctor_fix_is_refused_outside_the_lab() {
    let ns = crate::support::TestNs::new();
    let Output { code, stderr, .. } = ns.lvsh().commands("doctor --fix").run();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`doctor --fix` changes nodes, so it runs only in lvsh's lab"), "{stderr}");
}

#[test]
fn doctor_names_dr_backends_without_the_vip_and_arp_settings_and_doctor_fix_sets_them_up() {
    // DR on gw's own address: the backends reply straight to ext1 through
    // gw, their gateway, with the VIP as the source.
    let setup = "lab up prefix dd-\n\
         service web tcp 111.111.0.1:80 rr\n\
         backend web 10.10.0.2:80 route\n\
         backend web 10.10.0.3:80 route\n\
         serve int1 80\n\
         serve int2 80\n";
    let stdout = fault_then_doctor_fix(setup);
    assert!(stdout.contains("-a -t 111.111.0.1:80 -r 10.10.0.2:80 -g -w 1\n"), "ipvsadm: DR: {stdout}");
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let report = from(&stdout, "doctor: ");
    assert!(report.starts_with("doctor: 7 problems found on gw\n"), "{stdout}");
    for expected in [
        "error doctor::replies-martian: gw drops the replies of route 10.10.0.2:80 (int1), 10.10.0.3:80 (int2) \
         on eth2: their source, the VIP 111.111.0.1, is its own address (net.ipv4.conf.eth2.accept_local is 0)\n  \
         where: node gw, interface eth2, service web, backend 10.10.0.2:80 (int1)\n",
        "  fix:   gw sysctl -w net.ipv4.conf.eth2.accept_local=1\n",
        "error doctor::backend-lacks-vip: int1 does not hold the VIP 111.111.0.1 of route service web\n  \
         where: node int1, service web, backend 10.10.0.2:80 (int1)\n",
        "  fix:   int1 ip addr add 111.111.0.1/32 dev lo\n",
        "  fix:   int2 ip addr add 111.111.0.1/32 dev lo\n",
        "warning doctor::arp-ignore: int2 has net.ipv4.conf.eth1.arp_ignore 0 (want 1) for the VIP 111.111.0.1 \
         of route service web\n  where: node int2, interface eth1, service web, backend 10.10.0.3:80 (int2)\n",
        "  fix:   int1 sysctl -w net.ipv4.conf.all.arp_ignore=1\n",
        "  fix:   int2 sysctl -w net.ipv4.conf.all.arp_announce=2\n",
    ] {
        assert!(report.contains(expected), "{expected} in {stdout}");
    }
    let fixed = after(report, "fixed: ran");
    assert!(stdout.contains("fixed: ran `int1 ip addr add 111.111.0.1/32 dev lo`\n"), "{stdout}");
    assert!(
        fixed.contains("doctor: no problem found on gw\nprobe tcp 111.111.0.1:80: 4 connections, 4 served\n"),
        "{stdout}"
    );
}

#[test]
fn doctor_names_a_tunnel_backend_without_its_ipip_device_and_doctor_fix_brings_one_up() {
    // `doctor --fix` leaves module loads to the user (a module reaches every
    // namespace of the machine); in the guest, the test loads them itself.
    load_modules(&["ipip"]);
    // Everything else a tunnel backend needs is there: the VIP on int2's lo,
    // its ARP settings, and gw taking the replies from its own address.
    let setup = "lab up prefix dt-\n\
         service web tcp 111.111.0.1:80 rr\n\
         backend web 10.10.0.3:80 tunnel ipip\n\
         serve int2 80\n"
        .to_string()
        + TUNNEL_BACKEND_READY;
    let stdout = fault_then_doctor_fix(&setup);
    assert!(stdout.contains("-a -t 111.111.0.1:80 -r 10.10.0.3:80 -i -w 1"), "ipvsadm: a tunnel: {stdout}");
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let report = from(&stdout, "doctor: ");
    // With the ipip module loaded, every namespace has a tunl0, down.
    assert!(
        report.starts_with(
            "doctor: 1 problem found on gw\nerror doctor::no-tunnel-device: \
             int2's ipip device tunl0 is down for the ipip tunnel of service web\n"
        ),
        "{stdout}"
    );
    assert!(
        report.contains(
            "  why:   the director sends this backend the client's packets inside IP-in-IP packets"
        ),
        "{stdout}"
    );
    assert!(
        report.contains(
            "  fix:   int2 ip link set tunl0 up\nfixed: ran `int2 ip link set tunl0 up`\ndoctor: no problem found on gw\n"
        ),
        "{stdout}"
    );
    let fixed = after(report, "fixed: ran");
    assert!(
        fixed.contains("4 connections, 4 served\n") && fixed.contains("ok: expect web no failures\n"),
        "{stdout}"
    );
}

#[test]
fn doctor_names_a_gue_backend_without_its_receive_port_and_doctor_fix_opens_it() {
    load_modules(&["ipip", "fou"]);
    let setup = "lab up prefix dg-\n\
         service web tcp 111.111.0.1:80 rr\n\
         backend web 10.10.0.3:80 tunnel gue port 5555\n\
         serve int2 80\n"
        .to_string()
        + TUNNEL_BACKEND_READY;
    let stdout = fault_then_doctor_fix(&setup);
    assert!(
        stdout.contains("-a -t 111.111.0.1:80 -r 10.10.0.3:80 -i -w 1 --tun-type gue --tun-port 5555"),
        "{stdout}"
    );
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let report = from(&stdout, "doctor: ");
    assert!(
        report.starts_with("doctor: 2 problems found on gw\nerror doctor::no-tunnel-device: "),
        "{stdout}"
    );
    assert!(report.contains(" for the gue (port 5555) tunnel of service web\n"), "{stdout}");
    assert!(
        report.contains(
            "error doctor::no-gue-port: nothing takes GUE on UDP port 5555 on int2 for service web\n  \
             where: node int2, service web, backend 10.10.0.3:80 (int2)\n"
        ),
        "{stdout}"
    );
    let fix = "int2 ip fou add port 5555 gue";
    assert!(report.contains(&format!("  fix:   {fix}\n")), "{stdout}");
    let fixed = after(report, &format!("fixed: ran `{fix}`\n"));
    assert!(
        fixed.starts_with(
            "doctor: no problem found on gw\nprobe tcp 111.111.0.1:80: 4 connections, 4 served\n"
        ),
        "{stdout}"
    );
}

#[test]
fn examples_doctor_lvs_finds_the_nat_mistake_fixes_it_and_passes() {
    let _lab = crate::lab::DEFAULT_LAB.lock().unwrap_or_else(|e| e.into_inner());
    let Output { code, stdout, stderr, .. } = lvsh().args(["run", "/root/examples/doctor.lvs"]).run();
    let down = lvsh().commands("lab down").run();
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for expected in [
        "  but not through tcp 111.111.0.1:80: int1 has no route to client 111.111.0.2 (ext1)",
        ": timed out: reached int1 10.10.0.2:8000, but its reply never came back through gw: ",
        "error doctor::no-reply-path: int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1\n",
        "fixed: ran `int1 ip route add default via 10.10.0.1`\ndoctor: no problem found on gw\n",
        "ok: expect web no failures\nok: expect web spread even within 1\n",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    // The trace went to one backend or the other (round robin): it says which.
    assert!(
        stdout.contains("ext1 111.111.0.2:") && stdout.contains(" → gw 111.111.0.1:80 → int"),
        "{stdout}"
    );
}
