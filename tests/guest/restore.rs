//! `restore FILE` and `ipvsadm -R` against the real `ipvsadm -R`: the same
//! file restored by lvsh in one namespace and by ipvsadm in its twin gives
//! the same table; a line lvsh cannot restore changes nothing and is named;
//! a refusal half way rolls the whole run back. The first test pins what
//! ipvsadm 1.31 itself does (docs/ipvsadm-format.md, "Restoring").

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lvsh::ipvs::{Daemon, DaemonState, Kernel, Op};

use crate::lvsh::Output;
use crate::support::{TestNs, IP};

/// Writes `text` to a file named `name` in the guest's /tmp; returns its path.
fn file(ns: &TestNs, name: &str, text: &str) -> String {
    let path = format!("/tmp/{}-{name}", ns.name);
    std::fs::write(&path, text).expect("write the rules");
    path
}

/// The real `ipvsadm -R` in `ns`, fed `text`: its exit code, stdout and
/// stderr. It fails the test if ipvsadm has not ended within a minute (it
/// waits forever for an ack the kernel never sends, e.g. for a daemon
/// stopped before its thread ran).
fn ipvsadm_restore(ns: &TestNs, text: &str) -> (i32, String, String) {
    let mut child = Command::new(IP)
        .args(["netns", "exec", &ns.name, "ipvsadm", "-R"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ipvsadm -R");
    let mut stdin = child.stdin.take().expect("ipvsadm's stdin");
    let input = text.to_string();
    // ipvsadm may stop reading half way (a comment, -h): a broken pipe is its answer.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait for ipvsadm -R").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ipvsadm -R did not end within a minute on:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("read ipvsadm -R's output");
    let _ = writer.join();
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

/// `restore PATH` by lvsh in `ns`.
fn lvsh_restore(ns: &TestNs, path: &str) -> Output {
    ns.lvsh().commands(&format!("restore {path}")).run()
}

/// A table to start from, made by ipvsadm: what a rollback must give back.
fn with_table() -> TestNs {
    let ns = TestNs::new();
    for line in [
        "-A -t 10.1.0.1:80 -s rr",
        "-a -t 10.1.0.1:80 -r 10.2.0.1:8000 -m -w 4",
        "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m",
        "-A -u 10.1.0.1:53 -s wlc",
        "--set 900 120 300",
    ] {
        ns.ipvsadm_line(line);
    }
    ns
}

/// The whole state a restore can change and `-S` does not show.
fn timeouts(ns: &TestNs) -> String {
    ns.ipvsadm(&["-L", "--timeout"])
}

#[test]
fn what_ipvsadm_r_itself_does_with_blank_lines_comments_and_lines_that_change_nothing() {
    const TRY: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n";
    const FIRST: &str = "-A -t 10.3.0.1:80 -s rr\n";
    const BOTH: &str = "-A -t 10.3.0.1:80 -s rr\n-A -t 10.3.0.2:80 -s rr\n";
    // What ipvsadm does with the line between two services: (what,
    // input, exit code, in stdout, stderr, the table it leaves).
    for (what, text, code, printed, stderr, table) in [
        ("blank lines and a lone ipvsadm are skipped", "\n \t\r\nipvsadm\n", 0, "", "", BOTH),
        ("a # line has no command: usage, stop", "# web\n", 255, "", TRY, FIRST),
        ("a save is printed, the run goes on", "-S -n\n", 0, FIRST, "", BOTH),
        ("-h prints the usage and ends the run", "-h\n", 0, "Usage:", "", FIRST),
        ("-R inside -R: usage, stop", "-R\n", 255, "", TRY, FIRST),
        (
            "refused by the kernel or popt: go on; by ipvsadm's checks: stop",
            "-a -t 10.3.0.9:80 -r 10.2.0.1:80 -m\n-A -t 10.3.0.1:80 -z\n-A -t 10.3.0.3 -s rr\n",
            2,
            "",
            "Service not defined\n-z: unknown option\nZero port specified for non-persistent service\n",
            FIRST,
        ),
    ] {
        let ns = TestNs::new();
        let input = format!("-A -t 10.3.0.1:80 -s rr\n{text}-A -t 10.3.0.2:80 -s rr\n");
        let (exit, stdout, errors) = ipvsadm_restore(&ns, &input);
        assert_eq!((exit, errors.as_str()), (code, stderr), "{what}");
        assert!(stdout.contains(printed), "{what}: {stdout}");
        assert_eq!(ns.save(), table, "{what}");
    }
    // The last line is lost when it ends in two blanks and no newline; one blank is harmless.
    for (end, table) in ["  ", " "].into_iter().zip([FIRST, BOTH]) {
        let ns = TestNs::new();
        let (exit, _, _) =
            ipvsadm_restore(&ns, &format!("-A -t 10.3.0.1:80 -s rr\n-A -t 10.3.0.2:80 -s rr{end}"));
        assert_eq!((exit, ns.save().as_str()), (0, table), "{end:?}");
    }
}

/// Every command `ipvsadm -R` runs, in several spellings, with blank
/// lines, `ipvsadm` words, tabs and a CRLF line end.
const MIXED: &str = "-A -t 10.1.0.1:80 -s rr
-a -t 10.1.0.1:80 -r 10.2.0.1:8000 -m -w 2
-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m
--add-service --udp-service 10.1.0.1:53 -s wlc -p 60
-a -u 10.1.0.1:53 -r 10.2.0.3:53 -g
-Z
-C

ipvsadm -A -t 10.1.0.1:80 -s wrr\r
-a -t 10.1.0.1:80 -r 10.2.0.1:8000 -m -w 5
\t-a\t-t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 3
-a -t 10.1.0.1:80 -r 10.2.0.9:8000 -m
-At 10.1.0.2:443 -s sh -b sh-port
-a -t 10.1.0.2:443 -r 10.2.0.4:443 -i --tun-type gue --tun-port 6080 --tun-csum
-A -f 7 -s rr
-a -f 7 -r 10.2.0.7:0 -m
-A -t [2001:db8::1]:80 -s rr
-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 3
-E -t 10.1.0.1:80 -s wlc -p 300
-e -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 7
-d -t 10.1.0.1:80 -r 10.2.0.9:8000
--set 100 20 30
-D -f 7
-Z -t 10.1.0.1:80
--edit-server --tcp-service=10.1.0.1:80 --real-server=10.2.0.1:8000 --masquerading --weight=9
   
ipvsadm
--delete-server -t [2001:db8::1]:80 -r [2001:db8::10]:8080
";

/// What [`MIXED`] leaves.
const MIXED_SAVED: &str = "-A -t 10.1.0.1:80 -s wlc -p 300
-a -t 10.1.0.1:80 -r 10.2.0.1:8000 -m -w 9
-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 7
-A -t 10.1.0.2:443 -s sh -b sh-port
-a -t 10.1.0.2:443 -r 10.2.0.4:443 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -t [2001:db8::1]:80 -s rr
";

#[test]
fn a_mixed_file_restored_by_lvsh_gives_the_table_ipvsadm_r_gives() {
    let by_ipvsadm = TestNs::new();
    let (code, stdout, stderr) = ipvsadm_restore(&by_ipvsadm, MIXED);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    assert_eq!(by_ipvsadm.save(), MIXED_SAVED);

    let by_lvsh = TestNs::new();
    let path = file(&by_lvsh, "mixed", MIXED);
    let out = lvsh_restore(&by_lvsh, &path).succeeds();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    assert_eq!(by_lvsh.save(), by_ipvsadm.save());
    assert_eq!(timeouts(&by_lvsh), timeouts(&by_ipvsadm));
    assert_eq!(timeouts(&by_lvsh), "Timeout (tcp tcpfin udp): 100 20 30\n");
}

#[test]
fn restore_and_ipvsadm_r_from_dash_c_and_from_a_script_are_one_path() {
    let by_ipvsadm = TestNs::new();
    ipvsadm_restore(&by_ipvsadm, MIXED);
    let want = (by_ipvsadm.save(), timeouts(&by_ipvsadm));

    let dash_c = TestNs::new();
    dash_c.lvsh().commands("ipvsadm -R").stdin(MIXED).run().succeeds();
    assert_eq!((dash_c.save(), timeouts(&dash_c)), want, "lvsh -c 'ipvsadm -R' < file");

    let script = TestNs::new();
    let path = file(&script, "restore.lvs", "ipvsadm -R\n");
    script.lvsh().args(["run", &path]).stdin(MIXED).run().succeeds();
    assert_eq!((script.save(), timeouts(&script)), want, "lvsh run of a line `ipvsadm -R`");
}

#[test]
fn a_line_lvsh_cannot_restore_changes_nothing_and_is_named() {
    for (bad, message, column) in [
        ("-L -n", "`-L` lists the table: only changes can be restored", 1),
        ("--save", "`--save` prints the table: only changes can be restored", 1),
        ("-R", "`-R` reads standard input again: only changes can be restored", 1),
        ("-h", "`-h` prints ipvsadm's usage: only changes can be restored", 1),
        (
            "# the web service",
            "`ipvsadm -R` has no comments: ipvsadm stops at this line with its usage message",
            1,
        ),
        ("garbage", "Try `ipvsadm -h' or 'ipvsadm --help' for more information.", 1),
        ("-a -t 10.1.0.1:80 -r 10.2.0.3:80 -z", "-z: unknown option", 34),
        ("-A -t 10.1.0.3 -s rr", "Zero port specified for non-persistent service", 7),
    ] {
        let ns = with_table();
        let before = (ns.save(), timeouts(&ns));
        // Changes of every kind before the bad line: none may reach the kernel.
        let text = format!("-C\n-A -t 10.1.0.2:80 -s rr\n--set 5 6 7\n{bad}\n-A -t 10.1.0.4:80 -s rr\n");
        let path = file(&ns, "bad", &text);
        let Output { code, stdout, stderr, .. } = lvsh_restore(&ns, &path);
        assert_eq!((code, stdout.as_str()), (2, ""), "{bad}: {stderr}");
        assert!(stderr.starts_with(&format!("error[lvs::restore::invalid]: {message}\n")), "{bad}: {stderr}");
        assert!(stderr.contains(&format!(" --> {path}:4:{column}\n")), "{bad}: {stderr}");
        assert!(stderr.contains(&format!("4 | {bad}\n")), "{bad}: {stderr}");
        assert!(stderr.contains("= note: restored from -c line 1\n"), "{bad}: {stderr}");
        assert!(stderr.contains("nothing was changed"), "{bad}: {stderr}");
        assert_eq!((ns.save(), timeouts(&ns)), before, "{bad} changed the kernel");

        // The same lines on standard input are refused the same way.
        let out = ns.lvsh().commands("ipvsadm -R").stdin(&text).run().exits(2);
        assert!(out.stderr.contains(&format!(" --> <stdin>:4:{column}\n")), "{bad}: {}", out.stderr);
        assert_eq!((ns.save(), timeouts(&ns)), before, "{bad} on stdin changed the kernel");
    }
}

#[test]
fn a_refusal_half_way_rolls_back_every_line_before_it_and_exits_3() {
    for (refused, message) in [
        ("-a -t 10.9.9.9:80 -r 10.2.0.5:80 -m", "no service tcp 10.9.9.9:80"),
        ("-E -t 10.9.9.9:80 -s rr", "no service tcp 10.9.9.9:80"),
        ("-d -t 10.1.0.1:80 -r 10.2.0.99:80", "no backend 10.2.0.99:80 in service tcp 10.1.0.1:80"),
    ] {
        let ns = with_table();
        let before = (ns.save(), timeouts(&ns));
        let text = format!(
            "-A -t 10.1.0.3:80 -s rr
-a -t 10.1.0.3:80 -r 10.2.0.3:80 -m
-E -t 10.1.0.1:80 -s wrr -p 60
-e -t 10.1.0.1:80 -r 10.2.0.1:8000 -m -w 9
-d -t 10.1.0.1:80 -r 10.2.0.2:8000
--set 10 20 30
-D -u 10.1.0.1:53
-Z
{refused}
-A -t 10.1.0.4:80 -s rr
"
        );
        let path = file(&ns, "refused", &text);
        let Output { code, stdout, stderr, .. } = lvsh_restore(&ns, &path);
        assert_eq!((code, stdout.as_str()), (3, ""), "{refused}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error[lvs::kernel::refused]: {message}\n")),
            "{refused}: {stderr}"
        );
        assert!(stderr.contains(&format!(" --> {path}:9:1\n")), "{refused}: {stderr}");
        assert!(stderr.contains("the kernel is as it was"), "{refused}: {stderr}");
        assert_eq!((ns.save(), timeouts(&ns)), before, "{refused}: not rolled back");
    }
}

#[test]
fn a_flush_in_the_middle_is_rolled_back_with_the_rest() {
    let ns = with_table();
    let before = ns.save();
    let path =
        file(&ns, "flush", "-A -t 10.1.0.3:80 -s rr\n-C\n-A -t 10.1.0.4:80 -s rr\n-A -t 10.1.0.4:80 -s rr\n");
    let Output { code, stderr, .. } = lvsh_restore(&ns, &path);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(&format!(" --> {path}:4:1\n")), "{stderr}");
    assert!(stderr.contains("rolled back the 3 changes this run made (lines 1, 2, 3)"), "{stderr}");
    assert_eq!(ns.save(), before);
}

/// A namespace with a dummy interface `d0` for sync daemons.
fn with_interface() -> TestNs {
    let ns = TestNs::new();
    ns.exec(&[IP, "link", "add", "d0", "type", "dummy"]);
    ns.exec(&[IP, "link", "set", "d0", "up"]);
    ns
}

/// Stops whatever daemons run in `ns`, through lvsh's client, which takes
/// the kernel's missing ack for a thread that never ran (ipvsadm hangs on it).
fn stop_daemons(ns: &TestNs) {
    let mut kernel = ns.kernel();
    let ops: Vec<Op> =
        kernel.daemons().expect("list the daemons").into_iter().map(|d| Op::StopDaemon(d.state)).collect();
    assert!(kernel.apply(&ops).expect("stop the daemons").iter().all(Result::is_ok));
}

#[test]
fn sync_daemons_restore_as_ipvsadm_r_starts_them_and_roll_back() {
    let _turn = crate::daemons::ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // No `--stop-daemon` right after a start here: ipvsadm would hang on it.
    let text = "--start-daemon master --mcast-interface d0 --syncid 3
--start-daemon backup --mcast-interface d0 --syncid 4 --mcast-port 8850
";
    // One namespace at a time: daemons in two at once can hang the guest kernel.
    let mut listed = Vec::new();
    for by_lvsh in [false, true] {
        let ns = with_interface();
        match by_lvsh {
            true => {
                let path = file(&ns, "daemons", text);
                lvsh_restore(&ns, &path).succeeds();
            }
            false => assert_eq!(ipvsadm_restore(&ns, text), (0, String::new(), String::new())),
        }
        listed.push(ns.ipvsadm(&["-L", "--daemon"]));
        stop_daemons(&ns);
    }
    assert_eq!(listed[0], listed[1]);
    assert!(listed[0].starts_with("master sync daemon (mcast=d0, syncid=3"), "{}", listed[0]);
    assert!(listed[0].contains("backup sync daemon (mcast=d0, syncid=4"), "{}", listed[0]);

    // A refusal after `--stop-daemon` and `--start-daemon` lines restarts
    // the one and stops the other.
    let ns = with_interface();
    ns.kernel()
        .apply_one(&Op::StartDaemon(Daemon::new(DaemonState::Backup, "d0", 7)))
        .expect("start a backup");
    let before = ns.ipvsadm(&["-L", "--daemon"]);
    let path = file(
        &ns,
        "daemon-refused",
        "--stop-daemon backup\n--start-daemon master --mcast-interface d0\n-D -t 10.9.9.9:80\n",
    );
    lvsh_restore(&ns, &path).exits(3);
    assert_eq!(ns.ipvsadm(&["-L", "--daemon"]), before);
    assert!(before.starts_with("backup sync daemon (mcast=d0, syncid=7"), "{before}");
    stop_daemons(&ns);
}
