//! `doctor`'s checks that tests/guest/doctor.rs does not reach, each against
//! a fault made for real: the director's checks in namespaces the test made
//! (client ── director ── backend, as in traffic.rs), where doctor looks
//! only at the director; the backends' checks, and the ones that need the
//! backends' routes, in a lab of the test's own prefix. Each time `doctor`
//! must name the fault, where it is and its fix (exit 1); the fix is applied
//! (`doctor --fix` in the lab, the printed command outside it); then doctor
//! no longer names it, and traffic or `ipvsadm` shows the fix took effect.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::doctor::{
    after, fault_then_doctor_fix, from, one_doctor_finds, run_with_one_finding, TUNNEL_BACKEND_READY,
};
use crate::lvsh::Output;
use crate::support::{run, sa, TestNs, IP};
use crate::traffic::{topology, two_backends, Topology};

/// The device of `ns` that holds `ip` (a veth of the topology).
fn dev_holding(ns: &TestNs, ip: &str) -> String {
    let addrs = ns.exec(&[IP, "-o", "-4", "addr", "show"]);
    let line = addrs
        .lines()
        .find(|l| l.contains(&format!(" inet {ip}/")))
        .unwrap_or_else(|| panic!("no device holds {ip} in {}:\n{addrs}", ns.name));
    let name = line.split_whitespace().nth(1).expect("`ip -o addr` names the device");
    name.split('@').next().unwrap_or(name).to_string()
}

/// Runs lvsh's `doctor` on the namespace; returns its exit code and report.
fn doctor(ns: &TestNs) -> (i32, String) {
    let Output { code, stdout, stderr, .. } = ns.lvsh().commands("doctor").run();
    assert!(matches!(code, 0 | 1), "doctor failed to look: {stdout}\n{stderr}");
    (code, stdout)
}

/// The one finding doctor reports on the namespace: its report, exit 1.
fn one_finding(ns: &TestNs) -> String {
    let (code, report) = doctor(ns);
    assert_eq!(code, 1, "{report}");
    let header = format!("doctor: 1 problem found on {}\n", ns.name);
    assert!(report.starts_with(&header), "{report}");
    report
}

/// Doctor finds nothing on the namespace.
fn nothing_found(ns: &TestNs) {
    assert_eq!(doctor(ns), (0, format!("doctor: no problem found on {}\n", ns.name)));
}

/// A connection from the client's `port` to the VIP 10.1.0.1:80, and the
/// backend's end of it, taken from `listener`; the address it was accepted
/// on is the backend the director chose. The port may still be held a
/// moment by its last connection's close: it is tried until it is free.
fn connect_from(client: &TestNs, port: u16, listener: &TcpListener) -> (TcpStream, TcpStream, SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        let tried = client.netns().run(move || -> std::io::Result<TcpStream> {
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
            socket.set_reuse_address(true)?;
            socket.bind(&sa(&format!("10.1.0.2:{port}")).into())?;
            socket.connect_timeout(&sa("10.1.0.1:80").into(), Duration::from_secs(3))?;
            Ok(socket.into())
        });
        match tried.expect("enter the client namespace") {
            Ok(stream) => break stream,
            Err(e)
                if Instant::now() < deadline
                    && matches!(e.kind(), ErrorKind::AddrInUse | ErrorKind::AddrNotAvailable) =>
            {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("connect from 10.1.0.2:{port} to 10.1.0.1:80: {e}"),
        }
    };
    // The handshake is done, so the connection waits in the listener's queue.
    let (served, _) = listener.accept().expect("the backend accepts");
    let backend = served.local_addr().expect("the backend's address");
    (stream, served, backend)
}

/// Ends a connection the backend's side first, as servers do: the client
/// keeps no TIME_WAIT, and the director's entry goes to TIME_WAIT.
fn close_from_backend(mut client: TcpStream, mut served: TcpStream) {
    served.shutdown(std::net::Shutdown::Write).expect("the backend closes");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).expect("the client reads to the end");
    drop(client);
    let _ = served.read_to_end(&mut rest);
}

/// A listener on port 8000 in the backend's namespace (any address).
fn listen(backend: &TestNs) -> TcpListener {
    backend.netns().run(|| TcpListener::bind("0.0.0.0:8000")).expect("enter the backend").expect("listen")
}

/// The lines of `ipvsadm -L -n -c` (pro expire state source virtual
/// destination) whose backend is `dest`.
fn entries_to(director: &TestNs, dest: &str) -> Vec<String> {
    let listing = director.ipvsadm(&["-L", "-n", "-c"]);
    listing.lines().filter(|l| l.split_whitespace().nth(5) == Some(dest)).map(str::to_string).collect()
}

/// The two-backend topology with `net.ipv4.vs.SYSCTL` 0 on the director,
/// a listener in the backend, and ipvsadm's service 10.1.0.1:80 with
/// 10.2.0.2:8000 as its only backend.
fn masq_service_with_vs_sysctl_0(sysctl: &str) -> (Topology, TcpListener) {
    let t = two_backends();
    let listener = listen(&t.backend);
    t.director.exec(&["sysctl", "-w", &format!("net.ipv4.vs.{sysctl}=0")]);
    t.director.ipvsadm_line("-A -t 10.1.0.1:80 -s rr");
    t.director.ipvsadm_line("-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m");
    (t, listener)
}

#[test]
fn doctor_names_a_backend_the_director_has_no_route_to() {
    let t = topology();
    let dev = dev_holding(&t.director, "10.2.0.1");
    t.director.exec(&[IP, "route", "del", "10.2.0.0/24", "dev", &dev]);
    let (d, b, c) = (&t.director.name, &t.backend.name, &t.client.name);
    let script = format!(
        "service web tcp 10.1.0.1:80 rr\n\
         backend web 10.2.0.2:8000 masq\n\
         serve {b} 8000\n\
         probe web count 2 from {c} timeout 1s\n\
         doctor\n\
         on {d} ip route add 10.2.0.0/24 dev {dev}\n\
         probe web count 2 from {c}\n\
         expect web no failures\n\
         doctor\n"
    );
    let stdout = one_doctor_finds(t.director.lvsh(), &script);
    let report = from(&stdout, "doctor: ");
    assert!(
        report.starts_with(&format!(
            "doctor: 1 problem found on {d}\n\
             error doctor::no-route-to-backend: the director has no route to 10.2.0.2\n  \
             where: service web, backend 10.2.0.2:8000\n  \
             why:   connections the scheduler gives this backend cannot be sent to it and are lost\n  \
             fix:   (none lvsh can tell: see why)\n"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("probe tcp 10.1.0.1:80: 2 connections, 0 served\n"), "{stdout}");
    let fixed = after(report, "fix:   (none");
    assert!(
        fixed.contains("2 connections, 2 served\n")
            && fixed.contains(&format!("ok: expect web no failures\ndoctor: no problem found on {d}\n")),
        "{stdout}"
    );
}

#[test]
fn doctor_names_a_service_without_backends_then_with_only_weight_0_and_its_fix_serves_again() {
    let t = topology();
    let (b, c) = (&t.backend.name, &t.client.name);
    t.director.ipvsadm_line("-A -t 10.1.0.1:80 -s rr");
    let report = one_finding(&t.director);
    assert!(
        report.contains(
            "error doctor::no-backends: service tcp 10.1.0.1:80 has no backends\n  \
             where: service tcp 10.1.0.1:80\n  \
             why:   the scheduler has no backend to choose, so new connections to the VIP are refused\n  \
             fix:   (none lvsh can tell: see why)\n"
        ),
        "{report}"
    );
    t.director.ipvsadm_line("-a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 0");
    let probe = format!("serve {b} 8000\nprobe tcp 10.1.0.1:80 count 2 from {c} timeout 1s\n");
    let stdout = one_doctor_finds(t.director.lvsh(), &format!("{probe}doctor\n"));
    assert!(stdout.contains("probe tcp 10.1.0.1:80: 2 connections, 0 served\n"), "{stdout}");
    let fix = "set backend tcp 10.1.0.1:80 10.2.0.2:8000 weight 1";
    assert!(
        stdout.contains(&format!(
            "error doctor::no-backends: every backend of service tcp 10.1.0.1:80 has weight 0\n  \
             where: service tcp 10.1.0.1:80\n  \
             why:   the scheduler has no backend to choose, so new connections to the VIP are refused\n  \
             fix:   {fix}\n"
        )),
        "{stdout}"
    );
    // The printed fix, pasted into lvsh as it is.
    let Output { code, stdout, stderr, .. } = t
        .director
        .lvsh()
        .commands(&format!(
            "{fix}\nserve {b} 8000\nprobe tcp 10.1.0.1:80 count 2 from {c}\nexpect tcp 10.1.0.1:80 no failures\n"
        ))
        .run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("2 connections, 2 served\n"), "{stdout}");
    let listing = t.director.ipvsadm(&["-L", "-n"]);
    assert!(listing.contains("  -> 10.2.0.2:8000                Masq    1      "), "weight 1: {listing}");
    nothing_found(&t.director);
}

#[test]
fn doctor_names_connections_left_to_a_deleted_backend_and_its_sysctl_ends_them() {
    let (t, listener) = masq_service_with_vs_sysctl_0("expire_nodest_conn");
    let (mut client, mut served, backend) = connect_from(&t.client, 40001, &listener);
    assert_eq!(backend, sa("10.2.0.2:8000"));
    client.write_all(b"ping").expect("send");
    served.read_exact(&mut [0u8; 4]).expect("the backend gets it");
    // Another backend takes new clients; the first one is deleted under its connection.
    t.director.ipvsadm_line("-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m");
    t.director.ipvsadm_line("-d -t 10.1.0.1:80 -r 10.2.0.2:8000");
    let kept = entries_to(&t.director, "10.2.0.2:8000");
    assert!(kept.len() == 1 && kept[0].contains(" ESTABLISHED "), "ipvsadm -L -n -c: {kept:?}");

    // Its packets are dropped: no answer, not even a reset.
    client.set_read_timeout(Some(Duration::from_secs(1))).expect("read timeout");
    client.write_all(b"lost").expect("send");
    let waited = client.read(&mut [0u8; 16]).map_err(|e| e.kind());
    assert!(matches!(waited, Err(ErrorKind::WouldBlock | ErrorKind::TimedOut)), "{waited:?}");

    let report = one_finding(&t.director);
    let fix = "sysctl -w net.ipv4.vs.expire_nodest_conn=1";
    assert!(
        report.contains(&format!(
            "warning doctor::nodest-conn: connections to deleted backend 10.2.0.2:8000 stay: \
             net.ipv4.vs.expire_nodest_conn is 0\n  \
             where: backend 10.2.0.2:8000\n  \
             why:   the director drops these clients' packets until each entry times out, \
             instead of ending the connection so the client reconnects\n  \
             fix:   {fix}\n"
        )),
        "{report}"
    );
    // The printed fix, run in the director's namespace.
    t.director.exec(&fix.split_whitespace().collect::<Vec<_>>());
    nothing_found(&t.director);

    // The client's next packet (its retransmission) ends the entry, and the
    // director, which no longer has it, resets the connection.
    client.set_read_timeout(Some(Duration::from_secs(20))).expect("read timeout");
    let ended = client.read(&mut [0u8; 16]).map_err(|e| e.kind());
    assert_eq!(ended, Err(ErrorKind::ConnectionReset));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !entries_to(&t.director, "10.2.0.2:8000").is_empty() {
        assert!(Instant::now() < deadline, "the entry stays: {:?}", entries_to(&t.director, "10.2.0.2:8000"));
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn doctor_names_a_drained_backend_a_reused_client_port_still_reaches_and_its_sysctl_reschedules() {
    let (t, listener) = masq_service_with_vs_sysctl_0("conn_reuse_mode");
    let port = 40002;
    let (client, served, backend) = connect_from(&t.client, port, &listener);
    assert_eq!(backend, sa("10.2.0.2:8000"));
    close_from_backend(client, served);
    // Drained: another backend takes the new clients.
    t.director.ipvsadm_line("-a -t 10.1.0.1:80 -r 10.2.0.3:8000 -m");
    t.director.ipvsadm_line("-e -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 0");
    // With conn_reuse_mode 0 a new connection from the same port takes the
    // old entry, and its backend, weight 0 or not.
    let (client, served, backend) = connect_from(&t.client, port, &listener);
    assert_eq!(backend, sa("10.2.0.2:8000"), "conn_reuse_mode 0 reuses the drained backend");
    let client_entry = format!("10.1.0.2:{port}");
    assert!(entries_to(&t.director, "10.2.0.2:8000").iter().any(|l| l.contains(&client_entry)));
    close_from_backend(client, served);

    let report = one_finding(&t.director);
    let fix = "sysctl -w net.ipv4.vs.conn_reuse_mode=1";
    assert!(
        report.contains(&format!(
            "warning doctor::conn-reuse: drained backend 10.2.0.2:8000 of service tcp 10.1.0.1:80 \
             can still get new connections: net.ipv4.vs.conn_reuse_mode is 0\n  \
             where: service tcp 10.1.0.1:80, backend 10.2.0.2:8000\n  \
             why:   a client that reuses the port of one of its old connections is sent to that \
             connection's backend again instead of being scheduled\n  \
             fix:   {fix}\n"
        )),
        "{report}"
    );
    t.director.exec(&fix.split_whitespace().collect::<Vec<_>>());
    nothing_found(&t.director);

    // The same port again: the old entry is expired and the client scheduled.
    let (client, served, backend) = connect_from(&t.client, port, &listener);
    assert_eq!(backend, sa("10.2.0.3:8000"), "conn_reuse_mode 1 schedules the client anew");
    assert!(entries_to(&t.director, "10.2.0.3:8000").iter().any(|l| l.contains(&client_entry)));
    close_from_backend(client, served);
}

#[test]
fn doctor_names_a_sync_daemon_whose_interface_was_deleted_and_a_restart_on_another_fixes_it() {
    let _turn = crate::daemons::ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let ns = TestNs::new();
    for dev in ["sync0", "sync1"] {
        ns.exec(&[IP, "link", "add", dev, "type", "dummy"]);
        ns.exec(&[IP, "link", "set", dev, "up"]);
    }
    ns.ipvsadm(&["--start-daemon", "master", "--mcast-interface", "sync0", "--syncid", "3"]);
    ns.exec(&[IP, "link", "del", "sync0"]);
    // The kernel keeps the daemon on the interface it no longer has.
    assert_eq!(
        ns.ipvsadm(&["-L", "--daemon"]),
        "master sync daemon (mcast=sync0, syncid=3, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n"
    );
    let report = one_finding(&ns);
    assert!(
        report.ends_with(
            "error doctor::sync-interface: the master sync daemon's interface sync0 does not exist\n  \
             where: interface sync0\n  \
             why:   the daemon sends or hears no connection updates, so a failover loses every connection\n  \
             fix:   (none lvsh can tell: see why)\n"
        ),
        "{report}"
    );
    let out = ns.lvsh().commands("daemon stop master\ndaemon start master interface sync1 syncid 3").run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        ns.ipvsadm(&["-L", "--daemon"]),
        "master sync daemon (mcast=sync1, syncid=3, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n"
    );
    nothing_found(&ns);
    ns.ipvsadm(&["--stop-daemon", "master"]);
}

#[test]
fn doctor_names_a_dr_vip_the_director_does_not_hold_and_its_fix_lets_ipvs_see_the_clients() {
    let t = topology();
    let (d, b, c) = (&t.director.name, &t.backend.name, &t.client.name);
    let (outside, inside) = (dev_holding(&t.director, "10.1.0.1"), dev_holding(&t.director, "10.2.0.1"));
    // A DR backend ready for 10.1.0.10: the VIP on its lo, and the director
    // taking its replies, whose source will be the director's own address.
    let fix = format!("ip addr add 10.1.0.10/32 dev {outside}");
    let script = format!(
        "service web tcp 10.1.0.10:80 rr\n\
         backend web 10.2.0.2:80 route\n\
         on {b} ip addr add 10.1.0.10/32 dev lo\n\
         on {d} sysctl -w net.ipv4.conf.{inside}.accept_local=1\n\
         serve {b} 80\n\
         probe web count 2 from {c} timeout 1s\n\
         doctor\n"
    );
    let stdout = one_doctor_finds(t.director.lvsh(), &script);
    assert!(stdout.contains("probe tcp 10.1.0.10:80: 2 connections, 0 served\n"), "{stdout}");
    let report = from(&stdout, "doctor: ");
    assert_eq!(
        report,
        format!(
            "doctor: 1 problem found on {d}\n\
             error doctor::vip-not-local: the VIP 10.1.0.10 of route service web is not an address of the director\n  \
             where: service web\n  \
             why:   IPVS only sees packets addressed to the director itself, so connections to this VIP are never balanced\n  \
             fix:   {fix}\n"
        ),
        "{stdout}"
    );
    let to_vip = |listing: &str| listing.lines().filter(|l| l.contains(" 10.1.0.10:80 ")).count();
    let listing = t.director.ipvsadm(&["-L", "-n", "-c"]);
    assert_eq!(to_vip(&listing), 0, "IPVS saw none of the clients' packets: {listing}");

    // The printed fix in the director's namespace.
    t.director.exec(&fix.split_whitespace().collect::<Vec<_>>());
    // Announced (gratuitous ARP), as keepalived does: the client's failed
    // lookups of the VIP would otherwise linger.
    t.director.exec(&["arping", "-U", "-c", "1", "-I", &outside, "10.1.0.10"]);
    let script = format!(
        "serve {b} 80\n\
         probe tcp 10.1.0.10:80 count 2 from {c}\n\
         expect tcp 10.1.0.10:80 no failures\n\
         doctor\n"
    );
    let Output { code, stdout, stderr, .. } = t.director.lvsh().commands(&script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("2 connections, 2 served\n"), "{stdout}");
    assert!(stdout.ends_with(&format!("doctor: no problem found on {d}\n")), "{stdout}");
    let listing = t.director.ipvsadm(&["-L", "-n", "-c"]);
    let served = listing.lines().filter(|l| l.split_whitespace().skip(4).eq(["10.1.0.10:80", "10.2.0.2:80"]));
    assert!(served.count() >= 2, "IPVS sent the clients to the backend: {listing}");
}

/// The lab run's first `doctor` names exactly `finding` (which ends with
/// its `fix:` line), `doctor --fix` runs its fix, and the doctor after it
/// finds nothing; `then` follows.
fn found_then_fixed(stdout: &str, finding: &str, then: &str) {
    let report = from(stdout, "doctor: ");
    assert!(report.starts_with(&format!("doctor: 1 problem found on gw\n{finding}")), "{stdout}");
    let fix = finding.rsplit_once("  fix:   ").map_or("", |(_, fix)| fix.trim_end());
    // What the fix prints (sysctl's echo) comes before lvsh says it ran it.
    let fixed = format!("fixed: ran `{fix}`\ndoctor: no problem found on gw\n{then}");
    assert!(after(report, finding).contains(&fixed), "{fixed} in {stdout}");
}

/// A service of int2 alone, by `method` (`route`, `tunnel ipip`, ...),
/// ready but for its tunnel device (the VIP on its lo, its ARP settings,
/// gw taking its replies), under `prefix`.
fn int2_lab(prefix: &str, method: &str) -> String {
    format!(
        "lab up prefix {prefix}\n\
         service web tcp 111.111.0.1:80 rr\n\
         backend web 10.10.0.3:80 {method}\n\
         serve int2 80\n\
         {TUNNEL_BACKEND_READY}"
    )
}

#[test]
fn doctor_names_strict_rp_filter_where_dr_replies_enter_gw_and_doctor_fix_loosens_it() {
    let setup = int2_lab("k1-", "route") + "gw sysctl -w net.ipv4.conf.eth2.rp_filter=1\n";
    let stdout = fault_then_doctor_fix(&setup);
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let fix = "gw sysctl -w net.ipv4.conf.eth2.rp_filter=2";
    let finding = format!(
        "error doctor::director-rp-filter: gw's strict rp_filter on eth2 drops the replies of route \
         10.10.0.3:80 (int2): their source, the VIP 111.111.0.1, is not routed out eth2\n  \
         where: node gw, interface eth2, service web, backend 10.10.0.3:80 (int2)\n  \
         why:   with rp_filter 1 (the larger of `all` and the interface's applies) a packet is dropped \
         unless its source would be routed back out the interface it came in on\n  \
         fix:   {fix}\n"
    );
    found_then_fixed(&stdout, &finding, "probe tcp 111.111.0.1:80: 4 connections, 4 served\n");
}

#[test]
fn doctor_names_a_dr_backend_holding_the_vip_where_it_answers_arp_and_doctor_fix_removes_it() {
    // gw asks its backend network who has the VIP (from its own address
    // there): only a backend holding it on eth1 answers, arp_ignore or not.
    let arping = "gw sh -c 'arping -c 1 -w 1 -I eth2 -s 10.10.0.1 111.111.0.1; true'\n";
    let script = int2_lab("k2-", "route")
        + "int2 ip addr add 111.111.0.1/32 dev eth1\n"
        + arping
        + "doctor\n\
           doctor --fix\n"
        + arping
        + "probe web count 4 from ext1\n\
           expect web no failures\n\
           doctor\n\
           lab down\n";
    let stdout = run_with_one_finding(&script);
    let fix = "int2 ip addr del 111.111.0.1/32 dev eth1";
    let finding = format!(
        "warning doctor::vip-on-arp-interface: int2 holds the VIP 111.111.0.1 of route service web on eth1, \
             which answers ARP for it\n  \
             where: node int2, interface eth1, service web, backend 10.10.0.3:80 (int2)\n  \
             why:   the backend answers ARP for the VIP on its network, so the router may send the VIP's traffic \
             to it instead of the director; the VIP belongs on lo\n  \
         fix:   {fix}\n"
    );
    found_then_fixed(&stdout, &finding, "");
    let (before, fixed) = stdout.split_once("doctor: 1 problem").expect("a report");
    assert!(before.contains("Received 1 response"), "int2 answers ARP for the VIP: {stdout}");
    assert!(fixed.contains("Received 0 response"), "nobody answers ARP for the VIP: {stdout}");
    assert!(
        fixed.contains("4 connections, 4 served\n")
            && fixed.contains("ok: expect web no failures\ndoctor: no problem found on gw\nlab down"),
        "{stdout}"
    );
}

#[test]
fn doctor_names_rp_filter_on_a_tunnel_device_without_an_address_and_doctor_fix_turns_it_off() {
    // tunl0 exists in the lab's namespaces once ipip is loaded (in the guest
    // only). It has no address, so loose rp_filter (2, from `all`) drops the
    // decapsulated packets as strict does on tunl0 itself: both must go to 0.
    run("modprobe", &["ipip"]);
    let setup = int2_lab("k3-", "tunnel ipip")
        + "int2 ip link set tunl0 up\n\
           int2 sysctl -w net.ipv4.conf.all.rp_filter=2\n\
           int2 sysctl -w net.ipv4.conf.tunl0.rp_filter=1\n";
    let stdout = fault_then_doctor_fix(&setup);
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let fix = "int2 sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0";
    let finding = format!(
        "error doctor::tunnel-rp-filter: int2 has rp_filter 2 on its tunnel device tunl0, which has no address \
         (service web)\n  \
             where: node int2, interface tunl0, service web, backend 10.10.0.3:80 (int2)\n  \
             why:   a decapsulated packet's source is the client, which is not routed out the tunnel device; \
             on a device without an address the kernel's reverse-path check drops it unless rp_filter is 0 \
             (the larger of `all` and the device's applies)\n  \
         fix:   {fix}\n"
    );
    found_then_fixed(&stdout, &finding, "probe tcp 111.111.0.1:80: 4 connections, 4 served\n");
}

#[test]
fn doctor_names_a_gre_backend_whose_gre0_is_down_and_doctor_fix_brings_it_up() {
    // ip_gre makes gre0, down, in every namespace; loaded here (in the guest
    // only) so that the fix needs no module.
    run("modprobe", &["ip_gre"]);
    let setup = int2_lab("k4-", "tunnel gre");
    let stdout = fault_then_doctor_fix(&setup);
    assert!(stdout.contains("-a -t 111.111.0.1:80 -r 10.10.0.3:80 -i -w 1 --tun-type gre"), "{stdout}");
    assert!(stdout.contains("probe tcp 111.111.0.1:80: 4 connections, 0 served\n"), "{stdout}");
    let fix = "int2 ip link set gre0 up";
    let finding = format!(
        "error doctor::no-tunnel-device: int2's gre device gre0 is down for the gre tunnel of service web\n  \
             where: node int2, interface gre0, service web, backend 10.10.0.3:80 (int2)\n  \
             why:   the director sends this backend the client's packets inside GRE packets, which only an up \
             gre device takes out; without one they are refused\n  \
         fix:   {fix}\n"
    );
    found_then_fixed(&stdout, &finding, "probe tcp 111.111.0.1:80: 4 connections, 4 served\n");
}

/// Outside the lab, doctor enters the backends' namespaces `--enter` names:
/// it finds what only the backend shows (its reply route, its listener),
/// names the fixes as `on NODE ...`, and lets a VIP stand in for clients
/// unless `--clients` names them.
#[test]
fn doctor_enters_the_namespaces_named_with_enter_outside_the_lab() {
    let t = topology();
    t.backend.exec(&[IP, "route", "del", "default"]);
    let (d, b, c) = (&t.director.name, &t.backend.name, &t.client.name);
    let script = format!(
        "service web tcp 10.1.0.1:80 rr\n\
         backend web 10.2.0.2:8000 masq\n\
         doctor\n\
         doctor web --enter {b} --clients 10.1.0.2\n\
         on {b} ip route add default via 10.2.0.1\n\
         serve {b} 8000\n\
         probe web count 2 from {c}\n\
         expect web no failures\n\
         doctor --enter {b}\n"
    );
    let stdout = one_doctor_finds(t.director.lvsh(), &script);
    // Without `--enter`, only the director is looked at, and it is healthy.
    assert!(stdout.starts_with(&format!("doctor: no problem found on {d}\n")), "{stdout}");
    let report = from(&stdout, "doctor: 2 problems");
    assert!(
        report.starts_with(&format!(
            "doctor: 2 problems found on {d}\n\
             error doctor::no-reply-path: {b} has no route to client 10.1.0.2, not via the director 10.2.0.1\n  \
             where: node {b}, service web, backend 10.2.0.2:8000\n"
        )),
        "{stdout}"
    );
    assert!(report.contains(&format!("  fix:   on {b} ip route add default via 10.2.0.1\n")), "{stdout}");
    assert!(
        report.contains(&format!(
            "error doctor::not-listening: nothing listens on TCP port 8000 on {b}\n  \
             where: node {b}, service web, backend 10.2.0.2:8000\n  \
             why:   the connections the director sends this backend are refused: its server is not running, or listens on another port or address\n  \
             fix:   (none lvsh can tell: see why)\n"
        )),
        "{stdout}"
    );
    let fixed = after(report, "fix:   (none");
    assert!(
        fixed.contains("2 connections, 2 served\n")
            && fixed.contains(&format!("ok: expect web no failures\ndoctor: no problem found on {d}\n")),
        "{stdout}"
    );
    // The VIP stands in for clients when none is named; a namespace that
    // does not exist is an error that says so.
    t.backend.exec(&[IP, "route", "del", "default"]);
    let Output { code, stdout, stderr, .. } = t
        .director
        .lvsh()
        .commands(&format!(
            "service web tcp 10.1.0.1:80 rr\nbackend web 10.2.0.2:8000 masq\nserve {b} 8000\n\
             doctor --enter {b} --json\ndoctor --enter no-such-ns\n"
        ))
        .run();
    assert_ne!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "\"what\":\"{b} has no route to the VIP 10.1.0.1 (standing in for clients: `--clients` names them), not via the director 10.2.0.1\""
        )),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("\"fix\":\"on {b} ip route add default via 10.2.0.1\"")), "{stdout}");
    assert!(stderr.contains("doctor cannot look: there is no network namespace `no-such-ns`"), "{stderr}");
    assert!(stderr.contains("`ip netns list` names the namespaces"), "{stderr}");
}
