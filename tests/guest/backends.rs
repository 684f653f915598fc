//! Backends: every forwarding method and tunnel option, weights and
//! thresholds, written by lvsh and read by ipvsadm, and the reverse.

use lvsh::ipvs::{Backend, Forward, Kernel, Op, Tunnel, TunnelCsum, TunnelKind};

use crate::support::{key, sa, TestNs};

const SERVICES: &str = "-A -t 111.111.0.1:80 -s rr\n-A -t [2001:db8::1]:80 -s rr\n-A -f 7 -s wlc\n";

fn tunnel(kind: TunnelKind, csum: TunnelCsum) -> Forward {
    Forward::Tunnel(Tunnel { kind, csum })
}

/// Each case: the service, the `ipvsadm -S -n` line of the backend, the model.
fn cases() -> Vec<(&'static str, &'static str, Backend)> {
    let v4 = "tcp 111.111.0.1:80";
    let b = |addr: &str, forward, weight| Backend::new(sa(addr), forward).with_weight(weight);
    vec![
        (v4, "-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1", b("10.10.0.2:8000", Forward::Masq, 1)),
        (v4, "-a -t 111.111.0.1:80 -r 10.10.0.3:80 -g -w 0", b("10.10.0.3:80", Forward::Route, 0)),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.4:80 -i -w 5 --tun-type ipip",
            b("10.10.0.4:80", Forward::Tunnel(Tunnel::IPIP), 5),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.6:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum",
            b("10.10.0.6:80", tunnel(TunnelKind::Gue { port: 6080 }, TunnelCsum::Csum), 1),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.7:80 -i -w 1 --tun-type gue --tun-port 6081 --tun-remcsum",
            b("10.10.0.7:80", tunnel(TunnelKind::Gue { port: 6081 }, TunnelCsum::RemCsum), 1),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.8:80 -i -w 1 --tun-type gue --tun-port 6082 --tun-nocsum",
            b("10.10.0.8:80", tunnel(TunnelKind::Gue { port: 6082 }, TunnelCsum::NoCsum), 1),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.9:80 -i -w 1 --tun-type gre --tun-csum",
            b("10.10.0.9:80", tunnel(TunnelKind::Gre, TunnelCsum::Csum), 1),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.10:80 -i -w 1 --tun-type gre --tun-nocsum",
            b("10.10.0.10:80", tunnel(TunnelKind::Gre, TunnelCsum::NoCsum), 1),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r 10.10.0.11:8000 -m -w 2147483647",
            b("10.10.0.11:8000", Forward::Masq, 2147483647),
        ),
        (
            v4,
            "-a -t 111.111.0.1:80 -r [2001:db8::11]:80 -i -w 1 --tun-type ipip",
            b("[2001:db8::11]:80", Forward::Tunnel(Tunnel::IPIP), 1),
        ),
        (
            "tcp [2001:db8::1]:80",
            "-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 3",
            b("[2001:db8::10]:8080", Forward::Masq, 3),
        ),
        ("fwmark 7", "-a -f 7 -r 10.10.0.12:0 -m -w 1", b("10.10.0.12:0", Forward::Masq, 1)),
    ]
}

/// A namespace holding the three services the cases use.
fn with_services() -> TestNs {
    let ns = TestNs::new();
    for line in SERVICES.lines() {
        ns.ipvsadm_line(line);
    }
    ns
}

#[test]
fn every_backend_setting_written_by_lvsh_is_read_by_ipvsadm() {
    for (svc, line, backend) in cases() {
        let ns = with_services();
        ns.kernel()
            .apply_one(&Op::AddBackend { service: key(svc), backend })
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        let save = ns.save();
        let backend_lines: Vec<&str> = save.lines().filter(|l| l.starts_with("-a")).collect();
        assert_eq!(backend_lines, vec![line], "lvsh wrote {backend:?}");
    }
}

#[test]
fn every_backend_setting_written_by_ipvsadm_is_read_by_lvsh() {
    for (svc, line, backend) in cases() {
        let ns = with_services();
        ns.ipvsadm_line(line);
        let listed: Vec<Backend> =
            ns.kernel().backends(&key(svc)).unwrap().into_iter().map(|e| e.backend).collect();
        assert_eq!(listed, vec![backend], "ipvsadm {line}");
    }
}

#[test]
fn thresholds_written_by_lvsh_show_in_ipvsadm_thresholds_listing() {
    let ns = with_services();
    let mut backend = Backend::new(sa("10.10.0.2:8000"), Forward::Masq).with_weight(5);
    backend.upper = 100;
    backend.lower = 50;
    ns.kernel().apply_one(&Op::AddBackend { service: key("tcp 111.111.0.1:80"), backend }).unwrap();
    let listing = ns.ipvsadm(&["-L", "-n", "--thresholds", "-t", "111.111.0.1:80"]);
    assert!(
        listing.contains("  -> 10.10.0.2:8000               100        50         0          0         \n"),
        "{listing}"
    );
    // -S drops thresholds: that is ipvsadm's loss, not lvsh's.
    assert!(ns.save().contains("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 5\n"));
}

#[test]
fn thresholds_written_by_ipvsadm_are_read_by_lvsh() {
    let ns = with_services();
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 5 -x 100 -y 50");
    let listed = ns.kernel().backends(&key("tcp 111.111.0.1:80")).unwrap();
    assert_eq!((listed[0].backend.upper, listed[0].backend.lower), (100, 50));
}

#[test]
fn edit_replaces_weight_method_and_thresholds() {
    let ns = with_services();
    let mut kernel = ns.kernel();
    let svc = key("tcp 111.111.0.1:80");
    let mut backend = Backend::new(sa("10.10.0.2:80"), Forward::Masq);
    backend.upper = 10;
    kernel.apply_one(&Op::AddBackend { service: svc, backend }).unwrap();
    let edited = Backend::new(sa("10.10.0.2:80"), Forward::Route).with_weight(7);
    kernel.apply_one(&Op::EditBackend { service: svc, backend: edited }).unwrap();
    assert!(ns.save().contains("-a -t 111.111.0.1:80 -r 10.10.0.2:80 -g -w 7\n"));
    assert_eq!(kernel.backends(&svc).unwrap()[0].backend, edited);
}

#[test]
fn delete_removes_one_backend() {
    let ns = with_services();
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m");
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m");
    let mut kernel = ns.kernel();
    let svc = key("tcp 111.111.0.1:80");
    kernel.apply_one(&Op::DelBackend { service: svc, addr: sa("10.10.0.2:8000") }).unwrap();
    let left: Vec<_> = kernel.backends(&svc).unwrap().into_iter().map(|e| e.backend.addr).collect();
    assert_eq!(left, vec![sa("10.10.0.3:8000")]);
    assert!(!ns.save().contains("10.10.0.2"));
}

#[test]
fn backends_of_a_missing_service_are_empty() {
    let ns = TestNs::new();
    assert!(ns.kernel().backends(&key("tcp 1.2.3.4:80")).unwrap().is_empty());
}

#[test]
fn deleting_a_service_takes_its_backends() {
    let ns = with_services();
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m");
    let mut kernel = ns.kernel();
    kernel.apply_one(&Op::DelService(key("tcp 111.111.0.1:80"))).unwrap();
    assert!(!ns.save().contains("111.111.0.1:80"));
    assert!(kernel.backends(&key("tcp 111.111.0.1:80")).unwrap().is_empty());
}
