//! Stopping a run: SIGINT, SIGTERM and SIGHUP stop it at a safe point and
//! roll it back; SIGKILL leaves a record that the next lvsh warns of and
//! `lvsh recover` rolls back. In every case `ipvsadm -S -n` ends exactly as
//! it was before the run. Its dumps of thousands of services run alone
//! (`quiet::`, see [`TestNs::quiet`]).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestNs;

/// How many services the run adds.
const SERVICES: usize = 3_000;

/// A namespace with two services of its own (the state a run must restore),
/// a file adding 3,000 more and editing one of the two, and a directory
/// for the run records of this test only.
struct Setup {
    ns: TestNs,
    file: PathBuf,
    records: PathBuf,
    before: String,
}

fn setup(tag: &str) -> Setup {
    let ns = TestNs::quiet();
    ns.ipvsadm_line("-A -t 10.0.0.1:80 -s rr");
    ns.ipvsadm_line("-a -t 10.0.0.1:80 -r 10.9.0.1:80 -m -w 3");
    ns.ipvsadm_line("-A -u 10.0.0.2:53 -s wrr");
    let before = ns.save();
    let dir = std::env::temp_dir().join(format!("lvsh-interrupt-{tag}-{}", ns.name));
    std::fs::create_dir_all(&dir).expect("a test directory");
    let file = dir.join("big.lvs");
    // ipvsadm lines, not declarations: each goes to the kernel on its own,
    // so the run lasts long enough for a signal to land in its middle (a
    // stretch of declarations goes as one batch, over before a test can
    // see it start).
    let mut text = String::from("set backend tcp 10.0.0.1:80 10.9.0.1:80 weight 7\n");
    for n in 0..SERVICES {
        text.push_str(&format!(
            "ipvsadm -A -t 10.{}.{}.{}:80 -s rr\n",
            1 + n / 65_536,
            n / 256 % 256,
            n % 256
        ));
    }
    // Then a wait no run outlasts: a signal sent when the last point is
    // reached lands before the run ends, however fast the lines go.
    text.push_str("sleep 10m\n");
    std::fs::File::create(&file).and_then(|mut f| f.write_all(text.as_bytes())).expect("the big file");
    let records = dir.join("records");
    Setup { ns, file, records, before }
}

impl Setup {
    /// `lvsh run` of the big file, started in the background.
    fn start(&self) -> Child {
        self.ns
            .lvsh()
            .env("LVSH_RUN_DIR", &self.records)
            .args([std::ffi::OsStr::new("run"), self.file.as_os_str()])
            .into_command()
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lvsh starts")
    }

    /// How many services the kernel holds now (its own text listing).
    fn services(&self) -> usize {
        self.ns
            .exec(&["cat", "/proc/net/ip_vs"])
            .lines()
            .filter(|l| l.starts_with("TCP") || l.starts_with("UDP"))
            .count()
    }

    /// Waits until the run has added at least `n` services.
    fn wait_for(&self, n: usize, child: &mut Child) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.services() < n + 2 {
            assert!(child.try_wait().expect("lvsh runs").is_none(), "the run ended before {n} services");
            assert!(Instant::now() < deadline, "the run did not reach {n} services in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill only sends a signal, to the lvsh this test started.
    unsafe { libc::kill(child.id() as i32, signal) };
}

/// The three points of the run a signal comes at.
const POINTS: [usize; 3] = [SERVICES / 10, SERVICES / 2, SERVICES * 8 / 10];

/// Fails with the first lines that differ, not two whole tables.
fn assert_same_table(now: &str, before: &str, what: &str) {
    if now == before {
        return;
    }
    let diff: Vec<String> = similar::TextDiff::from_lines(before, now)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .take(6)
        .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
        .collect();
    let (lines, was) = (now.lines().count(), before.lines().count());
    panic!("{what}: the table is not as before ({lines} lines, was {was}):\n{}", diff.join("\n"));
}

#[test]
fn sigint_sigterm_and_sighup_roll_the_run_back() {
    let s = setup("signals");
    let plan: [(i32, &str, i32, &[usize]); 3] = [
        (libc::SIGINT, "SIGINT", 130, &POINTS),
        (libc::SIGTERM, "SIGTERM", 143, &POINTS),
        (libc::SIGHUP, "SIGHUP", 129, &POINTS[1..2]),
    ];
    for (sig, name, code, points) in plan {
        for &at in points {
            let mut child = s.start();
            s.wait_for(at, &mut child);
            signal(&child, sig);
            let out = child.wait_with_output().expect("lvsh ends");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{name} at {at}: {stderr}");
            assert!(stderr.contains(&format!("interrupted by {name}")), "{name} at {at}: {stderr}");
            assert_same_table(&s.ns.save(), &s.before, &format!("{name} at {at}"));
        }
    }
    assert!(
        std::fs::read_dir(&s.records).map_or(true, |d| d.count() == 0),
        "a finished run leaves no record"
    );
}

#[test]
fn after_sigkill_the_next_lvsh_warns_and_recover_restores_the_table() {
    let s = setup("kill");
    for at in POINTS {
        let mut child = s.start();
        s.wait_for(at, &mut child);
        signal(&child, libc::SIGKILL);
        child.wait().expect("lvsh is gone");
        assert_ne!(s.ns.save(), s.before, "the killed run left its changes");
        let lvsh = || s.ns.lvsh().env("LVSH_RUN_DIR", &s.records);
        let out = lvsh().commands("echo hi").run();
        assert!(
            out.stderr.contains("did not finish and its changes are still in the kernel"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("`lvsh recover` undoes them"), "{}", out.stderr);
        let out = lvsh().arg("recover").run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with("recovered the run of lvsh (pid "), "{}", out.stdout);
        assert_same_table(&s.ns.save(), &s.before, &format!("recover after a kill at {at}"));
        let out = lvsh().arg("recover").run();
        assert_eq!(out.stdout, "no unfinished run: nothing to recover\n");
    }
}

#[test]
fn recover_keep_forgets_the_run_and_keeps_its_changes() {
    let s = setup("keep");
    let mut child = s.start();
    s.wait_for(SERVICES / 10, &mut child);
    signal(&child, libc::SIGKILL);
    child.wait().expect("lvsh is gone");
    let after_kill = s.ns.save();
    let out = s.ns.lvsh().env("LVSH_RUN_DIR", &s.records).args(["recover", "--keep"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(": its changes stay"), "{}", out.stdout);
    assert_same_table(&s.ns.save(), &after_kill, "recover --keep");
    let out = s.ns.lvsh().env("LVSH_RUN_DIR", &s.records).commands("echo hi").run();
    assert_eq!(out.stderr, "", "no warning once forgotten");
}
