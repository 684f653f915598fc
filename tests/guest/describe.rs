//! `describe`'s facts against the guest's kernel, with ipvsadm as the
//! judge: every scheduler module the kernel ships is a topic, and each
//! topic's example makes the table its ipvsadm spelling says.

use lvsh::lang::describe::{Kind, TOPICS};

use crate::support::TestNs;

/// The IPVS modules of the running kernel, without `.ko` and any compression suffix.
fn ipvs_modules() -> Vec<String> {
    let release = crate::support::run("uname", &["-r"]);
    let dir = format!("/lib/modules/{}/kernel/net/netfilter/ipvs", release.trim());
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {dir}: {e}"));
    let mut names: Vec<String> = entries
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.split_once(".ko").map(|(name, _)| name.to_string()))
        .collect();
    names.sort();
    names
}

#[test]
fn every_scheduler_module_of_the_kernel_is_a_topic_and_sip_is_there() {
    let modules = ipvs_modules();
    let topics: Vec<String> =
        TOPICS.iter().filter(|t| t.kind == Kind::Scheduler).map(|t| format!("ip_vs_{}", t.name)).collect();
    for module in modules.iter().filter(|m| *m != "ip_vs" && *m != "ip_vs_ftp" && !m.starts_with("ip_vs_pe_"))
    {
        assert!(topics.contains(module), "the kernel ships {module}, which `describe` does not know");
    }
    assert!(modules.iter().any(|m| m == "ip_vs_pe_sip"), "{modules:?}");
    // Every scheduler module the guest's 6.1 kernel ships, as docs/ipvs-schedulers.md says.
    for name in ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"] {
        assert!(modules.contains(&format!("ip_vs_{name}")), "no ip_vs_{name} in {modules:?}");
    }
}

/// What `ipvsadm -S -n` shows after each topic's example, where the example changes the kernel.
const SAVED: &[(&str, &str)] = &[
    ("masq", "-a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1"),
    ("route", "-a -t 111.111.0.1:80 -r 10.10.0.2:80 -g -w 1"),
    ("tunnel", "-a -t 111.111.0.1:80 -r 10.10.0.2:80 -i -w 1 --tun-type ipip"),
    ("gue", "-a -t 111.111.0.1:80 -r 10.10.0.2:80 -i -w 1 --tun-type gue --tun-port 5555 --tun-csum"),
    ("gre", "-a -t 111.111.0.1:80 -r 10.10.0.2:80 -i -w 1 --tun-type gre --tun-nocsum"),
    ("local", "-a -t 111.111.0.1:80 -r 111.111.0.1:8080 -g -w 1"),
    ("sh-fallback", "-A -t 111.111.0.1:80 -s sh -b sh-fallback"),
    ("sh-port", "-A -t 111.111.0.1:80 -s sh -b sh-fallback,sh-port"),
    ("mh-fallback", "-A -t 111.111.0.1:80 -s mh -b mh-fallback"),
    ("mh-port", "-A -t 111.111.0.1:80 -s mh -b mh-port"),
    ("flag-1", "-A -t 111.111.0.1:80 -s wlc -b flag-1"),
    ("flag-2", "-A -t 111.111.0.1:80 -s wlc -b flag-2"),
    ("flag-3", "-A -t 111.111.0.1:80 -s wlc -b flag-3"),
    ("persistent", "-A -t 111.111.0.1:80 -s rr -p 300 -M 255.255.255.0"),
    ("sip", "-A -u 111.111.0.1:5060 -s rr -p 60 --pe sip"),
    ("one-packet", "-A -u 111.111.0.1:53 -s rr -o"),
];

#[test]
fn each_example_makes_the_table_its_ipvsadm_spelling_says() {
    let modules = ipvs_modules();
    for t in TOPICS {
        if t.name == "bypass" {
            continue; // its example only shows the connection table
        }
        let ns = TestNs::new();
        let out = ns.lvsh().commands(t.example).run();
        if t.kind == Kind::Scheduler && !modules.contains(&format!("ip_vs_{}", t.name)) && t.name != "none" {
            // Described as newer than this kernel: the kernel refuses it, and nothing is left.
            assert_eq!(out.code, 3, "`{}` on a kernel without ip_vs_{}: {}", t.example, t.name, out.stderr);
            assert_eq!(ns.save(), "", "{}", t.name);
            continue;
        }
        assert_eq!(out.code, 0, "`{}`: {}", t.example, out.stderr);
        let saved = ns.save();
        let expected = match t.kind {
            Kind::Scheduler => format!(" -s {}", t.name),
            _ => SAVED
                .iter()
                .find(|(name, _)| *name == t.name)
                .map(|(_, line)| line.to_string())
                .unwrap_or_default(),
        };
        assert!(!expected.is_empty(), "no saved line for `{}`", t.name);
        assert!(saved.contains(&expected), "`{}` saved as\n{saved}without `{expected}`", t.example);
    }
}
