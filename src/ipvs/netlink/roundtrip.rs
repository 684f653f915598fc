//! Every model value survives encode then decode: the request's attribute
//! layout is the reply's, so a slip between the two sides (a swapped
//! attribute, a byte order) fails here before it reaches a kernel.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use neli::consts::nl::NlmF;
use proptest::prelude::*;

use super::attr::frames;
use super::decode::{decode_backend, decode_daemon, decode_service};
use super::encode::{append_message, append_op, encode_op};
use crate::ipvs::model::*;
use crate::ipvs::op::Op;

/// The attribute bytes of the request for `op`, as the kernel would read them.
fn request_attrs(op: &Op) -> Vec<u8> {
    let mut buf = Vec::new();
    append_message(&mut buf, 0x20, NlmF::ACK, 1, &encode_op(op));
    let frames = frames(&buf).unwrap();
    assert_eq!(frames.len(), 1);
    frames[0].genl().unwrap().1.to_vec()
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        any::<u128>().prop_map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    ]
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    (ip(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::new(ip, port))
}

fn key() -> impl Strategy<Value = ServiceKey> {
    let protocol = prop_oneof![
        Just(Protocol::Tcp),
        Just(Protocol::Udp),
        Just(Protocol::Sctp),
        any::<u16>().prop_filter("a named one", |n| ![6, 17, 132].contains(n)).prop_map(Protocol::Other),
    ];
    let family = prop_oneof![Just(Family::V4), Just(Family::V6)];
    prop_oneof![
        (protocol, socket_addr()).prop_map(|(protocol, addr)| ServiceKey::Inet { protocol, addr }),
        (1..=u32::MAX, family).prop_map(|(mark, family)| ServiceKey::Fwmark { mark, family }),
    ]
}

prop_compose! {
    fn service()(
        key in key(),
        scheduler in prop_oneof![proptest::sample::select(Scheduler::KNOWN.to_vec()).prop_map(String::from), "[a-z]{1,15}"],
        flags in any::<(bool, bool, bool)>(),
        persistence in proptest::option::of(any::<u32>()),
        mask in any::<u32>(),
        one_packet in any::<bool>(),
        pe in proptest::option::of("[a-z]{1,15}"),
    ) -> Service {
        let netmask = match key.family() {
            Family::V4 => Netmask::V4(Ipv4Addr::from(mask)),
            Family::V6 => Netmask::V6(mask as u8),
        };
        Service {
            key,
            scheduler: Scheduler::new(scheduler),
            sched_flags: SchedFlags { flag1: flags.0, flag2: flags.1, flag3: flags.2 },
            persistence: persistence.map(|timeout| Persistence { timeout }),
            netmask,
            one_packet,
            pe,
        }
    }
}

fn forward() -> impl Strategy<Value = Forward> {
    let csum = prop_oneof![Just(TunnelCsum::NoCsum), Just(TunnelCsum::Csum), Just(TunnelCsum::RemCsum)];
    let kind = prop_oneof![
        Just(TunnelKind::Ipip),
        Just(TunnelKind::Gre),
        any::<u16>().prop_map(|port| TunnelKind::Gue { port }),
    ];
    prop_oneof![
        Just(Forward::Masq),
        Just(Forward::Local),
        Just(Forward::Route),
        Just(Forward::Bypass),
        (5u8..=7).prop_map(Forward::Unknown),
        (kind, csum).prop_map(|(kind, csum)| Forward::Tunnel(Tunnel { kind, csum })),
    ]
}

prop_compose! {
    fn backend()(addr in socket_addr(), forward in forward(), weight in any::<u32>(), upper in any::<u32>(), lower in any::<u32>()) -> Backend {
        Backend { addr, forward, weight, upper, lower }
    }
}

prop_compose! {
    fn daemon()(
        master in any::<bool>(),
        interface in "[a-z0-9]{1,15}",
        sync_id in any::<u32>(),
        max_len in proptest::option::of(any::<u16>()),
        group in proptest::option::of(ip()),
        port in proptest::option::of(any::<u16>()),
        ttl in proptest::option::of(any::<u8>()),
    ) -> Daemon {
        let state = if master { DaemonState::Master } else { DaemonState::Backup };
        Daemon { state, interface, sync_id, max_len, group, port, ttl }
    }
}

proptest! {
    #[test]
    fn services_round_trip(svc in service()) {
        let decoded = decode_service(&request_attrs(&Op::AddService(svc.clone()))).unwrap();
        prop_assert_eq!(decoded.service, svc);
    }

    #[test]
    fn backends_round_trip(key in key(), backend in backend()) {
        let attrs = request_attrs(&Op::AddBackend { service: key, backend });
        let decoded = decode_backend(&attrs, key.family()).unwrap();
        prop_assert_eq!(decoded.backend, backend);
    }

    #[test]
    fn requests_written_in_place_are_those_of_encode_op(
        key in key(), svc in service(), backend in backend(), daemon in daemon(), seq in any::<u32>(),
    ) {
        let ops = [
            Op::AddService(svc.clone()), Op::EditService(svc), Op::DelService(key),
            Op::AddBackend { service: key, backend }, Op::EditBackend { service: key, backend },
            Op::DelBackend { service: key, addr: backend.addr }, Op::Zero(Some(key)), Op::Zero(None),
            Op::Flush, Op::SetTimeouts(Timeouts { tcp: seq, tcp_fin: 2, udp: 3 }),
            Op::StartDaemon(daemon.clone()), Op::StopDaemon(daemon.state),
        ];
        // One buffer for all, as a batch writes them.
        let (mut in_place, mut copied) = (vec![9u8; 3], vec![9u8; 3]);
        for op in &ops {
            append_op(&mut in_place, 0x20, NlmF::ACK, seq, op);
            append_message(&mut copied, 0x20, NlmF::ACK, seq, &encode_op(op));
        }
        prop_assert_eq!(in_place, copied);
    }

    #[test]
    fn daemons_round_trip(daemon in daemon()) {
        let decoded = decode_daemon(&request_attrs(&Op::StartDaemon(daemon.clone()))).unwrap();
        prop_assert_eq!(decoded, daemon);
    }
}

#[test]
fn ports_are_big_endian_and_protocols_host_order() {
    let svc = Service::new(ServiceKey::tcp("111.111.0.1:80".parse().unwrap())).with_scheduler("rr");
    let attrs = request_attrs(&Op::AddService(svc));
    // SERVICE nest header, then AF (u16 2), PROTOCOL (u16 6), ADDR (16 bytes), PORT (be16 80).
    let af = [6, 0, 1, 0, 2, 0, 0, 0];
    let protocol = [6, 0, 2, 0, 6, 0, 0, 0];
    let port = [6, 0, 4, 0, 0, 80, 0, 0];
    let window = |needle: &[u8]| attrs.windows(needle.len()).any(|w| w == needle);
    assert!(window(&af) && window(&protocol) && window(&port), "{attrs:?}");
}

/// The bytes of one request, as neli's builders wrote them before the
/// direct encoder replaced them (checked equal on 20,000 random operations
/// of every kind): nests carry `NLA_F_NESTED`, ports are big-endian.
#[test]
fn a_new_service_request_is_byte_for_byte_what_it_was() {
    let svc = Service::new(ServiceKey::tcp("10.1.2.3:80".parse().unwrap())).with_scheduler("rr");
    let mut buf = Vec::new();
    append_message(&mut buf, 0x20, NlmF::ACK, 7, &encode_op(&Op::AddService(svc)));
    let mut expected: Vec<u8> = vec![104, 0, 0, 0, 32, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0];
    expected.extend([84, 0, 1, 128, 6, 0, 1, 0, 2, 0, 0, 0, 6, 0, 2, 0, 6, 0, 0, 0]);
    expected.extend([20, 0, 3, 0, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 4, 0, 0, 80, 0, 0]);
    expected.extend([7, 0, 6, 0, 114, 114, 0, 0, 12, 0, 7, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    expected.extend([8, 0, 8, 0, 0, 0, 0, 0, 8, 0, 9, 0, 255, 255, 255, 255]);
    assert_eq!(buf, expected);
}
