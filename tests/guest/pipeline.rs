//! A long stretch of declarations goes to the kernel in windows, each sent
//! on a thread of its own while the next is planned (`interp::pipeline`).
//! Whatever stops the run after some windows went (a refusal in a later
//! window, a declaration that cannot be planned, a signal, a kill) leaves
//! the kernel as it was, judged by `ipvsadm -S -n`. Thousands of services:
//! these run alone (see [`TestNs::quiet`]).

use std::path::PathBuf;
use std::process::Stdio;

use crate::lvsh::Output;
use crate::support::TestNs;

/// How many services the file declares, each with [`BACKENDS`] backends:
/// 8,000 steps, more than the first four windows (512, 1,024, 2,048 and
/// 4,096 steps) hold.
const SERVICES: usize = 2_000;
const BACKENDS: usize = 3;

fn vip(i: usize) -> String {
    format!("10.{}.{}.{}:80", 100 + i / 62_500, (i / 250) % 250, i % 250 + 1)
}

/// The declarations of the table, service `odd` (if any) with `odd_line`
/// as its first line instead.
fn table(odd: Option<(usize, &str)>) -> String {
    let mut text = String::new();
    for i in 0..SERVICES {
        match odd {
            Some((at, line)) if at == i => text.push_str(line),
            _ => text.push_str(&format!("service tcp {} rr {{\n", vip(i))),
        }
        for b in 0..BACKENDS {
            text.push_str(&format!("    backend 172.20.{}.{}:8080 masq weight {}\n", i % 250, b + 1, b + 1));
        }
        text.push_str("}\n");
    }
    text
}

/// The lines `ipvsadm -S -n` gives for [`table`], sorted.
fn saved_table() -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..SERVICES {
        lines.push(format!("-A -t {} -s rr", vip(i)));
        for b in 0..BACKENDS {
            lines.push(format!("-a -t {} -r 172.20.{}.{}:8080 -m -w {}", vip(i), i % 250, b + 1, b + 1));
        }
    }
    lines
}

fn sorted(save: &str) -> Vec<String> {
    let mut lines: Vec<String> = save.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// A namespace with two services of its own, one of which the file edits.
fn setup() -> (TestNs, String) {
    let ns = TestNs::quiet();
    ns.ipvsadm_line("-A -t 10.0.0.1:80 -s wlc");
    ns.ipvsadm_line("-a -t 10.0.0.1:80 -r 10.9.0.1:80 -m -w 3");
    ns.ipvsadm_line(&format!("-A -t {} -s wlc", vip(SERVICES / 2)));
    let before = ns.save();
    (ns, before)
}

/// A directory for this test's run records (`LVSH_RUN_DIR`).
fn records(ns: &TestNs, tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lvsh-pipeline-{tag}-{}", ns.name))
}

fn no_record_left(dir: &PathBuf) {
    assert!(std::fs::read_dir(dir).map_or(true, |d| d.count() == 0), "a finished run leaves no record");
}

#[test]
fn a_long_stretch_goes_in_windows_while_it_is_planned_and_lands_whole() {
    let (ns, before) = setup();
    let path = ns.file("table.lvs", &table(None));
    let dir = records(&ns, "whole");
    let Output { code, stdout, stderr, .. } = ns.lvsh().env("LVSH_RUN_DIR", &dir).args(["run", &path]).run();
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    let mut want = saved_table();
    want.push("-A -t 10.0.0.1:80 -s wlc".to_string());
    want.push("-a -t 10.0.0.1:80 -r 10.9.0.1:80 -m -w 3".to_string());
    want.sort();
    // The service the namespace had is edited (wlc to rr), the rest added.
    assert_eq!(sorted(&ns.save()), want);
    no_record_left(&dir);
    // The history tells the change from the batches as the kernel took them.
    let history = ns.lvsh().args(["history"]).run().succeeds().stdout;
    assert!(history.contains(&format!("{} services added, 1 changed", SERVICES - 1)), "{history}");
    // Again, unchanged: nothing is written and no change is recorded.
    let save = ns.save();
    ns.lvsh().env("LVSH_RUN_DIR", &dir).args(["run", &path]).run().succeeds();
    assert_eq!(ns.save(), save);
    assert_eq!(ns.lvsh().args(["history"]).run().succeeds().stdout, history);
    // The history kept the table before the run (the one the run read
    // while its file was parsed): a rollback brings it back, the service
    // the file does not declare with its backend.
    ns.lvsh().args(["rollback"]).run().succeeds();
    assert_eq!(sorted(&ns.save()), sorted(&before));
}

#[test]
fn a_refusal_in_any_window_rolls_back_every_window_the_kernel_took() {
    let (ns, before) = setup();
    // Service 10's steps are in the first window: the refusal comes back
    // while the windows after it are still being sent. Service 1,900's are
    // in the fourth: it comes back once the last window went.
    for at in [10, 1_900] {
        let odd = format!("service tcp {} nosuchsched {{\n", vip(at));
        let path = ns.file("table.lvs", &table(Some((at, &odd))));
        let line = at * (BACKENDS + 2) + 1;
        let dir = records(&ns, "refused");
        let Output { code, stderr, .. } = ns.lvsh().env("LVSH_RUN_DIR", &dir).args(["run", &path]).run();
        assert_eq!(code, 3, "service {at}: {stderr}");
        assert!(
            stderr.contains("error[lvs::kernel::refused]: scheduler 'nosuchsched' is not available")
                && stderr.contains(&format!(" --> {path}:{line}:1\n")),
            "service {at}: {stderr}"
        );
        assert!(stderr.contains("the kernel is as it was"), "service {at}: {stderr}");
        assert_eq!(ns.save(), before, "service {at}");
        no_record_left(&dir);
    }
}

#[test]
fn a_backend_of_a_service_nobody_declared_last_in_the_stretch_rolls_back_every_window() {
    let (ns, before) = setup();
    // The last statement adds a backend to a service neither the file nor
    // the kernel has: the kernel refuses it in the last window, after
    // every window before it went.
    let mut text = table(None);
    text.push_str("backend tcp 10.250.0.1:80 10.9.9.9:80 masq\n");
    let path = ns.file("table.lvs", &text);
    let line = SERVICES * (BACKENDS + 2) + 1;
    let Output { code, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("no service tcp 10.250.0.1:80")
            && stderr.contains(&format!(" --> {path}:{line}:1\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("rolled back the {} changes this run made", SERVICES * (BACKENDS + 1))),
        "{stderr}"
    );
    assert_eq!(ns.save(), before);
}

#[test]
fn a_run_killed_after_its_windows_went_is_recovered_whole() {
    let (ns, before) = setup();
    let mut text = table(None);
    // A wait no test outlasts, once every window went.
    text.push_str("sleep 10m\n");
    let path = ns.file("table.lvs", &text);
    let dir = records(&ns, "kill");
    let mut child = ns
        .lvsh()
        .env("LVSH_RUN_DIR", &dir)
        .args(["run", &path])
        .into_command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lvsh starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while ns.save().lines().count() < SERVICES * (BACKENDS + 1) + 2 {
        assert!(child.try_wait().expect("lvsh runs").is_none(), "the run ended before its sleep");
        assert!(std::time::Instant::now() < deadline, "the run did not land in time");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SAFETY: kill only sends a signal, to the lvsh this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().expect("lvsh is gone");
    let out = ns.lvsh().env("LVSH_RUN_DIR", &dir).arg("recover").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("recovered the run of lvsh (pid ")
            && out.stdout.contains(&format!(", {} changes) recorded in ", SERVICES * (BACKENDS + 1))),
        "every window's changes, each once: {}",
        out.stdout
    );
    assert_eq!(ns.save(), before);
    no_record_left(&dir);
}

/// The table as `ipvsadm -R` lines, with `extra` inserted before line `at`
/// (1-based).
fn restore_lines(at: usize, extra: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for i in 0..SERVICES {
        lines.push(format!("-A -t {} -s rr", vip(i)));
        for b in 0..BACKENDS {
            lines.push(format!("-a -t {} -r 172.20.{}.{}:8080 -m -w {}", vip(i), i % 250, b + 1, b + 1));
        }
    }
    lines.insert(at - 1, extra.to_string());
    lines.join("\n") + "\n"
}

#[test]
fn a_restore_of_thousands_of_lines_goes_in_windows_and_a_refusal_rolls_every_window_back() {
    let (ns, before) = setup();
    ns.ipvsadm_line(&format!("-D -t {}", vip(SERVICES / 2)));
    let before_restore = ns.save();
    assert_ne!(before_restore, before);
    // A backend of a service nobody added, at line 6,001 (the fourth window):
    // refused once the windows before it went.
    let path = ns.file("rules", &restore_lines(6_001, "-a -t 10.250.0.1:80 -r 10.9.9.9:80 -m"));
    let Output { code, stderr, .. } = ns.lvsh().commands(&format!("restore {path}")).run();
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("no service tcp 10.250.0.1:80") && stderr.contains(&format!(" --> {path}:6001:1\n")),
        "{stderr}"
    );
    assert!(stderr.contains("the kernel is as it was"), "{stderr}");
    assert_eq!(ns.save(), before_restore);
    // An edit at line 4,001 reads the kernel: every window before it is sent
    // and answered first, and the windows go on after it.
    let edit = format!("-E -t {} -s wlc", vip(0));
    let path = ns.file("rules", &restore_lines(4_001, &edit));
    ns.lvsh().commands(&format!("restore {path}")).run().succeeds();
    let mut want = saved_table();
    want[0] = format!("-A -t {} -s wlc", vip(0));
    want.push("-A -t 10.0.0.1:80 -s wlc".to_string());
    want.push("-a -t 10.0.0.1:80 -r 10.9.0.1:80 -m -w 3".to_string());
    want.sort();
    assert_eq!(sorted(&ns.save()), want);
}
