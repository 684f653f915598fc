//! Whole lines through `parse_ipvsadm`: each command, each option, and
//! each of ipvsadm's parse-time messages with its exit code.

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;

use super::*;
use crate::ipvs::model::{
    Backend, Daemon, DaemonState, Family, Forward, Netmask, Persistence, Protocol, SchedFlags, Service,
    ServiceKey, Timeouts, Tunnel, TunnelCsum, TunnelKind,
};
use crate::lang::show::{ListFormat, ListOptions};

fn parse(line: &str) -> Result<IpvsadmCommand, IpvsadmError> {
    parse_ipvsadm(&line.split_whitespace().collect::<Vec<_>>())
}

fn ok(line: &str) -> IpvsadmCommand {
    parse(line).unwrap_or_else(|err| panic!("{line}: refused: {err}"))
}

fn err(line: &str) -> IpvsadmError {
    match parse(line) {
        Err(err) => err,
        Ok(cmd) => panic!("{line}: accepted as {cmd:?}"),
    }
}

/// The line is refused with exactly this message and exit code.
fn refuses(line: &str, message: &str, exit_code: u8) {
    let err = err(line);
    assert_eq!((err.message.as_str(), err.exit_code), (message, exit_code), "{line}");
}

/// The line is refused, pointing at word `arg`.
fn refuses_at(line: &str, message: &str, arg: usize) {
    let err = err(line);
    assert_eq!((err.message.as_str(), err.arg), (message, Some(arg)), "{line}");
}

fn sa(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn tcp(text: &str) -> ServiceKey {
    ServiceKey::tcp(sa(text))
}

fn udp(text: &str) -> ServiceKey {
    ServiceKey::udp(sa(text))
}

fn fwmark(mark: u32, family: Family) -> ServiceKey {
    ServiceKey::Fwmark { mark, family }
}

fn list(target: ListTarget) -> IpvsadmCommand {
    IpvsadmCommand::List { target, options: ListOptions::default() }
}

fn listed_with(line: &str) -> ListOptions {
    match ok(line) {
        IpvsadmCommand::List { options, .. } => options,
        other => panic!("{line}: {other:?}"),
    }
}

fn added_service(line: &str) -> Service {
    match ok(line) {
        IpvsadmCommand::AddService(service) => service,
        other => panic!("{line}: {other:?}"),
    }
}

fn added_backend(line: &str) -> Backend {
    match ok(line) {
        IpvsadmCommand::AddServer { backend, .. } => backend,
        other => panic!("{line}: {other:?}"),
    }
}

fn tunnel(kind: TunnelKind, csum: TunnelCsum) -> Forward {
    Forward::Tunnel(Tunnel { kind, csum })
}

const INVALID: u8 = EXIT_INVALID;
const USAGE: u8 = EXIT_USAGE;

// --- the seed tutorial and the commands ---

#[test]
fn seed_tutorial_lines_parse() {
    let vip = tcp("111.111.0.1:80");
    assert_eq!(
        ok("-A -t 111.111.0.1:80 -s rr"),
        IpvsadmCommand::AddService(Service::new(vip).with_scheduler("rr"))
    );
    assert_eq!(
        ok("-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m"),
        IpvsadmCommand::AddServer {
            service: vip,
            backend: Backend::new(sa("10.10.0.2:8000"), Forward::Masq)
        }
    );
    assert_eq!(ok("-Ln"), list(ListTarget::Table));
}

#[test]
fn grouped_short_options_list_connections() {
    assert_eq!(ok("-Lnc"), list(ListTarget::Connections { persistent: false }));
    assert_eq!(ok("-L -n -c --persistent-conn"), {
        let options = ListOptions { format: ListFormat::PersistentConn, ..ListOptions::default() };
        IpvsadmCommand::List { target: ListTarget::Connections { persistent: true }, options }
    });
}

#[test]
fn long_options_take_values_with_or_without_equals() {
    let want = list(ListTarget::Service(tcp("1.2.3.4:80")));
    assert_eq!(ok("--list --numeric --tcp-service 1.2.3.4:80"), want);
    assert_eq!(ok("--list --tcp-service=1.2.3.4:80"), want);
    assert_eq!(ok("-l -t1.2.3.4:80"), want);
    assert_eq!(ok("-Lt 1.2.3.4:80"), want);
}

#[test]
fn no_arguments_and_list_without_n_list_the_table_numerically() {
    assert_eq!(parse_ipvsadm::<&str>(&[]), Ok(list(ListTarget::Table)));
    assert_eq!(ok("-L"), ok("-L -n"));
    assert_eq!(ok("-l"), list(ListTarget::Table));
}

#[test]
fn add_service_defaults_to_wlc_not_persistent() {
    let service = added_service("-A -t 1.2.3.4:80");
    assert_eq!(service, Service::new(tcp("1.2.3.4:80")));
    assert_eq!(service.scheduler.name(), "wlc");
    assert_eq!(service.netmask, Netmask::V4("255.255.255.255".parse().unwrap()));
}

#[test]
fn edit_service_is_a_full_replace_with_defaults() {
    assert_eq!(ok("-E -u 1.1.1.1:53"), IpvsadmCommand::EditService(Service::new(udp("1.1.1.1:53"))));
    let edited = ok("--edit-service -u 1.1.1.1:53 -p 10");
    let want = Service { persistence: Some(Persistence { timeout: 10 }), ..Service::new(udp("1.1.1.1:53")) };
    assert_eq!(edited, IpvsadmCommand::EditService(want));
}

#[test]
fn delete_service_and_flush() {
    assert_eq!(ok("-D -t 1.2.3.4:80"), IpvsadmCommand::DelService(tcp("1.2.3.4:80")));
    assert_eq!(ok("--delete-service -f 7"), IpvsadmCommand::DelService(fwmark(7, Family::V4)));
    assert_eq!(ok("-C"), IpvsadmCommand::Flush);
    assert_eq!(ok("--clear"), IpvsadmCommand::Flush);
}

#[test]
fn edit_server_defaults_to_direct_routing_weight_one_and_the_service_port() {
    let want = Backend { weight: 7, ..Backend::new(sa("10.10.0.2:80"), Forward::Route) };
    assert_eq!(
        ok("-e -t 111.111.0.1:80 -r 10.10.0.2:8000 -w 7"),
        IpvsadmCommand::EditServer { service: tcp("111.111.0.1:80"), backend: want }
    );
    let masq = ok("--edit-server -t 111.111.0.1:80 -r 10.10.0.2:8000 -m");
    let want = Backend::new(sa("10.10.0.2:8000"), Forward::Masq);
    assert_eq!(masq, IpvsadmCommand::EditServer { service: tcp("111.111.0.1:80"), backend: want });
}

#[test]
fn delete_server_uses_the_given_port_or_the_service_port() {
    let del = |line| match ok(line) {
        IpvsadmCommand::DelServer { service, addr } => (service, addr),
        other => panic!("{other:?}"),
    };
    assert_eq!(del("-d -t 1.2.3.4:80 -r 10.0.0.1"), (tcp("1.2.3.4:80"), sa("10.0.0.1:80")));
    assert_eq!(
        del("--delete-server -t 1.2.3.4:80 -r 10.0.0.1:8080"),
        (tcp("1.2.3.4:80"), sa("10.0.0.1:8080"))
    );
    assert_eq!(del("-d -t 1.2.3.4:80 -r [2001:db8::1]:80"), (tcp("1.2.3.4:80"), sa("[2001:db8::1]:80")));
}

#[test]
fn zero_one_service_or_all() {
    assert_eq!(ok("-Z"), IpvsadmCommand::Zero(None));
    assert_eq!(ok("--zero -t 1.2.3.4:80"), IpvsadmCommand::Zero(Some(tcp("1.2.3.4:80"))));
}

#[test]
fn set_takes_three_timeouts() {
    assert_eq!(ok("--set 10 20 30"), IpvsadmCommand::SetTimeouts(Timeouts { tcp: 10, tcp_fin: 20, udp: 30 }));
    assert_eq!(ok("--set 0 0 0"), IpvsadmCommand::SetTimeouts(Timeouts::default()));
    assert_eq!(
        ok("--set 2678400 +1 010"),
        IpvsadmCommand::SetTimeouts(Timeouts { tcp: 2678400, tcp_fin: 1, udp: 10 })
    );
}

#[test]
fn start_daemon_defaults_to_eth0_and_syncid_zero() {
    assert_eq!(
        ok("--start-daemon master"),
        IpvsadmCommand::StartDaemon(Daemon::new(DaemonState::Master, "eth0", 0))
    );
    let empty_interface = ok("--start-daemon backup --mcast-interface=");
    assert_eq!(empty_interface, IpvsadmCommand::StartDaemon(Daemon::new(DaemonState::Backup, "eth0", 0)));
}

#[test]
fn start_daemon_takes_every_daemon_option() {
    let line = "--start-daemon=backup --mcast-interface eth1 --syncid 5 --sync-maxlen 1400 \
                --mcast-group 224.0.0.82 --mcast-port 8849 --mcast-ttl 2";
    let want = Daemon {
        max_len: Some(1400),
        group: Some("224.0.0.82".parse().unwrap()),
        port: Some(8849),
        ttl: Some(2),
        ..Daemon::new(DaemonState::Backup, "eth1", 5)
    };
    assert_eq!(ok(line), IpvsadmCommand::StartDaemon(want));
    let v6 = ok("--start-daemon master --mcast-group ff02::1");
    let group: IpAddr = "ff02::1".parse().unwrap();
    let want = Daemon { group: Some(group), ..Daemon::new(DaemonState::Master, "eth0", 0) };
    assert_eq!(v6, IpvsadmCommand::StartDaemon(want));
}

#[test]
fn stop_daemon_takes_its_state_and_an_ignored_syncid() {
    assert_eq!(ok("--stop-daemon backup --syncid 3"), IpvsadmCommand::StopDaemon(DaemonState::Backup));
    assert_eq!(ok("--stop-daemon master"), IpvsadmCommand::StopDaemon(DaemonState::Master));
}

#[test]
fn save_restore_help_version() {
    assert_eq!(ok("-S"), IpvsadmCommand::Save);
    assert_eq!(ok("--save --numeric"), IpvsadmCommand::Save);
    assert_eq!(ok("-R"), IpvsadmCommand::Restore);
    assert_eq!(ok("--restore"), IpvsadmCommand::Restore);
    assert_eq!(ok("-h"), IpvsadmCommand::Help);
    assert_eq!(ok("--help --bogus"), IpvsadmCommand::Help);
    assert_eq!(ok("-v"), IpvsadmCommand::Version);
    assert_eq!(ok("--version"), IpvsadmCommand::Version);
}

// --- service options ---

#[test]
fn persistent_defaults_to_360_and_takes_an_optional_value() {
    let timeout = |line| added_service(line).persistence.map(|p| p.timeout);
    assert_eq!(timeout("-A -t 1.2.3.4:80 -p"), Some(360));
    assert_eq!(timeout("-A -t 1.2.3.4:80 -p 60"), Some(60));
    assert_eq!(timeout("-A -t 1.2.3.4:80 -p60"), Some(60));
    assert_eq!(timeout("-A -t 1.2.3.4:80 --persistent=2678400"), Some(2678400));
    assert_eq!(timeout("-A -t 1.2.3.4:0 -p -s rr"), Some(360));
    assert_eq!(added_service("-A -t 1.2.3.4:0 -p -s rr").scheduler.name(), "rr");
}

#[test]
fn scheduler_is_any_name_cut_to_fifteen_bytes() {
    assert_eq!(added_service("-A -t 1.2.3.4:80 -s none").scheduler.name(), "none");
    assert_eq!(
        added_service("-A -t 1.2.3.4:80 --scheduler verylongschedulername123").scheduler.name(),
        "verylongschedul"
    );
    assert_eq!(added_service("-A -t 1.2.3.4:80 -s=").scheduler.name(), "wlc");
}

#[test]
fn netmask_is_read_by_the_family_known_when_it_is_seen() {
    let mask = |line| added_service(line).netmask;
    assert_eq!(mask("-A -t 1.2.3.4:80 -p -M 255.255.255.0"), Netmask::V4("255.255.255.0".parse().unwrap()));
    assert_eq!(mask("-A -t [2001:db8::1]:80 -p --netmask 64"), Netmask::V6(64));
    assert_eq!(mask("-A -M 64 -t [2001:db8::1]:80 -p"), Netmask::V6(128));
    assert_eq!(mask("-A -t [2001:db8::1]:80"), Netmask::V6(128));
    assert_eq!(mask("-A -f 1 -M 255.255.0.0 -6"), Netmask::V6(128));
    assert_eq!(mask("-A -t 1.2.3.4:80 -M 1.2.3"), Netmask::V4("1.2.0.3".parse().unwrap()));
}

#[test]
fn fwmark_services_default_to_ipv4_and_take_ipv6_after_f() {
    let service = added_service("-A -f 8 -6 -s lc -p 30 -M 64");
    assert_eq!(service.key, fwmark(8, Family::V6));
    assert_eq!(service.netmask, Netmask::V6(64));
    assert_eq!(added_service("-A --fwmark-service 4294967295 --ipv6").key, fwmark(u32::MAX, Family::V6));
    assert_eq!(added_service("-A -f 8 -6").netmask, Netmask::V6(128));
    assert_eq!(added_service("-A -f 7").key, fwmark(7, Family::V4));
    assert_eq!(ok("-L -f 8 -6"), list(ListTarget::Service(fwmark(8, Family::V6))));
}

#[test]
fn sctp_udp_and_ipv6_services() {
    let sctp = ServiceKey::Inet { protocol: Protocol::Sctp, addr: sa("1.2.3.4:3868") };
    assert_eq!(added_service("-A --sctp-service 1.2.3.4:3868").key, sctp);
    assert_eq!(added_service("-A --udp-service 1.2.3.4:53").key, udp("1.2.3.4:53"));
    assert_eq!(added_service("-A -t [2001:db8::1]:80").key, tcp("[2001:db8::1]:80"));
    assert_eq!(added_service("-A -t 0x01020305:080").key, tcp("1.2.3.5:80"));
}

#[test]
fn a_bare_ipv6_address_has_port_zero() {
    assert_eq!(added_service("-A -t 2001:db8::1 -p").key, tcp("[2001:db8::1]:0"));
}

#[test]
fn ops_is_for_udp_and_fwmark_services() {
    assert!(added_service("-A -u 1.2.3.4:53 -o").one_packet);
    assert!(added_service("-A -f 3 --ops").one_packet);
}

#[test]
fn pe_is_kept_and_cut_to_sixteen_bytes() {
    assert_eq!(added_service("-A -u 1.2.3.4:5060 -p 60 --pe sip").pe.as_deref(), Some("sip"));
    assert_eq!(
        added_service("-A -u 1.2.3.4:5060 --pe abcdefghijklmnopq").pe.as_deref(),
        Some("abcdefghijklmnop")
    );
    assert_eq!(added_service("-A -u 1.2.3.4:5060").pe, None);
}

#[test]
fn sched_flags_follow_the_scheduler() {
    let flags = |line| added_service(line).sched_flags;
    assert_eq!(
        flags("-A -t 1.2.3.4:80 -s sh -b sh-fallback,sh-port"),
        SchedFlags { flag1: true, flag2: true, flag3: false }
    );
    assert_eq!(
        flags("-A -f 7 -s mh --sched-flags mh-port"),
        SchedFlags { flag2: true, ..SchedFlags::default() }
    );
    assert_eq!(
        flags("-A -f 9 -b flag-1,flag-3"),
        SchedFlags { flag1: true, flag3: true, ..SchedFlags::default() }
    );
    assert_eq!(flags("-A -b sh-port -f 9 -s sh"), SchedFlags { flag2: true, ..SchedFlags::default() });
    assert_eq!(flags("-A -f 9 -b ,"), SchedFlags::default());
}

// --- server options ---

#[test]
fn direct_routing_and_tunnels_take_the_service_port() {
    assert_eq!(added_backend("-a -t 111.111.0.1:80 -r 10.10.0.9:8080 -g").addr, sa("10.10.0.9:80"));
    assert_eq!(added_backend("-a -t 111.111.0.1:80 -r 10.10.0.10:8080 -i").addr, sa("10.10.0.10:80"));
    assert_eq!(added_backend("-a -t 111.111.0.1:80 -r 10.10.0.10:8080").forward, Forward::Route);
    assert_eq!(
        added_backend("-a -t 111.111.0.1:80 -r 10.10.0.11:8080 --masquerading").addr,
        sa("10.10.0.11:8080")
    );
}

#[test]
fn fwmark_backends_keep_their_port() {
    assert_eq!(added_backend("-a -f 7 -r 10.10.0.12 -m").addr, sa("10.10.0.12:0"));
    assert_eq!(added_backend("-a -f 7 -r 10.10.0.12:8080 -g").addr, sa("10.10.0.12:8080"));
}

#[test]
fn a_server_without_port_takes_the_service_port_known_so_far() {
    assert_eq!(added_backend("-a -t 1.2.3.4:80 -r 10.0.0.1 -m").addr, sa("10.0.0.1:80"));
    assert_eq!(added_backend("-a -r 10.0.0.1 -t 1.2.3.4:80 -m").addr, sa("10.0.0.1:0"));
}

#[test]
fn weights_and_thresholds() {
    let backend = added_backend("-a -t 1.2.3.4:80 -r 10.0.0.1 -m -w 2147483647 -x 100 -y 50");
    assert_eq!((backend.weight, backend.upper, backend.lower), (2147483647, 100, 50));
    assert_eq!(added_backend("-a -t 1.2.3.4:80 -r 10.0.0.1 --weight 0").weight, 0);
    let long = added_backend("-a -t 1.2.3.4:80 -r 10.0.0.1 --u-threshold 2147483647 --l-threshold 0");
    assert_eq!((long.upper, long.lower), (2147483647, 0));
}

#[test]
fn tunnels_of_every_kind() {
    let fwd = |opts: &str| added_backend(&format!("-a -t 1.2.3.4:443 -r 10.0.0.6 -i {opts}")).forward;
    assert_eq!(fwd(""), tunnel(TunnelKind::Ipip, TunnelCsum::NoCsum));
    assert_eq!(fwd("--tun-type ipip"), tunnel(TunnelKind::Ipip, TunnelCsum::NoCsum));
    assert_eq!(
        fwd("--tun-type gue --tun-port 6080 --tun-csum"),
        tunnel(TunnelKind::Gue { port: 6080 }, TunnelCsum::Csum)
    );
    assert_eq!(
        fwd("--tun-type gue --tun-port 6081 --tun-remcsum"),
        tunnel(TunnelKind::Gue { port: 6081 }, TunnelCsum::RemCsum)
    );
    assert_eq!(
        fwd("--tun-type gue --tun-port 6082 --tun-nocsum"),
        tunnel(TunnelKind::Gue { port: 6082 }, TunnelCsum::NoCsum)
    );
    assert_eq!(
        fwd("--tun-type gue --tun-port 6083"),
        tunnel(TunnelKind::Gue { port: 6083 }, TunnelCsum::NoCsum)
    );
    assert_eq!(fwd("--tun-type gre --tun-csum"), tunnel(TunnelKind::Gre, TunnelCsum::Csum));
    assert_eq!(fwd("--tun-type=gre"), tunnel(TunnelKind::Gre, TunnelCsum::NoCsum));
}

#[test]
fn mixed_family_is_allowed_for_tunnels() {
    let backend = added_backend("-a -t 111.111.0.1:80 -r [2001:db8::11]:80 -i");
    assert_eq!(backend.addr, sa("[2001:db8::11]:80"));
}

// --- list options ---

#[test]
fn list_formats_follow_ipvsadm_priority() {
    let format = |line| listed_with(line).format;
    assert_eq!(format("-L --stats"), ListFormat::Stats);
    assert_eq!(format("-L --rate"), ListFormat::Rate);
    assert_eq!(format("-L --thresholds"), ListFormat::Thresholds);
    assert_eq!(format("-L --persistent-conn"), ListFormat::PersistentConn);
    assert_eq!(format("-L --tun-info"), ListFormat::TunInfo);
    assert_eq!(format("-L --tun-info --rate --stats"), ListFormat::Stats);
    assert_eq!(format("-L --persistent-conn --thresholds"), ListFormat::Thresholds);
}

#[test]
fn list_exact_and_nosort() {
    assert_eq!(
        listed_with("-L -X --nosort"),
        ListOptions { exact: true, nosort: true, ..ListOptions::default() }
    );
    assert_eq!(
        listed_with("-Ln --exact --rate"),
        ListOptions { exact: true, format: ListFormat::Rate, nosort: false }
    );
}

#[test]
fn list_timeouts_daemons_and_syncid() {
    assert_eq!(ok("-L --timeout"), list(ListTarget::Timeouts));
    assert_eq!(ok("-L --daemon"), list(ListTarget::Daemons));
    assert_eq!(ok("-L --syncid 3"), list(ListTarget::Table));
}

#[test]
fn sort_is_accepted_with_any_command_and_repeated() {
    assert_eq!(ok("-C --sort"), IpvsadmCommand::Flush);
    assert_eq!(ok("-l -n --sort --sort"), list(ListTarget::Table));
    assert_eq!(added_service("-A --sort -t 1.2.3.4:80"), Service::new(tcp("1.2.3.4:80")));
}

#[test]
fn double_dash_ends_the_options() {
    assert_eq!(ok("--set -- 1 2 3"), IpvsadmCommand::SetTimeouts(Timeouts { tcp: 1, tcp_fin: 2, udp: 3 }));
    refuses_at("-L -- -n", "unexpected argument -n", 2);
}

// --- §5.1 messages ---

#[test]
fn bad_service_addresses() {
    let message = "illegal virtual server address[:port] specified";
    for line in [
        "-A -t 1.2.3.4:99999",
        "-A -t 80",
        "-A -t localhost:80",
        "-A -t nosuchhost.invalid:80",
        "-A -t 1.2.3.4:http",
        "-A -t [2001:db8::1] -p",
        "-A -u 1.2.3.4:",
        "-A --sctp-service= ",
    ] {
        refuses(line, message, INVALID);
    }
    refuses_at("-A -s rr -t 1.2.3.4:99999", message, 4);
    refuses_at("-A --tcp-service=1.2.3.4:99999", message, 1);
}

#[test]
fn bad_real_server_address() {
    refuses_at("-a -t 1.2.3.4:80 -r nosuch", "illegal real server address[:port] specified", 4);
    refuses("-a -t 1.2.3.4:80 -r 10.0.0.1:smtp", "illegal real server address[:port] specified", INVALID);
}

#[test]
fn bad_fwmarks() {
    for value in ["0", "abc", "4294967296", "-1", "1.5"] {
        refuses_at(&format!("-A -f {value}"), &format!("invalid fwmark value `{value}' specified"), 2);
    }
}

#[test]
fn ipv6_before_fwmark() {
    let err = err("-A -6 -f 5");
    assert_eq!((err.message.as_str(), err.arg, err.exit_code), ("-6 used before -f\n", Some(1), INVALID));
    refuses("-A -t 1.2.3.4:80 -6", "-6 used before -f\n", INVALID);
}

#[test]
fn bad_timeouts() {
    for value in ["0", "2678401", "abc", ""] {
        let line = format!("-A -t 1.2.3.4:80 --persistent={value}");
        refuses_at(&line, &format!("invalid timeout value `{value}' specified"), 3);
    }
    refuses_at("--set 1 2 x", "invalid timeout value `x' specified", 3);
    refuses_at("--set 2678401 2 x", "invalid timeout value `2678401' specified", 1);
}

#[test]
fn bad_netmasks() {
    refuses_at("-A -t 1.2.3.4:80 -p 10 -M 300.1.1.1", "illegal virtual server persistent mask specified", 6);
    refuses("-A -t 1.2.3.4:80 -p 10 -M fff", "illegal virtual server persistent mask specified", INVALID);
    refuses_at("-A -f 5 -6 -p 10 -M 129", "illegal ipv6 netmask specified", 7);
    refuses("-A -t [::1]:80 -M abc", "illegal ipv6 netmask specified", INVALID);
    refuses("-A -t [::1]:80 -M 255.255.255.0", "illegal ipv6 netmask specified", INVALID);
}

#[test]
fn bad_weights_and_thresholds() {
    let server = "-a -t 111.111.0.1:80 -r 10.10.0.31 -m";
    refuses_at(&format!("{server} -w 2147483648"), "illegal weight specified", 7);
    refuses(&format!("{server} -w -1"), "illegal weight specified", INVALID);
    refuses(&format!("{server} -x -1"), "illegal u_threshold specified", INVALID);
    refuses(&format!("{server} -y 2147483648"), "illegal l_threshold specified", INVALID);
}

#[test]
fn bad_daemon_values() {
    let start = "--start-daemon master";
    refuses_at(&format!("{start} --syncid 256"), "illegal syncid specified", 3);
    refuses(&format!("{start} --mcast-port 0"), "illegal mcast-port specified", INVALID);
    refuses(&format!("{start} --mcast-ttl 256"), "illegal mcast-ttl specified", INVALID);
    refuses(&format!("{start} --sync-maxlen 65508"), "illegal sync-maxlen specified", INVALID);
    refuses(&format!("{start} --mcast-group 10.0.0.1"), "invalid IPv4 mcast-group `10.0.0.1'", INVALID);
    refuses(&format!("{start} --mcast-group ff02::zz"), "invalid IPv6 mcast-group `ff02::zz'", INVALID);
    refuses(&format!("{start} --mcast-group 2001:db8::1"), "invalid IPv6 mcast-group `2001:db8::1'", INVALID);
    refuses_at("--start-daemon foo", "illegal start-daemon parameter specified", 1);
    refuses_at("--stop-daemon=foo", "illegal start_daemon specified", 0);
}

#[test]
fn bad_tunnel_values() {
    let server = "-a -t 111.111.0.1:80 -r 10.10.0.30 -i";
    refuses_at(&format!("{server} --tun-type vxlan"), "illegal tunnel type specified", 7);
    refuses(&format!("{server} --tun-type gue --tun-port 0"), "illegal tunnel port specified", INVALID);
    refuses(&format!("{server} --tun-type gue --tun-port 65536"), "illegal tunnel port specified", INVALID);
}

#[test]
fn set_needs_three_values() {
    refuses_at("--set 1 2", "--set option requires 3 timeout values", 0);
    refuses("--set", "--set option requires 3 timeout values", INVALID);
}

#[test]
fn extra_words_are_unexpected() {
    refuses_at("-A -t 1.2.3.4:80 extra", "unexpected argument extra", 3);
    refuses_at("--set 1 2 3 4", "unexpected argument 4", 4);
    refuses_at("foo -L", "unexpected argument foo", 0);
    refuses("-A -t 1.2.3.4:80 -b bogus extra", "unexpected argument extra", INVALID);
}

#[test]
fn sched_flags_that_do_not_fit() {
    refuses_at("-A -t 1.2.3.4:80 -s rr -b sh-port", "incompatible scheduler flag `sh-port'", 6);
    refuses("-A -t 1.2.3.4:80 -b sh-port", "incompatible scheduler flag `sh-port'", INVALID);
    refuses("-A -t 1.2.3.4:80 -s sh -b mh-fallback", "incompatible scheduler flag `mh-fallback'", INVALID);
    refuses("-A -t 1.2.3.4:80 -s rr -b bogus", "invalid scheduler flag `bogus'", INVALID);
    refuses("-A -t 1.2.3.4:80 -s sh -b sh-port,,bogus", "invalid scheduler flag `bogus'", INVALID);
}

#[test]
fn sched_flags_are_read_before_the_command_check() {
    refuses("-L -b bogus", "invalid scheduler flag `bogus'", INVALID);
}

#[test]
fn a_second_command_is_an_invalid_option() {
    refuses_at("-A -L", "invalid option `-L'", 1);
    refuses_at("-A -nL", "invalid option `-nL'", 1);
    refuses_at("-L --start-daemon master", "invalid option `master'", 2);
    refuses("-L -h", "invalid option `-h'", INVALID);
}

#[test]
fn zero_port_needs_persistence() {
    refuses_at("-A -t 1.2.3.4 -s rr", "Zero port specified for non-persistent service", 2);
    refuses("-E -u 1.2.3.4:0", "Zero port specified for non-persistent service", INVALID);
    assert_eq!(added_service("-A -t 1.2.3.4 -p").key, tcp("1.2.3.4:0"));
}

#[test]
fn one_packet_only_for_udp() {
    refuses_at("-A -t 1.2.3.4:80 -o", "One-Packet Scheduling is only for UDP virtual services", 3);
    refuses(
        "-A --sctp-service 1.2.3.4:80 --ops",
        "One-Packet Scheduling is only for UDP virtual services",
        INVALID,
    );
}

#[test]
fn mixed_family_needs_a_tunnel() {
    let message = "Different address family is allowed only for tunneling servers";
    refuses_at("-a -t 111.111.0.1:80 -r [2001:db8::11]:80 -m", message, 4);
    refuses("-a -t 111.111.0.1:80 -r 2001:db8::11", message, INVALID);
    refuses("-e -f 3 -r 2001:db8::11 -g", message, INVALID);
}

#[test]
fn tunnel_options_need_ipip() {
    refuses_at(
        "-a -t 111.111.0.1:80 -r 10.10.0.30 -m --tun-type gue",
        "Tunnel options conflict with forward method",
        6,
    );
    refuses(
        "-a -t 111.111.0.1:80 -r 10.10.0.30 --tun-csum",
        "Tunnel options conflict with forward method",
        INVALID,
    );
}

#[test]
fn tunnel_type_matrix() {
    let server = "-a -t 111.111.0.1:80 -r 10.10.0.30 -i";
    let cases = [
        ("--tun-type gue", "You need to supply the 'tun-port' option for the 'gue' tunnel type"),
        ("--tun-type gre --tun-remcsum", "Illegal 'tun-remcsum' option with the 'gre' tunnel type"),
        ("--tun-type gre --tun-port 5", "Illegal 'tun-port' option with the 'gre' tunnel type"),
        (
            "--tun-type gue --tun-port 5 --tun-csum --tun-nocsum",
            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type",
        ),
        ("--tun-port 5", "Illegal 'tun-port' option with the 'ipip' tunnel type"),
        ("--tun-nocsum", "Illegal 'tun-nocsum' option with the 'ipip' tunnel type"),
    ];
    for (opts, message) in cases {
        refuses(&format!("{server} {opts}"), message, INVALID);
    }
    refuses_at(&format!("{server} --tun-type gre --tun-remcsum"), cases[1].1, 8);
}

#[test]
fn command_option_matrix() {
    let cases = [
        ("-A -t 1.2.3.4:80 -r 10.0.0.1", "Illegal 'real-server' option with the 'add-service' command"),
        ("-a -t 111.111.0.1:80", "You need to supply the 'real-server' option for the 'add-server' command"),
        ("-A", "You need to supply the 'service-address' option for the 'add-service' command"),
        ("-Z -s rr", "Illegal 'scheduler' option with the 'zero' command"),
        ("-C -t 1.2.3.4:80", "Illegal 'service-address' option with the 'flush' command"),
        ("-S -c", "Illegal 'connection' option with the 'save' command"),
        ("-S -n -t 9.9.9.1:80", "Illegal 'service-address' option with the 'save' command"),
        ("-L -t 1.2.3.4:80 -s rr", "Illegal 'scheduler' option with the 'list' command"),
        ("-L -o", "Illegal 'ops' option with the 'list' command"),
        ("-R -n", "Illegal 'numeric' option with the 'restore' command"),
        (
            "-d -t 1.2.3.4:80 -r 10.0.0.1 -m",
            "Illegal 'forwarding-method' option with the 'delete-server' command",
        ),
        ("-A -t 1.2.3.4:80 -n", "Illegal 'numeric' option with the 'add-service' command"),
        ("--set 1 2 3 -n", "Illegal 'numeric' option with the 'set' command"),
        ("--stop-daemon master --mcast-ttl 2", "Illegal 'mcast-ttl' option with the 'stop-daemon' command"),
        ("--start-daemon master -n", "Illegal 'numeric' option with the 'start-daemon' command"),
        ("-D -t 1.2.3.4:80 -s rr", "Illegal 'scheduler' option with the 'delete-service' command"),
        (
            "-L -c --timeout",
            "The option 'timeout' conflicts with the 'connection' option in the 'list' command",
        ),
        (
            "-L -n --daemon --timeout",
            "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
        ),
        (
            "-L -t 1.2.3.4:80 -c",
            "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
        ),
    ];
    for (line, message) in cases {
        refuses(line, message, INVALID);
    }
    refuses_at("-A -t 1.2.3.4:80 -r 10.0.0.1", cases[0].1, 3);
    assert_eq!(err("-A").arg, None);
}

#[test]
fn repeated_options() {
    refuses_at("-L -n -n", "multiple 'numeric' options specified", 2);
    refuses("-Lnn", "multiple 'numeric' options specified", INVALID);
    refuses("-a -t 1.2.3.4:80 -r 10.0.0.1 -m -g", "multiple 'forwarding-method' options specified", INVALID);
    refuses("-A -t 1.2.3.4:80 -u 1.2.3.4:53", "multiple 'service-address' options specified", INVALID);
    refuses("-A -t 1.2.3.4:80 -s rr -s wrr", "multiple 'scheduler' options specified", INVALID);
    assert_eq!(added_service("-A -f 1 -6 -6").key, fwmark(1, Family::V6));
}

#[test]
fn list_conflicts() {
    for line in
        ["-L -c --stats", "-L --timeout --persistent-conn", "-L --daemon --stats", "-L -c --thresholds"]
    {
        refuses(line, "options conflicts in the list command", INVALID);
    }
}

#[test]
fn a_line_must_start_with_a_command() {
    let usage = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";
    refuses_at("-n -L", usage, 0);
    refuses_at("--bogus", usage, 0);
    refuses_at("--sort -L", usage, 0);
    refuses_at("x --start-daemon", usage, 1);
    refuses("-6", usage, USAGE);
    let no_option = err("foo bar");
    assert_eq!((no_option.message.as_str(), no_option.arg, no_option.exit_code), (usage, None, USAGE));
}

#[test]
fn popt_errors_after_the_command() {
    refuses("-A -t 1.2.3.4:80 -s", "-s: missing argument", USAGE);
    refuses_at("-L --bogus", "--bogus: unknown option", 1);
    refuses("-L -z", "-z: unknown option", USAGE);
    refuses("-Lz", "-Lz: unknown option", USAGE);
    refuses("-L --numeric=1", "--numeric=1: option does not take an argument", USAGE);
    refuses("-L --list", "invalid option `--list'", INVALID);
}

#[test]
fn errors_are_reported_in_ipvsadm_order() {
    refuses("-A -t 1.2.3.4:99999 --bogus", "illegal virtual server address[:port] specified", INVALID);
    refuses("-A --bogus -t 1.2.3.4:99999", "--bogus: unknown option", USAGE);
    refuses("-A -r 10.0.0.1 extra", "unexpected argument extra", INVALID);
}

#[test]
fn split_line_feeds_parse_ipvsadm() {
    let tokens = split_line("ipvsadm -A -t 111.111.0.1:80 -s rr");
    let words: Vec<&str> = tokens.iter().map(|(word, _)| *word).collect();
    assert_eq!(parse_ipvsadm(&words), Ok(ok("-A -t 111.111.0.1:80 -s rr")));
}

// --- never a panic, and a word to point at ---

/// Words that are options, values, or near misses.
fn vocabulary() -> impl Strategy<Value = String> {
    const WORDS: &[&str] = &[
        "-A",
        "-E",
        "-D",
        "-C",
        "-R",
        "-S",
        "-a",
        "-e",
        "-d",
        "-L",
        "-l",
        "-Z",
        "--set",
        "--start-daemon",
        "--stop-daemon",
        "-h",
        "-v",
        "-t",
        "-u",
        "--sctp-service",
        "-f",
        "-6",
        "-s",
        "-p",
        "-M",
        "-r",
        "-g",
        "-i",
        "-m",
        "-w",
        "-x",
        "-y",
        "-c",
        "-n",
        "-Ln",
        "-Lnc",
        "--timeout",
        "--daemon",
        "--stats",
        "--rate",
        "--thresholds",
        "--persistent-conn",
        "--nosort",
        "--sort",
        "-X",
        "-o",
        "--pe",
        "-b",
        "--mcast-interface",
        "--syncid",
        "--mcast-group",
        "--mcast-port",
        "--mcast-ttl",
        "--sync-maxlen",
        "--tun-info",
        "--tun-type",
        "--tun-port",
        "--tun-nocsum",
        "--tun-csum",
        "--tun-remcsum",
        "--",
        "-",
        "1.2.3.4:80",
        "1.2.3.4",
        "[::1]:80",
        "::1",
        "80",
        "0",
        "-1",
        "360",
        "master",
        "backup",
        "rr",
        "sh",
        "sh-port",
        "gue",
        "gre",
        "ipip",
        "64",
        "224.0.0.81",
        "--tcp-service=1.2.3.4:80",
        "-t=",
        "-pé",
        "-é",
        "é",
        "--=",
        "-=x",
    ];
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "\\PC{0,6}",
        1 => "-[a-zA-Z6=é]{1,4}",
    ]
}

/// A command followed by options with plausible values.
fn near_valid() -> impl Strategy<Value = Vec<String>> {
    const COMMANDS: &[&str] =
        &["-A", "-E", "-a", "-e", "-d", "-L", "-Z", "--start-daemon master", "--set 1 2 3", "-D"];
    const OPTIONS: &[&str] = &[
        "-t 1.2.3.4:80",
        "-u [2001:db8::1]:53",
        "-f 7",
        "-6",
        "-s sh",
        "-p",
        "-p 60",
        "-M 64",
        "-M 255.0.0.0",
        "-r 10.0.0.1",
        "-r [::2]:80",
        "-m",
        "-g",
        "-i",
        "-w 5",
        "-x 9",
        "-y 3",
        "-o",
        "-b sh-port",
        "--pe sip",
        "--tun-type gue",
        "--tun-port 6080",
        "--tun-csum",
        "--tun-remcsum",
        "-n",
        "-c",
        "--stats",
        "--timeout",
        "--syncid 4",
        "--mcast-group ff02::1",
        "--mcast-ttl 3",
        "--sort",
    ];
    (proptest::sample::select(COMMANDS), proptest::collection::vec(proptest::sample::select(OPTIONS), 0..6))
        .prop_map(|(command, options)| {
            std::iter::once(command)
                .chain(options)
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect()
        })
}

/// Messages whose cause is the absence or combination of options, not one word.
fn is_about_no_one_word(err: &IpvsadmError, words: &[String]) -> bool {
    let before_double_dash = words.iter().take_while(|w| *w != "--");
    let no_option = before_double_dash.clone().all(|w| !w.starts_with('-') || w == "-");
    err.message.starts_with("You need to supply the '")
        || err.message == "options conflicts in the list command"
        || (err.message.starts_with("Try `ipvsadm -h'") && no_option)
}

fn check_never_panics_and_points_at_a_word(words: &[String]) {
    if let Err(err) = parse_ipvsadm(words) {
        assert!(err.arg.is_none_or(|i| i < words.len()), "{words:?}: {err:?}");
        assert!(err.arg.is_some() || is_about_no_one_word(&err, words), "{words:?}: {err:?}");
        assert!(err.exit_code == EXIT_INVALID || err.exit_code == EXIT_USAGE);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_words_never_panic(words in proptest::collection::vec(vocabulary(), 0..8)) {
        check_never_panics_and_points_at_a_word(&words);
    }

    #[test]
    fn near_valid_lines_never_panic(words in near_valid()) {
        check_never_panics_and_points_at_a_word(&words);
    }

    /// The drop-in ipvsadm's reading: names where ipvsadm looks them up,
    /// in any argv, never a panic; with no names known, what lvsh's own
    /// lines read.
    #[test]
    fn any_argv_with_names_never_panics(
        words in proptest::collection::vec(
            prop_oneof![vocabulary(), proptest::sample::select(NAMED).prop_map(str::to_string)],
            0..8,
        )
    ) {
        let named = parse_ipvsadm_with(&words, &Names);
        if let Err(err) = &named {
            prop_assert!(err.arg.is_none_or(|i| i < words.len()), "{words:?}: {err:?}");
        }
        let plain = parse_ipvsadm_with(&words, &NoLookup);
        prop_assert_eq!(plain.clone().map(|i| i.command), parse_ipvsadm(&words));
        if let Ok(invocation) = plain {
            prop_assert_eq!(invocation, named.expect("a line without names reads the same with them"));
        }
    }
}

/// Words with the names [`Names`] knows.
const NAMED: &[&str] = &["web:http", "web", "-t", "-r", "db:domain", "mask", "-M", "[web]:http", "-u"];

/// Knows `web` and `db` (hosts), `mask` (a netmask), `http` (TCP) and `domain` (UDP).
struct Names;

impl Lookup for Names {
    fn host(&self, name: &str) -> Option<std::net::Ipv4Addr> {
        match name {
            "web" => Some([10, 0, 0, 1].into()),
            "db" => Some([10, 0, 0, 2].into()),
            "mask" => Some([255, 255, 255, 0].into()),
            _ => None,
        }
    }

    fn port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        match (name, protocol) {
            ("http", Protocol::Tcp) => Some(80),
            ("domain", Protocol::Udp) => Some(53),
            _ => None,
        }
    }
}

#[test]
fn names_are_looked_up_where_ipvsadm_looks_them_up() {
    let words = |line: &str| line.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let read = |line: &str| parse_ipvsadm_with(&words(line), &Names).map(|i| (i.command, i.numeric));
    let web = tcp("10.0.0.1:80");
    assert_eq!(read("-D -t web:http"), Ok((IpvsadmCommand::DelService(web), false)));
    assert_eq!(read("-L -n -t web:http").map(|(_, numeric)| numeric), Ok(true));
    let IpvsadmCommand::AddServer { backend, .. } = read("-a -t web:http -r db:http -m").unwrap().0 else {
        panic!("-a reads as an addition");
    };
    assert_eq!(backend.addr, sa("10.0.0.2:80"), "the server's port name is the service's protocol's");
    assert!(read("-a -r db:http -t web:http -m").is_err(), "no service yet: no protocol for the port name");
    assert!(read("-A -u web:http").is_err(), "http is a TCP name only here");
    let IpvsadmCommand::AddService(svc) = read("-A -t web:http -p -M mask").unwrap().0 else {
        panic!("-A reads as an addition");
    };
    assert_eq!(svc.netmask, Netmask::V4([255, 255, 255, 0].into()));
    assert_eq!(read("").map(|(_, numeric)| numeric), Ok(false));
}
