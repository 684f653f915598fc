//! The tcp, tcpfin and udp timeouts (`ipvsadm --set`).

use lvsh::ipvs::{Kernel, Op, Timeouts};

use crate::support::TestNs;

#[test]
fn timeouts_set_by_lvsh_are_read_by_ipvsadm() {
    let ns = TestNs::new();
    ns.kernel().apply_one(&Op::SetTimeouts(Timeouts { tcp: 100, tcp_fin: 30, udp: 60 })).unwrap();
    assert_eq!(ns.ipvsadm(&["-L", "--timeout"]), "Timeout (tcp tcpfin udp): 100 30 60\n");
}

#[test]
fn timeouts_set_by_ipvsadm_are_read_by_lvsh() {
    let ns = TestNs::new();
    let mut kernel = ns.kernel();
    assert_eq!(kernel.timeouts().unwrap(), Timeouts { tcp: 900, tcp_fin: 120, udp: 300 }, "the defaults");
    ns.ipvsadm(&["--set", "1", "2", "3"]);
    assert_eq!(kernel.timeouts().unwrap(), Timeouts { tcp: 1, tcp_fin: 2, udp: 3 });
}

#[test]
fn a_zero_timeout_leaves_that_one_unchanged() {
    let ns = TestNs::new();
    let mut kernel = ns.kernel();
    kernel.apply_one(&Op::SetTimeouts(Timeouts { tcp: 0, tcp_fin: 45, udp: 0 })).unwrap();
    assert_eq!(kernel.timeouts().unwrap(), Timeouts { tcp: 900, tcp_fin: 45, udp: 300 });
}
