//! The high-availability lab (`lab up ha`): gw and gw2 under keepalived's
//! VRRP with IPVS sync daemons, and one change made to both directors as one
//! transaction. keepalived and `ipvsadm` are the judges: which director
//! holds the VIP is read with `ip addr`, the tables with `ipvsadm -S -n`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use lvsh::ipvs::Netns;

use crate::lvsh::Output;
use crate::support::{lvsh, IP};

/// Generous: a loaded TCG guest is slow, and VRRP's own timers take seconds.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `argv` in namespace `ns`; its stdout (it must succeed).
fn exec(ns: &str, argv: &[&str]) -> String {
    let out = Command::new(IP).args(["netns", "exec", ns]).args(argv).output().expect("ip netns exec");
    assert!(out.status.success(), "{argv:?} in {ns}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether namespace `ns` holds address `addr` (`ip -o addr`).
fn holds(ns: &str, addr: &str) -> bool {
    exec(ns, &[IP, "-o", "-4", "addr", "show"]).contains(&format!(" {addr}/"))
}

/// Waits until `f` holds, or fails the test saying `what`.
fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < DEADLINE, "{what}: not within {}s", DEADLINE.as_secs());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `ipvsadm -S -n` in `ns`.
fn saved(ns: &str) -> String {
    exec(ns, &["ipvsadm", "-S", "-n"])
}

/// A TCP connection made from inside namespace `ns`.
fn connect_from(ns: &str, to: &str) -> TcpStream {
    let to = to.to_string();
    Netns::Named(ns.to_string())
        .run(move || TcpStream::connect_timeout(&to.parse().expect("address"), Duration::from_secs(10)))
        .expect("enter the client's namespace")
        .expect("connect through the VIP")
}

/// lvsh's own backend server (`serve`'s), run by the test in `ns`.
fn backend(ns: &str, name: &str, kind: &str) -> std::process::Child {
    let mut child = Command::new(IP)
        .args(["netns", "exec", ns, crate::support::LVSH, "serve-backend", "--name", name, "--port", "8000"])
        .args(["--kind", kind])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the backend");
    let mut ready = String::new();
    let out = child.stdout.take().expect("its output");
    BufReader::new(out).read_line(&mut ready).expect("its ready line");
    assert!(ready.contains("serving"), "{ready}");
    child
}

/// Sends a line and reads the echo's answer.
fn echo(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str) -> String {
    writeln!(stream, "{line}").expect("send a line");
    let mut answer = String::new();
    reader.read_line(&mut answer).expect("read the echo");
    answer
}

#[test]
fn a_connection_survives_the_failover_from_gw_to_gw2_and_new_ones_are_served_by_gw2() {
    let p = "h1-";
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab up ha prefix h1-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.ends_with("service commands now act on the IPVS of gw and gw2, as one\n"), "{stdout}");
    let (gw, gw2, ext1) = (format!("{p}gw"), format!("{p}gw2"), format!("{p}ext1"));
    // VRRP: gw has the higher priority, so it takes both floating addresses.
    wait_until("gw holds the VIP and the backends' gateway", || {
        holds(&gw, "111.111.0.1") && holds(&gw, "10.10.0.1")
    });
    let status = lvsh().commands("lab status prefix h1-").run().succeeds().stdout;
    assert!(status.contains("    gw        pid "), "{status}");
    let gw_row = status.lines().find(|l| l.starts_with("    gw ")).unwrap_or_default();
    assert!(gw_row.contains("MASTER, holds it    MASTER, holds it"), "{status}");
    assert!(gw_row.contains("master (eth2, syncid 51), backup (eth2, syncid 51)"), "{status}");
    // Both directors run both sync daemons: ipvsadm agrees.
    for ns in [&gw, &gw2] {
        let daemons = exec(ns, &["ipvsadm", "-L", "-n", "--daemon"]);
        assert!(daemons.contains("master sync daemon (mcast=eth2, syncid=51"), "{ns}: {daemons}");
        assert!(daemons.contains("backup sync daemon (mcast=eth2, syncid=51"), "{ns}: {daemons}");
    }
    // Two services on both directors: one to an echoing backend that keeps
    // its connection, one to a backend that answers and closes. The backends
    // are the test's own processes: a job would end with its lvsh.
    let script = "lab status prefix h1-\n\
                  service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq }\n\
                  service next tcp 111.111.0.1:81 rr { backend 10.10.0.3:8000 masq }\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let mut servers =
        [backend(&format!("{p}int1"), "int1", "echo"), backend(&format!("{p}int2"), "int2", "tcp")];
    assert_eq!(saved(&gw), saved(&gw2));
    assert!(saved(&gw2).contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1"), "{}", saved(&gw2));
    // A long-lived connection through gw.
    let mut stream = connect_from(&ext1, "111.111.0.1:80");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    assert_eq!(echo(&mut stream, &mut reader, "before"), "int1: before\n");
    let client = stream.local_addr().expect("client address").to_string();
    // gw2 learns it from gw's sync daemon.
    wait_until("gw2 lists the synced connection", || {
        exec(&gw2, &["ipvsadm", "-L", "-n", "-c"]).lines().any(|l| l.contains(&client))
    });
    let synced = lvsh().netns(&gw2).commands("show connections").run().succeeds().stdout;
    assert!(synced.contains(&client) && synced.contains("10.10.0.2:8000"), "{synced}");
    // keepalived on gw stops: the VIP and the gateway move to gw2.
    let pid = exec(&gw, &["cat", &format!("/run/lvsh/ha/{gw}.keepalived.pid")]);
    let stopped = Command::new("kill").arg(pid.trim()).status().expect("kill");
    assert!(stopped.success());
    wait_until("gw2 holds the VIP and the backends' gateway", || {
        holds(&gw2, "111.111.0.1") && holds(&gw2, "10.10.0.1") && !holds(&gw, "111.111.0.1")
    });
    let status = lvsh().commands("lab status prefix h1-").run().succeeds().stdout;
    let gw2_row = status.lines().find(|l| l.starts_with("    gw2 ")).unwrap_or_default();
    assert!(gw2_row.contains("MASTER, holds it    MASTER, holds it"), "{status}");
    assert!(status.lines().any(|l| l.starts_with("    gw        not running")), "{status}");
    // The same connection still echoes, now through gw2.
    assert_eq!(echo(&mut stream, &mut reader, "after"), "int1: after\n");
    drop((stream, reader));
    // New connections are served through gw2: its counters move, gw's do not.
    let gw_before = exec(&gw, &["ipvsadm", "-L", "-n", "--stats"]);
    let Output { code, stdout, stderr, .. } =
        lvsh().commands("lab status prefix h1-\nprobe tcp 111.111.0.1:81 count 4 from ext1\nexpect tcp 111.111.0.1:81 no failures").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(exec(&gw, &["ipvsadm", "-L", "-n", "--stats"]), gw_before, "gw served nothing new");
    let conns = exec(&gw2, &["ipvsadm", "-L", "-n", "-c"]);
    let served = conns.lines().filter(|l| l.contains("111.111.0.1:81") && l.contains("10.10.0.3:8000"));
    assert!(served.count() >= 4, "{conns}");
    let Output { code, stdout, stderr, .. } = lvsh().commands("lab down prefix h1-").run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout, "lab down: removed 7 namespaces\n");
    for server in &mut servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    let left = Command::new("ps").output().expect("ps");
    assert!(!String::from_utf8_lossy(&left.stdout).contains(&format!("{gw}.keepalived")), "keepalived gone");
}

#[test]
fn one_apply_changes_both_directors_alike_and_a_refusal_on_gw2_leaves_both_as_before() {
    let p = "h2-";
    // A lab with one director cannot become the pair (gw's addresses
    // differ), and has no VRRP master to fail over from.
    lvsh().commands("lab up prefix h2-").run().succeeds();
    let Output { code, stderr, .. } = lvsh().commands("lab up ha prefix h2-").run();
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("the lab is up with one director") && stderr.contains("`lab down`, then `lab up ha`")
    );
    let Output { code, stderr, .. } = lvsh().commands("lab failover prefix h2-").run();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("`lab failover` needs the HA lab"), "{stderr}");
    lvsh().commands("lab down prefix h2-").run().succeeds();
    lvsh().commands("lab up ha prefix h2-").run().succeeds();
    let (gw, gw2) = (format!("{p}gw"), format!("{p}gw2"));
    let dir = std::env::temp_dir().join("lvsh-ha-apply");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("web.lvs");
    std::fs::write(
        &file,
        "service web tcp 111.111.0.1:80 wrr {\n    backend 10.10.0.2:8000 masq weight 3\n    backend 10.10.0.3:8000 masq\n}\n",
    )
    .expect("write");
    let both = format!("{gw},{gw2}");
    let file_arg = file.display().to_string();
    let Output { code, stdout, stderr, .. } = lvsh().args(["--netns", &both, "apply", &file_arg]).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with(&format!("== {gw} ==\n")), "{stdout}");
    assert!(stdout.contains(&format!("== {gw2} ==\n")), "{stdout}");
    assert!(stdout.ends_with(&format!("applied: 6 kernel operations to {gw} and {gw2}, as one (`lvsh --netns NAME rollback` undoes each)\n")), "{stdout}");
    let before = saved(&gw);
    assert_eq!(before, saved(&gw2), "ipvsadm -S -n equal on both");
    assert!(before.contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 3"), "{before}");
    let Output { code, stdout, .. } = lvsh().args(["--netns", &both, "plan", &file_arg]).run();
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.matches("in sync").count(), 2, "{stdout}");
    // gw2's kernel refuses 10.10.0.77 as a backend (a broadcast address
    // there, unicast on gw): gw takes the change, gw2 refuses it, and the
    // transaction undoes gw's.
    exec(&gw2, &[IP, "route", "add", "broadcast", "10.10.0.77", "dev", "eth2", "table", "local"]);
    std::fs::write(
        dir.join("more.lvs"),
        "service web tcp 111.111.0.1:80 wrr {\n    backend 10.10.0.2:8000 masq weight 3\n    \
         backend 10.10.0.3:8000 masq weight 2\n    backend 10.10.0.77:8000 masq weight 5\n}\n",
    )
    .expect("write");
    let more = dir.join("more.lvs").display().to_string();
    let Output { code, stdout, stderr, .. } = lvsh().args(["--netns", &both, "apply", &more]).run();
    assert_eq!(code, 3, "refused: {stdout}\n{stderr}");
    assert!(stderr.contains(&format!("in the IPVS of {gw2}")), "{stderr}");
    assert!(stderr.contains("the kernel is as it was"), "{stderr}");
    assert_eq!(saved(&gw), before, "gw as before");
    assert_eq!(saved(&gw2), before, "gw2 as before");
    // The same from a script acting on both (`use`): undone in both.
    let script = format!("use {gw} {gw2}\nbackend tcp 111.111.0.1:80 10.10.0.3:8000 weight 4\nbackend tcp 111.111.0.1:80 10.10.0.77:8000\n");
    let Output { code, stdout, stderr, .. } = lvsh().commands(&script).run();
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stderr.contains("rolled back the 3 changes"), "{stderr}");
    assert_eq!((saved(&gw), saved(&gw2)), (before.clone(), before), "both as before");
    lvsh().commands("lab down prefix h2-").run().succeeds();
}
