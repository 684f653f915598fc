//! The `lvsh` binary and the `.lvs` language against the kernel, with
//! ipvsadm as the judge.

use crate::lvsh::Output;
use crate::support::{lvsh, TestNs};

/// Writes a script into the guest's /tmp and returns its path.
fn script(ns: &TestNs, text: &str) -> String {
    let path = format!("/tmp/{}.lvs", ns.name);
    std::fs::write(&path, text).expect("write the script");
    path
}

/// A table with most of what a listing can show.
pub(crate) const WIDE: &str = "service web tcp 111.111.0.1:80 wrr {
    backend 10.10.0.2:8000 masq weight 5
    backend 10.10.0.3:80 route weight 0
    backend 10.10.0.4:80 tunnel gue port 6080 csum upper 100 lower 10
}
service dns udp 111.111.0.1:53 sh persistent 600 netmask 255.255.255.0 flags sh-fallback,sh-port one-packet
service sip udp 111.111.0.2:5060 rr persistent 60 pe sip
service v6 tcp [2001:db8::1]:80 sed {
    backend [2001:db8::10]:8080 masq weight 3
}
service marks fwmark 7 mh flags mh-port
service marks6 fwmark 8 ipv6 lc persistent 30 prefix 64
backend marks 10.10.0.12:0 masq
service diameter sctp 111.111.0.1:3868 nq
";

#[test]
fn show_and_save_print_exactly_what_ipvsadm_prints() {
    let ns = TestNs::new();
    let path = script(&ns, WIDE);
    ns.lvsh().args(["run", &path]).run().succeeds();
    for (show, ipvsadm) in [
        ("show", vec!["-L", "-n"]),
        ("show --stats", vec!["-L", "-n", "--stats"]),
        ("show --rate", vec!["-L", "-n", "--rate"]),
        ("show --thresholds", vec!["-L", "-n", "--thresholds"]),
        ("show --persistent", vec!["-L", "-n", "--persistent-conn"]),
        ("show --tun-info", vec!["-L", "-n", "--tun-info"]),
        ("show --stats --exact", vec!["-L", "-n", "--stats", "--exact"]),
        ("show web", vec!["-L", "-n", "-t", "111.111.0.1:80"]),
        ("show timeouts", vec!["-L", "--timeout"]),
        ("save", vec!["-S", "-n"]),
    ] {
        let Output { code, stdout, stderr, .. } =
            ns.lvsh().commands(&format!("{TUTORIAL_NAMES}{show}")).run();
        assert_eq!(code, 0, "{show}: {stderr}");
        assert_eq!(stdout, ns.ipvsadm(&ipvsadm), "lvsh `{show}` against ipvsadm {ipvsadm:?}");
    }
}

#[test]
fn backends_read_by_getsockopt_and_those_it_cannot_give_list_as_ipvsadm_lists_them() {
    // Listings, save and plans read an IPv4 service's backends with one
    // getsockopt; that interface skips a backend of the other family (here
    // an IPv6 tunnel backend of an IPv4 service) and lacks tunnel settings,
    // so those services are read by netlink. Each listing must be ipvsadm's.
    let ns = TestNs::new();
    let path = script(
        &ns,
        "service plain tcp 10.0.0.1:80 wlc {
    backend 10.0.1.1:80 masq weight 2 upper 50 lower 5
    backend 10.0.1.2:80 route weight 0
}
service mixed tcp 10.0.0.2:80 rr {
    backend 10.0.2.1:80 masq weight 3 upper 9
    backend [2001:db8::2]:80 tunnel
}
service marks fwmark 9 rr { backend 10.0.3.1:0 masq upper 7 }
",
    );
    ns.lvsh().args(["run", &path]).run().succeeds();
    assert!(ns.ipvsadm(&["-S", "-n"]).contains("-r [2001:db8::2]:80 -i -w 1"), "the mixed backend is in");
    for (show, ipvsadm) in [
        ("show", vec!["-L", "-n"]),
        ("show --thresholds", vec!["-L", "-n", "--thresholds"]),
        ("show --persistent", vec!["-L", "-n", "--persistent-conn"]),
        ("show --tun-info", vec!["-L", "-n", "--tun-info"]),
        ("save", vec!["-S", "-n"]),
    ] {
        let Output { code, stdout, stderr, .. } = ns.lvsh().commands(show).run();
        assert_eq!(code, 0, "{show}: {stderr}");
        assert_eq!(stdout, ns.ipvsadm(&ipvsadm), "lvsh `{show}` against ipvsadm {ipvsadm:?}");
    }
    // A plan reads them the same way: the file it came from is in sync.
    let out = ns.lvsh().args(["plan", &path]).run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("in sync"), "{}", out.stdout);
}

/// `show web` needs the name: declaring the same service again names it
/// and changes nothing.
const TUTORIAL_NAMES: &str = "service web tcp 111.111.0.1:80 wrr; ";

#[test]
fn running_a_file_twice_changes_nothing_the_second_time() {
    let ns = TestNs::new();
    let path = script(&ns, WIDE);
    ns.lvsh().args(["run", &path]).run().succeeds();
    let before = ns.save();
    let thresholds = ns.ipvsadm(&["-L", "-n", "--thresholds"]);
    let Output { code, stdout, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    assert_eq!(ns.save(), before);
    assert_eq!(ns.ipvsadm(&["-L", "-n", "--thresholds"]), thresholds);
}

#[test]
fn a_run_whose_fifth_operation_is_refused_leaves_the_kernel_as_it_was() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.0.0.1:80 -s wlc");
    ns.ipvsadm_line("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 2");
    let before = ns.save();
    let path = script(
        &ns,
        "service tcp 10.0.0.1:80 rr
backend tcp 10.0.0.1:80 10.0.1.1:80 masq weight 4
service tcp 10.0.0.2:80 rr
del backend tcp 10.0.0.1:80 10.0.1.1:80
ipvsadm -A -t 10.0.0.2:80 -s rr
echo not reached
",
    );
    let Output { code, stdout, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "error[lvs::kernel::refused]: service tcp 10.0.0.2:80 already exists
 --> {path}:5:1
  |
5 | ipvsadm -A -t 10.0.0.2:80 -s rr
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: declare it with `service` to accept it as it is, or edit it
  = note: rolled back the 4 changes this run made (lines 1, 2, 3, 4); the kernel is as it was
"
        )
    );
    assert_eq!(ns.save(), before);
}

#[test]
fn a_refused_declaration_in_a_stretch_sent_as_one_batch_points_at_its_line_and_undoes_all() {
    // Declarations go to the kernel together; the kernel refuses the
    // unknown scheduler of the third service, and everything is undone.
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.0.0.1:80 -s wlc");
    ns.ipvsadm_line("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 2");
    let before = ns.save();
    let path = script(
        &ns,
        "service tcp 10.0.0.1:80 rr {
    backend 10.0.1.1:80 masq weight 4
    backend 10.0.1.2:80 masq
}
service tcp 10.0.0.2:80 rr { backend 10.0.2.1:80 masq }
service tcp 10.0.0.3:80 nosuchsched
service tcp 10.0.0.4:80 rr { backend 10.0.4.1:80 masq }
",
    );
    let Output { code, stdout, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!((code, stdout.as_str()), (3, ""), "{stderr}");
    assert!(
        stderr.contains("error[lvs::kernel::refused]: scheduler 'nosuchsched' is not available")
            && stderr.contains(&format!(" --> {path}:6:1\n"))
            && stderr.contains("6 | service tcp 10.0.0.3:80 nosuchsched\n"),
        "{stderr}"
    );
    // The whole stretch went in one batch: the line after the refused one
    // took effect too, and is undone with the rest.
    assert!(
        stderr.contains("= note: rolled back the 7 changes this run made (lines 1, 2, 3, 5, 7)"),
        "{stderr}"
    );
    assert_eq!(ns.save(), before);
    // Without the refused one, the same stretch lands whole.
    let path = script(&ns, &std::fs::read_to_string(&path).expect("the script").replace("nosuchsched", "sh"));
    ns.lvsh().args(["run", &path]).run().succeeds();
    holds(
        &ns.save(),
        &[
            "-A -t 10.0.0.1:80 -s rr\n",
            "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 4\n",
            "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 1\n",
            "-a -t 10.0.0.2:80 -r 10.0.2.1:80 -m -w 1\n",
            "-A -t 10.0.0.3:80 -s sh\n",
            "-a -t 10.0.0.4:80 -r 10.0.4.1:80 -m -w 1\n",
        ],
    );
}

/// Every line is in the saved table.
fn holds(save: &str, lines: &[&str]) {
    for line in lines {
        assert!(save.contains(line), "{line} in {save}");
    }
}

#[test]
fn a_long_stretch_of_declarations_reads_the_table_once_and_edits_what_differs() {
    // Sixteen declarations or more: the stretch starts from one dump of the
    // table (staged.rs's WHOLE_TABLE_AT), and still edits only what differs.
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.0.0.1:80 -s wlc");
    ns.ipvsadm_line("-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 2");
    ns.ipvsadm_line("-A -t 10.0.0.2:80 -s rr");
    let mut text = String::from(
        "service tcp 10.0.0.1:80 rr {\n    backend 10.0.1.1:80 masq weight 4\n    backend 10.0.1.2:80 masq\n}\n",
    );
    for n in 3..=20 {
        text.push_str(&format!("service tcp 10.0.0.{n}:80 rr {{ backend 10.0.{n}.1:80 masq }}\n"));
    }
    let path = script(&ns, &text);
    ns.lvsh().args(["run", &path]).run().succeeds();
    let save = ns.save();
    holds(
        &save,
        &[
            "-A -t 10.0.0.1:80 -s rr\n",
            "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 4\n",
            "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 1\n",
            // Not declared: left as it was.
            "-A -t 10.0.0.2:80 -s rr\n",
            "-a -t 10.0.0.20:80 -r 10.0.20.1:80 -m -w 1\n",
        ],
    );
    assert_eq!(save.lines().count(), 3 + 1 + 2 * 18, "{save}");
    ns.lvsh().args(["run", &path]).run().succeeds();
    assert_eq!(ns.save(), save, "a second run changes nothing");
}

#[test]
fn keep_going_reports_the_refusal_and_keeps_the_rest() {
    let ns = TestNs::new();
    let path = script(
        &ns,
        "ipvsadm -A -t 10.0.0.1:80 -s rr\nipvsadm -A -t 10.0.0.1:80 -s rr\nipvsadm -A -t 10.0.0.2:80 -s rr\n",
    );
    let Output { code, stderr, .. } = ns.lvsh().args(["run", "--keep-going", &path]).run();
    assert_eq!(code, 3);
    assert!(stderr.contains("service tcp 10.0.0.1:80 already exists"), "{stderr}");
    assert_eq!(ns.save(), "-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.2:80 -s rr\n");
}

#[test]
fn a_file_that_does_not_parse_changes_nothing() {
    let ns = TestNs::new();
    let path = script(&ns, "ipvsadm -A -t 10.0.0.1:80 -s rr\nservice tcp 10.0.0.2:80 rr persistant\n");
    let Output { code, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown service option `persistant`")
            && stderr.contains("did you mean `persistent`?"),
        "{stderr}"
    );
    assert!(stderr.ends_with("note: 1 error; lvsh changed nothing in the kernel\n"), "{stderr}");
    assert_eq!(ns.save(), "");
}

/// Lines in ipvsadm's syntax, each run after the ones before it.
const IPVSADM_LINES: &[&str] = &[
    "-A -t 111.111.0.1:80 -s rr",
    "-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m",
    "-a -t 111.111.0.1:80 -r 10.10.0.3:8080 -g -w 3",
    "-a -t 111.111.0.1:80 -r 10.10.0.4 -i --tun-type gue --tun-port 6080 --tun-remcsum",
    "-e -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 7 -x 50 -y 5",
    "-E -t 111.111.0.1:80 -s sh -b sh-port -p",
    "-A -u 111.111.0.1:53 -s wrr -p 60 -M 255.255.0.0 -o",
    "-A -f 9 -6 -s lc -p 10 -M 48",
    "-a -f 9 -6 -r [2001:db8::9]:0 -m",
    "-A --sctp-service 111.111.0.5:3868",
    "-d -t 111.111.0.1:80 -r 10.10.0.3:80",
    "-D -u 111.111.0.1:53",
    "--set 100 20 30",
    "-Z",
];

#[test]
fn each_ipvsadm_line_gives_the_same_kernel_state_as_ipvsadm() {
    let by_lvsh = TestNs::new();
    let by_ipvsadm = TestNs::new();
    for line in IPVSADM_LINES {
        let Output { code, stderr, .. } = by_lvsh.lvsh().commands(&format!("ipvsadm {line}")).run();
        assert_eq!(code, 0, "lvsh: ipvsadm {line}: {stderr}");
        by_ipvsadm.ipvsadm_line(line);
        assert_eq!(by_lvsh.save(), by_ipvsadm.save(), "after `ipvsadm {line}`");
        let thresholds = ["-L", "-n", "--thresholds"];
        assert_eq!(by_lvsh.ipvsadm(&thresholds), by_ipvsadm.ipvsadm(&thresholds), "after `ipvsadm {line}`");
        assert_eq!(by_lvsh.ipvsadm(&["-L", "--timeout"]), by_ipvsadm.ipvsadm(&["-L", "--timeout"]));
    }
}

#[test]
fn an_unknown_namespace_exits_4() {
    let Output { code, stderr, .. } = lvsh().netns("lvsh-nowhere").commands("show").run();
    assert_eq!(code, 4);
    assert_eq!(
        stderr,
        "error: no network namespace `lvsh-nowhere` (/var/run/netns/lvsh-nowhere)\n\
         help: create it with `ip netns add lvsh-nowhere`, or list them with `ip netns`\n"
    );
}

#[test]
fn show_json_describes_what_ipvsadm_lists() {
    let ns = TestNs::new();
    let path = script(&ns, WIDE);
    ns.lvsh().args(["run", &path]).run().succeeds();
    let Output { code, stdout, stderr, .. } =
        ns.lvsh().commands(&format!("{TUTORIAL_NAMES}show --json")).run();
    assert_eq!(code, 0, "{stderr}");
    let table: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let services = table["services"].as_array().expect("a services array");
    assert_eq!(services.len(), ns.save().lines().filter(|l| l.starts_with("-A")).count());
    let web = services.iter().find(|s| s["key"] == "tcp 111.111.0.1:80").expect("the web service");
    assert_eq!((web["name"].as_str(), web["scheduler"].as_str()), (Some("web"), Some("wrr")));
    let gue = web["backends"].as_array().unwrap().iter().find(|b| b["address"] == "10.10.0.4").unwrap();
    assert_eq!(gue["tunnel"], serde_json::json!({"type": "gue", "port": 6080, "csum": "csum"}));
    assert_eq!((gue["upper"].as_u64(), gue["lower"].as_u64()), (Some(100), Some(10)));
    let timeouts = ns.lvsh().arg("--json").commands("show timeouts").run().stdout;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&timeouts).unwrap(),
        serde_json::json!({"tcp": 900, "tcp_fin": 120, "udp": 300})
    );
}

/// Where scripts/test puts the project's examples in the guest.
const EXAMPLES: &str = "/root/examples";

#[test]
fn every_example_runs_and_a_second_run_changes_nothing() {
    crate::support::require_guest();
    let mut paths: Vec<_> = std::fs::read_dir(EXAMPLES)
        .expect("scripts/test copies examples/ into the guest")
        .map(|e| e.expect("read examples/").path())
        .filter(|p| p.extension().is_some_and(|x| x == "lvs"))
        // doctor.lvs builds the lab and acts on its gw, not on a test
        // namespace: doctor::examples_doctor_lvs_finds_the_nat_mistake_fixes_it_and_passes
        // runs it (and tests/guest/lessons.rs the lessons of examples/lessons/).
        .filter(|p| !p.ends_with("doctor.lvs"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 7, "examples: {paths:?}");
    for path in paths {
        let ns = TestNs::new();
        let path = path.to_string_lossy().into_owned();
        let Output { code, stderr, .. } = ns.lvsh().args(["run", &path]).run();
        assert_eq!(code, 0, "{path}: {stderr}");
        let first = ns.save();
        if path.ends_with("pasted-ipvsadm.lvs") {
            continue; // ipvsadm -A is not a declaration: a second run refuses, as ipvsadm does
        }
        let Output { code, stderr, .. } = ns.lvsh().args(["run", &path]).run();
        assert_eq!((code, ns.save()), (0, first), "{path} run twice: {stderr}");
    }
}

#[test]
fn ipvsadm_restore_reads_standard_input_like_ipvsadm() {
    let by_lvsh = TestNs::new();
    let by_ipvsadm = TestNs::new();
    let rules = "-A -t 111.111.0.1:80 -s rr\n\n-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 3\nipvsadm -A -u 111.111.0.1:53 -s wlc\n";
    by_lvsh.lvsh().commands("ipvsadm -R").stdin(rules).run().succeeds();
    by_ipvsadm.ipvsadm_restore(rules);
    assert_eq!(by_lvsh.save(), by_ipvsadm.save());
}

#[test]
fn configuration_expectations_read_the_kernel() {
    let ns = TestNs::new();
    let script = format!(
        "{WIDE}expect web scheduler wrr
expect web backends 3
expect web backend 10.10.0.2:8000 weight 5
expect web backend 10.10.0.3:80 weight 9
"
    );
    let Output { code, stdout, stderr, .. } = ns.lvsh().commands(&script).run();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    for ok in [
        "ok: expect web scheduler wrr",
        "ok: expect web backends 3",
        "ok: expect web backend 10.10.0.2:8000 weight 5",
    ] {
        assert!(stdout.contains(ok), "{ok} in {stdout}");
    }
    assert!(stderr.contains("expectation failed: expect web backend 10.10.0.3:80 weight 9"), "{stderr}");
    assert!(stderr.contains("= note: observed: weight 0"), "{stderr}");
    // The changes stay: a failed expectation is not a refusal.
    let save = ns.save();
    assert!(save.contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 5"), "{save}");
}

#[test]
fn a_probe_expectation_without_a_probe_says_to_probe_first() {
    let ns = TestNs::new();
    let Output { code, stderr, .. } =
        ns.lvsh().commands("service web tcp 111.111.0.1:80 rr\nexpect web spread even").run();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("there is no probe of service tcp 111.111.0.1:80 to judge"), "{stderr}");
    assert!(stderr.contains("help: run `probe SERVICE` before `expect`"), "{stderr}");
}

#[test]
fn watch_repeats_the_ipvsadm_listing() {
    let ns = TestNs::new();
    let Output { code, stdout, stderr, .. } =
        ns.lvsh().commands("service web tcp 111.111.0.1:80 rr\nwatch --stats interval 200ms count 2").run();
    assert_eq!(code, 0, "{stderr}");
    let listing = ns.ipvsadm(&["-L", "-n", "--stats"]);
    assert_eq!(stdout, format!("{listing}\n{listing}\n"));
}

#[test]
fn sigterm_ends_a_long_probe_at_once_and_the_run_is_rolled_back() {
    let ns = TestNs::new();
    let before = ns.save();
    // Connections fail at once here (no route), and the interval makes the probe last minutes.
    let text = "service tcp 10.1.0.1:80 rr\necho ready\nprobe tcp 10.1.0.1:80 count 1000 interval 100ms\n";
    let mut child = ns
        .lvsh()
        .commands(text)
        .into_command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("lvsh starts");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("its output"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).expect("its first line");
    assert_eq!(line, "ready\n");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sent = std::time::Instant::now();
    // SAFETY: kill only sends a signal, to the lvsh this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let done = child.wait_with_output().expect("lvsh ends");
    assert!(sent.elapsed() < std::time::Duration::from_secs(5), "the probe went on: {:?}", sent.elapsed());
    assert_eq!(done.status.code(), Some(143), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(ns.save(), before, "the service the run declared is gone again");
}
