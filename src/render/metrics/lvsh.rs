//! lvsh's own IPVS families: each service's and each backend's 64-bit
//! counters and the kernel's rate estimates, and each backend's weight and
//! connections, labelled as lvsh names things:
//!
//! - `service`: the service's name in the session (`web`), or its key when
//!   it has none; `key`: the key as lvsh writes it (`tcp 10.1.0.1:80`,
//!   `sctp [2001:db8::1]:3868`, `fwmark 7`, `fwmark 8 ipv6`);
//! - `backend` (the backends' families): its `ADDR:PORT` (`[ADDR]:PORT` for IPv6).
//!
//! Families: `lvsh_service_` and `lvsh_backend_` followed by
//! `connections_total`, `incoming_packets_total`, `outgoing_packets_total`,
//! `incoming_bytes_total`, `outgoing_bytes_total` (counters), and the same
//! words with `_per_second` in place of `_total` (gauges: the kernel's
//! estimator, averaged over seconds); then `lvsh_backend_weight`,
//! `lvsh_backend_connections_active`, `lvsh_backend_connections_inactive`
//! and `lvsh_backend_persistence_templates` (gauges). Services come in the
//! order of their keys, backends in the order of their addresses.

use super::{Family, Kind, Value};
use crate::ipvs::{BackendEntry, ServiceKey, Stats};
use crate::render::ipvsadm::ServiceRow;

/// A number of [`Stats`]: its name after the prefix, what it counts (`{x}`
/// is the service or the backend), its type, how it is read.
type StatsNumber = (&'static str, &'static str, Kind, fn(&Stats) -> u64);

/// The ten numbers of the kernel's counters and estimates.
const STATS: [StatsNumber; 10] = [
    ("connections_total", "Connections to {x}", Kind::Counter, |s| s.conns),
    ("incoming_packets_total", "Packets from clients to {x}", Kind::Counter, |s| s.in_pkts),
    ("outgoing_packets_total", "Packets from {x} to clients", Kind::Counter, |s| s.out_pkts),
    ("incoming_bytes_total", "Bytes from clients to {x}", Kind::Counter, |s| s.in_bytes),
    ("outgoing_bytes_total", "Bytes from {x} to clients", Kind::Counter, |s| s.out_bytes),
    ("connections_per_second", "Connections to {x} per second", Kind::Gauge, |s| s.cps),
    ("incoming_packets_per_second", "Packets from clients to {x} per second", Kind::Gauge, |s| s.in_pps),
    ("outgoing_packets_per_second", "Packets from {x} to clients per second", Kind::Gauge, |s| s.out_pps),
    ("incoming_bytes_per_second", "Bytes from clients to {x} per second", Kind::Gauge, |s| s.in_bps),
    ("outgoing_bytes_per_second", "Bytes from {x} to clients per second", Kind::Gauge, |s| s.out_bps),
];

/// A backend's own gauge: its name, its help, how it is read.
type BackendGauge = (&'static str, &'static str, fn(&BackendEntry) -> u32);

/// The backends' own gauges.
const BACKEND_GAUGES: [BackendGauge; 4] = [
    ("lvsh_backend_weight", "The backend's weight (0: it takes no new connections).", |b| b.backend.weight),
    ("lvsh_backend_connections_active", "The backend's active connections (ipvsadm's ActiveConn).", |b| {
        b.active_conns
    }),
    ("lvsh_backend_connections_inactive", "The backend's inactive connections (ipvsadm's InActConn).", |b| {
        b.inactive_conns
    }),
    (
        "lvsh_backend_persistence_templates",
        "Persistence templates pointing at the backend (ipvsadm's PersistConn).",
        |b| b.persist_conns,
    ),
];

/// lvsh's families of the services and their backends; `name_of` gives a
/// service's name in the session, if it has one.
pub fn families(services: &[ServiceRow], name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> Vec<Family> {
    let mut rows: Vec<&ServiceRow> = services.iter().collect();
    rows.sort_by_key(|r| r.entry.service.key);
    let mut service_families = stats_families("service", "the service");
    let mut backend_families = stats_families("backend", "the backend");
    let mut gauges: Vec<Family> =
        BACKEND_GAUGES.iter().map(|(name, help, _)| Family::new(*name, *help, Kind::Gauge)).collect();
    for row in rows {
        let key = row.entry.service.key;
        let service =
            vec![("service", name_of(&key).unwrap_or_else(|| key.to_string())), ("key", key.to_string())];
        add_stats(&mut service_families, &service, &row.entry.stats);
        let mut backends: Vec<&BackendEntry> = row.backends.iter().collect();
        backends.sort_by_key(|b| b.backend.addr);
        for b in backends {
            let mut labels = service.clone();
            labels.push(("backend", b.backend.addr.to_string()));
            add_stats(&mut backend_families, &labels, &b.stats);
            for (family, (_, _, read)) in gauges.iter_mut().zip(&BACKEND_GAUGES) {
                family.sample(labels.clone(), Value::Count(u64::from(read(b))));
            }
        }
    }
    service_families.into_iter().chain(backend_families).chain(gauges).collect()
}

/// The ten families of [`STATS`] for `service` or `backend`, without samples.
fn stats_families(what: &str, whose: &str) -> Vec<Family> {
    STATS
        .iter()
        .map(|(suffix, counts, kind, _)| {
            let counts = counts.replace("{x}", whose);
            let help = match kind {
                Kind::Counter => {
                    format!("{counts}, since it was added or zeroed (the kernel's 64-bit counter).")
                }
                Kind::Gauge => format!("{counts}: the kernel's estimate, averaged over seconds."),
            };
            Family::new(format!("lvsh_{what}_{suffix}"), help, *kind)
        })
        .collect()
}

/// One sample of each of [`STATS`], in the families [`stats_families`] made.
fn add_stats(families: &mut [Family], labels: &[(&'static str, String)], stats: &Stats) {
    for (family, (_, _, _, read)) in families.iter_mut().zip(&STATS) {
        family.sample(labels.to_vec(), Value::Count(read(stats)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Family as AddrFamily, Protocol};
    use crate::render::metrics::exposition;
    use crate::render::metrics::fixture::row;

    fn named(key: &ServiceKey) -> Option<String> {
        (key.port() == 80).then(|| "web".to_string())
    }

    #[test]
    fn a_named_service_and_its_backend_carry_the_name_the_key_and_the_address() {
        let mut web = row(ServiceKey::tcp("10.1.0.1:80".parse().unwrap()), &[("10.2.0.2:8000", 2, 1, 4)]);
        web.entry.stats = Stats { conns: u64::MAX, in_bps: 640, ..Stats::default() };
        web.backends[0].stats = Stats { conns: 5, ..Stats::default() };
        web.backends[0].persist_conns = 3;
        let text = exposition(&families(&[web], &named));
        for line in [
            "# TYPE lvsh_service_connections_total counter\n",
            "lvsh_service_connections_total{service=\"web\",key=\"tcp 10.1.0.1:80\"} 18446744073709551615\n",
            "# TYPE lvsh_service_incoming_bytes_per_second gauge\n",
            "lvsh_service_incoming_bytes_per_second{service=\"web\",key=\"tcp 10.1.0.1:80\"} 640\n",
            "lvsh_backend_connections_total{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"10.2.0.2:8000\"} 5\n",
            "lvsh_backend_weight{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"10.2.0.2:8000\"} 2\n",
            "lvsh_backend_connections_active{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"10.2.0.2:8000\"} 1\n",
            "lvsh_backend_connections_inactive{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"10.2.0.2:8000\"} 4\n",
            "lvsh_backend_persistence_templates{service=\"web\",key=\"tcp 10.1.0.1:80\",backend=\"10.2.0.2:8000\"} 3\n",
            "# HELP lvsh_backend_outgoing_bytes_total Bytes from the backend to clients, since it was added or zeroed \
             (the kernel's 64-bit counter).\n",
            "# HELP lvsh_service_connections_per_second Connections to the service per second: the kernel's \
             estimate, averaged over seconds.\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let families_written = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(families_written, 24, "{text}");
    }

    #[test]
    fn unnamed_services_are_named_by_their_key_in_key_order_ipv6_and_marks_as_lvsh_writes_them() {
        let sctp = ServiceKey::Inet { protocol: Protocol::Sctp, addr: "[2001:db8::1]:3868".parse().unwrap() };
        let services = [
            row(ServiceKey::Fwmark { mark: 8, family: AddrFamily::V6 }, &[("[2001:db8::2]:0", 1, 0, 0)]),
            row(sctp, &[("[2001:db8::3]:3868", 1, 0, 0), ("[2001:db8::2]:3868", 1, 0, 0)]),
        ];
        let all = families(&services, &|_| None);
        let weight = all.iter().find(|f| f.name == "lvsh_backend_weight").expect("weights");
        let labels: Vec<Vec<String>> =
            weight.samples.iter().map(|s| s.labels.iter().map(|(_, v)| v.clone()).collect()).collect();
        let sctp = "sctp [2001:db8::1]:3868";
        assert_eq!(
            labels,
            [
                [sctp, sctp, "[2001:db8::2]:3868"],
                [sctp, sctp, "[2001:db8::3]:3868"],
                ["fwmark 8 ipv6", "fwmark 8 ipv6", "[2001:db8::2]:0"],
            ]
        );
    }
}
