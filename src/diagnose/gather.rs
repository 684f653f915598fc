//! Reading the facts: the director's IPVS table through the kernel
//! connection, its sysctls, interfaces and routes from its namespace, and
//! each enterable backend's routes and sockets from its own.

use std::io::Read;
use std::net::IpAddr;

use super::facts::{BackendHost, Facts, Link, Listeners, Route, ServiceFacts, VsSysctls, TUNNEL_MODULES};
use super::{links, sockets};
use crate::ipvs::{Forward, Kernel, KernelError, Netns, ServiceKey};
use crate::node::spawn::{spawn, SpawnError};
use crate::probe::names::Names;

/// What to look at, and how the user names things.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The director as the user names it (`gw`); `None`: where lvsh runs.
    pub director: Option<String>,
    /// Only this service (`doctor web`); `None`: all.
    pub only: Option<ServiceKey>,
    /// The services' names in this session.
    pub labels: Vec<(ServiceKey, String)>,
    /// The backends' namespaces lvsh may enter: node name, address, namespace.
    pub hosts: Vec<(String, IpAddr, Netns)>,
    /// The client addresses a masq backend must reply to through the director.
    pub clients: Vec<IpAddr>,
    /// Names of addresses (`10.10.0.2` is `int1`).
    pub names: Names,
    /// Whether the nodes are the lab's (fixes name them as lvsh commands).
    pub lab: bool,
}

/// Why the facts could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("{0}")]
    Kernel(#[from] KernelError),
    #[error("cannot ask {netns} for its route to {addr}: {source}")]
    Route { netns: String, addr: IpAddr, source: SpawnError },
    #[error("cannot ask {netns} for its interfaces: {source}")]
    Links { netns: String, source: SpawnError },
    #[error("there is no network namespace `{0}`")]
    NoNamespace(String),
}

impl GatherError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            GatherError::Kernel(e) => e.help(),
            GatherError::Route { source, .. } => {
                Some(format!("{} (doctor runs `ip route get`)", source.help()))
            }
            GatherError::Links { source, .. } => Some(format!("{} (doctor runs `ip addr`)", source.help())),
            GatherError::NoNamespace(_) => {
                Some("`ip netns list` names the namespaces; a path like /proc/PID/ns/net works too".into())
            }
        }
    }
}

/// Reads every fact the checks use. IPVS missing is a fact, not an error.
pub fn gather(kernel: &mut dyn Kernel, scope: &Scope) -> Result<Facts, GatherError> {
    let director = kernel.netns();
    let mut facts = Facts {
        director: scope.director.clone(),
        names: scope.names.clone(),
        lab: scope.lab,
        ..Facts::default()
    };
    match kernel.info() {
        Ok(_) => facts.ipvs = true,
        Err(KernelError::IpvsMissing) => facts.ipvs = false,
        Err(e) => return Err(e.into()),
    }
    facts.modules = TUNNEL_MODULES
        .iter()
        .filter(|m| std::path::Path::new("/sys/module").join(m).exists())
        .map(|m| m.to_string())
        .collect();
    let (ip_forward, vs, interfaces) = director.run(read_director)?;
    (facts.ip_forward, facts.vs, facts.interfaces) = (ip_forward, vs, interfaces);
    if facts.ipvs {
        read_table(kernel, scope, &mut facts)?;
    }
    // Only DR and tunnel checks look at the director's addresses and conf.
    let direct = |f: &Forward| matches!(f, Forward::Route | Forward::Tunnel(_));
    if facts.services.iter().any(|s| s.backends.iter().any(|b| direct(&b.forward))) {
        facts.director_links = read_links(&director)?;
        facts.director_conf = director.run(links::read_conf)?;
    }
    let mut addrs: Vec<IpAddr> =
        facts.services.iter().flat_map(|s| s.backends.iter().map(|b| b.addr.ip())).collect();
    addrs.sort();
    addrs.dedup();
    // With no client named, each masq VIP stands in for the clients: a
    // backend that routes it via the director routes them so too.
    let mut clients = scope.clients.clone();
    if clients.is_empty() {
        facts.vips_for_clients = true;
        let masq = facts.services.iter().filter(|s| s.backends.iter().any(|b| b.forward == Forward::Masq));
        clients.extend(masq.filter_map(|s| match s.service.key {
            ServiceKey::Inet { addr, .. } => Some(addr.ip()),
            ServiceKey::Fwmark { .. } => None,
        }));
        clients.sort();
        clients.dedup();
    }
    for ip in addrs {
        facts.director_routes.push((ip, route(&director, ip)?));
        let Some((node, _, netns)) = scope.hosts.iter().find(|(_, a, _)| *a == ip) else { continue };
        let mut routes = Vec::new();
        for client in &clients {
            routes.push((*client, route(netns, *client)?));
        }
        let listeners = netns.run(read_listeners)?;
        let (links, conf) = (read_links(netns)?, netns.run(links::read_conf)?);
        facts.hosts.push(BackendHost { node: node.clone(), addr: ip, routes, listeners, links, conf });
    }
    Ok(facts)
}

fn read_table(kernel: &mut dyn Kernel, scope: &Scope, facts: &mut Facts) -> Result<(), KernelError> {
    // The checks read settings, not counters: the whole table the quick way,
    // or the one service asked about.
    let rows = match scope.only {
        None => kernel.table()?,
        Some(only) => match kernel.services()?.into_iter().find(|e| e.service.key == only) {
            Some(entry) => vec![(entry, kernel.backends(&only)?)],
            None => Vec::new(),
        },
    };
    for (entry, backends) in rows {
        let key = entry.service.key;
        let backends = backends.into_iter().map(|b| b.backend).collect();
        let label =
            scope.labels.iter().find(|(k, _)| *k == key).map_or_else(|| key.to_string(), |(_, n)| n.clone());
        facts.services.push(ServiceFacts { label, service: entry.service, backends });
    }
    facts.connections = kernel.connections()?;
    facts.daemons = kernel.daemons()?;
    Ok(())
}

/// A sysctl of the namespace this thread is in (`None`: absent or unreadable).
fn sysctl(path: &str) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/sys/{path}")).ok()?.trim().parse().ok()
}

/// Forwarding, the `net.ipv4.vs.*` settings and the interfaces, read on a
/// thread inside the director's namespace.
fn read_director() -> (Option<bool>, VsSysctls, Vec<String>) {
    let vs = VsSysctls {
        conn_reuse_mode: sysctl("net/ipv4/vs/conn_reuse_mode"),
        expire_nodest_conn: sysctl("net/ipv4/vs/expire_nodest_conn"),
        expire_quiescent_template: sysctl("net/ipv4/vs/expire_quiescent_template"),
    };
    let dev = std::fs::read_to_string("/proc/thread-self/net/dev").unwrap_or_default();
    let interfaces = dev.lines().skip(2).filter_map(|l| l.split_once(':')).map(|(n, _)| n.trim().to_string());
    (sysctl("net/ipv4/ip_forward").map(|v| v != 0), vs, interfaces.collect())
}

/// The sockets of the namespace this thread is in.
fn read_listeners() -> Listeners {
    let read =
        |file: &str| std::fs::read_to_string(format!("/proc/thread-self/net/{file}")).unwrap_or_default();
    Listeners {
        tcp: [read("tcp"), read("tcp6")].iter().flat_map(|t| sockets::tcp_listening(t)).collect(),
        udp: [read("udp"), read("udp6")].iter().flat_map(|t| sockets::udp_bound(t)).collect(),
    }
}

/// The addresses of namespaces named for `doctor --enter`, each with its
/// namespace: the backends among them are entered like the lab's nodes.
pub fn hosts_in(namespaces: &[(String, Netns)]) -> Result<Vec<(String, IpAddr, Netns)>, GatherError> {
    let mut hosts = Vec::new();
    for (name, netns) in namespaces {
        if netns.path().is_some_and(|p| !p.exists()) {
            return Err(GatherError::NoNamespace(name.clone()));
        }
        for link in read_links(netns)? {
            hosts.extend(link.addrs.iter().map(|(ip, _)| (name.clone(), *ip, netns.clone())));
        }
    }
    Ok(hosts)
}

/// The interfaces of `netns`, by `ip -j addr` run there.
fn read_links(netns: &Netns) -> Result<Vec<Link>, GatherError> {
    let argv: Vec<String> = ["ip", "-j", "addr"].iter().map(|s| s.to_string()).collect();
    let (mut child, mut reader) =
        spawn(netns, &argv).map_err(|source| GatherError::Links { netns: netns.to_string(), source })?;
    let mut text = String::new();
    let _ = reader.read_to_string(&mut text);
    let _ = child.wait();
    Ok(links::parse_links(&text))
}

/// The route `netns` takes to `addr`, by `ip -j route get` run there;
/// `None` when it has none.
pub fn route(netns: &Netns, addr: IpAddr) -> Result<Option<Route>, GatherError> {
    let argv: Vec<String> =
        ["ip", "-j", "route", "get", &addr.to_string()].iter().map(|s| s.to_string()).collect();
    let fail = |source| GatherError::Route { netns: netns.to_string(), addr, source };
    let (mut child, mut reader) = spawn(netns, &argv).map_err(fail)?;
    let mut text = String::new();
    let _ = reader.read_to_string(&mut text);
    let ok = child.wait().is_ok_and(|s| s.success());
    Ok(if ok { parse_route(&text) } else { None })
}

/// The first route of `ip -j route get`'s answer. Its output has stderr
/// mixed in (one pipe): the JSON is the line that starts with `[`.
pub fn parse_route(text: &str) -> Option<Route> {
    let json = text.lines().find(|l| l.trim_start().starts_with('['))?;
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let first = value.as_array()?.first()?;
    let ip = |key: &str| first.get(key).and_then(|v| v.as_str()).and_then(|s| s.parse::<IpAddr>().ok());
    let dev = first.get("dev").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    Some(Route { via: ip("gateway"), dev, src: ip("prefsrc") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_read_from_ips_json() {
        let direct =
            r#"[{"dst":"10.10.0.2","dev":"eth2","prefsrc":"10.10.0.1","flags":[],"uid":0,"cache":[]}]"#;
        assert_eq!(
            parse_route(direct),
            Some(Route { via: None, dev: "eth2".into(), src: Some("10.10.0.1".parse().unwrap()) })
        );
        let via = r#"[{"dst":"111.111.0.2","gateway":"10.10.0.1","dev":"eth1","prefsrc":"10.10.0.2","flags":[],"uid":0,"cache":[]}]"#;
        assert_eq!(parse_route(via).and_then(|r| r.via), Some("10.10.0.1".parse().unwrap()));
        assert_eq!(parse_route("RTNETLINK answers: Network is unreachable\n"), None);
    }
}
