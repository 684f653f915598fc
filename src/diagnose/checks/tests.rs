//! Each check over facts written by hand: the tutorial's lab, healthy, then
//! with one fault at a time.

use std::net::{IpAddr, SocketAddr};

use super::*;
use crate::diagnose::{BackendHost, Listeners, Route, ServiceFacts, Severity, VsSysctls};
use crate::ipvs::{Backend, ConnEntry, Daemon, DaemonState, Forward, Persistence, Service, ServiceKey};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn sa(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn via(gateway: &str, dev: &str, src: &str) -> Option<Route> {
    Some(Route { via: Some(ip(gateway)), dev: dev.into(), src: Some(ip(src)) })
}

fn direct(dev: &str, src: &str) -> Option<Route> {
    Some(Route { via: None, dev: dev.into(), src: Some(ip(src)) })
}

/// A backend of the lab, routing its replies through gw and serving on 8000.
fn lab_host(node: &str, addr: &str) -> BackendHost {
    BackendHost {
        node: node.into(),
        addr: ip(addr),
        routes: vec![(ip("111.111.0.2"), via("10.10.0.1", "eth1", addr))],
        listeners: Listeners { tcp: vec![sa("0.0.0.0:8000")], udp: vec![] },
    }
}

/// The tutorial's lab, healthy, with the kernel's default vs settings.
fn healthy() -> Facts {
    let web = Service::new(ServiceKey::tcp(sa("111.111.0.1:80"))).with_scheduler("rr");
    Facts {
        director: Some("gw".into()),
        ipvs: true,
        ip_forward: Some(true),
        vs: VsSysctls {
            conn_reuse_mode: Some(1),
            expire_nodest_conn: Some(0),
            expire_quiescent_template: Some(0),
        },
        services: vec![ServiceFacts {
            label: "web".into(),
            service: web,
            backends: vec![
                Backend::new(sa("10.10.0.2:8000"), Forward::Masq),
                Backend::new(sa("10.10.0.3:8000"), Forward::Masq),
            ],
        }],
        connections: vec![],
        daemons: vec![],
        interfaces: vec!["lo".into(), "eth1".into(), "eth2".into()],
        director_routes: vec![
            (ip("10.10.0.2"), direct("eth2", "10.10.0.1")),
            (ip("10.10.0.3"), direct("eth2", "10.10.0.1")),
        ],
        hosts: vec![lab_host("int1", "10.10.0.2"), lab_host("int2", "10.10.0.3")],
        names: ["ext1 111.111.0.2", "gw 10.10.0.1", "int1 10.10.0.2", "int2 10.10.0.3"]
            .iter()
            .map(|l| l.split_once(' ').map(|(n, a)| (ip(a), n.to_string())).unwrap())
            .collect(),
    }
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

fn conn(client: &str, dest: &str, state: &str) -> ConnEntry {
    ConnEntry {
        protocol: "TCP".into(),
        client: sa(client),
        virtual_addr: sa("111.111.0.1:80"),
        dest: sa(dest),
        state: state.into(),
        expires: 60,
        pe_name: None,
        pe_data: None,
    }
}

#[test]
fn a_healthy_lab_has_no_finding() {
    assert_eq!(all(&healthy()), vec![]);
}

#[test]
fn a_backend_without_its_default_route_is_named_with_the_fix() {
    let mut facts = healthy();
    facts.hosts[0].routes = vec![(ip("111.111.0.2"), None)];
    let found = all(&facts);
    assert_eq!(
        found,
        vec![Finding {
            severity: Severity::Error,
            code: "doctor::no-reply-path",
            what: "int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1".into(),
            place: crate::diagnose::Place {
                node: Some("int1".into()),
                interface: None,
                service: Some("web".into()),
                backend: Some("10.10.0.2:8000 (int1)".into()),
            },
            why: "a masq backend's replies must pass through gw to get the VIP back as their source; \
                  otherwise the client never sees them"
                .into(),
            fix: Some("int1 ip route add default via 10.10.0.1".into()),
        }]
    );
}

#[test]
fn a_reply_route_via_another_gateway_is_replaced() {
    let mut facts = healthy();
    facts.hosts[1].routes = vec![(ip("111.111.0.2"), via("10.10.0.254", "eth1", "10.10.0.3"))];
    let found = reply_paths_only(&facts);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].what,
        "int2 routes via 10.10.0.254 dev eth1 to client 111.111.0.2 (ext1), not via gw 10.10.0.1"
    );
    assert_eq!(found[0].fix.as_deref(), Some("int2 ip route replace default via 10.10.0.1"));
}

fn reply_paths_only(facts: &Facts) -> Vec<Finding> {
    backend::reply_paths(facts)
}

#[test]
fn forwarding_off_matters_only_with_masq_backends() {
    let mut facts = healthy();
    facts.ip_forward = Some(false);
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-forwarding"]);
    assert_eq!(found[0].fix.as_deref(), Some("gw sysctl -w net.ipv4.ip_forward=1"));
    assert_eq!(found[0].place.node.as_deref(), Some("gw"));
    for b in &mut facts.services[0].backends {
        b.forward = Forward::Route;
    }
    assert_eq!(director::forwarding(&facts), vec![]);
}

#[test]
fn a_backend_with_nothing_listening_gets_a_server() {
    let mut facts = healthy();
    facts.hosts[1].listeners =
        Listeners { tcp: vec![sa("10.10.0.3:9000"), sa("127.0.0.1:8000")], udp: vec![] };
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::not-listening"]);
    assert_eq!(found[0].what, "nothing listens on TCP port 8000 on int2");
    assert_eq!(found[0].fix.as_deref(), Some("serve int2 8000"));
    assert_eq!(found[0].place.backend.as_deref(), Some("10.10.0.3:8000 (int2)"));
}

#[test]
fn a_backend_bound_to_its_own_address_listens() {
    let mut facts = healthy();
    facts.hosts[1].listeners = Listeners { tcp: vec![sa("10.10.0.3:8000")], udp: vec![] };
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn a_drained_backend_under_persistence_keeps_its_clients_with_templates_kept() {
    let mut facts = healthy();
    facts.services[0].backends[0].weight = 0;
    assert_eq!(all(&facts), vec![], "without persistence a drained backend is fine");
    facts.services[0].service.persistence = Some(Persistence { timeout: 300 });
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::quiescent-template"]);
    assert_eq!(found[0].fix.as_deref(), Some("gw sysctl -w net.ipv4.vs.expire_quiescent_template=1"));
    facts.vs.expire_quiescent_template = Some(1);
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn connections_to_a_deleted_backend_matter_while_nodest_conn_is_off() {
    let mut facts = healthy();
    facts.connections = vec![
        conn("111.111.0.2:40000", "10.10.0.9:8000", "ESTABLISHED"),
        conn("111.111.0.2:40001", "10.10.0.9:8000", "TIME_WAIT"),
        conn("111.111.0.2:40002", "10.10.0.2:8000", "ESTABLISHED"),
    ];
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::nodest-conn"]);
    assert_eq!(found[0].place.backend.as_deref(), Some("10.10.0.9:8000"));
    facts.vs.expire_nodest_conn = Some(1);
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn conn_reuse_off_matters_for_a_drained_backend_with_entries() {
    let mut facts = healthy();
    facts.vs.conn_reuse_mode = Some(0);
    assert_eq!(all(&facts), vec![], "nothing drained");
    facts.services[0].backends[1].weight = 0;
    assert_eq!(all(&facts), vec![], "drained, but no entries to reuse");
    facts.connections = vec![conn("111.111.0.2:40000", "10.10.0.3:8000", "TIME_WAIT")];
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::conn-reuse"]);
    assert_eq!(found[0].fix.as_deref(), Some("gw sysctl -w net.ipv4.vs.conn_reuse_mode=1"));
}

#[test]
fn a_service_without_usable_backends_is_named() {
    let mut facts = healthy();
    for b in &mut facts.services[0].backends {
        b.weight = 0;
    }
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-backends"]);
    assert_eq!(found[0].what, "every backend of service web has weight 0");
    assert_eq!(found[0].fix.as_deref(), Some("set backend web 10.10.0.2:8000 weight 1"));
    facts.services[0].backends.clear();
    facts.hosts.clear();
    let found = all(&facts);
    assert_eq!((found[0].what.as_str(), found[0].fix.clone()), ("service web has no backends", None));
}

#[test]
fn an_unrouted_backend_is_named() {
    let mut facts = healthy();
    facts.director_routes[1].1 = None;
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-route-to-backend"]);
    assert_eq!(found[0].what, "gw has no route to 10.10.0.3 (int2)");
}

#[test]
fn no_ipvs_is_said_and_the_rest_still_checked() {
    let mut facts = healthy();
    facts.ipvs = false;
    facts.services.clear();
    facts.director = None;
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-ipvs"]);
    assert_eq!(found[0].what, "IPVS is not loaded on the director");
}

#[test]
fn a_sync_daemon_on_a_missing_interface_is_named() {
    let mut facts = healthy();
    facts.daemons =
        vec![Daemon::new(DaemonState::Master, "eth0", 1), Daemon::new(DaemonState::Backup, "eth1", 1)];
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::sync-interface"]);
    assert_eq!(found[0].what, "the master sync daemon's interface eth0 does not exist");
    assert_eq!(found[0].place.interface.as_deref(), Some("eth0"));
}
