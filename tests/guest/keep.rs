//! `lvsh keep`: the keeper against a real kernel, with real servers it
//! checks over HTTP, in the namespaces of traffic.rs (client ── director
//! ── backend, the backend holding 10.2.0.2 and 10.2.0.3). `ipvsadm -S -n`
//! is the judge of every weight; the events file says what it did.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::TestNs;
use crate::traffic::{two_backends, Topology};

/// An HTTP server on one address of the backend namespace, until stopped.
struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(ns: &TestNs, addr: &'static str) -> Server {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, netns) = (stop.clone(), ns.netns());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            netns
                .run(move || {
                    let listener = TcpListener::bind(addr).expect("bind the backend");
                    listener.set_nonblocking(true).expect("nonblocking listener");
                    ready_tx.send(()).expect("ready");
                    while !flag.load(Ordering::Relaxed) {
                        match listener.accept() {
                            Ok((mut stream, _)) => {
                                let _ = stream.set_nonblocking(false);
                                let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
                                let _ = stream.read(&mut [0u8; 1024]);
                                let _ =
                                    stream.write_all(format!("HTTP/1.0 200 OK\r\n\r\n{addr}\n").as_bytes());
                            }
                            Err(_) => std::thread::sleep(Duration::from_millis(5)),
                        }
                    }
                })
                .expect("enter the backend namespace");
        });
        ready_rx.recv_timeout(Duration::from_secs(5)).expect("the server is listening");
        Server { stop, thread: Some(thread) }
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("the server ends");
        }
    }
}

const FILE: &str = "service web tcp 10.1.0.1:80 wrr {
    backend 10.2.0.2:8000 weight 3
    backend 10.2.0.3:8000 weight 2
}
health web http / interval 200ms timeout 300ms fall 2 rise 2
";

/// A keeper of `file` on the topology's director, its state and events in
/// `dir`, its metrics on 127.0.0.1:`port` (0: none).
fn start_keeper(t: &Topology, file: &str, dir: &str, port: u16) -> Child {
    start_keeper_with(t, file, dir, port, &[])
}

/// [`start_keeper`] with more of `lvsh keep`'s options.
fn start_keeper_with(t: &Topology, file: &str, dir: &str, port: u16, more: &[&str]) -> Child {
    let mut args = vec!["keep".to_string(), file.to_string(), "--interval".into(), "300ms".into()];
    args.extend(more.iter().map(|a| a.to_string()));
    args.extend(["--events".to_string(), format!("{dir}/events")]);
    if port != 0 {
        args.extend(["--metrics".to_string(), format!("127.0.0.1:{port}")]);
    }
    t.director
        .lvsh()
        .env("LVSH_RUN_DIR", dir)
        .args(args.iter().map(String::as_str))
        .into_command()
        .stdout(std::fs::File::create(format!("{dir}/said")).expect("the keeper's log"))
        .stderr(std::fs::File::create(format!("{dir}/errors")).expect("the keeper's errors"))
        .spawn()
        .expect("lvsh keep starts")
}

/// Waits until the director's `ipvsadm -S -n` holds `line` (or lacks it);
/// if it never does, fails with what the keeper said.
fn wait_for(t: &Topology, dir: &str, line: &str, present: bool, what: &str) {
    wait_in(&|| t.director.save(), dir, line, present, what)
}

/// [`wait_for`] with the table `save` reads.
fn wait_in(save: &dyn Fn() -> String, dir: &str, line: &str, present: bool, what: &str) {
    // Generous: a loaded TCG guest may take seconds to start a keeper.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let save = save();
        if save.lines().any(|l| l == line) == present {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: waited 60 s for `{line}` (present: {present}); table:\n{save}\nthe keeper said:\n{}{}",
            std::fs::read_to_string(format!("{dir}/said")).unwrap_or_default(),
            std::fs::read_to_string(format!("{dir}/errors")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port free now on 127.0.0.1 of the guest.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The keeper's `/metrics`, over HTTP.
fn scrape(port: u16) -> String {
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the keeper's metrics");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").expect("ask for /metrics");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("the reply");
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or_else(|| panic!("an HTTP reply: {reply}"));
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("Content-Type: text/plain; version=0.0.4"), "{head}");
    body.to_string()
}

/// [`scrape`] until `line` is in it (at most 60 s).
fn scrape_until(port: u16, line: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = scrape(port);
        if text.lines().any(|l| l == line) {
            return text;
        }
        assert!(Instant::now() < deadline, "waited 60 s for `{line}` in:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill only sends a signal, to the lvsh this test started.
    unsafe { libc::kill(child.id() as i32, signal) };
}

/// The events written so far (a line still being written is left out).
fn events(dir: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(format!("{dir}/events")).unwrap_or_default();
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    crate::schema::check_lines("event", whole)
}

fn kinds(dir: &str) -> Vec<String> {
    events(dir).iter().filter_map(|e| e["event"].as_str().map(str::to_string)).collect()
}

const B2: &str = "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 3";
const B3: &str = "-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 2";
const B3_DRAINED: &str = "-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 0";

#[test]
fn keep_drains_a_failed_backend_restores_it_repairs_drift_reloads_and_stops_leaving_the_table() {
    let t = two_backends();
    let dir = format!("/tmp/{}-keep", t.director.name);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    let b2 = Server::start(&t.backend, "10.2.0.2:8000");
    let b3 = Server::start(&t.backend, "10.2.0.3:8000");
    let file = t.director.file("keep.lvs", FILE);
    let port = free_port();
    let mut keeper = start_keeper(&t, &file, &dir, port);
    wait_for(&t, &dir, B3, true, "the files applied");

    // A backend that stops answering is drained, and traffic goes to the other.
    b3.stop();
    wait_for(&t, &dir, B3_DRAINED, true, "int2 drained after `fall` failures");
    let probe =
        t.director.lvsh().commands(&format!("probe tcp 10.1.0.1:80 count 4 from {}", t.client.name)).run();
    assert!(probe.stdout.contains("4 connections, 4 served"), "{}", probe.stdout);
    assert!(probe.stdout.contains("10.2.0.2:8000                4  100%"), "{}", probe.stdout);
    // Its metrics say so (once the keeper's round that drained it is done);
    // promtool accepts them.
    let labels = |b: &str| format!("{{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"{b}\"}}");
    let text = scrape_until(port, &format!("lvsh_keep_backend_drained{} 1", labels("10.2.0.3:8000")));
    crate::metrics::promtool_accepts(&crate::metrics::judge("promtool", "prometheus"), &text);
    for line in [
        format!("lvsh_keep_backend_drained{} 1", labels("10.2.0.3:8000")),
        format!("lvsh_keep_backend_healthy{} 0", labels("10.2.0.3:8000")),
        format!("lvsh_keep_backend_drained{} 0", labels("10.2.0.2:8000")),
        "node_ipvs_backend_weight{local_address=\"10.1.0.1\",local_mark=\"\",local_port=\"80\",proto=\"TCP\",remote_address=\"10.2.0.3\",remote_port=\"8000\"} 0".to_string(),
        "lvsh_keep_drift_repairs_total 0".to_string(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }

    // It answers again: its declared weight comes back after `rise` passes.
    let b3 = Server::start(&t.backend, "10.2.0.3:8000");
    wait_for(&t, &dir, B3, true, "int2 restored after `rise` passes");

    // Changes behind its back are repaired.
    t.director.ipvsadm_line("-d -t 10.1.0.1:80 -r 10.2.0.2:8000");
    wait_for(&t, &dir, B2, true, "a deleted backend added back");
    t.director.ipvsadm_line("-e -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 9");
    wait_for(&t, &dir, B3, true, "a changed weight set back");

    // SIGHUP: the edited file is what it keeps from then on.
    std::fs::write(&file, FILE.replace("weight 3", "weight 5")).expect("edit the file");
    signal(&keeper, libc::SIGHUP);
    wait_for(&t, &dir, "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 5", true, "the edited file applied");

    // The metrics copy the keeper's state once its round is done, a moment
    // after the table changed.
    let text = scrape_until(port, "lvsh_keep_reloads_total 1");
    assert!(text.lines().any(|l| l == "lvsh_keep_drift_repairs_total 2"), "{text}");

    // SIGTERM: it ends, and the table stays as it is.
    let before = t.director.save();
    signal(&keeper, libc::SIGTERM);
    let status = keeper.wait().expect("lvsh keep ends");
    assert_eq!(status.code(), Some(0));
    assert_eq!(t.director.save(), before);

    let seen = kinds(&dir);
    for (kind, at_least) in [
        ("started", 1),
        ("applied", 1),
        ("health-down", 1),
        ("drained", 1),
        ("health-up", 1),
        ("restored", 1),
        ("drift-repaired", 2),
        ("backend-added", 1),
        ("backend-changed", 4),
        ("reloaded", 1),
        ("stopped", 1),
    ] {
        assert!(seen.iter().filter(|k| *k == kind).count() >= at_least, "{kind} x{at_least} in {seen:?}");
    }
    // Drained at the `fall`th failure in a row: the first failure turned
    // it down, and the next drained it (fall 2), with no pass between.
    let of_int2: Vec<String> = events(&dir)
        .iter()
        .filter(|e| {
            e["backend"] == "10.2.0.3:8000"
                && e["event"].as_str().is_some_and(|k| k.starts_with("health") || k == "drained")
        })
        .filter_map(|e| e["event"].as_str().map(str::to_string))
        .collect();
    assert_eq!(of_int2[..2], ["health-down", "drained"], "{of_int2:?}");
    let drained = events(&dir).into_iter().find(|e| e["event"] == "drained").expect("a drained event");
    assert_eq!(drained["backend"], "10.2.0.3:8000");
    assert_eq!(drained["service"], "web");
    assert!(drained["time"].as_f64().is_some_and(|t| t > 1.7e9), "{drained}");
    let drain =
        events(&dir).into_iter().find(|e| e["event"] == "backend-changed").expect("the drain's change");
    assert_eq!(
        (drain["backend"].as_str(), drain["from"].as_str(), drain["to"].as_str()),
        (Some("10.2.0.3:8000"), Some("masq weight 2"), Some("masq weight 0")),
        "{drain}"
    );
    let repaired = events(&dir).into_iter().find(|e| e["event"] == "drift-repaired").expect("a repair");
    assert_eq!(
        repaired["found"],
        "1 service changed (~ service web tcp 10.1.0.1:80; + backend 10.2.0.2:8000 masq weight 3)"
    );
    b2.stop();
    b3.stop();
}

#[test]
fn a_keeper_restarted_while_a_backend_is_down_keeps_it_drained() {
    let t = two_backends();
    let dir = format!("/tmp/{}-keep", t.director.name);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    let b2 = Server::start(&t.backend, "10.2.0.2:8000");
    let file = t.director.file("keep.lvs", FILE);
    let mut keeper = start_keeper(&t, &file, &dir, 0);
    wait_for(&t, &dir, B3_DRAINED, true, "int2, never up, drained");
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    let status = t.director.lvsh().env("LVSH_RUN_DIR", &dir).args(["--json", "keep", "--status"]).run();
    let state = crate::schema::check("keep-status", &status.stdout);
    let drained =
        state["backends"].as_array().into_iter().flatten().find(|b| b["backend"] == "10.2.0.3:8000");
    assert_eq!(drained.map(|b| &b["drained"]), Some(&serde_json::json!(true)), "{}", status.stdout);
    let text = t.director.lvsh().env("LVSH_RUN_DIR", &dir).args(["keep", "--status"]).run().succeeds();
    let row = text.stdout.lines().find(|l| l.contains("10.2.0.3:8000")).unwrap_or_default();
    assert!(row.contains("failing (") && row.contains("drained (0)"), "{}", text.stdout);

    // Restarted: the first apply already holds int2 at weight 0.
    let mut keeper = start_keeper(&t, &file, &dir, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while kinds(&dir).iter().filter(|k| *k == "started").count() < 2 {
        assert!(Instant::now() < deadline, "the second keeper did not start: {:?}", kinds(&dir));
        std::thread::sleep(Duration::from_millis(20));
    }
    let watch_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < watch_until {
        assert!(!t.director.save().lines().any(|l| l == B3), "int2 got its weight back while down");
        std::thread::sleep(Duration::from_millis(30));
    }
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    b2.stop();
}

/// `watch --json`: changes made by anyone (here ipvsadm) come out as the
/// keeper's events do, one JSON line each, in order.
#[test]
fn watch_json_names_each_change_made_by_anyone() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.1.0.1:80 -s rr");
    let mut child = ns
        .lvsh()
        .args(["-c", "watch --json interval 100ms count 150"])
        .into_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lvsh watch starts");
    // Lines as they come, so the changes start once watch sees them.
    let stdout = child.stdout.take().expect("watch's stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut mark = 0;
    let started = loop {
        mark += 1;
        ns.ipvsadm_line(&format!("-A -t 10.9.9.{mark}:80 -s rr"));
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            break line;
        }
        assert!(Instant::now() < deadline, "watch --json said nothing of a service added");
    };
    assert!(started.contains("\"event\":\"service-added\""), "{started}");
    while rx.recv_timeout(Duration::from_millis(300)).is_ok() {}
    for line in [
        "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 3",
        "-e -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 7",
        "-E -t 10.1.0.1:80 -s wrr",
        "-A -u 10.1.0.1:53 -s rr",
        "-d -t 10.1.0.1:80 -r 10.2.0.2:8000",
        "-D -u 10.1.0.1:53",
    ] {
        ns.ipvsadm_line(line);
        std::thread::sleep(Duration::from_millis(400));
    }
    let out = child.wait_with_output().expect("lvsh watch ends");
    reader.join().expect("the reader ends");
    let stdout: Vec<String> = rx.try_iter().collect();
    let stdout = stdout.join("\n");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let events = crate::schema::check_lines("event", &stdout);
    let seen: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (text("event"), text("from"), text("to"))
        })
        .collect();
    let want = [
        ("backend-added", "", "masq weight 3"),
        ("backend-changed", "masq weight 3", "masq weight 7"),
        ("service-changed", "service tcp 10.1.0.1:80 rr", "service tcp 10.1.0.1:80 wrr"),
        ("service-added", "", "service udp 10.1.0.1:53 rr"),
        ("backend-removed", "masq weight 7", ""),
        ("service-removed", "service udp 10.1.0.1:53 rr", ""),
    ];
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(seen, want, "{stdout}");
    assert!(events.iter().all(|e| e["time"].as_f64().is_some_and(|t| t > 1.7e9)), "{stdout}");
    assert_eq!(events[0]["backend"], "10.2.0.2:8000");
    assert_eq!(events[0]["key"], "tcp 10.1.0.1:80");
}

/// A repair the kernel refuses does not end the keeper: it says why and
/// tries again later, and a good file (SIGHUP) is then applied.
#[test]
fn a_refused_repair_is_retried_and_never_ends_the_keeper() {
    let t = two_backends();
    let dir = format!("/tmp/{}-keep", t.director.name);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    // No such scheduler: the kernel refuses the service.
    let file = t.director.file("keep.lvs", &FILE.replace(" wrr ", " nosuchsched "));
    let mut keeper = start_keeper(&t, &file, &dir, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while kinds(&dir).iter().filter(|k| *k == "repair-failed").count() < 2 {
        assert!(Instant::now() < deadline, "no second refused repair: {:?}", kinds(&dir));
        assert!(keeper.try_wait().expect("the keeper runs").is_none(), "the keeper ended: {:?}", kinds(&dir));
        std::thread::sleep(Duration::from_millis(50));
    }
    let failed = events(&dir).into_iter().find(|e| e["event"] == "repair-failed").expect("a refused repair");
    assert!(failed["error"].as_str().is_some_and(|e| e.contains("nosuchsched")), "{failed}");
    assert!(failed["retry_in_s"].as_u64().is_some_and(|s| s >= 2), "{failed}");
    std::fs::write(&file, FILE).expect("mend the file");
    signal(&keeper, libc::SIGHUP);
    wait_for(&t, &dir, "-A -t 10.1.0.1:80 -s wrr", true, "the mended file applied");
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
}

/// The issue's own scene, in the lab: `serve`-like backends on int1 and
/// int2 (lvsh's own server, started in their namespaces by the test so it
/// can stop int2's), a keeper on gw with `health http`, probes from ext1.
#[test]
fn in_the_lab_int2_is_drained_when_its_server_stops_and_restored_when_it_returns() {
    let up = crate::support::lvsh().commands("lab up prefix kp-").run();
    assert_eq!(up.code, 0, "{}\n{}", up.stdout, up.stderr);
    let serve = |node: &str| {
        std::process::Command::new(crate::support::IP)
            .args(["netns", "exec", &format!("kp-{node}"), crate::lvsh::BINARY, "serve-backend"])
            .args(["--name", node, "--port", "8000", "--kind", "http"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("a backend starts")
    };
    let (mut int1, mut int2) = (serve("int1"), serve("int2"));
    let dir = "/tmp/kp-keep".to_string();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    let file = format!("{dir}/web.lvs");
    std::fs::write(
        &file,
        "service web tcp 111.111.0.1:80 rr {\n    backend 10.10.0.2:8000\n    backend 10.10.0.3:8000\n}\n\
         health web http / interval 300ms fall 2 rise 2\n",
    )
    .expect("the file");
    let port = free_port();
    let keeper = crate::support::lvsh()
        .netns("kp-gw")
        .env("LVSH_RUN_DIR", &dir)
        .args([
            "keep",
            &file,
            "--events",
            &format!("{dir}/events"),
            "--metrics",
            &format!("127.0.0.1:{port}"),
        ])
        .into_command()
        .stdout(std::fs::File::create(format!("{dir}/said")).expect("the keeper's log"))
        .stderr(std::fs::File::create(format!("{dir}/errors")).expect("the keeper's errors"))
        .spawn()
        .expect("lvsh keep starts");
    let on_gw = |args: &[&str]| {
        let mut argv = vec!["netns", "exec", "kp-gw", "ipvsadm"];
        argv.extend_from_slice(args);
        crate::support::run(crate::support::IP, &argv)
    };
    let save = || on_gw(&["-S", "-n"]);
    let int2_line = |w: u32| format!("-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w {w}");
    wait_in(&save, &dir, &int2_line(1), true, "the file applied");

    let _ = int2.kill();
    let _ = int2.wait();
    wait_in(&save, &dir, &int2_line(0), true, "int2 drained");
    let probe =
        crate::support::lvsh().netns("kp-gw").commands("probe tcp 111.111.0.1:80 count 4 from kp-ext1").run();
    assert!(probe.stdout.contains("4 connections, 4 served"), "{}\n{}", probe.stdout, probe.stderr);
    let scraped = scrape_until(
        port,
        "lvsh_keep_backend_drained{service=\"web\",key=\"tcp 111.111.0.1:80\",backend=\"10.10.0.3:8000\"} 1",
    );
    // Every node_ipvs_ sample the keeper serves is the real node_exporter's,
    // in gw, on the same table (read until two reads agree: the kernel
    // folds its counters every two seconds).
    let exporter = crate::metrics::NodeExporter::start_in("kp-gw", &crate::metrics::judge_node_exporter());
    let node_lines = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> =
            text.lines().filter(|l| l.starts_with("node_ipvs_")).map(str::to_string).collect();
        lines.sort();
        lines
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (ours, theirs) = loop {
        let (ours, theirs) = (node_lines(&scrape(port)), node_lines(&exporter.scrape()));
        if ours == theirs || Instant::now() > deadline {
            break (ours, theirs);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(ours, theirs, "the keeper's node_ipvs_ samples, then node_exporter's");
    drop(exporter);
    int2 = serve("int2");
    wait_in(&save, &dir, &int2_line(1), true, "int2 restored");
    for line in ["-d -t 111.111.0.1:80 -r 10.10.0.2:8000", "-e -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 9"] {
        on_gw(&line.split(' ').collect::<Vec<_>>());
        wait_in(&save, &dir, "-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1", true, "repaired");
        wait_in(&save, &dir, &int2_line(1), true, "repaired");
    }
    let before = save();
    signal(&keeper, libc::SIGTERM);
    let mut keeper = keeper;
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    assert_eq!(save(), before);
    let _ = (int1.kill(), int2.kill(), int1.wait(), int2.wait());
    // What the keeper said, kept for the closing note of issue 17.
    let record = format!(
        "{}\n--- events\n{}\n--- node_ipvs_ samples, the keeper's = node_exporter's\n{}\n--- scrape while int2 was drained\n{scraped}",
        std::fs::read_to_string(format!("{dir}/said")).unwrap_or_default(),
        std::fs::read_to_string(format!("{dir}/events")).unwrap_or_default(),
        ours.join("\n")
    );
    eprintln!("=== the keeper in the lab\n{record}=== end");
    assert!(scraped.contains("lvsh_keep_backend_drained{service=\"web\",key=\"tcp 111.111.0.1:80\",backend=\"10.10.0.3:8000\"} 1"), "{scraped}");
    let down = crate::support::lvsh().commands("lab down prefix kp-").run();
    assert_eq!(down.code, 0, "{}", down.stderr);
}

/// `--prune`: a service the files do not declare, added behind the
/// keeper's back, is removed as drift, and said so.
#[test]
fn with_prune_a_service_added_behind_its_back_is_removed() {
    let t = two_backends();
    let dir = format!("/tmp/{}-keep", t.director.name);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    let file =
        t.director.file("keep.lvs", "service web tcp 10.1.0.1:80 rr {\n    backend 10.2.0.2:8000\n}\n");
    let mut keeper = start_keeper_with(&t, &file, &dir, 0, &["--prune"]);
    wait_for(&t, &dir, "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 1", true, "the file applied");
    t.director.ipvsadm_line("-A -u 10.1.0.1:53 -s rr");
    wait_for(&t, &dir, "-A -u 10.1.0.1:53 -s rr", false, "the undeclared service removed");
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    let removed =
        events(&dir).into_iter().find(|e| e["event"] == "service-removed").expect("a removal event");
    assert_eq!(removed["key"], "udp 10.1.0.1:53");
    assert_eq!(removed["from"], "service udp 10.1.0.1:53 rr");
}

/// A change awaiting `lvsh confirm` is not fought by a keeper: it refuses
/// to start, as `apply` does, until the change is confirmed.
#[test]
fn a_keeper_does_not_start_while_a_change_awaits_confirmation() {
    let ns = TestNs::new();
    let file = ns.file("web.lvs", "service web tcp 10.1.0.1:80 rr\n");
    ns.lvsh().args(["apply", "--confirm", "60s", &file]).run().succeeds();
    let out = ns.lvsh().args(["keep", &file]).run().exits(4);
    assert!(out.stderr.contains("a change awaits confirmation in this namespace"), "{}", out.stderr);
    ns.lvsh().arg("confirm").run().succeeds();
}
