//! `show --pretty`: a readable, colored listing with lvsh's service names,
//! counters in full, and backends' share of the weight.

use colored::Colorize;

use super::ipvsadm::{ServiceRow, Table};
use crate::ipvs::{BackendEntry, Service, ServiceKey};

/// The table, one block per service, sorted by key.
pub fn table(table: &Table, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> String {
    let mut rows: Vec<&ServiceRow> = table.services.iter().collect();
    rows.sort_by_key(|r| r.entry.service.key);
    if rows.is_empty() {
        return format!("{}\n", "no services".dimmed());
    }
    rows.into_iter().map(|r| service_row(r, name_of)).collect::<Vec<_>>().join("\n")
}

/// One service and its backends.
pub fn service_row(row: &ServiceRow, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> String {
    let svc = &row.entry.service;
    let name = name_of(&svc.key).map(|n| format!("{} ", n.bold())).unwrap_or_default();
    let mut out = format!(
        "{name}{} {}{}\n",
        svc.key.to_string().cyan(),
        svc.scheduler.to_string().green(),
        settings(svc)
    );
    let total: u64 = row.backends.iter().map(|b| u64::from(b.backend.weight)).sum();
    let mut backends: Vec<&BackendEntry> = row.backends.iter().collect();
    backends.sort_by_key(|b| b.backend.addr);
    for b in backends {
        out.push_str(&backend_line(b, total));
    }
    if row.backends.is_empty() {
        out.push_str(&format!("  {}\n", "no backends".dimmed()));
    }
    out.push_str(&format!(
        "  {} {} conns, {} packets in, {} out, {} bytes in, {} out\n",
        "total".dimmed(),
        row.entry.stats.conns,
        row.entry.stats.in_pkts,
        row.entry.stats.out_pkts,
        row.entry.stats.in_bytes,
        row.entry.stats.out_bytes
    ));
    out
}

fn settings(svc: &Service) -> String {
    let mut out = String::new();
    let flags = svc.sched_flags.names(&svc.scheduler);
    if !flags.is_empty() {
        out += &format!(" flags {}", flags.join(","));
    }
    if let Some(p) = svc.persistence {
        out += &format!(" persistent {}s", p.timeout);
        if !svc.netmask.is_full() {
            out += &match svc.netmask {
                crate::ipvs::Netmask::V4(m) => format!(" netmask {m}"),
                crate::ipvs::Netmask::V6(p) => format!(" prefix {p}"),
            };
        }
    }
    if let Some(pe) = &svc.pe {
        out += &format!(" pe {pe}");
    }
    if svc.one_packet {
        out += " one-packet";
    }
    out
}

fn backend_line(b: &BackendEntry, total_weight: u64) -> String {
    let weight = u64::from(b.backend.weight);
    let share = (weight * 100).checked_div(total_weight).unwrap_or(0);
    let weight_text = if weight == 0 {
        "weight 0 (quiesced)".yellow().to_string()
    } else {
        format!("weight {weight} ({share}%)")
    };
    format!(
        "  -> {:<24} {:<7} {}  active {} inactive {}  {} conns\n",
        b.backend.addr.to_string(),
        b.backend.forward.to_string(),
        weight_text,
        b.active_conns,
        b.inactive_conns,
        b.stats.conns
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Forward, Info, ServiceEntry, Stats};

    #[test]
    fn a_named_service_shows_its_name_weights_and_shares() {
        colored::control::set_override(false);
        let key = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let entry = |addr: &str, weight| BackendEntry {
            backend: Backend::new(addr.parse().unwrap(), Forward::Masq).with_weight(weight),
            active_conns: 0,
            inactive_conns: 1,
            persist_conns: 0,
            stats: Stats { conns: 3, ..Stats::default() },
        };
        let row = ServiceRow {
            entry: ServiceEntry {
                service: Service::new(key).with_scheduler("wrr"),
                stats: Stats { conns: 6, ..Stats::default() },
            },
            backends: vec![entry("10.10.0.3:8000", 1), entry("10.10.0.2:8000", 3)],
        };
        let t = Table { info: Info { version: 0x010201, conn_tab_size: 4096 }, services: vec![row] };
        assert_eq!(
            table(&t, &|_| Some("web".into())),
            "web tcp 111.111.0.1:80 wrr
  -> 10.10.0.2:8000           masq    weight 3 (75%)  active 0 inactive 1  3 conns
  -> 10.10.0.3:8000           masq    weight 1 (25%)  active 0 inactive 1  3 conns
  total 6 conns, 0 packets in, 0 out, 0 bytes in, 0 out
"
        );
    }
}
