//! node_exporter's IPVS families, exactly as its `ipvs` collector makes
//! them (node_exporter 1.5 to today, over prometheus/procfs's parser of
//! `/proc/net/ip_vs`), so that dashboards made for it read lvsh's:
//!
//! - `node_ipvs_connections_total`, `node_ipvs_incoming_packets_total`,
//!   `node_ipvs_outgoing_packets_total`, `node_ipvs_incoming_bytes_total`,
//!   `node_ipvs_outgoing_bytes_total`: counters without labels, the
//!   namespace's totals (`/proc/net/ip_vs_stats`, see [`crate::ipvs::totals`]);
//! - `node_ipvs_backend_connections_active`,
//!   `node_ipvs_backend_connections_inactive`, `node_ipvs_backend_weight`:
//!   gauges, one sample per backend of each service, labelled
//!   `local_address`, `local_port`, `remote_address`, `remote_port`, `proto`
//!   and `local_mark`.
//!
//! The label values are procfs's: addresses as Go prints a `net.IP` (IPv6
//! compressed, an IPv4-mapped IPv6 address as IPv4), ports in decimal,
//! `proto` as the kernel names the protocol in `/proc/net/ip_vs` (`TCP`,
//! `UDP`, `FWM` for a firewall mark service), `local_mark` as the kernel
//! prints the mark there (eight uppercase hex digits, `00000007`) and empty
//! for the others, whose `local_address` and `local_port` are empty and `0`
//! for a mark. Backends whose labels are all the same have their values
//! summed into one sample, as node_exporter sums them; the same backend in
//! two services is two samples, told apart by the local labels.
//!
//! The one difference: procfs knows only `TCP`, `UDP` and `FWM` service
//! lines, so node_exporter gives the backends of an SCTP service (or any
//! other protocol's) the labels of the service listed before it in
//! `/proc/net/ip_vs` (empty ones, local port `0`, if it is listed first),
//! summed with that service's own backends where they meet. lvsh labels
//! them with their own service: `proto="SCTP"`, its address and port.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{Family, Kind, Value};
use crate::ipvs::{Protocol, ServiceKey, Stats};
use crate::render::ipvsadm::ServiceRow;

/// A family of the totals: its name, its help, how it is read.
type Total = (&'static str, &'static str, fn(&Stats) -> u64);

/// The totals' families, in node_exporter's words.
const TOTALS: [Total; 5] = [
    ("node_ipvs_connections_total", "The total number of connections made.", |s| s.conns),
    ("node_ipvs_incoming_packets_total", "The total number of incoming packets.", |s| s.in_pkts),
    ("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.", |s| s.out_pkts),
    ("node_ipvs_incoming_bytes_total", "The total amount of incoming data.", |s| s.in_bytes),
    ("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.", |s| s.out_bytes),
];

/// The backends' families, in node_exporter's words.
const BACKENDS: [(&str, &str); 3] = [
    ("node_ipvs_backend_connections_active", "The current active connections by local and remote address."),
    (
        "node_ipvs_backend_connections_inactive",
        "The current inactive connections by local and remote address.",
    ),
    ("node_ipvs_backend_weight", "The current backend weight by local and remote address."),
];

/// The label names, in the order Prometheus's Go client writes them (by name).
const LABELS: [&str; 6] =
    ["local_address", "local_mark", "local_port", "proto", "remote_address", "remote_port"];

/// node_exporter's families of the namespace's totals and of each service's backends.
pub fn families(totals: &Stats, services: &[ServiceRow]) -> Vec<Family> {
    let mut families: Vec<Family> = TOTALS
        .iter()
        .map(|(name, help, counter)| {
            let mut family = Family::new(*name, *help, Kind::Counter);
            family.sample(Vec::new(), Value::Count(counter(totals)));
            family
        })
        .collect();
    // Active, inactive and weight, summed over backends with the same labels.
    let mut sums: BTreeMap<[String; 6], [u64; 3]> = BTreeMap::new();
    for row in services {
        let local = local_labels(&row.entry.service.key);
        for b in &row.backends {
            let [local_address, local_mark, local_port, proto] = local.clone();
            let remote = [go_ip(b.backend.addr.ip()), b.backend.addr.port().to_string()];
            let [remote_address, remote_port] = remote;
            let labels = [local_address, local_mark, local_port, proto, remote_address, remote_port];
            let sum = sums.entry(labels).or_default();
            for (total, value) in sum.iter_mut().zip([b.active_conns, b.inactive_conns, b.backend.weight]) {
                *total += u64::from(value);
            }
        }
    }
    for (i, (name, help)) in BACKENDS.iter().enumerate() {
        let mut family = Family::new(*name, *help, Kind::Gauge);
        for (labels, values) in &sums {
            let labels = LABELS.iter().copied().zip(labels.iter().cloned()).collect();
            family.sample(labels, Value::Count(values[i]));
        }
        families.push(family);
    }
    families
}

/// `local_address`, `local_mark`, `local_port` and `proto` of a service's backends.
fn local_labels(key: &ServiceKey) -> [String; 4] {
    match *key {
        ServiceKey::Inet { protocol, addr } => {
            [go_ip(addr.ip()), String::new(), addr.port().to_string(), proc_protocol(protocol)]
        }
        ServiceKey::Fwmark { mark, .. } => [String::new(), format!("{mark:08X}"), "0".into(), "FWM".into()],
    }
}

/// A protocol as the kernel names it in `/proc/net/ip_vs` (`ip_vs_proto_name`).
fn proc_protocol(protocol: Protocol) -> String {
    match protocol {
        Protocol::Tcp => "TCP".into(),
        Protocol::Udp => "UDP".into(),
        Protocol::Sctp => "SCTP".into(),
        Protocol::Other(0) => "IP".into(),
        Protocol::Other(1) => "ICMP".into(),
        Protocol::Other(4) => "IPIP".into(),
        Protocol::Other(47) => "GRE".into(),
        Protocol::Other(58) => "ICMPv6".into(),
        Protocol::Other(n) => format!("IP_{n}"),
    }
}

/// An address as Go's `net.IP.String` writes it: RFC 5952 for IPv6 (as
/// Rust does), except that an IPv4-mapped address is written as IPv4.
fn go_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::Family as AddrFamily;
    use crate::render::metrics::exposition;
    use crate::render::metrics::fixture::row;

    fn totals() -> Stats {
        Stats {
            conns: 3,
            in_pkts: 30,
            out_pkts: 20,
            in_bytes: 2008,
            out_bytes: 1_234_567,
            ..Stats::default()
        }
    }

    #[test]
    fn the_totals_and_an_inet_services_backends_are_written_as_node_exporter_writes_them() {
        let web = row(ServiceKey::tcp("10.1.0.1:80".parse().unwrap()), &[("10.2.0.2:8000", 1, 2, 3)]);
        assert_eq!(
            exposition(&families(&totals(), &[web])),
            r#"# HELP node_ipvs_backend_connections_active The current active connections by local and remote address.
# TYPE node_ipvs_backend_connections_active gauge
node_ipvs_backend_connections_active{local_address="10.1.0.1",local_mark="",local_port="80",proto="TCP",remote_address="10.2.0.2",remote_port="8000"} 2
# HELP node_ipvs_backend_connections_inactive The current inactive connections by local and remote address.
# TYPE node_ipvs_backend_connections_inactive gauge
node_ipvs_backend_connections_inactive{local_address="10.1.0.1",local_mark="",local_port="80",proto="TCP",remote_address="10.2.0.2",remote_port="8000"} 3
# HELP node_ipvs_backend_weight The current backend weight by local and remote address.
# TYPE node_ipvs_backend_weight gauge
node_ipvs_backend_weight{local_address="10.1.0.1",local_mark="",local_port="80",proto="TCP",remote_address="10.2.0.2",remote_port="8000"} 1
# HELP node_ipvs_connections_total The total number of connections made.
# TYPE node_ipvs_connections_total counter
node_ipvs_connections_total 3
# HELP node_ipvs_incoming_bytes_total The total amount of incoming data.
# TYPE node_ipvs_incoming_bytes_total counter
node_ipvs_incoming_bytes_total 2008
# HELP node_ipvs_incoming_packets_total The total number of incoming packets.
# TYPE node_ipvs_incoming_packets_total counter
node_ipvs_incoming_packets_total 30
# HELP node_ipvs_outgoing_bytes_total The total amount of outgoing data.
# TYPE node_ipvs_outgoing_bytes_total counter
node_ipvs_outgoing_bytes_total 1234567
# HELP node_ipvs_outgoing_packets_total The total number of outgoing packets.
# TYPE node_ipvs_outgoing_packets_total counter
node_ipvs_outgoing_packets_total 20
"#
        );
    }

    /// The weight samples' label values, in label order, each with its value.
    fn weights(services: &[ServiceRow]) -> Vec<(Vec<String>, Value)> {
        let all = families(&Stats::default(), services);
        let weight = all.iter().find(|f| f.name == "node_ipvs_backend_weight").expect("the weight family");
        weight.samples.iter().map(|s| (s.labels.iter().map(|(_, v)| v.clone()).collect(), s.value)).collect()
    }

    fn strings(words: [&str; 6]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_mark_is_eight_uppercase_hex_digits_with_no_local_address_and_port_zero() {
        let marked =
            row(ServiceKey::Fwmark { mark: 255, family: AddrFamily::V4 }, &[("10.2.0.2:8000", 3, 0, 0)]);
        assert_eq!(
            weights(&[marked]),
            [(strings(["", "000000FF", "0", "FWM", "10.2.0.2", "8000"]), Value::Count(3))]
        );
    }

    #[test]
    fn ipv6_addresses_are_compressed_and_a_mapped_ipv4_address_is_written_as_ipv4() {
        let v6 = row(
            ServiceKey::tcp("[2001:db8:0:0:0:0:0:1]:443".parse().unwrap()),
            &[("[2001:db8:1:0:0:0:0:2]:8443", 2, 0, 0), ("[::ffff:10.2.0.9]:8443", 1, 0, 0)],
        );
        assert_eq!(
            weights(&[v6]),
            [
                (strings(["2001:db8::1", "", "443", "TCP", "10.2.0.9", "8443"]), Value::Count(1)),
                (strings(["2001:db8::1", "", "443", "TCP", "2001:db8:1::2", "8443"]), Value::Count(2)),
            ]
        );
    }

    #[test]
    fn the_same_backend_in_two_services_is_two_samples_and_backends_with_equal_labels_are_summed() {
        let web = row(ServiceKey::tcp("10.1.0.1:80".parse().unwrap()), &[("10.2.0.2:8000", 1, 0, 0)]);
        let dns = row(ServiceKey::udp("10.1.0.1:80".parse().unwrap()), &[("10.2.0.2:8000", 2, 0, 0)]);
        assert_eq!(weights(&[web, dns]).len(), 2);
        // A mark's IPv4 and IPv6 services share every label: one sample.
        let v4 =
            row(ServiceKey::Fwmark { mark: 7, family: AddrFamily::V4 }, &[("[2001:db8::2]:80", 2, 0, 0)]);
        let v6 =
            row(ServiceKey::Fwmark { mark: 7, family: AddrFamily::V6 }, &[("[2001:db8::2]:80", 5, 0, 0)]);
        assert_eq!(
            weights(&[v4, v6]),
            [(strings(["", "00000007", "0", "FWM", "2001:db8::2", "80"]), Value::Count(7))]
        );
    }

    #[test]
    fn an_sctp_service_is_labelled_as_itself() {
        let sctp = ServiceKey::Inet { protocol: Protocol::Sctp, addr: "10.1.0.3:3868".parse().unwrap() };
        assert_eq!(
            weights(&[row(sctp, &[("10.2.0.7:3868", 5, 0, 0)])]),
            [(strings(["10.1.0.3", "", "3868", "SCTP", "10.2.0.7", "3868"]), Value::Count(5))]
        );
        assert_eq!(proc_protocol(Protocol::Other(132 + 1)), "IP_133");
    }

    #[test]
    fn without_services_only_the_totals_are_written() {
        let text = exposition(&families(&totals(), &[]));
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 5, "{text}");
        assert!(!text.contains("backend"), "{text}");
    }
}
