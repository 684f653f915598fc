//! lvsh acts on the IPVS of the namespace it is given, and only there.

use lvsh::ipvs::{Kernel, KernelError, NetlinkKernel, Netns, Op};

use crate::support::{service, TestNs};

#[test]
fn a_service_made_in_one_namespace_is_invisible_in_another() {
    let a = TestNs::new();
    let b = TestNs::new();
    a.kernel().apply_one(&Op::AddService(service("tcp 111.111.0.1:80", "rr"))).unwrap();
    assert_eq!(a.save(), "-A -t 111.111.0.1:80 -s rr\n");
    assert_eq!(b.save(), "");
    assert!(b.kernel().services().unwrap().is_empty());
    assert_eq!(a.kernel().services().unwrap().len(), 1);
}

#[test]
fn a_namespace_can_be_given_by_path() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -u 10.0.0.1:53 -s rr");
    let by_path = Netns::parse(&format!("/var/run/netns/{}", ns.name));
    let listed = NetlinkKernel::connect_in(&by_path).unwrap().services().unwrap();
    assert_eq!(listed[0].service, service("udp 10.0.0.1:53", "rr"));
}

#[test]
fn the_current_namespace_is_not_touched_by_a_test_namespace() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.9.9.9:80 -s rr");
    let current = NetlinkKernel::connect().unwrap().services().unwrap();
    assert!(current.iter().all(|e| e.service.key.to_string() != "tcp 10.9.9.9:80"));
}

#[test]
fn an_unknown_namespace_name_says_how_to_create_it() {
    crate::support::require_guest();
    let err = NetlinkKernel::connect_in(&Netns::parse("lvsh-nowhere")).err().expect("no such namespace");
    assert!(matches!(err, KernelError::NoSuchNamespace { .. }));
    assert_eq!(err.to_string(), "no network namespace `lvsh-nowhere` (/var/run/netns/lvsh-nowhere)");
}
