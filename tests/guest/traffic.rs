//! Real connections through a director: counters, the connection table and
//! zeroing, compared with ipvsadm's `--stats --exact` and `-c`.
//!
//! client (10.1.0.2) ── director (10.1.0.1 = VIP, 10.2.0.1) ── backend (10.2.0.2:8000)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lvsh::ipvs::{Backend, Forward, Kernel, Op, ServiceKey, Stats};

use crate::lvsh::Output;
use crate::support::{key, run, sa, service, TestNs, IP};

pub(crate) struct Topology {
    pub director: TestNs,
    pub client: TestNs,
    pub backend: TestNs,
}

/// Joins `a` and `b` with a veth pair; addresses are `a_addr` and `b_addr` (CIDR).
fn link(a: &TestNs, a_addr: &str, b: &TestNs, b_addr: &str) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let (an, bn) = (format!("lv{n}a"), format!("lv{n}b"));
    run(IP, &["link", "add", &an, "type", "veth", "peer", "name", &bn]);
    run(IP, &["link", "set", &an, "netns", &a.name]);
    run(IP, &["link", "set", &bn, "netns", &b.name]);
    for (ns, dev, addr) in [(a, &an, a_addr), (b, &bn, b_addr)] {
        ns.exec(&[IP, "addr", "add", addr, "dev", dev]);
        ns.exec(&[IP, "link", "set", dev, "up"]);
    }
}

pub(crate) fn topology() -> Topology {
    let t = Topology { director: TestNs::new(), client: TestNs::new(), backend: TestNs::new() };
    link(&t.client, "10.1.0.2/24", &t.director, "10.1.0.1/24");
    link(&t.backend, "10.2.0.2/24", &t.director, "10.2.0.1/24");
    t.client.exec(&[IP, "route", "add", "default", "via", "10.1.0.1"]);
    t.backend.exec(&[IP, "route", "add", "default", "via", "10.2.0.1"]);
    t.director.exec(&["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    t
}

/// Serves `count` connections on the backend, answering each with "hello".
fn serve(backend: &TestNs, count: usize) -> std::thread::JoinHandle<()> {
    serve_on(backend, "10.2.0.2:8000", count)
}

/// Serves `count` connections on `addr` inside the backend namespace,
/// answering "hello" (a plain listener: it announces no identity).
fn serve_on(backend: &TestNs, addr: &'static str, count: usize) -> std::thread::JoinHandle<()> {
    serve_reply(backend, addr, count, b"hello")
}

/// Serves `count` connections on `addr`, answering each with `reply`.
fn serve_reply(
    backend: &TestNs,
    addr: &'static str,
    count: usize,
    reply: &'static [u8],
) -> std::thread::JoinHandle<()> {
    let netns = backend.netns();
    let (ready_tx, ready_rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        netns
            .run(move || {
                let listener = TcpListener::bind(addr).expect("bind the backend");
                listener.set_nonblocking(true).expect("nonblocking listener");
                ready_tx.send(()).expect("signal ready");
                let deadline = Instant::now() + Duration::from_secs(10);
                let mut served = 0;
                while served < count && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            // Read what the client sent first: closing with unread
                            // data would reset the connection instead of ending it.
                            stream.set_nonblocking(false).expect("blocking stream");
                            stream.set_read_timeout(Some(Duration::from_millis(300))).expect("read timeout");
                            let _ = stream.read(&mut [0u8; 512]);
                            stream.write_all(reply).expect("answer");
                            served += 1;
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
            .expect("enter the backend namespace");
    });
    ready_rx.recv_timeout(Duration::from_secs(5)).expect("the backend listens");
    server
}

/// Connects `count` times from the client to the VIP; returns the replies.
fn connect(client: &TestNs, count: usize) -> Vec<String> {
    client
        .netns()
        .run(move || {
            (0..count)
                .map(|_| {
                    let mut stream = TcpStream::connect_timeout(&sa("10.1.0.1:80"), Duration::from_secs(3))
                        .expect("connect to the VIP");
                    stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                    let mut reply = String::new();
                    stream.read_to_string(&mut reply).expect("read the reply");
                    reply
                })
                .collect()
        })
        .expect("enter the client namespace")
}

/// The five counters of ipvsadm's `--stats --exact` line that starts with `prefix`.
fn ipvsadm_counters(director: &TestNs, prefix: &str) -> Vec<u64> {
    let listing = director.ipvsadm(&["-L", "-n", "--stats", "--exact"]);
    let line =
        listing.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix} in\n{listing}"));
    line[prefix.len()..].split_whitespace().map(|n| n.parse().unwrap()).collect()
}

/// The service's counters once the kernel has folded in `conns` connections:
/// its estimator sums the per-CPU counters every two seconds.
fn settled_stats(kernel: &mut impl Kernel, vip: &ServiceKey, conns: u64) -> Stats {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = kernel.service(vip).unwrap().stats;
        if stats.conns >= conns || Instant::now() > deadline {
            return stats;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn counters(s: &Stats) -> Vec<u64> {
    vec![s.conns, s.in_pkts, s.out_pkts, s.in_bytes, s.out_bytes]
}

#[test]
fn counters_connections_and_zero_agree_with_ipvsadm() {
    let t = topology();
    let vip = key("tcp 10.1.0.1:80");
    let mut kernel = t.director.kernel();
    kernel
        .apply(&[
            Op::AddService(service("tcp 10.1.0.1:80", "rr")),
            Op::AddBackend { service: vip, backend: Backend::new(sa("10.2.0.2:8000"), Forward::Masq) },
        ])
        .unwrap()
        .into_iter()
        .for_each(|outcome| outcome.unwrap());
    let server = serve(&t.backend, 3);
    assert_eq!(connect(&t.client, 3), ["hello", "hello", "hello"]);
    server.join().unwrap();

    let svc_stats = settled_stats(&mut kernel, &vip, 3);
    assert_eq!(svc_stats.conns, 3);
    assert!(svc_stats.in_pkts >= 9 && svc_stats.out_pkts >= 6, "{svc_stats:?}");
    assert_eq!(counters(&svc_stats), ipvsadm_counters(&t.director, "TCP  10.1.0.1:80"));
    let dest_stats = kernel.backends(&vip).unwrap()[0].stats;
    assert_eq!(counters(&dest_stats), ipvsadm_counters(&t.director, "  -> 10.2.0.2:8000"));

    let conns = kernel.connections().unwrap();
    assert_eq!(conns.len(), 3, "{conns:?}");
    assert!(conns.iter().all(|c| c.dest == sa("10.2.0.2:8000") && c.virtual_addr == sa("10.1.0.1:80")));
    assert!(conns.iter().all(|c| c.client.ip().to_string() == "10.1.0.2" && c.protocol == "TCP"));
    let listed = t.director.ipvsadm(&["-L", "-n", "-c"]);
    for c in &conns {
        assert!(listed.contains(&format!("{} ", c.client)), "{c:?} not in\n{listed}");
    }

    kernel.apply_one(&Op::Zero(Some(vip))).unwrap();
    assert_eq!(counters(&kernel.service(&vip).unwrap().stats), [0, 0, 0, 0, 0]);
    assert_eq!(ipvsadm_counters(&t.director, "TCP  10.1.0.1:80"), [0, 0, 0, 0, 0]);
    assert_eq!(ipvsadm_counters(&t.director, "  -> 10.2.0.2:8000"), [0, 0, 0, 0, 0]);
}

#[test]
fn zero_all_clears_every_service() {
    let t = topology();
    let mut kernel = t.director.kernel();
    let vip = key("tcp 10.1.0.1:80");
    kernel.apply_one(&Op::AddService(service("tcp 10.1.0.1:80", "rr"))).unwrap();
    kernel
        .apply_one(&Op::AddBackend {
            service: vip,
            backend: Backend::new(sa("10.2.0.2:8000"), Forward::Masq),
        })
        .unwrap();
    let server = serve(&t.backend, 1);
    connect(&t.client, 1);
    server.join().unwrap();
    assert_eq!(settled_stats(&mut kernel, &vip, 1).conns, 1);
    kernel.apply_one(&Op::Zero(None)).unwrap();
    assert_eq!(counters(&kernel.service(&vip).unwrap().stats), [0, 0, 0, 0, 0]);
}

#[test]
fn a_probe_through_round_robin_alternates_and_is_attributed_by_the_connection_table() {
    use lvsh::probe::connect::{run_probe, Backends, ProbeOptions, ProbeSpec};
    use lvsh::probe::{judge, Expectation};
    let t = topology();
    // A second backend address on the same host: two real servers to alternate between.
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    let vip = key("tcp 10.1.0.1:80");
    let backends = [sa("10.2.0.2:8000"), sa("10.2.0.3:8000")];
    let mut kernel = t.director.kernel();
    let mut ops = vec![Op::AddService(service("tcp 10.1.0.1:80", "rr"))];
    ops.extend(
        backends.iter().map(|b| Op::AddBackend { service: vip, backend: Backend::new(*b, Forward::Masq) }),
    );
    assert!(kernel.apply(&ops).unwrap().iter().all(Result::is_ok));
    let server = serve_on(&t.backend, "0.0.0.0:8000", 6);
    let mut probe = ProbeSpec::new(sa("10.1.0.1:80"));
    probe.options = ProbeOptions {
        count: 6,
        timeout: Duration::from_secs(3),
        send: "xxx\n".into(),
        interval: Duration::from_millis(20),
        ..probe.options
    };
    let known = Backends { addrs: backends.to_vec(), names: Vec::new() };
    let result = run_probe(&probe, &t.client.netns(), &mut kernel, vip.to_string(), &known).unwrap();
    assert_eq!(result.announced(), 0, "the table attributes every connection: {result:?}");
    server.join().unwrap();
    assert_eq!(result.order().len(), 6, "{result:?}");
    for e in [
        Expectation::OrderAlternate,
        Expectation::spread_even(),
        Expectation::NoFailures,
        Expectation::ReachesAll(backends.to_vec()),
    ] {
        let verdict = judge(&e, &result, &backends);
        assert!(verdict.passed, "{e:?}: expected {}, observed {}", verdict.expected, verdict.observed);
    }
    let sticky = judge(&Expectation::Sticky, &result, &backends);
    assert!(!sticky.passed, "rr is not sticky: {}", sticky.observed);
}

/// The name of the backend namespace's veth: its link with a peer
/// (`eth0@if7`), not lo nor a fallback device a tunnel module adds to every
/// namespace once some test has loaded it (`tunl0@NONE`).
fn backend_dev(ns: &TestNs) -> String {
    let links = ns.exec(&[IP, "-o", "link", "show"]);
    links
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .find(|name| name.contains("@if"))
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .expect("the backend's veth")
}

#[test]
fn a_script_probes_from_the_client_namespace_and_judges_expectations() {
    let t = topology();
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    let server = serve_on(&t.backend, "0.0.0.0:8000", 6);
    let script = format!(
        "{}probe web count 6 from {} send \"xxx\"
expect web order alternate
expect web spread even
expect web no failures
expect web sticky
",
        web_service("rr"),
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 1, "only `sticky` fails: {stdout}\n{stderr}");
    assert!(stdout.starts_with("probe tcp 10.1.0.1:80: 6 connections, 6 served\n"), "{stdout}");
    for backend in ["10.2.0.2:8000", "10.2.0.3:8000"] {
        let row = format!("  {backend:<24} {:>5}  {:>3}%  ##########\n", 3, 50);
        assert!(stdout.contains(&row), "{row} in {stdout}");
    }
    for ok in [
        "ok: expect web order alternate",
        "ok: expect web spread even within 1",
        "ok: expect web no failures",
    ] {
        assert!(stdout.contains(ok), "{ok} in {stdout}");
    }
    assert!(stderr.contains("error[lvs::expect::failed]: expectation failed: expect web sticky"), "{stderr}");
    assert!(stderr.contains("= note: observed: "), "{stderr}");
}

/// The topology with a second backend address, 10.2.0.3.
pub(crate) fn two_backends() -> Topology {
    let t = topology();
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    t
}

#[test]
fn weighted_round_robin_follows_the_weights_and_is_not_even() {
    let t = two_backends();
    let server = serve_on(&t.backend, "0.0.0.0:8000", 40);
    let script = format!(
        "service web tcp 10.1.0.1:80 wrr {{
    backend 10.2.0.2:8000 masq weight 3
    backend 10.2.0.3:8000 masq weight 1
}}
probe web count 40 from {}
expect web ratio weights within 10%
expect web spread even
",
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("ok: expect web ratio weights within 10%"), "{stdout}");
    let row = format!("  {:<24} {:>5}  {:>3}%", "10.2.0.2:8000", 30, 75);
    assert!(stdout.contains(&row), "{row} in {stdout}");
    assert!(stderr.contains("expectation failed: expect web spread even within 1"), "{stderr}");
}

#[test]
fn source_hashing_is_sticky_and_round_robin_is_not() {
    let t = two_backends();
    let server = serve_on(&t.backend, "0.0.0.0:8000", 6);
    let script = format!(
        "{}probe web count 6 from {}
expect web sticky
expect web no failures
",
        web_service("sh"),
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("ok: expect web sticky"), "{stdout}");
}

#[test]
fn a_stopped_listener_shows_as_failures_and_no_failures_fails() {
    let t = two_backends();
    // Only 10.2.0.2 listens: connections scheduled to 10.2.0.3 are refused.
    let server = serve_on(&t.backend, "10.2.0.2:8000", 3);
    let script = format!(
        "{}probe web count 6 from {} timeout 1s
expect web no failures
",
        web_service("rr"),
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("probe tcp 10.1.0.1:80: 6 connections, 3 served\n"), "{stdout}");
    // The director's table says where each was refused: outside the lab, no names.
    assert_eq!(stdout.matches(": refused: reached 10.2.0.3:8000, which refused it\n").count(), 3, "{stdout}");
    assert!(stderr.contains("expectation failed: expect web no failures"), "{stderr}");
    assert!(stderr.contains("= note: observed: 3 of 6 failed: 3 refused"), "{stderr}");
}

/// Answers `count` datagrams on `addr` in the backend namespace with "pong"
/// (a plain responder: it announces no identity). One socket per address:
/// a wildcard socket would answer from the primary address, which masq
/// cannot match to the connection.
fn serve_udp(backend: &TestNs, addr: &'static str, count: usize) -> std::thread::JoinHandle<()> {
    let netns = backend.netns();
    let (ready_tx, ready_rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        netns
            .run(move || {
                let socket = std::net::UdpSocket::bind(addr).expect("bind the UDP backend");
                socket.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
                ready_tx.send(()).expect("signal ready");
                let mut buf = [0u8; 1500];
                for _ in 0..count {
                    let Ok((_, from)) = socket.recv_from(&mut buf) else { return };
                    socket.send_to(b"pong", from).expect("answer");
                }
            })
            .expect("enter the backend namespace");
    });
    ready_rx.recv_timeout(Duration::from_secs(5)).expect("the backend listens");
    server
}

#[test]
fn a_udp_service_is_probed_with_datagrams_and_attributed() {
    let t = two_backends();
    let servers = [serve_udp(&t.backend, "10.2.0.2:5353", 2), serve_udp(&t.backend, "10.2.0.3:5353", 2)];
    let script = format!(
        "service dns udp 10.1.0.1:53 rr {{
    backend 10.2.0.2:5353 masq
    backend 10.2.0.3:5353 masq
}}
probe dns count 4 from {} send \"ping\"
expect dns order alternate
expect dns no failures
",
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    servers.into_iter().for_each(|s| s.join().unwrap());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let servers = [serve_udp(&t.backend, "10.2.0.2:5353", 1), serve_udp(&t.backend, "10.2.0.3:5353", 1)];
    let Output { code, stdout: json, stderr, .. } = t
        .director
        .lvsh()
        .commands(&format!("probe udp 10.1.0.1:53 count 2 from {} --json", t.client.name))
        .run();
    servers.into_iter().for_each(|s| s.join().unwrap());
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("a JSON report");
    assert_eq!((report["connections"].as_u64(), report["served"].as_u64()), (Some(2), Some(2)), "{json}");
    assert!(report["attempts"].as_array().unwrap().iter().all(|a| a["backend"].is_string()), "{json}");
    assert!(stdout.starts_with("probe udp 10.1.0.1:53: 4 connections, 4 served\n"), "{stdout}");
    assert!(stdout.contains("ok: expect dns order alternate"), "{stdout}");
}

#[test]
fn an_http_probe_records_error_statuses_as_failures() {
    let t = two_backends();
    let servers = [
        serve_reply(&t.backend, "10.2.0.2:8000", 2, b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nint1"),
        serve_reply(&t.backend, "10.2.0.3:8000", 2, b"HTTP/1.0 503 Service Unavailable\r\n\r\n"),
    ];
    let script = format!(
        "{}probe web count 4 from {} http /health
expect web no failures
",
        web_service("rr"),
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    servers.into_iter().for_each(|s| s.join().unwrap());
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("probe tcp 10.1.0.1:80: 4 connections, 2 served\n"), "{stdout}");
    assert_eq!(stdout.matches(": HTTP status 503\n").count(), 2, "{stdout}");
    assert!(stderr.contains("= note: observed: 2 of 4 failed: 2 HTTP status 503"), "{stderr}");
}

#[test]
fn check_drain_failed_drains_a_dead_backend_and_restores_it_when_it_answers() {
    let t = two_backends();
    let alive = serve_on(&t.backend, "10.2.0.2:8000", 2);
    let backend = t.backend.netns();
    let mut director = t.director.kernel();
    // 10.2.0.3 starts listening only once the first check drained it (a
    // fixed delay lost the race on a slow guest).
    let late = std::thread::spawn(move || {
        let vip = key("tcp 10.1.0.1:80");
        let deadline = Instant::now() + Duration::from_secs(60);
        let drained = |d: &mut lvsh::ipvs::NetlinkKernel| {
            d.backends(&vip)
                .unwrap_or_default()
                .iter()
                .any(|b| b.backend.addr == sa("10.2.0.3:8000") && b.backend.weight == 0)
        };
        while !drained(&mut director) {
            assert!(Instant::now() < deadline, "the first check never drained 10.2.0.3");
            std::thread::sleep(Duration::from_millis(20));
        }
        backend
            .run(|| {
                let listener = TcpListener::bind("10.2.0.3:8000").expect("bind");
                listener.set_nonblocking(false).expect("blocking");
                let _ = listener.accept();
            })
            .expect("enter the backend namespace");
    });
    let script = "service web tcp 10.1.0.1:80 rr {
    backend 10.2.0.2:8000 masq
    backend 10.2.0.3:8000 masq weight 2
}
check web --drain-failed
save
sleep 3s
check web --drain-failed
save
";
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(script).run();
    alive.join().unwrap();
    late.join().unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let drained = stdout.find("  drained 10.2.0.3:8000 (weight 2 -> 0)\n").expect(&stdout);
    let restored = stdout.find("  restored 10.2.0.3:8000 (weight 0 -> 2)\n").expect(&stdout);
    assert!(drained < restored, "{stdout}");
    assert!(stdout.contains(&format!("  {:<24} down  refused\n", "10.2.0.3:8000")), "{stdout}");
    assert!(stdout.contains("-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 0\n"), "{stdout}");
    assert_eq!(t.director.save().lines().last(), Some("-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m -w 2"));
}

/// The service the probe tests declare: two masqueraded backends, as `.lvs` text.
fn web_service(scheduler: &str) -> String {
    format!(
        "service web tcp 10.1.0.1:80 {scheduler} {{
    backend 10.2.0.2:8000 masq
    backend 10.2.0.3:8000 masq
}}
"
    )
}

#[test]
fn without_the_directors_table_a_backend_that_announces_itself_is_attributed() {
    use lvsh::probe::connect::{run_probe, Backends, ProbeOptions, ProbeSpec};
    use lvsh::probe::{Outcome, Served};
    let t = topology();
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    let vip = key("tcp 10.1.0.1:80");
    let backends = [sa("10.2.0.2:8000"), sa("10.2.0.3:8000")];
    let mut director = t.director.kernel();
    let mut ops = vec![Op::AddService(service("tcp 10.1.0.1:80", "rr"))];
    ops.extend(
        backends.iter().map(|b| Op::AddBackend { service: vip, backend: Backend::new(*b, Forward::Masq) }),
    );
    assert!(director.apply(&ops).unwrap().iter().all(Result::is_ok));
    // Each listener names its own address, as lvsh's `serve` does.
    let first = serve_reply(&t.backend, "10.2.0.2:8000", 2, b"int1 10.2.0.2:8000\n");
    let second = serve_reply(&t.backend, "10.2.0.3:8000", 2, b"int2 10.2.0.3:8000\n");
    // lvsh asks the client's own IPVS: it has no entry for these connections,
    // as when lvsh runs somewhere other than the director.
    let mut elsewhere = t.client.kernel();
    let mut probe = ProbeSpec::new(sa("10.1.0.1:80"));
    probe.options = ProbeOptions { count: 4, timeout: Duration::from_secs(3), ..probe.options };
    let known = Backends { addrs: backends.to_vec(), names: Vec::new() };
    let result = run_probe(&probe, &t.client.netns(), &mut elsewhere, vip.to_string(), &known).unwrap();
    first.join().unwrap();
    second.join().unwrap();
    assert_eq!(result.announced(), 4, "{result:?}");
    let order: Vec<_> = result.attempts.iter().map(|a| a.outcome.clone()).collect();
    let mut served: Vec<_> = order
        .iter()
        .map(|o| match o {
            Outcome::Served(Served::Announced(b)) => *b,
            other => panic!("not announced: {other:?}"),
        })
        .collect();
    assert_ne!(served[0], served[1], "rr alternates: {served:?}");
    served.sort();
    assert_eq!(served, [backends[0], backends[0], backends[1], backends[1]]);
    // A plain listener announces nothing: unknown, never guessed.
    let plain = serve_reply(&t.backend, "10.2.0.2:8000", 1, b"hello\n");
    let silent = serve_reply(&t.backend, "10.2.0.3:8000", 1, b"hello\n");
    probe.options.count = 2;
    let result = run_probe(&probe, &t.client.netns(), &mut elsewhere, vip.to_string(), &known).unwrap();
    plain.join().unwrap();
    silent.join().unwrap();
    assert_eq!((result.served(), result.unattributed()), (2, 2), "{result:?}");
}

#[test]
fn concurrent_connections_are_all_attributed_in_order() {
    let t = topology();
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    let server = serve_on(&t.backend, "0.0.0.0:8000", 20);
    let script = format!(
        "{}probe web count 20 concurrency 5 from {} --json\nexpect web spread even\nexpect web no failures\n",
        web_service("rr"),
        t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(stdout.split("\nok: ").next().unwrap_or_default()).expect("probe JSON");
    assert_eq!(json["served"], 20, "{json}");
    assert_eq!(json["unattributed"], 0, "{json}");
    let attempts = json["attempts"].as_array().expect("attempts");
    assert!(attempts.iter().all(|a| a["attributed_by"] == "connection table"), "{json}");
    let ports: std::collections::BTreeSet<_> = attempts.iter().map(|a| a["client"].to_string()).collect();
    assert_eq!(ports.len(), 20, "each connection its own client port: {json}");
}

#[test]
fn a_source_address_and_an_expected_reply_are_honoured() {
    let t = topology();
    t.backend.exec(&[IP, "addr", "add", "10.2.0.3/24", "dev", &backend_dev(&t.backend)]);
    t.client.exec(&[IP, "addr", "add", "10.1.0.9/24", "dev", &backend_dev(&t.client)]);
    let server = serve_on(&t.backend, "0.0.0.0:8000", 4);
    let script = format!(
        "{}probe web count 2 from {client} source 10.1.0.9 reply hello --json
probe web count 2 from {client} reply \"int\"
",
        web_service("rr"),
        client = t.client.name
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    server.join().unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json_end = stdout.find("\nprobe ").expect("two reports");
    let json: serde_json::Value = serde_json::from_str(&stdout[..json_end]).expect("probe JSON");
    for a in json["attempts"].as_array().expect("attempts") {
        assert!(a["client"].as_str().unwrap_or_default().starts_with("10.1.0.9:"), "{json}");
        assert_eq!(a["served"], true, "{json}");
    }
    let text = &stdout[json_end + 1..];
    assert!(text.starts_with("probe tcp 10.1.0.1:80: 2 connections, 0 served\n"), "{text}");
    assert!(text.contains("  connection 1: unexpected reply \"hello\"\n"), "{text}");
    // An address the client does not have: every connection says why.
    let stdout = t
        .director
        .lvsh()
        .commands(&format!("{}probe web count 1 from {} source 10.9.9.9", web_service("rr"), t.client.name))
        .run()
        .stdout;
    assert!(stdout.contains("  connection 1: cannot connect from 10.9.9.9: "), "{stdout}");
}
