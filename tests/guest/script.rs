//! Rhai against the kernel (issue 6): the examples, property writes, probes
//! seen by `expect`, and rollback of a run a script breaks. `ipvsadm -S -n`
//! is the judge.

use crate::lvsh::{Lvsh, Output};
use crate::support::{lvsh, TestNs, IP, LVSH};

/// Where scripts/test puts the project's examples in the guest.
const EXAMPLES: &str = "/root/examples";

/// Writes `text` to a file named `name` in the guest's /tmp; returns its path.
fn file(ns: &TestNs, name: &str, text: &str) -> String {
    let path = format!("/tmp/{}-{name}", ns.name);
    std::fs::write(&path, text).expect("write the script");
    path
}

/// The tutorial's two backends, declared in `.lvs`.
const WEB: &str = "service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8000 masq
    backend 10.10.0.3:8000 masq
}
";

#[test]
fn generate_rhai_creates_fifty_services_of_four_backends_and_a_second_run_changes_nothing() {
    let ns = TestNs::new();
    let Output { code, stdout, stderr, .. } =
        ns.lvsh().args(["run", &format!("{EXAMPLES}/generate.rhai")]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.ends_with("50 services with 4 backends each, verified\n"), "{stdout}");
    let save = ns.save();
    for i in 1..=50 {
        assert!(save.contains(&format!("-A -t 10.100.0.{i}:80 -s wrr\n")), "service {i} in\n{save}");
        for j in 1..=4 {
            let line = format!("-a -t 10.100.0.{i}:80 -r 10.200.{i}.{j}:8080 -m -w {j}\n");
            assert!(save.contains(&line), "{line} in\n{save}");
        }
    }
    assert_eq!((save.matches("-A ").count(), save.matches("-a ").count()), (50, 200));
    let Output { code, stderr, .. } = ns.lvsh().args(["run", &format!("{EXAMPLES}/generate.rhai")]).run();
    assert_eq!((code, ns.save()), (0, save), "{stderr}");
}

#[test]
fn property_writes_reach_the_kernel() {
    let ns = TestNs::new();
    let script = format!(
        "{WEB}script {{
    let web = service(\"web\");
    web.scheduler = \"wrr\";
    web.persistence = 300;
    let b = web.backend(\"10.10.0.2:8000\");
    b.weight = 5;
    b.upper = 100;
    b.lower = 10;
    service(\"111.111.0.1:80\").backends()[1].set_weight(0);
    print(`${{web.name}} ${{web.scheduler}} ${{web.persistence}} ${{b.weight}} ${{b.thresholds}}`);
}}
"
    );
    let Output { code, stdout, stderr, .. } = ns.lvsh().commands(&script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout, "web wrr 300 5 #{\"lower\": 10, \"upper\": 100}\n");
    assert_eq!(
        ns.save(),
        "-A -t 111.111.0.1:80 -s wrr -p 300
-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 5
-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 0
"
    );
    let thresholds = ns.ipvsadm(&["-L", "-n", "--thresholds"]);
    let row = thresholds.lines().find(|l| l.contains("10.10.0.2:8000")).unwrap_or_default();
    assert_eq!(row.split_whitespace().collect::<Vec<_>>()[2..4], ["100", "10"], "{thresholds}");
}

#[test]
fn services_backends_and_removal_from_rhai_match_ipvsadm() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -u 111.111.0.1:53 -s rr");
    let script = "script {
    let web = service_add(\"tcp 111.111.0.1:80\", #{ scheduler: \"sh\", flags: \"sh-port\", persistent: 60 });
    web.add_backend(\"10.10.0.2:8000\", #{ method: \"route\", weight: 2 });
    web.add_backend(\"10.10.0.3:8000\");
    let dns = service(\"udp 111.111.0.1:53\");
    dns.add_backend(\"10.10.0.4:53\", #{ method: \"tunnel gue port 6080\" });
    for s in services() { print(`${s} ${s.protocol} ${s.scheduler} ${s.flags} ${s.backends().len()}`); }
    web.backend(\"10.10.0.3:8000\").remove();
    print(web.backends().map(|b| `${b.addr} ${b.method}`));
}";
    let Output { code, stdout, stderr, .. } = ns.lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("tcp 111.111.0.1:80 tcp sh [\"sh-port\"] 2\n"), "{stdout}");
    assert!(stdout.contains("udp 111.111.0.1:53 udp rr [] 1\n"), "{stdout}");
    assert!(stdout.ends_with("[\"10.10.0.2:8000 route\"]\n"), "{stdout}");
    let save = ns.save();
    assert!(save.contains("-A -t 111.111.0.1:80 -s sh -p 60 -b sh-port\n"), "{save}");
    assert!(save.contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -g -w 2\n"), "{save}");
    assert!(!save.contains("10.10.0.3:8000"), "{save}");
    assert!(
        save.contains("-a -u 111.111.0.1:53 -r 10.10.0.4:53 -i -w 1 --tun-type gue --tun-port 6080"),
        "{save}"
    );
}

#[test]
fn a_rhai_error_in_the_middle_of_a_run_rolls_back_like_any_failed_run() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 111.111.0.9:80 -s rr");
    let before = ns.save();
    let text = format!(
        "{WEB}script {{
    service(\"web\").add_backend(\"10.10.0.4:8000\");
    service(\"tcp 111.111.0.9:80\").remove();
    let broken = 1 / 0;
}}
"
    );
    let path = file(&ns, "broken.lvs", &text);
    let Output { code, stdout, stderr, .. } = ns.lvsh().args(["run", &path]).run();
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(ns.save(), before, "{stderr}");
    assert!(stderr.starts_with("error[lvs::script::error]: division by zero: 1 / 0"), "{stderr}");
    assert!(stderr.contains(&format!(" --> {path}:8:20\n")), "{stderr}");
    assert!(
        stderr.contains("= note: rolled back the 5 changes this run made (lines 1, 2, 3, 6, 7)"),
        "{stderr}"
    );

    // A refusal inside Rhai is a refusal: exit 3, and rolled back too.
    let refused = "service web tcp 111.111.0.1:80 rr
script {
    let web = service(\"web\");
    web.scheduler = \"nosuch\";
}
";
    let Output { code, stderr, .. } = ns.lvsh().commands(refused).run();
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("scheduler 'nosuch' is not available in this kernel"), "{stderr}");
    assert!(stderr.contains(" --> -c:4:9\n"), "{stderr}");
    assert_eq!(ns.save(), before);

    // Nothing runs from a file whose Rhai does not compile.
    let Output { code, stderr, .. } =
        ns.lvsh().commands("service web tcp 111.111.0.1:80 rr\nscript { let = 1; }").run();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[lvs::script::syntax]"), "{stderr}");
    assert_eq!(ns.save(), before);
}

/// Takes the lab down when dropped, even if the test fails.
struct LabDown;

impl Drop for LabDown {
    fn drop(&mut self) {
        // Not `run`: a drop while a failed test unwinds must not panic again.
        let _ = Lvsh::at(LVSH).commands("lab down").into_command().output();
    }
}

/// gw's table, as the reference ipvsadm saves it.
fn gw_save() -> String {
    crate::support::run(IP, &["netns", "exec", "gw", "ipvsadm", "-S", "-n"])
}

// One test for everything that needs the tutorial's lab (one per machine).
#[test]
fn in_the_lab_lab_rhai_does_the_tutorial_a_rhai_probe_feeds_expect_and_drain_rhai_drains() {
    let _lab = crate::lab::DEFAULT_LAB.lock().unwrap_or_else(|e| e.into_inner());
    let _down = LabDown;
    let Output { code, stdout, stderr, .. } = lvsh().args(["run", &format!("{EXAMPLES}/lab.rhai")]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for expected in [
        "up: ext1 ext2 gw int1 int2",
        "probe tcp 111.111.0.1:80: 6 connections, 6 served\n",
        "10.10.0.2:8000 served 3 of 6 (weight 1)\n10.10.0.3:8000 served 3 of 6 (weight 1)\n",
        "the tutorial holds: ext1's connections alternate between int1 and int2\n",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    let tutorial = "-A -t 111.111.0.1:80 -s rr
-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1
-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1
";
    assert_eq!(gw_save(), tutorial);

    // A probe from Rhai is the service's last probe: `expect` judges it.
    // (Names live for one run: this one names the service by address.)
    let script = "serve int1 8000; serve int2 8000
script {
    let r = service(\"111.111.0.1:80\").probe(#{ count: 4, from: \"ext2\", send: \"xxx\" });
    print(`alternate ${r.order_alternate()} sticky ${r.sticky()} served ${r.served}`);
}
expect tcp 111.111.0.1:80 order alternate
";
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("alternate true sticky false served 4\n"), "{stdout}");
    assert!(stdout.contains("ok: expect tcp 111.111.0.1:80 order alternate\n"), "{stdout}");

    let servers = "/tmp/lvsh-drain-servers.lvs";
    std::fs::write(servers, "serve int1 8000\nserve int2 8000\n").expect("write the servers' script");
    let Output { code, stdout, stderr, .. } =
        lvsh().args(["run", servers, &format!("{EXAMPLES}/drain.rhai")]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("weight 4: 10.10.0.2:8000 served 6 of 12\n"), "{stdout}");
    assert!(stdout.contains("weight 0: 10.10.0.2:8000 served 0 of 12\n"), "{stdout}");
    assert!(stdout.contains("drained: 10.10.0.2:8000 gets no new connections"), "{stdout}");
    assert_eq!(
        gw_save(),
        "-A -t 111.111.0.1:80 -s wrr
-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 0
-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 4
"
    );
}
