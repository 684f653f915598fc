//! A service's or a backend's counters as a Rhai map.

use rhai::{Dynamic, Map};

use crate::ipvs::Stats;

/// Counters as a map with the names `ipvsadm --stats`/`--rate` use.
pub fn map(s: &Stats) -> Map {
    let fields = [
        ("conns", s.conns),
        ("in_pkts", s.in_pkts),
        ("out_pkts", s.out_pkts),
        ("in_bytes", s.in_bytes),
        ("out_bytes", s.out_bytes),
        ("cps", s.cps),
        ("in_pps", s.in_pps),
        ("out_pps", s.out_pps),
        ("in_bps", s.in_bps),
        ("out_bps", s.out_bps),
    ];
    // Counters past i64::MAX (never seen in practice) saturate rather than wrap.
    fields.into_iter().map(|(k, v)| (k.into(), Dynamic::from(i64::try_from(v).unwrap_or(i64::MAX)))).collect()
}
