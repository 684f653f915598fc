//! Services: every setting, written by lvsh and read by ipvsadm, and the reverse.

use std::net::Ipv4Addr;

use lvsh::ipvs::{Kernel, Netmask, Op, Persistence, SchedFlags, Service};

use crate::support::{service, TestNs};

/// Each case: the line `ipvsadm -S -n` prints for the service, and the model.
fn cases() -> Vec<(&'static str, Service)> {
    let persistent = |mut s: Service, timeout| {
        s.persistence = Some(Persistence { timeout });
        s
    };
    let flags = |mut s: Service, flag1, flag2, flag3| {
        s.sched_flags = SchedFlags { flag1, flag2, flag3 };
        s
    };
    let mut masked = persistent(service("udp 111.111.0.1:53", "wrr"), 600);
    masked.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 255, 0));
    let mut ops = service("udp 111.111.0.1:5060", "rr");
    ops.one_packet = true;
    let mut sip = persistent(service("udp 111.111.0.2:5060", "rr"), 60);
    sip.pe = Some("sip".into());
    let mut sip_only = service("tcp 111.111.0.1:83", "wlc");
    sip_only.pe = Some("sip".into());
    let mut v6_prefix = persistent(service("fwmark 8 ipv6", "lc"), 30);
    v6_prefix.netmask = Netmask::V6(64);
    let mut sh_ops = flags(service("udp 111.111.0.1:82", "sh"), true, false, false);
    sh_ops.one_packet = true;
    vec![
        ("-A -t 111.111.0.1:80 -s rr", service("tcp 111.111.0.1:80", "rr")),
        ("-A -t 111.111.0.1:0 -s wlc -p 120", persistent(service("tcp 111.111.0.1:0", "wlc"), 120)),
        (
            "-A -t 111.111.0.1:443 -s sh -p 360 -b sh-fallback,sh-port",
            flags(persistent(service("tcp 111.111.0.1:443", "sh"), 360), true, true, false),
        ),
        ("-A -u 111.111.0.1:53 -s wrr -p 600 -M 255.255.255.0", masked),
        ("-A -u 111.111.0.1:5060 -s rr -o", ops),
        ("-A -u 111.111.0.2:5060 -s rr -p 60 --pe sip", sip),
        ("-A -t 111.111.0.1:83 -s wlc --pe sip", sip_only),
        ("-A -u 111.111.0.1:82 -s sh -o -b sh-fallback", sh_ops),
        ("-A --sctp-service 111.111.0.1:3868 -s nq", service("sctp 111.111.0.1:3868", "nq")),
        ("-A -t [2001:db8::1]:80 -s sed", service("tcp [2001:db8::1]:80", "sed")),
        ("-A -f 7 -s mh -b mh-fallback,mh-port", flags(service("fwmark 7", "mh"), true, true, false)),
        ("-A -f 8 -6 -s lc -p 30 -M 64", v6_prefix),
        ("-A -f 9 -s wlc -b flag-1,flag-3", flags(service("fwmark 9", "wlc"), true, false, true)),
        // ipvsadm prints marks as signed ints; lvsh keeps the kernel's u32.
        ("-A -f -1 -s wlc", service("fwmark 4294967295", "wlc")),
        ("-A -t 111.111.0.9:80 -s none", service("tcp 111.111.0.9:80", "none")),
    ]
}

/// The schedulers the guest kernel (6.1) ships: all of lvsh's list but `twos`.
const GUEST_SCHEDULERS: [&str; 13] =
    ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"];

#[test]
fn every_service_setting_written_by_lvsh_is_read_by_ipvsadm() {
    for (line, svc) in cases() {
        let ns = TestNs::new();
        ns.kernel().apply_one(&Op::AddService(svc.clone())).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(ns.save(), format!("{line}\n"), "lvsh wrote {svc:?}");
    }
}

#[test]
fn every_service_setting_written_by_ipvsadm_is_read_by_lvsh() {
    for (line, svc) in cases() {
        if line.contains("-f -1") {
            continue; // ipvsadm -A refuses the signed form it prints
        }
        let ns = TestNs::new();
        ns.ipvsadm_line(line);
        let listed: Vec<Service> = ns.kernel().services().unwrap().into_iter().map(|e| e.service).collect();
        assert_eq!(listed, vec![svc], "ipvsadm {line}");
    }
}

#[test]
fn a_large_fwmark_written_by_ipvsadm_reads_unsigned() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -f 4294967295 -s wlc");
    let listed = ns.kernel().services().unwrap();
    assert_eq!(listed[0].service, service("fwmark 4294967295", "wlc"));
}

#[test]
fn every_shipped_scheduler_round_trips() {
    let ns = TestNs::new();
    let mut kernel = ns.kernel();
    let ops: Vec<Op> = GUEST_SCHEDULERS
        .iter()
        .enumerate()
        .map(|(i, s)| Op::AddService(service(&format!("tcp 10.0.0.{}:80", i + 1), s)))
        .collect();
    assert!(kernel.apply(&ops).unwrap().iter().all(Result::is_ok));
    let expected: String = GUEST_SCHEDULERS
        .iter()
        .enumerate()
        .map(|(i, s)| format!("-A -t 10.0.0.{}:80 -s {s}\n", i + 1))
        .collect();
    assert_eq!(ns.save(), expected);
    let mut read: Vec<String> =
        kernel.services().unwrap().into_iter().map(|e| e.service.scheduler.to_string()).collect();
    read.sort();
    let mut want: Vec<String> = GUEST_SCHEDULERS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(read, want);
}

#[test]
fn get_one_service_by_key() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 111.111.0.1:80 -s rr");
    ns.ipvsadm_line("-A -u 111.111.0.1:53 -s wlc");
    let got = ns.kernel().service(&crate::support::key("udp 111.111.0.1:53")).unwrap();
    assert_eq!(got.service, service("udp 111.111.0.1:53", "wlc"));
}

#[test]
fn edit_replaces_the_service_settings() {
    let ns = TestNs::new();
    let mut kernel = ns.kernel();
    let mut svc = service("tcp 111.111.0.1:443", "sh");
    svc.persistence = Some(Persistence { timeout: 360 });
    svc.sched_flags.flag1 = true;
    kernel.apply_one(&Op::AddService(svc.clone())).unwrap();
    let edited = service("tcp 111.111.0.1:443", "rr");
    kernel.apply_one(&Op::EditService(edited.clone())).unwrap();
    assert_eq!(ns.save(), "-A -t 111.111.0.1:443 -s rr\n");
    assert_eq!(kernel.services().unwrap()[0].service, edited);
}

#[test]
fn ipvsadm_edit_is_seen_by_lvsh() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 111.111.0.1:80 -s rr");
    let mut kernel = ns.kernel();
    ns.ipvsadm_line("-E -t 111.111.0.1:80 -s wrr -p 30");
    let mut want = service("tcp 111.111.0.1:80", "wrr");
    want.persistence = Some(Persistence { timeout: 30 });
    assert_eq!(kernel.services().unwrap()[0].service, want);
}

#[test]
fn delete_removes_one_service_and_flush_removes_all() {
    let ns = TestNs::new();
    let mut kernel = ns.kernel();
    for line in ["-A -t 111.111.0.1:80 -s rr", "-A -t 111.111.0.1:81 -s rr", "-A -f 3 -s wlc"] {
        ns.ipvsadm_line(line);
    }
    kernel.apply_one(&Op::DelService(crate::support::key("tcp 111.111.0.1:81"))).unwrap();
    assert_eq!(ns.save(), "-A -t 111.111.0.1:80 -s rr\n-A -f 3 -s wlc\n");
    kernel.apply_one(&Op::Flush).unwrap();
    assert_eq!(ns.save(), "");
    assert!(kernel.services().unwrap().is_empty());
}
