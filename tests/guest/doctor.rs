//! `doctor` in the lab: each fault is made, `doctor` must name the node,
//! the cause and the fix (exit 1), the printed fix (or `doctor --fix`) is
//! run, a probe through gw must then pass, and `doctor` must find nothing.
//! Each test builds its lab under a prefix of its own, as tests/guest/lab.rs does.

use crate::lvsh::Output;
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
fn run_with_one_finding(script: &str) -> String {
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("lvs::doctor::found").count(), 1, "one doctor found something: {stderr}");
    assert!(!stderr.contains("lvs::expect::failed"), "{stdout}\n{stderr}");
    stdout
}

/// What follows the first occurrence of `marker` in `text`.
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
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
           lab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    assert_eq!(code, 0, "doctor --fix left nothing: {stdout}\n{stderr}");
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
    let script = lab("d3-", "")
        + "stop 2\n\
           doctor\n\
           serve int2 8000\n\
           probe web count 4 from ext1\n\
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
