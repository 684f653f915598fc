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

/// A keeper of `file` on the topology's director, its state and events in `dir`.
fn start_keeper(t: &Topology, file: &str, dir: &str) -> Child {
    t.director
        .lvsh()
        .env("LVSH_RUN_DIR", dir)
        .args(["keep", file, "--interval", "300ms", "--events", &format!("{dir}/events")])
        .into_command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lvsh keep starts")
}

/// Waits until the director's `ipvsadm -S -n` holds `line` (or lacks it).
fn wait_for(t: &Topology, line: &str, present: bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let save = t.director.save();
        if save.lines().any(|l| l == line) == present {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: waited 10 s for `{line}` (present: {present}); table:\n{save}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill only sends a signal, to the lvsh this test started.
    unsafe { libc::kill(child.id() as i32, signal) };
}

fn events(dir: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(format!("{dir}/events")).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"))).collect()
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
    let mut keeper = start_keeper(&t, &file, &dir);
    wait_for(&t, B3, true, "the files applied");

    // A backend that stops answering is drained, and traffic goes to the other.
    b3.stop();
    let stopped = Instant::now();
    wait_for(&t, B3_DRAINED, true, "int2 drained after `fall` failures");
    assert!(stopped.elapsed() < Duration::from_secs(3), "drained within fall x interval and a repair");
    let probe =
        t.director.lvsh().commands(&format!("probe tcp 10.1.0.1:80 count 4 from {}", t.client.name)).run();
    assert!(probe.stdout.contains("4 connections, 4 served"), "{}", probe.stdout);
    assert!(probe.stdout.contains("10.2.0.2:8000                4  100%"), "{}", probe.stdout);

    // It answers again: its declared weight comes back after `rise` passes.
    let b3 = Server::start(&t.backend, "10.2.0.3:8000");
    wait_for(&t, B3, true, "int2 restored after `rise` passes");

    // Changes behind its back are repaired.
    t.director.ipvsadm_line("-d -t 10.1.0.1:80 -r 10.2.0.2:8000");
    wait_for(&t, B2, true, "a deleted backend added back");
    t.director.ipvsadm_line("-e -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 9");
    wait_for(&t, B3, true, "a changed weight set back");

    // SIGHUP: the edited file is what it keeps from then on.
    std::fs::write(&file, FILE.replace("weight 3", "weight 5")).expect("edit the file");
    signal(&keeper, libc::SIGHUP);
    wait_for(&t, "-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 5", true, "the edited file applied");

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
        ("reloaded", 1),
        ("stopped", 1),
    ] {
        assert!(seen.iter().filter(|k| *k == kind).count() >= at_least, "{kind} x{at_least} in {seen:?}");
    }
    let drained = events(&dir).into_iter().find(|e| e["event"] == "drained").expect("a drained event");
    assert_eq!(drained["backend"], "10.2.0.3:8000");
    assert_eq!(drained["service"], "web");
    assert!(drained["time"].as_f64().is_some_and(|t| t > 1.7e9), "{drained}");
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
    let mut keeper = start_keeper(&t, &file, &dir);
    wait_for(&t, B3_DRAINED, true, "int2, never up, drained");
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    let status = t.director.lvsh().env("LVSH_RUN_DIR", &dir).args(["keep", "--status"]).run();
    assert!(status.stdout.contains("\"drained\": true"), "{}", status.stdout);

    // Restarted: the first apply already holds int2 at weight 0.
    let mut keeper = start_keeper(&t, &file, &dir);
    let watch_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < watch_until {
        assert!(!t.director.save().lines().any(|l| l == B3), "int2 got its weight back while down");
        std::thread::sleep(Duration::from_millis(30));
    }
    signal(&keeper, libc::SIGTERM);
    assert_eq!(keeper.wait().expect("lvsh keep ends").code(), Some(0));
    b2.stop();
}
