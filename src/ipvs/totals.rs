//! The totals of a namespace's IPVS: every connection, packet and byte it
//! forwarded since it started (or since the last `zero` of all services),
//! whatever services have come and gone since. The kernel tells them only in
//! `/proc/net/ip_vs_stats`: netlink's `IPVS_CMD_GET_INFO` (and getsockopt's
//! `IP_VS_SO_GET_INFO`) give the version and connection table size alone.
//! node_exporter reads the same file for its `node_ipvs_*_total` counters.
//!
//! The file, counters then rates, in hex:
//!
//! ```text
//!    Total Incoming Outgoing         Incoming         Outgoing
//!    Conns  Packets  Packets            Bytes            Bytes
//!        3       1E       14              7D8              A4C
//!
//!  Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
//!        0        0        0                0                0
//! ```

use std::io;

use super::error::KernelError;
use super::model::Stats;
use super::netns::Netns;

/// Reads the totals of the namespace's IPVS.
pub fn read_totals(netns: &Netns) -> Result<Stats, KernelError> {
    // /proc/net follows the process's first thread; thread-self follows this one.
    let text =
        netns.run(|| std::fs::read_to_string("/proc/thread-self/net/ip_vs_stats"))?.map_err(|source| {
            match source.kind() {
                io::ErrorKind::NotFound => KernelError::IpvsMissing,
                _ => KernelError::Io { context: "read of /proc/net/ip_vs_stats", source },
            }
        })?;
    parse_totals(&text).ok_or_else(|| KernelError::Malformed {
        what: format!("/proc/net/ip_vs_stats has no five hex counters on its third line:\n{text}"),
    })
}

/// The counters (third line) and rates (sixth line, zero if absent) of
/// `/proc/net/ip_vs_stats`; `None` if the counters cannot be read.
pub fn parse_totals(text: &str) -> Option<Stats> {
    let lines: Vec<&str> = text.lines().collect();
    let [conns, in_pkts, out_pkts, in_bytes, out_bytes] = hex_fields(lines.get(2)?)?;
    let [cps, in_pps, out_pps, in_bps, out_bps] =
        lines.get(5).and_then(|l| hex_fields(l)).unwrap_or_default();
    Some(Stats { conns, in_pkts, out_pkts, in_bytes, out_bytes, cps, in_pps, out_pps, in_bps, out_bps })
}

/// Exactly five hex numbers separated by blanks.
fn hex_fields(line: &str) -> Option<[u64; 5]> {
    let numbers: Vec<u64> =
        line.split_whitespace().map(|w| u64::from_str_radix(w, 16).ok()).collect::<Option<_>>()?;
    numbers.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "   Total Incoming Outgoing         Incoming         Outgoing
   Conns  Packets  Packets            Bytes            Bytes
       3       1E       14              7D8     FFFFFFFFFFFA

 Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
       1        A        0               2B                0
";

    #[test]
    fn counters_and_rates_are_read_in_hex() {
        let stats = parse_totals(FILE).expect("the kernel's format");
        assert_eq!(
            [stats.conns, stats.in_pkts, stats.out_pkts, stats.in_bytes, stats.out_bytes],
            [3, 30, 20, 2008, 0xFFFF_FFFF_FFFA]
        );
        assert_eq!([stats.cps, stats.in_pps, stats.out_pps, stats.in_bps, stats.out_bps], [1, 10, 0, 43, 0]);
    }

    #[test]
    fn a_file_without_its_counters_is_refused_and_missing_rates_are_zero() {
        assert_eq!(parse_totals(""), None);
        assert_eq!(parse_totals("a\nb\n1 2 3 4\n"), None);
        assert_eq!(parse_totals("a\nb\n1 2 3 4 G\n"), None);
        let only_counters = parse_totals("a\nb\n1 2 3 4 5\n").expect("counters");
        assert_eq!((only_counters.out_bytes, only_counters.cps), (5, 0));
    }
}
