//! Every kernel refusal becomes a sentence that names the object.

use lvsh::ipvs::{Backend, Forward, Kernel, KernelError, Op, Service};

use crate::support::{key, sa, service, TestNs};

const VIP: &str = "tcp 111.111.0.1:80";

fn refused(ns: &TestNs, op: Op) -> KernelError {
    ns.kernel().apply_one(&op).expect_err("the kernel should refuse")
}

fn masq(addr: &str) -> Backend {
    Backend::new(sa(addr), Forward::Masq)
}

fn with_service() -> TestNs {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 111.111.0.1:80 -s rr");
    ns
}

#[test]
fn adding_an_existing_service() {
    let ns = with_service();
    let err = refused(&ns, Op::AddService(service(VIP, "rr")));
    assert!(matches!(err, KernelError::ServiceExists { .. }));
    assert_eq!(err.to_string(), "service tcp 111.111.0.1:80 already exists");
}

#[test]
fn a_backend_for_a_missing_service() {
    let ns = TestNs::new();
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend: masq("10.10.0.2:8000") });
    assert_eq!(err.to_string(), "no service tcp 111.111.0.1:80");
    assert_eq!(err.help().as_deref(), Some("add the service first"));
}

#[test]
fn an_unknown_scheduler() {
    let ns = TestNs::new();
    let err = refused(&ns, Op::AddService(service(VIP, "foo")));
    assert_eq!(err.to_string(), "scheduler 'foo' is not available in this kernel (modprobe ip_vs_foo)");
}

#[test]
fn twos_is_not_in_the_guest_kernel() {
    let ns = TestNs::new();
    let err = refused(&ns, Op::AddService(service(VIP, "twos")));
    assert!(matches!(err, KernelError::SchedulerUnavailable { .. }), "{err}");
}

#[test]
fn an_unknown_persistence_engine() {
    let ns = TestNs::new();
    let mut svc = service("udp 111.111.0.1:5060", "rr");
    svc.pe = Some("nope".into());
    let err = refused(&ns, Op::AddService(svc));
    assert_eq!(
        err.to_string(),
        "scheduler 'rr' or persistence engine 'nope' is not available in this kernel (modprobe ip_vs_rr ip_vs_pe_nope)"
    );
}

#[test]
fn editing_deleting_and_zeroing_a_missing_service() {
    let ns = TestNs::new();
    for op in [Op::EditService(service(VIP, "rr")), Op::DelService(key(VIP)), Op::Zero(Some(key(VIP)))] {
        let err = refused(&ns, op);
        assert_eq!(err.to_string(), "no service tcp 111.111.0.1:80");
        assert_eq!(err.help().as_deref(), Some("list the services with `show`"));
    }
}

#[test]
fn reading_a_missing_service() {
    let ns = TestNs::new();
    let err = ns.kernel().service(&key(VIP)).unwrap_err();
    assert_eq!(err.to_string(), "no service tcp 111.111.0.1:80");
}

#[test]
fn adding_an_existing_backend() {
    let ns = with_service();
    ns.ipvsadm_line("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m");
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend: masq("10.10.0.2:8000") });
    assert_eq!(err.to_string(), "backend 10.10.0.2:8000 already exists in service tcp 111.111.0.1:80");
}

#[test]
fn editing_and_deleting_a_missing_backend() {
    let ns = with_service();
    let edit = Op::EditBackend { service: key(VIP), backend: masq("10.10.0.2:8000") };
    let del = Op::DelBackend { service: key(VIP), addr: sa("10.10.0.2:8000") };
    for op in [edit, del] {
        let err = refused(&ns, op);
        assert_eq!(err.to_string(), "no backend 10.10.0.2:8000 in service tcp 111.111.0.1:80");
    }
}

#[test]
fn deleting_a_backend_of_a_missing_service() {
    let ns = TestNs::new();
    let err = refused(&ns, Op::DelBackend { service: key(VIP), addr: sa("10.10.0.2:8000") });
    assert_eq!(err.to_string(), "no service tcp 111.111.0.1:80");
}

#[test]
fn a_lower_threshold_above_the_upper() {
    let ns = with_service();
    let mut backend = masq("10.10.0.2:8000");
    backend.lower = 5;
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend });
    assert_eq!(
        err.to_string(),
        "backend 10.10.0.2:8000 of service tcp 111.111.0.1:80: lower threshold 5 is above upper threshold 0"
    );
}

#[test]
fn a_weight_beyond_a_c_int() {
    let ns = with_service();
    let backend = masq("10.10.0.2:8000").with_weight(1 << 31);
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend });
    assert_eq!(
        err.to_string(),
        "backend 10.10.0.2:8000 of service tcp 111.111.0.1:80: weight 2147483648 is out of range"
    );
}

#[test]
fn a_multicast_backend_address() {
    let ns = with_service();
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend: masq("224.0.0.5:80") });
    assert_eq!(
        err.to_string(),
        "the kernel refused to add backend 224.0.0.5:80 to service tcp 111.111.0.1:80: \
         224.0.0.5 is not an address the kernel accepts for a backend: it must be unicast \
         (in a namespace with no routes yet, bring `lo` up first: `ip link set lo up`)"
    );
}

#[test]
fn a_backend_of_another_family_without_tunnelling() {
    let ns = with_service();
    let err = refused(&ns, Op::AddBackend { service: key(VIP), backend: masq("[2001:db8::5]:80") });
    assert!(
        err.to_string()
            .ends_with("is of another address family than the service, which only tunnelling allows"),
        "{err}"
    );
}

#[test]
fn a_bad_ipv6_persistence_prefix() {
    let ns = TestNs::new();
    let mut svc = Service::new(key("tcp [2001:db8::1]:80"));
    svc.netmask = lvsh::ipvs::Netmask::V6(0);
    let err = refused(&ns, Op::AddService(svc));
    assert!(matches!(err, KernelError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("IPv6 persistence prefix must be 1 to 128"), "{err}");
}

/// Drops CAP_NET_ADMIN from the calling thread's effective set.
fn drop_net_admin() {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    const CAP_NET_ADMIN: u32 = 12;
    let header = Header { version: VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: header and data have the layout the capget/capset syscalls take.
    unsafe {
        assert_eq!(libc::syscall(libc::SYS_capget, &header, data.as_mut_ptr()), 0);
        data[0].effective &= !(1 << CAP_NET_ADMIN);
        assert_eq!(libc::syscall(libc::SYS_capset, &header, data.as_ptr()), 0);
    }
}

#[test]
fn without_cap_net_admin_reads_and_changes_are_denied() {
    let ns = with_service();
    let netns = ns.netns();
    // Capabilities are per thread: only this one loses CAP_NET_ADMIN.
    let (read, change) = std::thread::spawn(move || {
        drop_net_admin();
        let mut kernel =
            lvsh::ipvs::NetlinkKernel::connect_in(&netns).expect("the family lookup needs no capability");
        (kernel.services().unwrap_err(), kernel.apply_one(&Op::Flush).unwrap_err())
    })
    .join()
    .unwrap();
    assert_eq!(read.to_string(), "lvsh needs root or CAP_NET_ADMIN to read IPVS");
    assert_eq!(change.to_string(), "lvsh needs root or CAP_NET_ADMIN to change IPVS");
    assert_eq!(ns.save(), "-A -t 111.111.0.1:80 -s rr\n", "nothing was flushed");
}
