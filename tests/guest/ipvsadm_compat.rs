//! lvsh as a drop-in `ipvsadm` (a link named `ipvsadm`), judged by the
//! real ipvsadm: the corpus (`tests/cases/ipvsadm/corpus.txt`) runs
//! through each in a twin namespace, and everything they print, their exit
//! codes and the table after each invocation must be the same; and the
//! kernel selftest's three forwarding methods carry real traffic with the
//! link as the `ipvsadm` a shell script finds on its PATH.

use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::daemons::ONE_AT_A_TIME;
use crate::ipvsadm_corpus::{invocations, Invocation, CORPUS, HOSTS, SERVICES};
use crate::lvsh::BINARY;
use crate::support::{TestNs, IP};

/// The real ipvsadm in the guest.
const REAL_IPVSADM: &str = "/sbin/ipvsadm";

/// Folders that each hold one `ipvsadm`: a link to the real one, and a
/// link to lvsh. Each is a PATH of its own, so that a missing link cannot
/// fall back to another ipvsadm; removed when dropped.
struct Links {
    root: PathBuf,
}

impl Links {
    fn new(test: &str) -> Links {
        let root = PathBuf::from(format!("/tmp/lvsh-{test}-{}", std::process::id()));
        for (dir, target) in [("real", Path::new(REAL_IPVSADM)), ("lvsh", Path::new(BINARY))] {
            let dir = root.join(dir);
            std::fs::create_dir_all(&dir).expect("make a folder for an ipvsadm link");
            symlink(target, dir.join("ipvsadm")).expect("link ipvsadm");
        }
        let lvsh = std::fs::canonicalize(root.join("lvsh/ipvsadm")).expect("the link to lvsh resolves");
        assert_eq!(lvsh, std::fs::canonicalize(BINARY).expect("lvsh is installed"), "the link is lvsh");
        Links { root }
    }

    /// The PATH under which `ipvsadm` is the real one, or lvsh.
    fn path(&self, lvsh: bool) -> String {
        self.root.join(if lvsh { "lvsh" } else { "real" }).display().to_string()
    }
}

impl Drop for Links {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// What one invocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: i32,
    /// The table after it, as the real ipvsadm saves it (`-S -n`), and
    /// its timeouts and sync daemons after an invocation that may change them.
    state: String,
    /// What the real ipvsadm printed for the same listing in the same
    /// namespace right after (only for `--nosort`: see [`Twin::run_all`]).
    same_namespace: Option<String>,
}

/// Runs `program ARGS` in namespace `ns` with this PATH and standard input.
fn run_in(
    ns: &str,
    path: &str,
    program: &str,
    args: &[String],
    stdin: Option<&str>,
) -> (String, String, i32) {
    let mut child = Command::new(IP)
        .args(["netns", "exec", ns, program])
        .args(args)
        .env_clear()
        .env("PATH", path)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {program} in {ns}: {e}"));
    let writer = match (child.stdin.take(), stdin) {
        (Some(mut pipe), Some(text)) => {
            let bytes = text.as_bytes().to_vec();
            Some(std::thread::spawn(move || pipe.write_all(&bytes)))
        }
        _ => None,
    };
    let out = child.wait_with_output().expect("wait for ipvsadm");
    if let Some(writer) = writer {
        // An invocation may exit before it has read its input.
        let _ = writer.join();
    }
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (text(out.stdout), text(out.stderr), out.status.code().unwrap_or(-1))
}

/// A namespace for one side of the corpus: a dummy `d0` for the sync
/// daemons, and the corpus's hosts and services as its /etc files (which
/// `ip netns exec` mounts from /etc/netns/NAME).
struct Twin {
    ns: TestNs,
}

impl Twin {
    fn new() -> Twin {
        let ns = TestNs::new();
        ns.exec(&[IP, "link", "add", "d0", "type", "dummy"]);
        ns.exec(&[IP, "link", "set", "d0", "up"]);
        // A file is mounted over an existing one only: the guest may have no /etc/services.
        if !Path::new("/etc/services").exists() {
            std::fs::write("/etc/services", "").expect("create an empty /etc/services");
        }
        let etc = Path::new("/etc/netns").join(&ns.name);
        std::fs::create_dir_all(&etc).expect("make /etc/netns/NAME");
        std::fs::write(etc.join("hosts"), HOSTS).expect("write the namespace's hosts");
        std::fs::write(etc.join("services"), SERVICES).expect("write the namespace's services");
        Twin { ns }
    }

    /// Every invocation in turn, each with the table after it, run by one
    /// shell in the namespace (an `ip netns exec` each would cost a mount
    /// namespace per invocation) with `ipvsadm` found on `path`.
    ///
    /// A `--nosort` listing is in the kernel's order, which hashes each
    /// service with its namespace's own address: twin namespaces list the
    /// same table in different orders. There the real ipvsadm lists this
    /// namespace again, at once, and that is what the listing is held to.
    fn run_all(&self, corpus: &[Invocation], path: &str, real_path: &str) -> Vec<Outcome> {
        let dir = PathBuf::from(format!("/tmp/{}-corpus", self.ns.name));
        std::fs::create_dir_all(&dir).expect("make the corpus run's folder");
        let mut script = String::from("set -u\n");
        for (i, invocation) in corpus.iter().enumerate() {
            let args: Vec<String> = invocation.args.iter().map(|a| quoted(a)).collect();
            let args = args.join(" ");
            let stdin = match &invocation.stdin {
                Some(text) => {
                    std::fs::write(dir.join(format!("{i}.in")), text).expect("write an invocation's input");
                    format!("{i}.in")
                }
                None => "/dev/null".to_string(),
            };
            let stderr = if invocation.merged { "2>&1".to_string() } else { format!("2>{i}.err") };
            // The timeouts and daemons too where the invocation may change them
            // (every process costs a tenth of a second in the emulated guest).
            let mut state = format!("{REAL_IPVSADM} -S -n");
            let changes_more = ["--set", "--start-daemon", "--stop-daemon", "-R"];
            if invocation.args.iter().any(|a| changes_more.contains(&a.as_str())) {
                state.push_str(&format!("; {REAL_IPVSADM} -L -n --timeout; {REAL_IPVSADM} -L --daemon"));
            }
            script.push_str(&format!(
                "export PATH={path}\nipvsadm {args} <{stdin} >{i}.out {stderr}; echo $? >{i}.code\n\
                 {{ {state}; }} >{i}.state 2>&1\n"
            ));
            if invocation.args.iter().any(|a| a == "--nosort") {
                script.push_str(&format!(
                    "export PATH={real_path}\nipvsadm {args} </dev/null >{i}.same 2>/dev/null\n"
                ));
            }
        }
        std::fs::write(dir.join("run.sh"), script).expect("write the corpus script");
        let out = Command::new(IP)
            .args(["netns", "exec", &self.ns.name, "/bin/sh", "-c"])
            .arg(format!("cd {} && /bin/sh run.sh", dir.display()))
            .env_clear()
            .output()
            .expect("run the corpus script");
        assert!(out.status.success(), "the corpus script failed: {}", String::from_utf8_lossy(&out.stderr));
        let read = |name: String| {
            std::fs::read(dir.join(&name)).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        };
        let outcomes = (0..corpus.len())
            .map(|i| {
                let code = read(format!("{i}.code")).expect("an exit code").trim().parse().expect("a number");
                Outcome {
                    stdout: read(format!("{i}.out")).expect("its stdout"),
                    stderr: read(format!("{i}.err")).unwrap_or_default(),
                    code,
                    state: read(format!("{i}.state")).expect("the table after it"),
                    same_namespace: read(format!("{i}.same")).ok(),
                }
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        outcomes
    }
}

/// A word for the shell, as it is.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

impl Drop for Twin {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(&self.ns.name));
    }
}

/// How two outcomes of one invocation differ, field by field.
fn differences(invocation: &Invocation, real: &Outcome, lvsh: &Outcome) -> Option<String> {
    let mut out = String::new();
    let (real_stdout, what) = match &lvsh.same_namespace {
        Some(listed) => (listed, "stdout (against ipvsadm in the same namespace)"),
        None => (&real.stdout, "stdout"),
    };
    for (what, a, b) in [
        (what, real_stdout, &lvsh.stdout),
        ("stderr", &real.stderr, &lvsh.stderr),
        ("the table after it", &real.state, &lvsh.state),
    ] {
        if a != b {
            out.push_str(&format!("  {what}:\n--- ipvsadm\n{a}--- lvsh as ipvsadm\n{b}---\n"));
        }
    }
    if real.code != lvsh.code {
        out.push_str(&format!("  exit code: ipvsadm {}, lvsh as ipvsadm {}\n", real.code, lvsh.code));
    }
    (!out.is_empty()).then(|| format!("line {}: {}\n{out}", invocation.line, invocation.text))
}

#[test]
fn the_corpus_runs_the_same_through_ipvsadm_and_through_lvsh_linked_as_ipvsadm() {
    let corpus = invocations(CORPUS).unwrap_or_else(|e| panic!("{e}"));
    // The corpus starts and stops sync daemons.
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let links = Links::new("ipvsadm-corpus");
    let (real_ns, lvsh_ns) = (Twin::new(), Twin::new());
    let real = real_ns.run_all(&corpus, &links.path(false), &links.path(false));
    let lvsh = lvsh_ns.run_all(&corpus, &links.path(true), &links.path(false));
    let diffs: Vec<String> =
        corpus.iter().zip(real.iter().zip(&lvsh)).filter_map(|(i, (a, b))| differences(i, a, b)).collect();
    assert!(
        diffs.is_empty(),
        "{} of {} invocations differ:\n{}",
        diffs.len(),
        corpus.len(),
        diffs.join("\n")
    );
    // The corpus tests what it means to: names, kernel refusals, failed checks.
    let printed = |text: &str| real.iter().any(|o| o.stdout.contains(text));
    assert!(printed("TCP  vip.example:http"), "ipvsadm named no service: /etc/netns files not in use?");
    assert!(printed("be1.example:irdmi"), "ipvsadm named no backend");
    let refused = |code: i32, text: &str| real.iter().any(|o| o.code == code && o.stderr.contains(text));
    assert!(refused(255, "Service already exists"), "no kernel refusal in the corpus");
    assert!(refused(2, "Zero port specified"), "no failed check in the corpus");
    assert!(refused(255, "unknown option"), "no popt refusal in the corpus");
}

#[test]
fn the_usage_names_the_program_as_it_was_called() {
    let links = Links::new("ipvsadm-argv0");
    let ns = TestNs::new();
    for args in [&["-h"][..], &["foo"], &["--bogus"]] {
        let run = |dir: &str| {
            let out = Command::new(IP)
                .args(["netns", "exec", &ns.name, "./ipvsadm"])
                .args(args)
                .current_dir(links.root.join(dir))
                .stdin(Stdio::null())
                .output()
                .expect("run ./ipvsadm");
            let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
            (text(&out.stdout), text(&out.stderr), out.status.code())
        };
        let real = run("real");
        assert_eq!(real, run("lvsh"), "./ipvsadm {args:?}: ipvsadm, then lvsh as ipvsadm");
        assert!(format!("{}{}", real.0, real.1).contains("./ipvsadm -"), "./ipvsadm {args:?}: {real:?}");
    }
}

/// The selftest scenario's script (its head says what it does).
const SELFTEST: &str = include_str!("../cases/ipvsadm/selftest.sh");

#[test]
fn the_kernel_selftest_scenario_carries_traffic_with_lvsh_linked_as_ipvsadm() {
    let links = Links::new("ipvsadm-selftest");
    let script = links.root.join("selftest.sh");
    std::fs::write(&script, SELFTEST).expect("write the selftest script");
    // /usr/bin before /bin: OpenBSD's nc, not busybox's.
    let path = format!("{}:/sbin:/usr/bin:/usr/sbin:/bin", links.path(true));
    for (mode, method) in [("dr", "Route"), ("nat", "Masq"), ("tun", "Tunnel")] {
        let (client, director, server) = (TestNs::new(), TestNs::new(), TestNs::new());
        let out = Command::new("/bin/bash")
            .arg(&script)
            .args([mode, &client.name, &director.name, &server.name])
            .env("PATH", &path)
            .output()
            .expect("run the selftest script");
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        assert!(
            out.status.success(),
            "selftest {mode} failed ({}):\n--- stdout\n{}--- stderr\n{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
        // The judge: the real ipvsadm sees the rules lvsh made, and the
        // connection the bytes came by, forwarded by the mode's method.
        let rules = director.ipvsadm(&["-L", "-n"]);
        let backend = format!("  -> {:<28} {method:<7} 1      ", "172.16.0.2:8080");
        assert!(
            rules.contains("TCP  207.175.44.110:8080 rr\n") && rules.contains(&backend),
            "{mode}:\n{rules}"
        );
        // The connection table, not the counters: before Linux 6.2 these
        // are summed every two seconds.
        let conns = director.ipvsadm(&["-L", "-n", "-c"]);
        let through = conns.lines().filter(|row| {
            let columns: Vec<&str> = row.split_whitespace().collect();
            columns.len() == 6 && columns[4] == "207.175.44.110:8080" && columns[5] == "172.16.0.2:8080"
        });
        assert_eq!(through.count(), 1, "{mode}: one connection went through the backend:\n{conns}");
        // A table with a live connection table lists the same through both
        // (the seconds left of each connection tick between the two reads).
        for args in
            [&["-L", "-c"][..], &["-L", "-n", "-c"], &["-L", "-c", "--persistent-conn"], &["-L"], &["-S"]]
        {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let real = run_in(&director.name, &links.path(false), "ipvsadm", &args, None);
            let lvsh = run_in(&director.name, &links.path(true), "ipvsadm", &args, None);
            let (real, lvsh) =
                ((without_expiry(&real.0), real.1, real.2), (without_expiry(&lvsh.0), lvsh.1, lvsh.2));
            assert_eq!(real, lvsh, "{mode}: ipvsadm {args:?}: ipvsadm, then lvsh as ipvsadm");
        }
    }
}

/// A listing with each connection's `MM:SS` to expiry blanked out.
fn without_expiry(listing: &str) -> String {
    let blank = |row: &str| match row.get(4..9) {
        Some(time) if time.as_bytes().get(2) == Some(&b':') && row.is_char_boundary(4) => {
            format!("{}--:--{}", &row[..4], &row[9..])
        }
        _ => row.to_string(),
    };
    listing.lines().map(|row| blank(row) + "\n").collect()
}

/// Run in scripts/test's first phase, before `ip_vs` is loaded (and with
/// the modules out of modprobe's reach).
mod missing {
    use super::*;

    #[test]
    fn without_ipvs_both_say_they_cannot_initialize_it_and_exit_2() {
        assert_eq!(
            std::env::var("LVSH_GUEST_PHASE").as_deref(),
            Ok("no-ipvs"),
            "the missing:: tests must run before ip_vs is loaded (scripts/test does that)"
        );
        let links = Links::new("ipvsadm-missing");
        let ns = TestNs::new();
        for args in [&[][..], &["-h"], &["-L", "-n"], &["-A", "-t", "10.1.0.1:80"], &["--bogus"]] {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let real = run_in(&ns.name, &links.path(false), "ipvsadm", &args, None);
            let lvsh = run_in(&ns.name, &links.path(true), "ipvsadm", &args, None);
            assert_eq!(
                real, lvsh,
                "ipvsadm {args:?}: (stdout, stderr, exit) of ipvsadm, then of lvsh as ipvsadm"
            );
            assert_eq!(real.2, 2, "ipvsadm {args:?} exits 2 without IPVS");
            assert!(real
                .1
                .ends_with("Are you sure that IP Virtual Server is built in the kernel or as module?\n"));
        }
    }
}
