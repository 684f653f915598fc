//! `describe`'s topics (`lang::describe`) against the parser, the kernel
//! facts of `docs/ipvs-schedulers.md`, completion and the binary.

use lvsh::ipvs::{SchedFlags, Scheduler};
use lvsh::lang::describe::{self, Kind, TOPICS};
use lvsh::repl::catalog::{Catalog, Names};
use lvsh::repl::complete::{complete, Model};

use crate::lvsh::Lvsh;
use crate::support::{diagnostics, root};

#[test]
fn every_example_parses_checks_and_uses_its_topic() {
    for t in TOPICS {
        let (_, found) = diagnostics(&format!("describe {}", t.name), t.example);
        assert!(found.is_empty(), "the example of `{}` does not check: {found:?}", t.name);
        // bypass cannot be set: its example shows where it is seen.
        let words: Vec<&str> = t.example.split(|c: char| c.is_whitespace() || c == ',').collect();
        let named = std::iter::once(t.name).chain(t.aliases.iter().copied()).any(|w| words.contains(&w));
        assert!(named || t.name == "bypass", "the example of `{}` does not use it: {}", t.name, t.example);
    }
}

#[test]
fn every_scheduler_method_and_flag_the_parser_knows_has_a_topic() {
    let of_kind =
        |kind: Kind| TOPICS.iter().filter(move |t| t.kind == kind).map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(of_kind(Kind::Scheduler), Scheduler::KNOWN, "the schedulers, in ipvsadm's order");
    let all = SchedFlags { flag1: true, flag2: true, flag3: true };
    let flags: Vec<&str> = ["sh", "mh", "wlc"].iter().flat_map(|s| all.names(&Scheduler::new(*s))).collect();
    assert_eq!(of_kind(Kind::Flag), flags);
    for word in
        ["masq", "route", "local", "tunnel", "ipip", "gue", "gre", "nat", "dr", "persistent", "pe", "sip"]
    {
        assert!(describe::find(word).is_some(), "no topic for `{word}`");
    }
    let backend = lvsh::lang::command::options("BACKEND-OPTION").expect("the backend options");
    let service = lvsh::lang::command::options("SVC-OPTION").expect("the service options");
    for word in backend.options.iter().chain(&service.options).map(|o| o.word) {
        let setting = ["weight", "upper", "lower", "flags"].contains(&word);
        assert!(setting || describe::find(word).is_some(), "no topic for the option `{word}`");
    }
}

#[test]
fn names_and_aliases_are_unique_and_every_kind_has_topics() {
    let mut words = describe::words();
    let count = words.len();
    words.sort_unstable();
    words.dedup();
    assert_eq!(words.len(), count, "a topic name or alias is given twice");
    for kind in Kind::ALL {
        assert!(TOPICS.iter().any(|t| t.kind == kind), "no topic of {kind:?}");
    }
}

#[test]
fn every_topic_and_module_is_in_the_kernel_facts_page() {
    let page =
        std::fs::read_to_string(root().join("docs/ipvs-schedulers.md")).expect("docs/ipvs-schedulers.md");
    let words: Vec<&str> =
        page.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).collect();
    for t in TOPICS {
        let named = words.contains(&t.name) || words.contains(&t.name.to_uppercase().as_str());
        assert!(named, "docs/ipvs-schedulers.md does not name `{}`", t.name);
    }
    for t in TOPICS {
        let modules = t.module.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        for module in modules.filter(|w| w.starts_with("ip_vs_")) {
            assert!(
                page.contains(module),
                "docs/ipvs-schedulers.md does not name {module} (of `{}`)",
                t.name
            );
        }
    }
    for t in TOPICS.iter().filter(|t| t.kind == Kind::Scheduler && t.name != "none") {
        assert_eq!(
            t.module.split_whitespace().next(),
            Some(format!("ip_vs_{}", t.name).as_str()),
            "{}",
            t.name
        );
        assert_eq!(t.ipvsadm.split_whitespace().take(2).collect::<Vec<_>>(), ["-s", t.name], "{}", t.name);
    }
}

#[test]
fn tab_after_describe_offers_the_topics() {
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    let (_, offered) = complete("describe ", model);
    let mut offered: Vec<&str> = offered.iter().map(|c| c.display.as_str()).collect();
    let mut expected: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
    offered.sort_unstable();
    expected.sort_unstable();
    assert_eq!(offered, expected);
    let (_, offered) = complete("describe mh-", model);
    let offered: Vec<&str> = offered.iter().map(|c| c.display.as_str()).collect();
    assert_eq!(offered, ["mh-fallback", "mh-port"]);
}

#[test]
fn describe_lists_the_topics_and_shows_one_by_name_or_alias() {
    let out = Lvsh::new().commands("describe").run().succeeds();
    assert!(out.stdout.starts_with("Topics (`describe TOPIC` says"), "{}", out.stdout);
    for t in TOPICS {
        assert!(out.stdout.contains(&format!("  {:<11}  {}\n", t.name, t.summary)), "{}", t.name);
    }
    let nat = Lvsh::new().commands("describe nat").run().succeeds();
    let masq = Lvsh::new().commands("describe masq").run().succeeds();
    assert_eq!(nat.stdout, masq.stdout);
    assert!(masq.stdout.starts_with("masq: NAT: "), "{}", masq.stdout);
    assert!(masq.stdout.contains("\n  ipvsadm    -m, --masquerading\n"), "{}", masq.stdout);
    assert!(masq
        .stdout
        .ends_with("\nexample\n  service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq }\n"));
}

#[test]
fn an_unknown_topic_is_an_error_that_suggests_the_nearest() {
    let out = Lvsh::new().commands("describe wrrr").run().exits(2);
    assert!(
        out.stderr.starts_with("error[lvs::parse::unknown-word]: unknown topic `wrrr`\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("= help: did you mean `wrr`? `describe` alone lists the topics\n"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}
