//! What scripts/dist makes (scripts/test adds it to the guest as
//! /root/dist/lvsh and /root/dist/lvsh.deb): the static binary runs in a
//! chroot that holds nothing but itself, where a dynamic program cannot
//! even start, and makes a table `ipvsadm` agrees with; the package
//! installs with dpkg (busybox's, in the guest) and the tutorial runs from
//! the binary it installed.

use std::path::Path;
use std::process::Command;

use crate::support::{run, TestNs, IP};

const STATIC: &str = "/root/dist/lvsh";
const DEB: &str = "/root/dist/lvsh.deb";

/// Fails the test unless scripts/test put scripts/dist's output in the guest.
fn require(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: scripts/test adds it from scripts/dist (a whole run, or a dist filter)"
    );
}

#[test]
fn the_static_binary_runs_alone_in_an_empty_root_and_ipvsadm_agrees_with_its_table() {
    require(STATIC);
    let root = std::env::temp_dir().join("lvsh-static-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    std::fs::copy(STATIC, root.join("lvsh")).expect("copy lvsh");
    std::fs::copy("/sbin/ipvsadm", root.join("ipvsadm")).expect("copy ipvsadm");
    let root = root.display().to_string();
    // A dynamic program finds no loader there: the judge that the root is empty.
    let dynamic = Command::new("chroot").args([&root, "/ipvsadm", "-v"]).output().expect("chroot");
    assert!(!dynamic.status.success(), "a dynamic ipvsadm cannot run in the empty root");
    let ns = TestNs::new();
    let script = "service web tcp 10.9.0.1:80 wrr { backend 10.9.0.2:80 masq weight 3 }";
    let out = Command::new(IP)
        .args(["netns", "exec", &ns.name, "chroot", &root, "/lvsh", "-c", script])
        .output()
        .expect("run the static lvsh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        ns.exec(&["ipvsadm", "-S", "-n"]),
        "-A -t 10.9.0.1:80 -s wrr\n-a -t 10.9.0.1:80 -r 10.9.0.2:80 -m -w 3\n"
    );
}

#[test]
fn the_package_installs_with_dpkg_and_the_tutorial_runs_from_it() {
    require(DEB);
    for dir in ["/var/lib/dpkg/info", "/var/lib/dpkg/updates"] {
        std::fs::create_dir_all(dir).expect("dpkg's folders");
    }
    if !Path::new("/var/lib/dpkg/status").exists() {
        std::fs::write("/var/lib/dpkg/status", "").expect("dpkg's status");
    }
    let installed = Command::new("dpkg").args(["-i", DEB]).output().expect("dpkg");
    assert!(installed.status.success(), "{}", String::from_utf8_lossy(&installed.stderr));
    for file in [
        "/usr/bin/lvsh",
        "/usr/share/man/man1/lvsh.1.gz",
        "/usr/share/man/man5/lvs.5.gz",
        "/usr/share/bash-completion/completions/lvsh",
        "/lib/systemd/system/lvsh-keep.service",
        "/usr/share/doc/lvsh/examples/lessons/01-seed.lvs",
        "/usr/share/lvsh/schema/table.schema.json",
    ] {
        assert!(Path::new(file).exists(), "{file} installed");
    }
    let version = run("/usr/bin/lvsh", &["--version"]);
    assert!(version.starts_with("lvsh "), "{version}");
    let out = Command::new("/usr/bin/lvsh")
        .args(["-c", "lab up prefix pk-\ntutorial seed --yes\nlab down"])
        .output()
        .expect("the installed lvsh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" is over"), "{stdout}");
    assert!(!stdout.contains("did not hold"), "{stdout}");
}
