//! `lvsh plan`, `apply` and `export` against a real kernel, with ipvsadm
//! making the drift behind lvsh's back and judging the result with
//! `ipvsadm -S -n`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cli::WIDE;
use crate::support::{sa, TestNs};
use crate::traffic::topology;

/// The seed tutorial's service, declared.
const TUTORIAL: &str = "service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8000 masq
    backend 10.10.0.3:8000 masq
}
";

/// A table as a set of `-S -n` lines: the kernel lists services in an
/// order of its own (a hash of the address and the namespace) and a
/// backend added again comes first, so two equal tables may list in
/// different orders.
fn lines(save: &str) -> Vec<String> {
    let mut lines: Vec<String> = save.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[track_caller]
fn assert_same_table(actual: &str, expected: &str, context: &str) {
    assert_eq!(lines(actual), lines(expected), "{context}\n--- actual\n{actual}--- expected\n{expected}");
}

#[test]
fn plan_shows_each_drift_exactly_changes_nothing_and_apply_undoes_it() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    let out = ns.lvsh().args(["apply", &path]).run().succeeds();
    assert!(
        out.stdout.ends_with("applied: 3 kernel operations (history 1: `lvsh rollback` undoes it)\n"),
        "{}",
        out.stdout
    );
    let declared = ns.save();
    let out = ns.lvsh().args(["plan", &path]).run().exits(0);
    assert_eq!(out.stdout, "in sync: the kernel is as the files declare\n");
    let drifts: [(&str, &str); 4] = [
        (
            "-e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 3",
            "~ service web tcp 111.111.0.1:80
    ~ backend 10.10.0.3:8000 weight 3 → 1
        ipvsadm -e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1
changes pending: 1 service to change; 1 kernel operation in one transaction
",
        ),
        (
            "-d -t 111.111.0.1:80 -r 10.10.0.2:8000",
            "~ service web tcp 111.111.0.1:80
    + backend 10.10.0.2:8000 masq weight 1
        ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1
changes pending: 1 service to change; 1 kernel operation in one transaction
",
        ),
        (
            "-E -t 111.111.0.1:80 -s wlc",
            "~ service web tcp 111.111.0.1:80
    ~ scheduler wlc → rr
        ipvsadm -E -t 111.111.0.1:80 -s rr
changes pending: 1 service to change; 1 kernel operation in one transaction
",
        ),
        (
            "-C",
            "+ service web tcp 111.111.0.1:80 rr
    ipvsadm -A -t 111.111.0.1:80 -s rr
    + backend 10.10.0.2:8000 masq weight 1
        ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1
    + backend 10.10.0.3:8000 masq weight 1
        ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1
changes pending: 1 service to add; 3 kernel operations in one transaction
",
        ),
    ];
    for (drift, expected) in drifts {
        ns.ipvsadm_line(drift);
        let drifted = ns.save();
        let out = ns.lvsh().args(["plan", &path]).run().exits(1);
        assert_eq!(out.stdout, expected, "plan after `ipvsadm {drift}`");
        assert_eq!(ns.save(), drifted, "plan changed the table after `ipvsadm {drift}`");
        ns.lvsh().args(["apply", &path]).run().succeeds();
        assert_same_table(&ns.save(), &declared, &format!("apply after `ipvsadm {drift}`"));
        ns.lvsh().args(["plan", &path]).run().exits(0);
    }
}

#[test]
fn a_service_the_files_do_not_declare_is_left_alone_unless_pruned() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &path]).run().succeeds();
    let declared = ns.save();
    ns.ipvsadm_line("-A -u 111.111.0.1:53 -s rr");
    ns.ipvsadm_line("-a -u 111.111.0.1:53 -r 10.10.0.5:53 -m");
    let out = ns.lvsh().args(["plan", &path]).run().exits(0);
    assert_eq!(
        out.stdout,
        "not managed: 1 service the files do not declare, left as it is (`apply --prune` removes it):
  udp 111.111.0.1:53
in sync: the kernel is as the files declare
"
    );
    let out = ns.lvsh().args(["plan", "--prune", &path]).run().exits(1);
    assert_eq!(
        out.stdout,
        "- service udp 111.111.0.1:53 rr
    - backend 10.10.0.5:53 masq weight 1
    ipvsadm -D -u 111.111.0.1:53
changes pending: 1 service to remove; 1 kernel operation in one transaction
"
    );
    ns.lvsh().args(["apply", &path]).run().succeeds();
    assert!(ns.save().contains("-A -u 111.111.0.1:53 -s rr"), "apply without --prune removed a service");
    ns.lvsh().args(["apply", "--prune", &path]).run().succeeds();
    assert_same_table(&ns.save(), &declared, "apply --prune");
}

#[test]
fn the_json_plan_names_each_change_and_its_ipvsadm_line() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &path]).run().succeeds();
    ns.ipvsadm_line("-e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 3");
    let out = ns.lvsh().args(["--json", "plan", &path]).run().exits(1);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan --json is JSON");
    assert_eq!(plan["in_sync"], false);
    assert_eq!(plan["operations"], 1);
    let backend = &plan["services"][0]["backends"][0];
    assert_eq!(backend["backend"], "10.10.0.3:8000");
    assert_eq!(backend["fields"][0], serde_json::json!({ "field": "weight", "old": "3", "new": "1" }));
    assert_eq!(backend["ipvsadm"], "ipvsadm -e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1");
}

#[test]
fn one_changed_weight_is_one_kernel_operation() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &path]).run().succeeds();
    let changed =
        ns.file("web3.lvs", &TUTORIAL.replace("10.10.0.3:8000 masq", "10.10.0.3:8000 masq weight 3"));
    let out = ns.lvsh().args(["apply", &changed]).run().succeeds();
    assert!(
        out.stdout.ends_with("applied: 1 kernel operation (history 2: `lvsh rollback` undoes it)\n"),
        "{}",
        out.stdout
    );
    assert!(ns.save().contains("-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 3\n"));
}

#[test]
fn a_file_with_effects_is_refused_and_changes_nothing() {
    let ns = TestNs::new();
    let before = ns.save();
    let path = ns.file("effects.lvs", &format!("{TUTORIAL}probe web count 2\nflush\n"));
    let out = ns.lvsh().args(["apply", &path]).run().exits(2);
    assert!(
        out.stderr.contains("error[lvs::apply::not-declarative]: `plan` and `apply` take declarations"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!("{path}:5:1")), "{}", out.stderr);
    assert_eq!(ns.save(), before);
}

#[test]
fn a_refusal_rolls_the_whole_apply_back() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &path]).run().succeeds();
    let before = ns.save();
    let text = format!(
        "{}service tcp 111.111.0.9:80 nosuch\n",
        TUTORIAL.replace("10.10.0.3:8000 masq", "10.10.0.3:8000 masq weight 7")
    );
    let bad = ns.file("bad.lvs", &text);
    let out = ns.lvsh().args(["apply", &bad]).run().exits(3);
    assert!(out.stderr.contains("rolled back"), "{}", out.stderr);
    assert_eq!(ns.save(), before);
}

#[test]
fn export_then_apply_in_an_empty_namespace_gives_the_same_table() {
    let (a, b) = (TestNs::new(), TestNs::new());
    let wide = a.file("wide.lvs", WIDE);
    a.lvsh().args(["run", &wide]).run().succeeds();
    a.ipvsadm_line("--set 100 20 30");
    let exported = a.lvsh().arg("export").run().succeeds().stdout;
    let path = a.file("export.lvs", &exported);
    a.lvsh().args(["plan", "--prune", &path]).run().exits(0);
    b.lvsh().args(["apply", &path]).run().succeeds();
    assert_same_table(&b.save(), &a.save(), &format!("the export:\n{exported}"));
    assert_eq!(b.ipvsadm(&["-L", "--timeout"]), a.ipvsadm(&["-L", "--timeout"]));
    b.lvsh().args(["plan", "--prune", &path]).run().exits(0);
}

/// A director with one backend that holds a client's connection open
/// until told to close it.
struct Held {
    topology: crate::traffic::Topology,
    close: mpsc::Sender<()>,
    server: std::thread::JoinHandle<()>,
    client: std::thread::JoinHandle<()>,
}

/// Declares 10.2.0.2:8000 behind the VIP and opens one connection to it.
fn held_connection(file: &str) -> (Held, String) {
    let t = topology();
    let path = t.director.file("one.lvs", file);
    t.director.lvsh().args(["apply", &path]).run().succeeds();
    let (ready_tx, ready_rx) = mpsc::channel();
    let netns = t.backend.netns();
    let (close_tx, close_rx) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        netns
            .run(move || {
                let listener = TcpListener::bind("10.2.0.2:8000").expect("bind the backend");
                ready_tx.send(()).expect("ready");
                let (mut stream, _) = listener.accept().expect("accept the client");
                stream.write_all(b"hello").expect("greet");
                let _ = close_rx.recv_timeout(Duration::from_secs(60));
            })
            .expect("enter the backend");
    });
    ready_rx.recv_timeout(Duration::from_secs(5)).expect("the backend listens");
    let (open_tx, open_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let client_ns = t.client.netns();
    let client = std::thread::spawn(move || {
        client_ns
            .run(move || {
                let mut stream = TcpStream::connect_timeout(&sa("10.1.0.1:80"), Duration::from_secs(3))
                    .expect("connect to the VIP");
                let mut greeting = [0u8; 5];
                stream.read_exact(&mut greeting).expect("the greeting");
                open_tx.send(()).expect("open");
                // Held until the backend closes (or the test ends).
                let _ = done_rx.recv_timeout(Duration::from_secs(60));
                let _ = stream.read(&mut [0u8; 16]);
            })
            .expect("enter the client");
    });
    open_rx.recv_timeout(Duration::from_secs(5)).expect("the connection is open");
    drop(done_tx);
    let before = t.director.save();
    (Held { topology: t, close: close_tx, server, client }, before)
}

const ONE: &str = "service tcp 10.1.0.1:80 rr {\n    backend 10.2.0.2:8000 masq weight 2\n}\n";
const OTHER: &str = "service tcp 10.1.0.1:80 rr {\n    backend 10.2.0.3:8000 masq\n}\n";

/// Waits until `ipvsadm -S -n` holds `line`.
fn wait_for(ns: &TestNs, line: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ns.save().contains(line) {
        assert!(Instant::now() < deadline, "`{line}` never appeared:\n{}", ns.save());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn drain_removes_a_backend_only_after_its_connection_closes() {
    let (held, _) = held_connection(ONE);
    let director = &held.topology.director;
    let other = director.file("other.lvs", OTHER);
    let apply = director.lvsh().args(["apply", "--drain", "30s", &other]).into_command();
    let child = { apply }.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start apply");
    let started = Instant::now();
    wait_for(director, "-r 10.2.0.2:8000 -m -w 0");
    std::thread::sleep(Duration::from_secs(1));
    assert!(director.save().contains("-r 10.2.0.2:8000 -m -w 0"), "removed before its connection closed");
    held.close.send(()).expect("close the connection");
    let _ = held.server.join();
    let _ = held.client.join();
    let out = child.wait_with_output().expect("apply ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(25), "apply waited out its time: {stdout}");
    assert!(stdout.contains("draining 1 backend (weight 0)"), "{stdout}");
    assert!(stdout.contains("drained in"), "{stdout}");
    let save = director.save();
    assert!(!save.contains("10.2.0.2:8000") && save.contains("-r 10.2.0.3:8000"), "{save}");
}

#[test]
fn drain_removes_a_backend_when_its_time_is_up() {
    let (held, _) = held_connection(ONE);
    let director = &held.topology.director;
    let other = director.file("other.lvs", OTHER);
    let out = director.lvsh().args(["apply", "--drain", "2s", &other]).run().succeeds();
    assert!(
        out.stdout
            .contains("2s passed with 1 active connection still open on 10.2.0.2:8000 (1): removing anyway"),
        "{}",
        out.stdout
    );
    assert!(!director.save().contains("10.2.0.2:8000"));
    let _ = held.close.send(());
}

#[test]
fn sigterm_while_draining_puts_the_weight_back() {
    let (held, before) = held_connection(ONE);
    let director = &held.topology.director;
    let other = director.file("other.lvs", OTHER);
    let apply = director.lvsh().args(["apply", "--drain", "30s", &other]).into_command();
    let child = { apply }.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start apply");
    wait_for(director, "-r 10.2.0.2:8000 -m -w 0");
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().expect("apply ends");
    assert_eq!(out.status.code(), Some(143), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(director.save(), before);
    let _ = held.close.send(());
}

#[test]
fn rollback_after_two_applies_returns_to_each_earlier_table() {
    let ns = TestNs::new();
    let empty = ns.save();
    let first = ns.file("v1.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &first]).run().succeeds();
    let v1 = ns.save();
    let second = ns.file(
        "v2.lvs",
        &TUTORIAL
            .replace("10.10.0.3:8000 masq", "10.10.0.3:8000 masq weight 3\n    backend 10.10.0.4:8000 route"),
    );
    let out = ns.lvsh().args(["apply", &second]).run().succeeds();
    assert!(out.stdout.contains("(history 2: `lvsh rollback` undoes it)"), "{}", out.stdout);
    let history = ns.lvsh().arg("history").run().succeeds().stdout;
    let rows: Vec<&str> = history.lines().collect();
    assert!(rows[0].starts_with("   2  ") && rows[0].contains(&format!("apply {second}")), "{history}");
    assert!(rows[0].ends_with("1 service changed"), "{history}");
    assert!(rows[1].starts_with("   1  ") && rows[1].ends_with("1 service added"), "{history}");
    let out = ns.lvsh().arg("rollback").run().succeeds();
    assert!(
        out.stdout.starts_with(&format!("rolling back to the table before change 2 (apply {second}):\n")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("    - backend 10.10.0.4:8000 route weight 1"), "{}", out.stdout);
    assert_same_table(&ns.save(), &v1, "rollback of the second apply");
    ns.lvsh().args(["rollback", "1"]).run().succeeds();
    assert_same_table(&ns.save(), &empty, "rollback 1");
    // A rollback is a change too: the one before it comes back.
    ns.lvsh().arg("rollback").run().succeeds();
    assert_same_table(&ns.save(), &v1, "rollback of rollback 1");
    let out = ns.lvsh().args(["history", "1"]).run().succeeds();
    assert!(out.stdout.contains("# command: apply "), "{}", out.stdout);
    ns.lvsh().args(["rollback", "99"]).run().exits(2);
}

#[test]
fn a_run_that_changed_the_kernel_is_in_the_history() {
    let ns = TestNs::new();
    let before = ns.save();
    ns.lvsh().commands("service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq }").run().succeeds();
    ns.lvsh().commands("show").run().succeeds();
    let history = ns.lvsh().arg("history").run().succeeds().stdout;
    assert_eq!(history.lines().filter(|l| l.contains(" run ")).count(), 1, "{history}");
    assert!(history.lines().next().unwrap_or("").ends_with("1 service added"), "{history}");
    // The history tells the table after a run from the operations it made:
    // a run that adds, changes and removes is counted as reading would.
    let mixed = "service api tcp 111.111.0.1:443 rr\n\
                 set service tcp 111.111.0.1:80 wlc\n\
                 backend tcp 111.111.0.1:80 10.10.0.3:8000 masq\n\
                 del service tcp 111.111.0.1:443\n\
                 service tcp 111.111.0.1:8080 rr\n";
    ns.lvsh().commands(mixed).run().succeeds();
    let history = ns.lvsh().arg("history").run().succeeds().stdout;
    assert!(history.lines().next().unwrap_or("").ends_with("1 service added, 1 changed"), "{history}");
    // Back to the table before change 1, the first run.
    ns.lvsh().args(["rollback", "1"]).run().succeeds();
    assert_eq!(ns.save(), before);
}

#[test]
fn a_run_of_a_table_keeps_the_whole_table_before_it_as_the_run_read_it() {
    let ns = TestNs::new();
    // Forty services of a table, and two the file does not declare: one
    // with backends, one without.
    let vip = |i: usize| format!("10.1.0.{}:80", i + 1);
    let mut file = String::new();
    for i in 0..40 {
        ns.ipvsadm_line(&format!("-A -t {} -s rr", vip(i)));
        ns.ipvsadm_line(&format!("-a -t {} -r 172.20.0.{}:8080 -m -w 1", vip(i), i + 1));
        // Service 7's backend changes weight, service 8 its scheduler.
        let weight = if i == 7 { 5 } else { 1 };
        let scheduler = if i == 8 { "wlc" } else { "rr" };
        file.push_str(&format!(
            "service tcp {} {scheduler} {{\n    backend 172.20.0.{}:8080 masq weight {weight}\n}}\n",
            vip(i),
            i + 1
        ));
    }
    ns.ipvsadm_line("-A -t 10.2.0.1:443 -s wlc");
    ns.ipvsadm_line("-a -t 10.2.0.1:443 -r 172.21.0.1:443 -g -w 2");
    ns.ipvsadm_line("-a -t 10.2.0.1:443 -r 172.21.0.2:443 -i -w 0");
    ns.ipvsadm_line("-A -u 10.2.0.2:53 -s sh");
    let before = ns.save();
    // Long enough (over 64 lines, first a service) to be read while it is parsed.
    let path = ns.file("table.lvs", &file);
    let out = ns.lvsh().args(["run", &path]).run().succeeds();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    let history = ns.lvsh().arg("history").run().succeeds().stdout;
    assert!(history.lines().next().unwrap_or("").ends_with("2 services changed"), "{history}");
    let entry = ns.lvsh().args(["history", "1"]).run().succeeds().stdout;
    assert!(entry.contains("service tcp 10.1.0.9:80 rr {\n"), "{entry}");
    assert!(entry.contains("service tcp 10.2.0.1:443 wlc {\n"), "{entry}");
    assert!(entry.contains("service udp 10.2.0.2:53 sh\n"), "{entry}");
    ns.lvsh().arg("rollback").run().succeeds();
    assert_same_table(&ns.save(), &before, "rollback of the run");
}

#[test]
fn export_names_the_services_apply_named() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    ns.lvsh().args(["apply", &path]).run().succeeds();
    let out = ns.lvsh().arg("export").run().succeeds();
    assert!(
        out.stdout.contains("service web tcp 111.111.0.1:80 rr {\n    backend 10.10.0.2:8000 masq\n"),
        "{}",
        out.stdout
    );
}

/// Waits until the table is `expected` (as a set of lines), for at most 20 s.
fn wait_for_table(ns: &TestNs, expected: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines(&ns.save()) != lines(expected) {
        assert!(Instant::now() < deadline, "{what}: the table never became\n{expected}but is\n{}", ns.save());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_unconfirmed_apply_reverts_and_a_confirmed_one_stays() {
    let ns = TestNs::new();
    let before = ns.save();
    let path = ns.file("web.lvs", TUTORIAL);
    // Long enough for the checks below to come before the deadline on a busy (emulated) guest.
    let out = ns.lvsh().args(["apply", "--confirm", "6s", &path]).run().succeeds();
    assert!(out.stdout.contains("not confirmed yet: change 1 reverts at "), "{}", out.stdout);
    assert!(out.stdout.contains("unless confirmed: run `lvsh confirm`\n"), "{}", out.stdout);
    let applied = ns.save();
    assert_ne!(applied, before);
    let out = ns.lvsh().args(["apply", &path]).run().exits(4);
    assert!(out.stderr.contains("a change awaits confirmation in this namespace"), "{}", out.stderr);
    wait_for_table(&ns, &before, "not confirmed");
    let out = ns.lvsh().arg("confirm").run().exits(1);
    assert!(out.stderr.contains("nothing awaits confirmation in this namespace"), "{}", out.stderr);
    let history = ns.lvsh().arg("history").run().succeeds().stdout;
    assert!(history.lines().next().unwrap_or("").contains("revert (not confirmed) 1"), "{history}");

    ns.lvsh().args(["apply", "--confirm", "8s", &path]).run().succeeds();
    let out = ns.lvsh().arg("confirm").run().succeeds();
    assert_eq!(out.stdout, "confirmed: change 3 stays\n");
    std::thread::sleep(Duration::from_secs(10));
    assert_same_table(&ns.save(), &applied, "confirmed");
}

/// `lvsh --netns NS apply --confirm WITHIN FILE` on a terminal, waiting for Enter.
fn apply_on_a_terminal(
    within: &str,
    ns: &TestNs,
    path: &str,
) -> expectrl::Session<expectrl::process::unix::UnixProcess, expectrl::process::unix::PtyStream> {
    let command = ns.lvsh().args(["apply", "--confirm", within, path]).env("NO_COLOR", "1").into_command();
    let mut session = expectrl::Session::spawn(command).expect("apply on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    expectrl::Expect::expect(&mut session, "or press Enter here").expect("the offer to confirm");
    session
}

#[test]
fn the_revert_happens_when_the_terminal_that_applied_is_gone() {
    let ns = TestNs::new();
    let before = ns.save();
    let path = ns.file("web.lvs", TUTORIAL);
    let session = apply_on_a_terminal("6s", &ns, &path);
    let pid = session.get_process().pid().as_raw();
    // SAFETY: kill only sends a signal to the lvsh this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    drop(session);
    assert!(ns.save().contains("10.10.0.2:8000"), "the change was made");
    wait_for_table(&ns, &before, "the applying lvsh and its terminal are gone");
}

#[test]
fn enter_on_the_terminal_that_applied_confirms() {
    let ns = TestNs::new();
    let path = ns.file("web.lvs", TUTORIAL);
    let mut session = apply_on_a_terminal("8s", &ns, &path);
    let applied = ns.save();
    expectrl::Expect::send(&mut session, "\r").expect("press Enter");
    expectrl::Expect::expect(&mut session, "confirmed: change 1 stays").expect("confirmed");
    std::thread::sleep(Duration::from_secs(9));
    assert_eq!(ns.save(), applied);
    ns.lvsh().arg("confirm").run().exits(1);
}

/// The README's example: the tutorial's declarations after `ipvsadm -e ... -w 3`
/// and `ipvsadm -d` behind lvsh's back.
#[test]
fn the_readme_plan_of_the_tutorial_service_is_what_lvsh_prints() {
    let ns = TestNs::new();
    let path = "/root/examples/tutorial-web.lvs";
    ns.lvsh().args(["apply", path]).run().succeeds();
    ns.ipvsadm_line("-e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 3");
    ns.ipvsadm_line("-d -t 111.111.0.1:80 -r 10.10.0.2:8000");
    let out = ns.lvsh().args(["plan", path]).run().exits(1);
    let readme = include_str!("../../README.md");
    let start = readme.find("$ lvsh plan examples/tutorial-web.lvs\n").expect("the README's plan example")
        + "$ lvsh plan examples/tutorial-web.lvs\n".len();
    let end = start + readme[start..].find("```").expect("the end of the example");
    assert_eq!(out.stdout, &readme[start..end]);
}
