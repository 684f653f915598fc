//! Each check over facts written by hand: the tutorial's lab, healthy, then
//! with one fault at a time.

use std::net::{IpAddr, SocketAddr};

use super::*;
use crate::diagnose::facts::TUNNEL_MODULES;
use crate::diagnose::{
    BackendHost, Conf, ConfValues, Link, Listeners, Route, ServiceFacts, Severity, VsSysctls,
};
use crate::ipvs::{
    Backend, ConnEntry, Daemon, DaemonState, Forward, Persistence, Service, ServiceKey, Tunnel, TunnelCsum,
    TunnelKind,
};
use crate::probe::names::Names;

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
        links: vec![
            link("lo", "loopback", &["127.0.0.1/8"]),
            link("eth1", "ether", &[&format!("{addr}/24")]),
        ],
        conf: conf(&[("all", zero()), ("eth1", zero()), ("lo", zero())]),
    }
}

/// An up interface with its addresses (`10.10.0.2/24`).
fn link(name: &str, link_type: &str, addrs: &[&str]) -> Link {
    let addrs = addrs
        .iter()
        .map(|a| a.split_once('/').map(|(ip_, len)| (ip(ip_), len.parse().unwrap())).unwrap())
        .collect();
    let noarp = matches!(link_type, "loopback" | "ipip" | "gre");
    Link { name: name.into(), up: true, noarp, link_type: link_type.into(), addrs }
}

/// Every `net.ipv4.conf` setting 0, as a new namespace has them.
fn zero() -> ConfValues {
    ConfValues { rp_filter: Some(0), arp_ignore: Some(0), arp_announce: Some(0), accept_local: Some(0) }
}

fn conf(ifaces: &[(&str, ConfValues)]) -> Conf {
    Conf { ifaces: ifaces.iter().map(|(n, v)| (n.to_string(), *v)).collect() }
}

/// The tutorial's lab, healthy, with the kernel's default vs settings.
fn healthy() -> Facts {
    let web = Service::new(ServiceKey::tcp(sa("111.111.0.1:80"))).with_scheduler("rr");
    Facts {
        director: Some("gw".into()),
        ipvs: true,
        modules: TUNNEL_MODULES.iter().map(|m| m.to_string()).collect(),
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
        // Read only when a service has DR or tunnel backends.
        director_links: vec![],
        director_conf: Conf::default(),
        director_routes: vec![
            (ip("10.10.0.2"), direct("eth2", "10.10.0.1")),
            (ip("10.10.0.3"), direct("eth2", "10.10.0.1")),
        ],
        hosts: vec![lab_host("int1", "10.10.0.2"), lab_host("int2", "10.10.0.3")],
        names: Names::new(
            ["ext1 111.111.0.2", "gw 10.10.0.1", "int1 10.10.0.2", "int2 10.10.0.3"]
                .iter()
                .map(|l| l.split_once(' ').map(|(n, a)| (ip(a), n.to_string())).unwrap()),
        ),
        vips_for_clients: false,
        lab: true,
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

#[test]
fn outside_the_lab_fixes_say_on_node_and_a_vip_stands_in_for_unnamed_clients() {
    let mut facts = healthy();
    (facts.lab, facts.vips_for_clients, facts.names) = (false, true, Names::default());
    facts.director = Some("edge".into());
    facts.hosts[0].node = "blue".into();
    facts.hosts[0].routes = vec![(ip("111.111.0.1"), None)];
    facts.hosts[1].node = "green".into();
    facts.hosts[1].listeners = Listeners::default();
    let found = all(&facts);
    assert_eq!(codes(&found), vec!["doctor::no-reply-path", "doctor::not-listening"]);
    assert_eq!(
        found[0].what,
        "blue has no route to the VIP 111.111.0.1 (standing in for clients: `--clients` names them), \
         not via edge 10.10.0.1"
    );
    assert_eq!(found[0].fix.as_deref(), Some("on blue ip route add default via 10.10.0.1"));
    // An operator's own server is theirs to start: no `serve` outside the lab.
    assert_eq!(found[1].what, "nothing listens on TCP port 8000 on green");
    assert_eq!(found[1].fix, None);
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

/// The lab with a DR service on gw's own address, set up as DR needs: the
/// VIP on each backend's lo, arp_ignore 1 and arp_announce 2, and gw
/// accepting replies from its own VIP on eth2.
fn dr_lab(forward: Forward) -> Facts {
    let mut facts = healthy();
    let web = Service::new(ServiceKey::tcp(sa("111.111.0.1:80"))).with_scheduler("rr");
    facts.services = vec![ServiceFacts {
        label: "web".into(),
        service: web,
        backends: vec![Backend::new(sa("10.10.0.2:80"), forward), Backend::new(sa("10.10.0.3:80"), forward)],
    }];
    facts.director_links = vec![
        link("lo", "loopback", &["127.0.0.1/8"]),
        link("eth1", "ether", &["111.111.0.1/24"]),
        link("eth2", "ether", &["10.10.0.1/24"]),
    ];
    let accept = ConfValues { accept_local: Some(1), ..zero() };
    facts.director_conf = conf(&[("all", zero()), ("eth1", zero()), ("eth2", accept)]);
    let ready = ConfValues { arp_ignore: Some(1), arp_announce: Some(2), ..zero() };
    for h in &mut facts.hosts {
        h.listeners.tcp = vec![sa("0.0.0.0:80")];
        h.links[0].addrs.push((ip("111.111.0.1"), 32));
        h.conf = conf(&[("all", ready), ("eth1", zero()), ("lo", zero())]);
    }
    facts
}

/// Each finding as `code what | fix`.
fn summary(found: &[Finding]) -> Vec<String> {
    found.iter().map(|f| format!("{} {} | {}", f.code, f.what, f.fix.clone().unwrap_or_default())).collect()
}

fn ipip() -> Forward {
    Forward::Tunnel(Tunnel { kind: TunnelKind::Ipip, csum: TunnelCsum::NoCsum })
}

#[test]
fn dr_and_tunnel_labs_set_up_as_they_need_have_no_finding() {
    assert_eq!(all(&dr_lab(Forward::Route)), vec![]);
    assert_eq!(all(&tunnel_lab()), vec![]);
}

#[test]
fn dr_backends_without_the_vip_and_arp_settings_are_named_with_their_fixes() {
    let mut facts = dr_lab(Forward::Route);
    for h in &mut facts.hosts {
        h.links[0].addrs.pop();
        h.conf = conf(&[("all", zero()), ("eth1", zero())]);
    }
    let found = all(&facts);
    assert_eq!(
        summary(&found),
        [
            "doctor::backend-lacks-vip int1 does not hold the VIP 111.111.0.1 of route service web | int1 ip addr add 111.111.0.1/32 dev lo",
            "doctor::backend-lacks-vip int2 does not hold the VIP 111.111.0.1 of route service web | int2 ip addr add 111.111.0.1/32 dev lo",
            "doctor::arp-ignore int1 has net.ipv4.conf.eth1.arp_ignore 0 (want 1) for the VIP 111.111.0.1 of route service web | int1 sysctl -w net.ipv4.conf.all.arp_ignore=1",
            "doctor::arp-ignore int2 has net.ipv4.conf.eth1.arp_ignore 0 (want 1) for the VIP 111.111.0.1 of route service web | int2 sysctl -w net.ipv4.conf.all.arp_ignore=1",
            "doctor::arp-announce int1 has net.ipv4.conf.eth1.arp_announce 0 (want 2) for the VIP 111.111.0.1 of route service web | int1 sysctl -w net.ipv4.conf.all.arp_announce=2",
            "doctor::arp-announce int2 has net.ipv4.conf.eth1.arp_announce 0 (want 2) for the VIP 111.111.0.1 of route service web | int2 sysctl -w net.ipv4.conf.all.arp_announce=2",
        ]
    );
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(found[2].severity, Severity::Warning);
    assert_eq!(found[2].place.interface.as_deref(), Some("eth1"));
    assert_eq!(found[0].place.backend.as_deref(), Some("10.10.0.2:80 (int1)"));
}

#[test]
fn a_dr_vip_on_the_backends_real_interface_is_moved_off_it() {
    let mut facts = dr_lab(Forward::Route);
    facts.hosts[1].links[0].addrs.pop();
    facts.hosts[1].links[1].addrs.push((ip("111.111.0.1"), 24));
    let found = all(&facts);
    assert_eq!(
        summary(&found),
        ["doctor::vip-on-arp-interface int2 holds the VIP 111.111.0.1 of route service web on eth1, which answers ARP for it | int2 ip addr del 111.111.0.1/24 dev eth1"]
    );
    assert_eq!(found[0].place.interface.as_deref(), Some("eth1"));
    facts.hosts[1].links[1].addrs.pop();
    assert_eq!(codes(&all(&facts)), ["doctor::backend-lacks-vip"], "then it goes on lo");
}

#[test]
fn the_interfaces_own_arp_setting_counts_when_it_is_the_larger() {
    let mut facts = dr_lab(Forward::Route);
    let own = ConfValues { arp_ignore: Some(2), arp_announce: Some(2), ..zero() };
    facts.hosts[0].conf = conf(&[("all", zero()), ("eth1", own)]);
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn gw_dropping_dr_replies_from_its_own_vip_is_named_once_per_interface() {
    let mut facts = dr_lab(Forward::Route);
    facts.director_conf = conf(&[("all", zero()), ("eth2", zero())]);
    let found = all(&facts);
    assert_eq!(
        found,
        vec![Finding {
            severity: Severity::Error,
            code: "doctor::replies-martian",
            what: "gw drops the replies of route 10.10.0.2:80 (int1), 10.10.0.3:80 (int2) on eth2: their source, \
                   the VIP 111.111.0.1, is its own address (net.ipv4.conf.eth2.accept_local is 0)"
                .into(),
            place: crate::diagnose::Place {
                node: Some("gw".into()),
                interface: Some("eth2".into()),
                service: Some("web".into()),
                backend: Some("10.10.0.2:80 (int1)".into()),
            },
            why: "gw is int1's gateway, so the replies come back through it, and a packet from one of its own \
                  addresses is a martian unless accept_local is on"
                .into(),
            fix: Some("gw sysctl -w net.ipv4.conf.eth2.accept_local=1".into()),
        }]
    );
    facts.director_conf = conf(&[("all", ConfValues { accept_local: Some(1), ..zero() }), ("eth2", zero())]);
    assert_eq!(all(&facts), vec![], "all's accept_local counts too");
}

#[test]
fn strict_rp_filter_on_gws_inside_is_named_and_loosened() {
    let mut facts = dr_lab(Forward::Route);
    facts.director_conf.ifaces[0].1.rp_filter = Some(1);
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::director-rp-filter"]);
    assert_eq!(
        found[0].what,
        "gw's strict rp_filter on eth2 drops the replies of route 10.10.0.2:80 (int1), 10.10.0.3:80 (int2): \
         their source, the VIP 111.111.0.1, is not routed out eth2"
    );
    assert_eq!(found[0].fix.as_deref(), Some("gw sysctl -w net.ipv4.conf.eth2.rp_filter=2"));
    facts.director_conf.ifaces[2].1.rp_filter = Some(2);
    assert_eq!(all(&facts), vec![], "loose on eth2 is the larger, so it applies");
}

#[test]
fn replies_that_do_not_come_back_through_the_director_are_not_its_concern() {
    let mut facts = dr_lab(Forward::Route);
    facts.director_conf = conf(&[("all", ConfValues { rp_filter: Some(1), ..zero() })]);
    for h in &mut facts.hosts {
        h.routes = vec![(ip("111.111.0.2"), via("10.10.0.254", "eth1", "10.10.0.2"))];
    }
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn a_dr_vip_the_director_does_not_own_is_added_where_its_network_is() {
    let mut facts = dr_lab(Forward::Route);
    facts.services[0].service.key = ServiceKey::tcp(sa("111.111.0.10:80"));
    for h in &mut facts.hosts {
        h.links[0].addrs[1].0 = ip("111.111.0.10");
    }
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::vip-not-local"]);
    assert_eq!(found[0].what, "the VIP 111.111.0.10 of route service web is not an address of gw");
    assert_eq!(found[0].fix.as_deref(), Some("gw ip addr add 111.111.0.10/32 dev eth1"));
    facts.services[0].service.key = ServiceKey::tcp(sa("192.0.2.1:80"));
    let found = dr::vip_local(&facts);
    assert_eq!(found[0].fix.as_deref(), Some("gw ip addr add 192.0.2.1/32 dev lo"));
}

/// The DR lab as ipip tunnel backends: tunl0 up on each.
fn tunnel_lab() -> Facts {
    let mut facts = dr_lab(ipip());
    for h in &mut facts.hosts {
        h.links.push(link("tunl0", "ipip", &[]));
        h.conf.ifaces.push(("tunl0".into(), zero()));
    }
    facts
}

#[test]
fn a_tunnel_backend_without_its_device_is_named_with_the_fix() {
    let mut facts = tunnel_lab();
    facts.hosts[1].links[2].up = false;
    facts.hosts[0].links.pop();
    let found = all(&facts);
    assert_eq!(
        summary(&found),
        [
            "doctor::no-tunnel-device int1 has no ipip device for the ipip tunnel of service web | int1 ip link add ipip0 up type ipip external",
            "doctor::no-tunnel-device int2's ipip device tunl0 is down for the ipip tunnel of service web | int2 ip link set tunl0 up",
        ]
    );
    assert_eq!(
        found[1].why,
        "the director sends this backend the client's packets inside IP-in-IP packets, which only an up ipip device takes out; without one they are refused"
    );
    assert_eq!(found[1].place.interface.as_deref(), Some("tunl0"));
}

#[test]
fn strict_rp_filter_on_the_tunnel_device_is_named_and_lowered() {
    let mut facts = tunnel_lab();
    // The VIP on tunl0, as LVS-TUN guides put it: loose rp_filter then passes.
    tunl0(&mut facts).addrs.push((ip("111.111.0.1"), 32));
    facts.hosts[0].conf.ifaces[3].1.rp_filter = Some(1);
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::tunnel-rp-filter"]);
    assert_eq!(found[0].what, "int1 has strict rp_filter on its tunnel device tunl0 (service web)");
    assert_eq!(found[0].fix.as_deref(), Some("int1 sysctl -w net.ipv4.conf.tunl0.rp_filter=0"));
    facts.hosts[0].conf.ifaces[0].1.rp_filter = Some(1);
    assert_eq!(
        dr_codes_fix(&facts),
        Some("int1 sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.tunl0.rp_filter=0".to_string())
    );
    facts.hosts[0].conf.ifaces[0].1.rp_filter = Some(2);
    facts.hosts[0].conf.ifaces[3].1.rp_filter = Some(0);
    assert_eq!(dr_codes_fix(&facts), None, "loose passes on a device with an address");
}

fn tunl0(facts: &mut Facts) -> &mut Link {
    facts.hosts[0].links.iter_mut().find(|l| l.name == "tunl0").expect("tunl0")
}

#[test]
fn on_a_tunnel_device_without_an_address_even_loose_rp_filter_is_named() {
    let mut facts = tunnel_lab();
    assert!(tunl0(&mut facts).addrs.is_empty());
    facts.hosts[0].conf.ifaces[0].1.rp_filter = Some(2);
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::tunnel-rp-filter"]);
    assert_eq!(
        found[0].what,
        "int1 has rp_filter 2 on its tunnel device tunl0, which has no address (service web)"
    );
    assert_eq!(found[0].fix.as_deref(), Some("int1 sysctl -w net.ipv4.conf.all.rp_filter=0"));
    facts.hosts[0].conf.ifaces[3].1.rp_filter = Some(1);
    assert_eq!(
        dr_codes_fix(&facts),
        Some("int1 sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0".to_string())
    );
}

fn dr_codes_fix(facts: &Facts) -> Option<String> {
    tunnel::tunnel_rp_filter(facts).first().and_then(|f| f.fix.clone())
}

#[test]
fn gre_needs_a_gre_device_and_gue_its_udp_port() {
    let mut facts = tunnel_lab();
    let gre = Forward::Tunnel(Tunnel { kind: TunnelKind::Gre, csum: TunnelCsum::NoCsum });
    facts.services[0].backends[0].forward = gre;
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-tunnel-device"]);
    assert_eq!(found[0].fix.as_deref(), Some("int1 ip link add gre1 up type gre external"));
    let gue = Forward::Tunnel(Tunnel { kind: TunnelKind::Gue { port: 5555 }, csum: TunnelCsum::NoCsum });
    facts.services[0].backends[0].forward = gue;
    let found = all(&facts);
    assert_eq!(codes(&found), ["doctor::no-gue-port"]);
    assert_eq!(found[0].what, "nothing takes GUE on UDP port 5555 on int1 for service web");
    assert_eq!(found[0].fix.as_deref(), Some("int1 ip fou add port 5555 gue"));
    facts.hosts[0].listeners.udp = vec![sa("0.0.0.0:5555")];
    assert_eq!(all(&facts), vec![]);
}

#[test]
fn a_fix_that_needs_a_module_not_loaded_loads_it_first_in_words() {
    let mut facts = tunnel_lab();
    facts.modules.clear();
    facts.hosts[0].links.retain(|l| l.link_type != "ipip");
    let fix = |facts: &Facts| all(facts).iter().filter_map(|f| f.fix.clone()).collect::<Vec<_>>();
    assert_eq!(fix(&facts), ["modprobe ipip; int1 ip link add ipip0 up type ipip external"]);
    let gre = Forward::Tunnel(Tunnel { kind: TunnelKind::Gre, csum: TunnelCsum::NoCsum });
    facts.services[0].backends[0].forward = gre;
    assert_eq!(fix(&facts), ["modprobe ip_gre; int1 ip link add gre1 up type gre external"]);
    let gue = Forward::Tunnel(Tunnel { kind: TunnelKind::Gue { port: 5555 }, csum: TunnelCsum::NoCsum });
    facts.services[0].backends[0].forward = gue;
    assert_eq!(
        fix(&facts),
        [
            "modprobe ipip; int1 ip link add ipip0 up type ipip external",
            "modprobe fou; int1 ip fou add port 5555 gue"
        ]
    );
}
