//! `--json`: stable machine-readable shapes for every listing.
//!
//! Shapes (documented in grammar/GUIDE.md too; fields are only ever added):
//! - table: `{"version": "1.2.1", "conn_tab_size": 4096, "services": [service...]}`
//! - service: `{"name", "key", "protocol", "address", "port", "fwmark", "family",
//!   "scheduler", "flags", "persistence", "one_packet", "pe", "stats", "backends"}`
//!   where `persistence` is null or `{"timeout", "netmask"}` (a dotted mask for
//!   IPv4, a prefix length for IPv6) and `stats` holds the ten 64-bit counters;
//! - backend: `{"address", "port", "forward", "tunnel", "weight", "upper", "lower",
//!   "active_conns", "inactive_conns", "persist_conns", "stats"}`;
//! - connections: `[{"protocol", "client", "virtual", "dest", "state", "expires", "pe_name", "pe_data"}]`;
//! - probe: `{"service", "connections", "served", "unattributed", "backends": [{"backend", "count"}],
//!   "attempts": [{"client", "served", "backend", "failure", "latency_ms"}]}`;
//! - timeouts: `{"tcp", "tcp_fin", "udp"}`; daemons: `[{"state", "interface", "sync_id",
//!   "max_len", "group", "port", "ttl"}]`.
//!
//! Services are sorted by key and backends by address, so output is stable.

use serde_json::{json, Value};

use super::ipvsadm::{ServiceRow, Table};
use crate::ipvs::{
    BackendEntry, ConnEntry, Daemon, Family, Forward, Netmask, ServiceKey, Stats, Timeouts, TunnelCsum,
    TunnelKind,
};

/// The whole table; `name_of` gives the lvsh name of a service, if any.
pub fn table(table: &Table, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> String {
    let mut rows: Vec<&ServiceRow> = table.services.iter().collect();
    rows.sort_by_key(|r| r.entry.service.key);
    let services: Vec<Value> = rows.into_iter().map(|r| service(r, name_of)).collect();
    let value = json!({
        "version": table.info.version().to_string(),
        "conn_tab_size": table.info.conn_tab_size,
        "services": services,
    });
    pretty(&value)
}

/// One service with its backends.
pub fn service_row(row: &ServiceRow, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> String {
    pretty(&service(row, name_of))
}

fn service(row: &ServiceRow, name_of: &dyn Fn(&ServiceKey) -> Option<String>) -> Value {
    let svc = &row.entry.service;
    let (protocol, address, port, fwmark) = match svc.key {
        ServiceKey::Inet { protocol, addr } => {
            (Some(protocol.to_string()), Some(addr.ip().to_string()), Some(addr.port()), None)
        }
        ServiceKey::Fwmark { mark, .. } => (None, None, None, Some(mark)),
    };
    let mut backends: Vec<&BackendEntry> = row.backends.iter().collect();
    backends.sort_by_key(|b| b.backend.addr);
    json!({
        "name": name_of(&svc.key),
        "key": svc.key.to_string(),
        "protocol": protocol,
        "address": address,
        "port": port,
        "fwmark": fwmark,
        "family": family(svc.key.family()),
        "scheduler": svc.scheduler.name(),
        "flags": svc.sched_flags.names(&svc.scheduler),
        "persistence": svc.persistence.map(|p| json!({"timeout": p.timeout, "netmask": netmask(svc.netmask)})),
        "one_packet": svc.one_packet,
        "pe": svc.pe,
        "stats": stats(&row.entry.stats),
        "backends": backends.into_iter().map(backend).collect::<Vec<_>>(),
    })
}

fn backend(b: &BackendEntry) -> Value {
    let tunnel = match b.backend.forward {
        Forward::Tunnel(t) => {
            let (kind, port) = match t.kind {
                TunnelKind::Ipip => ("ipip", None),
                TunnelKind::Gue { port } => ("gue", Some(port)),
                TunnelKind::Gre => ("gre", None),
            };
            let csum = match t.csum {
                TunnelCsum::NoCsum => "nocsum",
                TunnelCsum::Csum => "csum",
                TunnelCsum::RemCsum => "remcsum",
            };
            json!({"type": kind, "port": port, "csum": csum})
        }
        _ => Value::Null,
    };
    json!({
        "address": b.backend.addr.ip().to_string(),
        "port": b.backend.addr.port(),
        "forward": b.backend.forward.to_string(),
        "tunnel": tunnel,
        "weight": b.backend.weight,
        "upper": b.backend.upper,
        "lower": b.backend.lower,
        "active_conns": b.active_conns,
        "inactive_conns": b.inactive_conns,
        "persist_conns": b.persist_conns,
        "stats": stats(&b.stats),
    })
}

fn stats(s: &Stats) -> Value {
    json!({
        "conns": s.conns, "in_pkts": s.in_pkts, "out_pkts": s.out_pkts,
        "in_bytes": s.in_bytes, "out_bytes": s.out_bytes, "cps": s.cps,
        "in_pps": s.in_pps, "out_pps": s.out_pps, "in_bps": s.in_bps, "out_bps": s.out_bps,
    })
}

/// The connection table.
pub fn connections(conns: &[ConnEntry]) -> String {
    let rows: Vec<Value> = conns
        .iter()
        .map(|c| {
            json!({
                "protocol": c.protocol, "client": c.client.to_string(), "virtual": c.virtual_addr.to_string(),
                "dest": c.dest.to_string(), "state": c.state, "expires": c.expires,
                "pe_name": c.pe_name, "pe_data": c.pe_data,
            })
        })
        .collect();
    pretty(&Value::Array(rows))
}

/// A probe: each connection, and the per-backend counts.
pub fn probe(
    result: &crate::probe::ProbeResult,
    backends: &[std::net::SocketAddr],
    ctx: &super::probe::Context,
) -> String {
    use crate::probe::{Outcome, Served};
    let counts = result.counts();
    let mut per_backend: Vec<Value> = backends
        .iter()
        .map(|b| json!({"backend": b.to_string(), "count": counts.iter().find(|(a, _)| a == b).map_or(0, |(_, n)| *n)}))
        .collect();
    per_backend.extend(
        counts
            .iter()
            .filter(|(a, _)| !backends.contains(a))
            .map(|(a, n)| json!({"backend": a.to_string(), "count": n})),
    );
    let attempts: Vec<Value> = result
        .attempts
        .iter()
        .map(|a| {
            let (backend, by, failure) = match &a.outcome {
                Outcome::Served(Served::Backend(b)) => (Some(b.to_string()), Some("connection table"), None),
                Outcome::Served(Served::Announced(b)) => (Some(b.to_string()), Some("reply"), None),
                Outcome::Served(Served::Unknown) => (None, None, None),
                Outcome::Failed(f) => (None, None, Some(f.to_string())),
            };
            let why = super::probe::why(a, ctx);
            json!({
                "client": a.client.map(|c| c.to_string()),
                "served": a.is_served(),
                "backend": backend,
                "attributed_by": by,
                "failure": failure,
                "reached": a.reached.as_ref().map(|r| json!({
                    "backend": r.backend.to_string(), "node": ctx.names.of(r.backend.ip()), "state": r.state,
                })),
                "lost": why.as_ref().and_then(|w| w.lost.clone()),
                "causes": why.map(|w| w.causes.iter().map(super::doctor::cause_json).collect::<Vec<_>>()),
                "latency_ms": a.latency.map(|l| l.as_secs_f64() * 1000.0),
            })
        })
        .collect();
    pretty(&json!({
        "service": result.service,
        "connections": result.attempts.len(),
        "served": result.served(),
        "unattributed": result.unattributed(),
        "backends": per_backend,
        "attempts": attempts,
    }))
}

/// The three timeouts.
pub fn timeouts(t: &Timeouts) -> String {
    pretty(&json!({"tcp": t.tcp, "tcp_fin": t.tcp_fin, "udp": t.udp}))
}

/// The running sync daemons.
pub fn daemons(daemons: &[Daemon]) -> String {
    let rows: Vec<Value> = daemons
        .iter()
        .map(|d| {
            json!({
                "state": d.state.to_string(), "interface": d.interface, "sync_id": d.sync_id,
                "max_len": d.max_len, "group": d.group.map(|g| g.to_string()), "port": d.port, "ttl": d.ttl,
            })
        })
        .collect();
    pretty(&Value::Array(rows))
}

fn family(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

fn netmask(mask: Netmask) -> Value {
    match mask {
        Netmask::V4(m) => json!(m.to_string()),
        Netmask::V6(p) => json!(p),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Info, Service, ServiceEntry};

    #[test]
    fn the_seed_service_has_a_stable_shape() {
        let key = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let backend = BackendEntry {
            backend: Backend::new("10.10.0.2:8000".parse().unwrap(), Forward::Masq),
            active_conns: 0,
            inactive_conns: 2,
            persist_conns: 0,
            stats: Stats::default(),
        };
        let row = ServiceRow {
            entry: ServiceEntry { service: Service::new(key).with_scheduler("rr"), stats: Stats::default() },
            backends: vec![backend],
        };
        let t = Table { info: Info { version: 0x010201, conn_tab_size: 4096 }, services: vec![row] };
        let value: Value = serde_json::from_str(&table(&t, &|_| Some("web".into()))).unwrap();
        assert_eq!(value["version"], "1.2.1");
        let svc = &value["services"][0];
        assert_eq!(
            (svc["name"].as_str(), svc["key"].as_str(), svc["port"].as_u64()),
            (Some("web"), Some("tcp 111.111.0.1:80"), Some(80))
        );
        assert_eq!(svc["persistence"], Value::Null);
        let b = &svc["backends"][0];
        assert_eq!(
            (b["forward"].as_str(), b["weight"].as_u64(), b["inactive_conns"].as_u64()),
            (Some("masq"), Some(1), Some(2))
        );
    }
}
