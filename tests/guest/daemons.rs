//! Connection-sync daemons, on a dummy interface of the test namespace.

use std::sync::{Mutex, MutexGuard};

use lvsh::ipvs::{Daemon, DaemonState, Kernel, KernelError, Op};

use crate::support::{TestNs, IP};

/// Sync daemons started and stopped in two namespaces at once can hang the
/// 6.1 guest kernel (seen in this suite), so daemon tests take turns.
pub(crate) static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn with_interface() -> (MutexGuard<'static, ()>, TestNs) {
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let ns = TestNs::new();
    ns.exec(&[IP, "link", "add", "d0", "type", "dummy"]);
    ns.exec(&[IP, "link", "set", "d0", "up"]);
    (turn, ns)
}

#[test]
fn a_master_started_by_lvsh_is_listed_by_ipvsadm() {
    let (_turn, ns) = with_interface();
    let mut daemon = Daemon::new(DaemonState::Master, "d0", 5);
    daemon.max_len = Some(1000);
    daemon.group = Some("239.1.1.1".parse().unwrap());
    daemon.port = Some(9000);
    daemon.ttl = Some(2);
    let mut kernel = ns.kernel();
    kernel.apply_one(&Op::StartDaemon(daemon.clone())).unwrap();
    assert_eq!(
        ns.ipvsadm(&["-L", "--daemon"]),
        "master sync daemon (mcast=d0, syncid=5, maxlen=1000, group=239.1.1.1, port=9000, ttl=2)\n"
    );
    assert_eq!(kernel.daemons().unwrap(), vec![daemon]);
    kernel.apply_one(&Op::StopDaemon(DaemonState::Master)).unwrap();
    assert_eq!(ns.ipvsadm(&["-L", "--daemon"]), "");
}

#[test]
fn a_backup_started_by_ipvsadm_is_read_by_lvsh_with_kernel_defaults() {
    let (_turn, ns) = with_interface();
    ns.ipvsadm(&["--start-daemon", "backup", "--mcast-interface", "d0"]);
    let daemons = ns.kernel().daemons().unwrap();
    let want = Daemon {
        state: DaemonState::Backup,
        interface: "d0".into(),
        sync_id: 0,
        max_len: Some(1472),
        group: Some("224.0.0.81".parse().unwrap()),
        port: Some(8848),
        ttl: Some(1),
    };
    assert_eq!(daemons, vec![want]);
    ns.ipvsadm(&["--stop-daemon", "backup"]);
}

#[test]
fn master_and_backup_list_master_first() {
    let (_turn, ns) = with_interface();
    let mut kernel = ns.kernel();
    let ops = [
        Op::StartDaemon(Daemon::new(DaemonState::Backup, "d0", 1)),
        Op::StartDaemon(Daemon::new(DaemonState::Master, "d0", 1)),
    ];
    assert!(kernel.apply(&ops).unwrap().iter().all(Result::is_ok));
    let states: Vec<DaemonState> = kernel.daemons().unwrap().into_iter().map(|d| d.state).collect();
    assert_eq!(states, [DaemonState::Master, DaemonState::Backup]);
    kernel.apply(&[Op::StopDaemon(DaemonState::Master), Op::StopDaemon(DaemonState::Backup)]).unwrap();
}

#[test]
fn daemon_errors_name_the_daemon_or_interface() {
    let (_turn, ns) = with_interface();
    let mut kernel = ns.kernel();
    let err = kernel.apply_one(&Op::StartDaemon(Daemon::new(DaemonState::Master, "nope0", 0))).unwrap_err();
    assert!(matches!(err, KernelError::NoSuchInterface { .. }));
    assert_eq!(err.to_string(), "no network interface `nope0` for the sync daemon");
    let err = kernel.apply_one(&Op::StopDaemon(DaemonState::Backup)).unwrap_err();
    assert_eq!(err.to_string(), "no backup sync daemon is running");
    kernel.apply_one(&Op::StartDaemon(Daemon::new(DaemonState::Master, "d0", 0))).unwrap();
    let err = kernel.apply_one(&Op::StartDaemon(Daemon::new(DaemonState::Master, "d0", 0))).unwrap_err();
    assert_eq!(err.to_string(), "a master sync daemon is already running");
    kernel.apply_one(&Op::StopDaemon(DaemonState::Master)).unwrap();
}

#[test]
fn a_daemon_stopped_right_after_it_started_is_stopped() {
    // The kernel answers -EINTR, and netlink no ack, when the daemon's
    // thread is stopped before it ever ran: lvsh must neither hang nor fail.
    let (_turn, ns) = with_interface();
    let mut kernel = ns.kernel();
    for _ in 0..3 {
        let ops =
            [Op::StartDaemon(Daemon::new(DaemonState::Master, "d0", 2)), Op::StopDaemon(DaemonState::Master)];
        assert!(kernel.apply(&ops).unwrap().iter().all(Result::is_ok));
        assert!(kernel.daemons().unwrap().is_empty());
    }
}

#[test]
fn a_daemon_without_interface_uses_eth0_and_says_whether_it_exists() {
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let ns = TestNs::new();
    // No eth0 in a new namespace: lvsh says so, and the kernel refuses.
    let out = ns.lvsh().commands("daemon start master syncid 4").run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stdout.contains("uses eth0, as no `interface` was named; this namespace has no eth0"),
        "{}",
        out.stdout
    );
    assert_eq!(ns.ipvsadm(&["-L", "--daemon"]), "");
    ns.exec(&[IP, "link", "add", "eth0", "type", "dummy"]);
    ns.exec(&[IP, "link", "set", "eth0", "up"]);
    let out = ns.lvsh().commands("daemon start master syncid 4").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("uses eth0, as no `interface` was named; eth0 exists here"),
        "{}",
        out.stdout
    );
    assert!(ns.ipvsadm(&["-L", "--daemon"]).starts_with("master sync daemon (mcast=eth0, syncid=4"));
    ns.lvsh().commands("daemon stop master").run();
    drop(turn);
}
