//! `lvsh import` then `lvsh apply` against a real kernel: each keepalived
//! fixture of tests/cases/import is imported and applied in a namespace of
//! its own, and `ipvsadm -S -n` (with `-L -n --thresholds` and
//! `-L --timeout` for what a save leaves out) must show the table keepalived
//! would have made. The expected lines are written here by hand from
//! keepalived's semantics (its defaults and corrections, as
//! src/converge/import/ cites them), not from lvsh's output. An ipvsadm save
//! imported in another namespace gives the same table again.

use crate::cli::WIDE;
use crate::support::TestNs;

/// A table as its sorted `-S -n` lines: the kernel lists services in an
/// order of its own, which differs between namespaces.
fn lines(save: &str) -> Vec<String> {
    let mut lines: Vec<String> = save.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// `lvsh import` of `text` (a file named `name`), then `lvsh apply` of its
/// output, in `ns`; returns what `import` printed.
fn import_and_apply(ns: &TestNs, name: &str, text: &str) -> String {
    let file = ns.file(name, text);
    let imported = ns.lvsh().args(["import", &file]).run().succeeds().stdout;
    let declarations = ns.file(&format!("{name}.lvs"), &imported);
    ns.lvsh().args(["apply", &declarations]).run().succeeds();
    // Applied once, the files and the kernel agree.
    let plan = ns.lvsh().args(["plan", &declarations]).run().exits(0);
    assert_eq!(plan.stdout, "in sync: the kernel is as the files declare\n");
    imported
}

#[track_caller]
fn assert_table(ns: &TestNs, expected: &[&str], context: &str) {
    let actual = ns.save();
    let mut expected: Vec<String> = expected.iter().map(|l| l.to_string()).collect();
    expected.sort();
    assert_eq!(lines(&actual), expected, "{context}: ipvsadm -S -n shows\n{actual}");
}

/// A backend's upper and lower thresholds, as `ipvsadm -L -n --thresholds` lists them.
fn thresholds(ns: &TestNs, backend: &str) -> (u32, u32) {
    let listing = ns.ipvsadm(&["-L", "-n", "--thresholds"]);
    let line = listing
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|words| words.len() >= 4 && words[0] == "->" && words[1] == backend)
        .unwrap_or_else(|| panic!("no backend {backend} in\n{listing}"));
    (line[2].parse().expect("an upper threshold"), line[3].parse().expect("a lower threshold"))
}

#[test]
fn nat_services_are_made_as_keepalived_makes_them() {
    let ns = TestNs::new();
    import_and_apply(&ns, "nat.conf", include_str!("../cases/import/nat.conf"));
    assert_table(
        &ns,
        &[
            // weight 2 is the virtual server's default; no port is its port.
            "-A -t 192.168.200.100:80 -s wrr",
            "-a -t 192.168.200.100:80 -r 10.10.0.2:8080 -m -w 5",
            "-a -t 192.168.200.100:80 -r 10.10.0.3:8080 -m -w 2",
            "-a -t 192.168.200.100:80 -r 10.10.0.4:80 -m -w 0",
            "-A -t 192.168.200.100:443 -s sh -p 600 -M 255.255.255.0 -b sh-fallback,sh-port",
            "-a -t 192.168.200.100:443 -r 10.10.0.2:443 -m -w 1",
            // persistence_timeout alone: 360 seconds.
            "-A -u 192.168.200.101:53 -s rr -p 360 -o",
            "-a -u 192.168.200.101:53 -r 10.10.0.5:53 -m -w 1",
            // persistence_granularity makes a service persistent.
            "-A -t [2001:db8::1]:80 -s lc -p 360 -M 64",
            "-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 3",
        ],
        "nat.conf",
    );
    assert_eq!(thresholds(&ns, "10.10.0.2:8080"), (100, 10));
    assert_eq!(thresholds(&ns, "10.10.0.3:8080"), (0, 0));
    assert_eq!(thresholds(&ns, "10.10.0.5:53"), (50, 0));
    assert_eq!(ns.ipvsadm(&["-L", "--timeout"]), "Timeout (tcp tcpfin udp): 1000 60 200\n");
}

#[test]
fn direct_routing_and_every_tunnel_form_are_made_as_keepalived_makes_them() {
    let ns = TestNs::new();
    import_and_apply(&ns, "dr-tun.conf", include_str!("../cases/import/dr-tun.conf"));
    let tun = |backend: &str, tunnel: &str| {
        format!("-a -t 192.168.201.2:80 -r {backend} -i -w 1 --tun-type {tunnel}")
    };
    let tunnels = [
        tun("10.10.1.2:80", "ipip"),
        tun("10.10.1.3:80", "ipip"),
        tun("10.10.1.4:80", "gue --tun-port 6080 --tun-nocsum"),
        tun("10.10.1.5:80", "gue --tun-port 6081 --tun-csum"),
        tun("10.10.1.6:80", "gue --tun-port 6082 --tun-remcsum"),
        tun("10.10.1.7:80", "gue --tun-port 6083 --tun-nocsum"),
        tun("10.10.1.8:80", "gre --tun-nocsum"),
        tun("10.10.1.9:80", "gre --tun-csum"),
        tun("[2001:db8::9]:80", "ipip"),
    ];
    let mut expected = vec![
        // Direct routing keeps the virtual server's port, whatever is written.
        "-A -t 192.168.201.1:80 -s rr",
        "-a -t 192.168.201.1:80 -r 10.10.1.2:80 -g -w 1",
        "-a -t 192.168.201.1:80 -r 10.10.1.3:80 -g -w 1",
        "-a -t 192.168.201.1:80 -r 10.10.1.4:80 -g -w 1",
        "-a -t 192.168.201.1:80 -r 10.10.1.5:8000 -m -w 1",
        "-A -t 192.168.201.2:80 -s wlc",
        // A mark service's routed and tunnelled backends get port 0; NAT keeps its own.
        "-A -f 7 -s sed",
        "-a -f 7 -r 10.10.1.2:0 -i -w 1 --tun-type gue --tun-port 6090 --tun-csum",
        "-a -f 7 -r 10.10.1.3:0 -g -w 1",
        "-a -f 7 -r 10.10.1.4:8080 -m -w 1",
        "-A -f 8 -6 -s nq",
        "-a -f 8 -6 -r [2001:db8::20]:0 -g -w 1",
        // All tunnelled and IPv6, no ip_family: an IPv6 mark service.
        "-A -f 9 -6 -s wlc",
        "-a -f 9 -6 -r [2001:db8::30]:0 -i -w 1 --tun-type gre --tun-nocsum",
    ];
    expected.extend(tunnels.iter().map(String::as_str));
    assert_table(&ns, &expected, "dr-tun.conf");
}

#[test]
fn a_group_makes_a_service_for_each_address_of_each_range_and_each_mark() {
    let ns = TestNs::new();
    import_and_apply(&ns, "groups.conf", include_str!("../cases/import/groups.conf"));
    // 192.168.202.1; 10-12; 254 to 203.1 across the byte; 204.8/30.
    let web = [
        "192.168.202.1",
        "192.168.202.10",
        "192.168.202.11",
        "192.168.202.12",
        "192.168.202.254",
        "192.168.202.255",
        "192.168.203.0",
        "192.168.203.1",
        "192.168.204.8",
        "192.168.204.9",
        "192.168.204.10",
        "192.168.204.11",
    ];
    let mut expected: Vec<String> = web
        .iter()
        .flat_map(|vip| {
            [
                format!("-A -t {vip}:80 -s wrr"),
                // Direct routing: each member's port, 8080 or not.
                format!("-a -t {vip}:80 -r 10.10.2.2:80 -g -w 2"),
                format!("-a -t {vip}:80 -r 10.10.2.3:80 -g -w 1"),
            ]
        })
        .collect();
    expected.extend(
        [
            "-A -f 11 -s wrr",
            "-a -f 11 -r 10.10.2.2:0 -g -w 2",
            "-a -f 11 -r 10.10.2.3:0 -g -w 1",
            "-A -u [2001:db8:1::a]:53 -s rr -o",
            "-a -u [2001:db8:1::a]:53 -r [2001:db8:2::2]:53 -m -w 1",
            "-A -u [2001:db8:1::b]:53 -s rr -o",
            "-a -u [2001:db8:1::b]:53 -r [2001:db8:2::2]:53 -m -w 1",
            "-A -f 12 -6 -s rr -o",
            "-a -f 12 -6 -r [2001:db8:2::2]:53 -m -w 1",
        ]
        .map(String::from),
    );
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_table(&ns, &expected, "groups.conf");
}

#[test]
fn health_checks_become_comments_and_the_service_is_still_made() {
    let ns = TestNs::new();
    let imported = import_and_apply(&ns, "checks.conf", include_str!("../cases/import/checks.conf"));
    for checker in ["HTTP_GET", "SSL_GET", "TCP_CHECK", "SMTP_CHECK", "DNS_CHECK", "MISC_CHECK", "BFD_CHECK"]
    {
        assert!(imported.contains(&format!(": {checker} {{")), "{checker} is named in\n{imported}");
    }
    assert_table(
        &ns,
        &["-A -t 192.168.205.1:80 -s rr", "-a -t 192.168.205.1:80 -r 10.10.3.2:80 -m -w 1"],
        "checks.conf",
    );
}

#[test]
fn the_old_words_lb_algo_and_lb_kind_mean_what_lvs_sched_and_lvs_method_do() {
    let ns = TestNs::new();
    import_and_apply(&ns, "legacy.conf", include_str!("../cases/import/legacy.conf"));
    assert_table(
        &ns,
        &[
            "-A -t 192.168.206.1:80 -s lblc",
            "-a -t 192.168.206.1:80 -r 10.10.4.2:80 -m -w 4",
            "-A -t 192.168.206.2:80 -s dh",
            "-a -t 192.168.206.2:80 -r 10.10.4.3:80 -g -w 1",
            "-A -t 192.168.206.3:80 -s lblcr",
            "-a -t 192.168.206.3:80 -r 10.10.4.4:80 -i -w 1 --tun-type ipip",
        ],
        "legacy.conf",
    );
}

#[test]
fn keepalived_defaults_and_corrections_are_made_and_the_rest_left_out() {
    let ns = TestNs::new();
    import_and_apply(&ns, "everything.conf", include_str!("../cases/import/everything.conf"));
    assert_table(
        &ns,
        &[
            // mh with flag-3, which has no name on mh; the duplicate real server dropped.
            "-A --sctp-service 192.168.207.10:80 -s mh -b mh-fallback,mh-port",
            "-a --sctp-service 192.168.207.10:80 -r 10.10.5.2:80 -m -w 1",
            // sh-port before `lvs_sched sh` is ignored; flag-1 is sh-fallback.
            "-A -u 192.168.207.10:5060 -s sh -p 30 --pe sip -b sh-fallback",
            "-a -u 192.168.207.10:5060 -r 10.10.5.3:5060 -m -w 1",
            // ops on TCP, and a pe without persistence, dropped; the IPv6 real server skipped.
            "-A -t 192.168.207.11:80 -s wlc -b flag-2",
            "-a -t 192.168.207.11:80 -r 10.10.5.4:80 -m -w 1",
            // No protocol: UDP; no port: persistent.
            "-A -u 192.168.207.12:0 -s rr -p 360",
            "-a -u 192.168.207.12:0 -r 10.10.5.5:0 -m -w 1",
            // A mark service ignores `protocol`.
            "-A -f 13 -s fo",
            "-a -f 13 -r 10.10.5.6:80 -m -w 1",
            // 192.168.207.13 has no real server: keepalived ignores it.
            "-A -t 192.168.207.14:80 -s wlc",
            "-a -t 192.168.207.14:80 -r 10.10.5.7:80 -m -w 1",
        ],
        "everything.conf",
    );
}

#[test]
fn an_ipvsadm_file_is_imported_as_the_table_its_lines_make() {
    let ns = TestNs::new();
    let rules = include_str!("../cases/import/saved.rules");
    import_and_apply(&ns, "saved.rules", rules);
    // The table is the file's own -A and -a lines; the timeouts its --set.
    let expected: Vec<&str> =
        rules.lines().filter(|l| l.starts_with("-A ") || l.starts_with("-a ")).collect();
    assert_table(&ns, &expected, "saved.rules");
    assert_eq!(ns.ipvsadm(&["-L", "--timeout"]), "Timeout (tcp tcpfin udp): 800 100 250\n");
}

#[test]
fn a_save_of_the_wide_table_imported_in_another_namespace_gives_the_same_table() {
    let source = TestNs::new();
    let path = source.file("wide.lvs", WIDE);
    source.lvsh().args(["run", &path]).run().succeeds();
    let save = source.save();
    let twin = TestNs::new();
    import_and_apply(&twin, "wide.save", &save);
    assert_eq!(lines(&twin.save()), lines(&save), "the twin's table against the source's");
}
