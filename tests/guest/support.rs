//! Test namespaces, the reference `ipvsadm`, and model shorthands.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lvsh::ipvs::{Family, NetlinkKernel, Netns, Protocol, Service, ServiceKey};

use crate::lvsh::Lvsh;

/// iproute2's `ip` (busybox's has no `netns`).
pub const IP: &str = "/sbin/ip";

/// The `lvsh` scripts/test installs in the guest, found on `PATH`.
pub const LVSH: &str = "lvsh";

/// The guest's `lvsh` without `--netns`: it acts where it starts (or on
/// gw while a lab is up). Fails the test outside the guest.
pub fn lvsh() -> Lvsh {
    require_guest();
    Lvsh::at(LVSH)
}

/// Fails the test at once when it is not running inside the guest.
pub fn require_guest() {
    assert!(
        std::env::var_os("LVSH_GUEST").is_some(),
        "guest tests need a real IPVS kernel: run them with scripts/test, which boots one"
    );
}

/// A network namespace made for one test, removed when dropped.
pub struct TestNs {
    pub name: String,
}

impl TestNs {
    /// A fresh namespace with `lo` up.
    pub fn new() -> TestNs {
        require_guest();
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("lvsh-t{}", NEXT.fetch_add(1, Ordering::SeqCst));
        run(IP, &["netns", "add", &name]);
        let ns = TestNs { name };
        ns.exec(&[IP, "link", "set", "lo", "up"]);
        ns
    }

    /// A fresh namespace for a test that must run while no other test
    /// touches IPVS: the kernel's service dump resumes by an index over the
    /// services of *every* namespace, so a dump spanning many messages can
    /// skip or repeat services when another namespace changes meanwhile.
    /// scripts/test runs such tests (`quiet::`) alone, in a phase of their own.
    pub fn quiet() -> TestNs {
        assert_eq!(
            std::env::var("LVSH_GUEST_PHASE").as_deref(),
            Ok("quiet"),
            "quiet:: tests must run alone (scripts/test's third phase)"
        );
        TestNs::new()
    }

    /// The namespace as lvsh names it.
    pub fn netns(&self) -> Netns {
        Netns::Named(self.name.clone())
    }

    /// The guest's `lvsh --netns NAME`: it acts on this namespace's IPVS.
    pub fn lvsh(&self) -> Lvsh {
        lvsh().netns(&self.name)
    }

    /// An lvsh kernel client inside the namespace.
    pub fn kernel(&self) -> NetlinkKernel {
        NetlinkKernel::connect_in(&self.netns()).expect("connect to IPVS in the test namespace")
    }

    /// Runs a program inside the namespace; it must succeed; returns stdout.
    pub fn exec(&self, argv: &[&str]) -> String {
        let mut args = vec!["netns", "exec", &self.name];
        args.extend_from_slice(argv);
        run(IP, &args)
    }

    /// `ipvsadm ARGS` inside the namespace; it must succeed; returns stdout.
    ///
    /// A listing that names a service twice is read again: before Linux 7.1
    /// the kernel's service dump resumes by a position counted over every
    /// namespace, so another test adding services between two of its
    /// messages makes ipvsadm, which prints what it gets, repeat one. (A
    /// dump can skip a service only in a table of more than one message,
    /// tens of services: tests of such tables are `quiet::`.)
    pub fn ipvsadm(&self, args: &[&str]) -> String {
        let mut argv = vec!["ipvsadm"];
        argv.extend_from_slice(args);
        let mut out = self.exec(&argv);
        for _ in 1..LISTING_READS {
            if !names_a_service_twice(&out) {
                return out;
            }
            out = self.exec(&argv);
        }
        panic!("`ipvsadm {}` named a service twice in {LISTING_READS} readings:\n{out}", args.join(" "));
    }

    /// `ipvsadm -R` inside the namespace, fed `rules`; it must succeed.
    pub fn ipvsadm_restore(&self, rules: &str) {
        use std::io::Write;
        let mut ipvsadm = Command::new(IP)
            .args(["netns", "exec", &self.name, "ipvsadm", "-R"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("run ipvsadm -R");
        ipvsadm.stdin.take().expect("stdin").write_all(rules.as_bytes()).expect("feed ipvsadm -R");
        assert!(ipvsadm.wait().expect("wait for ipvsadm -R").success(), "ipvsadm -R in {} failed", self.name);
    }

    /// `ipvsadm` with the arguments of one line, split on blanks.
    pub fn ipvsadm_line(&self, line: &str) -> String {
        self.ipvsadm(&line.split_whitespace().collect::<Vec<_>>())
    }

    /// Writes `text` to a file of this test in the guest's /tmp; returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = format!("/tmp/{}-{name}", self.name);
        std::fs::write(&path, text).expect("write a test file");
        path
    }

    /// The reference view of the table: `ipvsadm -S -n`.
    pub fn save(&self) -> String {
        self.ipvsadm(&["-S", "-n"])
    }
}

impl Drop for TestNs {
    fn drop(&mut self) {
        let _ = Command::new(IP).args(["netns", "delete", &self.name]).status();
    }
}

/// How often a listing that repeats a service is read before the test fails.
const LISTING_READS: usize = 20;

/// Whether an ipvsadm listing repeats a line that names a service (or,
/// with `-S`, any line): in a table read whole, each is unique. Indented
/// lines are backends, which two services may share.
fn names_a_service_twice(listing: &str) -> bool {
    let mut seen = std::collections::HashSet::new();
    listing.lines().filter(|line| !line.starts_with(' ')).any(|line| !seen.insert(line))
}

/// Runs a program; it must succeed; returns its stdout.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A service key from `tcp 1.2.3.4:80`, `udp [::1]:53`, `sctp ...`, `fwmark 7`, `fwmark 8 ipv6`.
pub fn key(text: &str) -> ServiceKey {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["fwmark", mark] => ServiceKey::Fwmark { mark: mark.parse().unwrap(), family: Family::V4 },
        ["fwmark", mark, "ipv6"] => ServiceKey::Fwmark { mark: mark.parse().unwrap(), family: Family::V6 },
        [proto, addr] => {
            let protocol = match *proto {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                other => panic!("unknown protocol {other}"),
            };
            ServiceKey::Inet { protocol, addr: addr.parse().unwrap() }
        }
        _ => panic!("bad key {text}"),
    }
}

/// A service with ipvsadm's defaults and the given scheduler.
pub fn service(text: &str, scheduler: &str) -> Service {
    Service::new(key(text)).with_scheduler(scheduler)
}

/// A socket address.
pub fn sa(text: &str) -> SocketAddr {
    text.parse().unwrap()
}
