//! Rhai against the kernel (issue 6): the examples, property writes, probes
//! seen by `expect`, and rollback of a run a script breaks. `ipvsadm -S -n`
//! is the judge.

use std::time::Duration;

use crate::cli::lvsh;
use crate::support::{TestNs, IP};
use crate::traffic::{backend_dev, link, serve_within};

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
    let (code, out, err) = lvsh(&ns, &["run", &format!("{EXAMPLES}/generate.rhai")]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.ends_with("50 services with 4 backends each, verified\n"), "{out}");
    let save = ns.save();
    for i in 1..=50 {
        assert!(save.contains(&format!("-A -t 10.100.0.{i}:80 -s wrr\n")), "service {i} in\n{save}");
        for j in 1..=4 {
            let line = format!("-a -t 10.100.0.{i}:80 -r 10.200.{i}.{j}:8080 -m -w {j}\n");
            assert!(save.contains(&line), "{line} in\n{save}");
        }
    }
    assert_eq!((save.matches("-A ").count(), save.matches("-a ").count()), (50, 200));
    let (code, _, err) = lvsh(&ns, &["run", &format!("{EXAMPLES}/generate.rhai")]);
    assert_eq!((code, ns.save()), (0, save), "{err}");
}

#[test]
fn lab_rhai_declares_shows_and_saves_the_tutorials_service() {
    let ns = TestNs::new();
    let (code, out, err) = lvsh(&ns, &["run", &format!("{EXAMPLES}/lab.rhai")]);
    assert_eq!(code, 0, "{out}\n{err}");
    let save = "-A -t 111.111.0.1:80 -s rr
-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1
-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1
";
    assert_eq!(ns.save(), save);
    assert!(out.starts_with(&ns.ipvsadm(&["-L", "-n"])), "{out}");
    assert!(out.contains(save), "{out}");
    assert!(out.ends_with("web: 10.10.0.2:8000 masq weight 1\nweb: 10.10.0.3:8000 masq weight 1\n"), "{out}");
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
    let (code, out, err) = lvsh(&ns, &["-c", &script]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out, "web wrr 300 5 #{\"lower\": 10, \"upper\": 100}\n");
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
    let (code, out, err) = lvsh(&ns, &["-c", script]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("tcp 111.111.0.1:80 tcp sh [\"sh-port\"] 2\n"), "{out}");
    assert!(out.contains("udp 111.111.0.1:53 udp rr [] 1\n"), "{out}");
    assert!(out.ends_with("[\"10.10.0.2:8000 route\"]\n"), "{out}");
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
    let (code, out, err) = lvsh(&ns, &["run", &path]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert_eq!(ns.save(), before, "{err}");
    assert!(err.starts_with("error[lvs::script::error]: division by zero: 1 / 0"), "{err}");
    assert!(err.contains(&format!(" --> {path}:8:20\n")), "{err}");
    assert!(err.contains("= note: rolled back the 5 changes this run made (lines 1, 2, 3, 6, 7)"), "{err}");

    // A refusal inside Rhai is a refusal: exit 3, and rolled back too.
    let refused = "service web tcp 111.111.0.1:80 rr
script {
    let web = service(\"web\");
    web.scheduler = \"nosuch\";
}
";
    let (code, _, err) = lvsh(&ns, &["-c", refused]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("scheduler 'nosuch' is not available in this kernel"), "{err}");
    assert!(err.contains(" --> -c:4:9\n"), "{err}");
    assert_eq!(ns.save(), before);

    // Nothing runs from a file whose Rhai does not compile.
    let (code, _, err) = lvsh(&ns, &["-c", "service web tcp 111.111.0.1:80 rr\nscript { let = 1; }"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error[lvs::script::syntax]"), "{err}");
    assert_eq!(ns.save(), before);
}

/// The tutorial's lab: client `ext1` (111.111.0.2) ── director (VIP 111.111.0.1,
/// 10.10.0.1) ── backends 10.10.0.2 and 10.10.0.3, both listening on :8000.
struct Lab {
    director: TestNs,
    client: TestNs,
    backends: TestNs,
}

fn lab() -> Lab {
    let lab = Lab { director: TestNs::new(), client: TestNs::named("ext1"), backends: TestNs::new() };
    link(&lab.client, "111.111.0.2/24", &lab.director, "111.111.0.1/24");
    link(&lab.backends, "10.10.0.2/24", &lab.director, "10.10.0.1/24");
    lab.backends.exec(&[IP, "addr", "add", "10.10.0.3/24", "dev", &backend_dev(&lab.backends)]);
    lab.client.exec(&[IP, "route", "add", "default", "via", "111.111.0.1"]);
    lab.backends.exec(&[IP, "route", "add", "default", "via", "10.10.0.1"]);
    lab.director.exec(&["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    lab
}

// One test for everything that needs the namespace named `ext1`.
#[test]
fn in_the_lab_a_rhai_probe_is_judged_by_expect_and_drain_rhai_shifts_connections_away() {
    let lab = lab();
    let server = serve_within(&lab.backends, "0.0.0.0:8000", 6, b"hello", Duration::from_secs(60));
    let script = format!(
        "{WEB}script {{
    let r = service(\"web\").probe(#{{ count: 6, from: \"ext1\", send: \"xxx\" }});
    print(`alternate ${{r.order_alternate()}} sticky ${{r.sticky()}} served ${{r.served}}`);
}}
expect web order alternate
"
    );
    let (code, out, err) = lvsh(&lab.director, &["-c", &script]);
    server.join().expect("the backends served");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("alternate true sticky false served 6\n"), "{out}");
    assert!(out.contains("ok: expect web order alternate\n"), "{out}");

    let server = serve_within(&lab.backends, "0.0.0.0:8000", 60, b"hello", Duration::from_secs(120));
    let (code, out, err) = lvsh(&lab.director, &["run", &format!("{EXAMPLES}/drain.rhai")]);
    server.join().expect("the backends served");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("weight 4: 10.10.0.2:8000 served 6 of 12\n"), "{out}");
    assert!(out.contains("weight 0: 10.10.0.2:8000 served 0 of 12\n"), "{out}");
    assert!(out.contains("drained: 10.10.0.2:8000 gets no new connections"), "{out}");
    let save = lab.director.save();
    assert!(save.contains("-A -t 111.111.0.1:80 -s wrr\n"), "{save}");
    assert!(save.contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 0\n"), "{save}");
    assert!(save.contains("-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 4\n"), "{save}");
}
