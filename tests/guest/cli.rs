//! The `lvsh` binary against the kernel.

use std::process::Command;

use crate::support::TestNs;

fn lvsh(ns: &TestNs, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("lvsh").arg("--netns").arg(&ns.name).args(args).output().expect("run lvsh");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn info_prints_the_kernel_version() {
    let ns = TestNs::new();
    assert_eq!(lvsh(&ns, &["info"]), (0, "IPVS 1.2.1 (connection table size 4096)\n".into(), String::new()));
}

#[test]
fn list_shows_what_ipvsadm_made() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 111.111.0.1:80 -s rr");
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m");
    let (code, out, _) = lvsh(&ns, &["list"]);
    assert_eq!(code, 0);
    assert_eq!(out, "service tcp 111.111.0.1:80 rr\n  backend 10.10.0.2:8000 masq weight 1\n");
}

#[test]
fn an_unknown_namespace_exits_4() {
    crate::support::require_guest();
    let out = Command::new("lvsh").args(["--netns", "lvsh-nowhere", "list"]).output().expect("run lvsh");
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: no network namespace `lvsh-nowhere` (/var/run/netns/lvsh-nowhere)\n\
         help: create it with `ip netns add lvsh-nowhere`, or list them with `ip netns`\n"
    );
}
