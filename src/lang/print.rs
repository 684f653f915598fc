//! AST to canonical `.lvs` text: one statement per line, options in a fixed
//! order. Parsing the text gives the same tree again (a tested property).

use std::fmt::Write;

use super::ast::{BackendDecl, ShowStmt, ShowTarget, Stmt, StmtKind, SvcOption, SvcRef};
use super::parse::options;
use super::parse::tables::{
    BACKEND, CHECK, DAEMON, DOCTOR, HEALTH, LAB, PROBE, SERVE, SERVICE, SHOW, TIMEOUTS, TRACE, TUTORIAL,
    WATCH,
};
use super::source::Spanned;
use crate::ipvs::{DaemonState, ServiceKey};

/// The canonical text of statements.
pub fn print_stmts(stmts: &[Stmt]) -> String {
    stmts.iter().map(|s| print_stmt(&s.kind) + "\n").collect()
}

/// The canonical text of one statement.
pub fn print_stmt(kind: &StmtKind) -> String {
    match kind {
        StmtKind::Service(d) => {
            let mut out = String::from("service");
            if let Some(name) = &d.name {
                write!(out, " {}", name.value).ok();
            }
            write!(out, " {}", key(&d.key.value)).ok();
            out += &settings(d.scheduler.as_ref().map(|s| s.value.as_str()), &d.options);
            if let Some(backends) = &d.backends {
                out += " {\n";
                for b in backends {
                    writeln!(out, "    backend {}", backend_rest(&b.value)).ok();
                }
                out += "}";
            }
            out
        }
        StmtKind::Backend(b) => {
            format!("backend {} {}", svc_ref(b.service.as_ref().map(|s| &s.value)), backend_rest(b))
        }
        StmtKind::SetService(e) => format!(
            "set service {}{}",
            svc_ref(Some(&e.service.value)),
            settings(e.scheduler.as_ref().map(|s| s.value.as_str()), &e.options)
        ),
        StmtKind::SetBackend(b) => {
            format!("set backend {} {}", svc_ref(b.service.as_ref().map(|s| &s.value)), backend_rest(b))
        }
        StmtKind::DelService(s) => format!("del service {}", svc_ref(Some(&s.value))),
        StmtKind::DelBackend { service, addr } => {
            format!("del backend {} {}", svc_ref(Some(&service.value)), addr.value)
        }
        StmtKind::Flush => "flush".into(),
        StmtKind::Zero(None) => "zero".into(),
        StmtKind::Zero(Some(s)) => format!("zero {}", svc_ref(Some(&s.value))),
        StmtKind::Timeouts(t) => format!("timeouts{}", options::print(&TIMEOUTS, t)),
        StmtKind::DaemonStart(d) => {
            format!("daemon start {}{}", daemon_state(d.daemon.state), options::print(&DAEMON, d))
        }
        StmtKind::DaemonStop(state) => format!("daemon stop {}", daemon_state(*state)),
        StmtKind::Show(show) => print_show(show),
        StmtKind::Metrics => "metrics".into(),
        StmtKind::Save(None) => "save".into(),
        StmtKind::Save(Some(p)) => format!("save {}", quote(&p.value)),
        StmtKind::Restore(p) => format!("restore {}", quote(&p.value)),
        StmtKind::Source(p) => format!("source {}", quote(&p.value)),
        StmtKind::Echo(text) => format!("echo {}", quote(text)),
        StmtKind::Sleep(d) => format!("sleep {}ms", d.as_millis()),
        StmtKind::Probe(p) => {
            format!("probe {}{}", svc_ref(Some(&p.service.value)), options::print(&PROBE, p))
        }
        StmtKind::Watch(w) => format!("watch{}{}", show_target(&w.show.target), options::print(&WATCH, w)),
        StmtKind::Check(c) => {
            format!("check {}{}", svc_ref(Some(&c.service.value)), options::print(&CHECK, c))
        }
        StmtKind::Doctor(d) => {
            let service =
                d.service.as_ref().map(|s| format!(" {}", svc_ref(Some(&s.value)))).unwrap_or_default();
            format!("doctor{service}{}", options::print(&DOCTOR, d))
        }
        StmtKind::Health(h) => {
            let backend = h.backend.as_ref().map(|b| format!(" {}", b.value)).unwrap_or_default();
            let check = crate::lang::parse::health::print_check(&h.check);
            format!(
                "health {}{backend} {check}{}",
                svc_ref(Some(&h.service.value)),
                options::print(&HEALTH, h)
            )
        }
        StmtKind::Trace(t) => {
            format!("trace {}{}", svc_ref(Some(&t.service.value)), options::print(&TRACE, t))
        }
        StmtKind::Expect(e) => {
            format!("expect {} {}", svc_ref(Some(&e.service.value)), predicate(&e.predicate.value))
        }
        StmtKind::ExpectJob(e) => format!(
            "expect job {} prints {} within {}ms",
            e.job.value,
            quote(&e.text.value),
            e.within.as_millis()
        ),
        StmtKind::Help(None) => "help".into(),
        StmtKind::Help(Some(command)) => format!("help {}", command.value),
        StmtKind::Describe(None) => "describe".into(),
        StmtKind::Describe(Some(topic)) => format!("describe {}", topic.value),
        StmtKind::Explain(inner) => format!("explain {}", print_stmt(&inner.kind)),
        StmtKind::Script(block) => format!("script {{{}}}", block.code.value),
        StmtKind::Lab(lab) => {
            let action = match lab.action {
                super::ast::LabAction::Up => "up",
                super::ast::LabAction::Down => "down",
                super::ast::LabAction::Status => "status",
                super::ast::LabAction::Failover => "failover",
                super::ast::LabAction::Backends(method) => &format!("backends {}", method.word()),
            };
            format!("lab {action}{}", options::print(&LAB, lab))
        }
        StmtKind::OnNode(c) => {
            format!("on {} {}{}", c.node.value, c.text, if c.background { " &" } else { "" })
        }
        StmtKind::Jobs(None) => "jobs".into(),
        StmtKind::Jobs(Some(which)) => format!("jobs {}", which.value),
        StmtKind::Stop(n) => format!("stop {}", n.value),
        StmtKind::Serve(s) => format!("serve {} {}{}", s.node.value, s.port, options::print(&SERVE, s)),
        StmtKind::Use(nodes) => {
            let names: Vec<&str> = nodes.iter().map(|n| n.value.as_str()).collect();
            format!("use {}", names.join(" "))
        }
        StmtKind::Tutorial(t) => {
            let lesson = t.lesson.as_ref().map(|l| format!(" {}", l.value)).unwrap_or_default();
            let step = t.start.map(|n| format!(" {n}")).unwrap_or_default();
            format!("tutorial{lesson}{step}{}", options::print(&TUTORIAL, t))
        }
        StmtKind::Ipvsadm(line) => {
            let words: Vec<&str> = line.args.iter().map(|a| a.value.as_str()).collect();
            format!("ipvsadm {}", words.join(" "))
        }
    }
}

fn predicate(p: &super::ast::Predicate) -> String {
    use super::ast::Predicate as P;
    match p {
        P::Probe(e) => probe_predicate(e),
        P::Scheduler(s) => format!("scheduler {s}"),
        P::Backends(n) => format!("backends {n}"),
        P::BackendWeight(addr, w) => format!("backend {addr} weight {w}"),
    }
}

fn probe_predicate(e: &crate::probe::Expectation) -> String {
    use crate::probe::Expectation as E;
    let list = |v: &[std::net::SocketAddr]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" ");
    match e {
        E::SpreadEven { within } => format!("spread even within {within}"),
        E::RatioWeights { within_percent, .. } => format!("ratio weights within {within_percent}%"),
        E::OrderAlternate => "order alternate".into(),
        E::Order(b) => format!("order {}", list(b)),
        E::ReachesAll(_) => "reaches all".into(),
        E::ReachesOnly(b) => format!("reaches only {}", list(b)),
        E::Sticky => "sticky".into(),
        E::NoFailures => "no failures".into(),
        E::LatencyBelow(d) => format!("latency below {}ms", d.as_millis()),
    }
}

fn key(k: &ServiceKey) -> String {
    k.to_string()
}

fn svc_ref(s: Option<&SvcRef>) -> String {
    match s {
        Some(SvcRef::Name(n)) => n.clone(),
        Some(SvcRef::Key(k)) => key(k),
        None => String::new(),
    }
}

fn settings(scheduler: Option<&str>, options: &[Spanned<SvcOption>]) -> String {
    let scheduler = scheduler.map(|s| format!(" {s}")).unwrap_or_default();
    format!("{scheduler}{}", options::print(&SERVICE, &options.to_vec()))
}

fn backend_rest(b: &BackendDecl) -> String {
    format!("{}{}", b.addr.value, options::print(&BACKEND, b))
}

fn daemon_state(s: DaemonState) -> &'static str {
    match s {
        DaemonState::Master => "master",
        DaemonState::Backup => "backup",
    }
}

fn print_show(show: &ShowStmt) -> String {
    format!("show{}{}", show_target(&show.target), options::print(&SHOW, show))
}

/// What `show` or `watch` lists, with its leading space (nothing for the table).
fn show_target(target: &ShowTarget) -> String {
    match target {
        ShowTarget::Table => String::new(),
        ShowTarget::Service(s) => format!(" {}", svc_ref(Some(&s.value))),
        ShowTarget::Connections => " connections".into(),
        ShowTarget::Timeouts => " timeouts".into(),
        ShowTarget::Daemons => " daemons".into(),
    }
}

/// A string literal, escaped as the lexer reads it.
pub fn quote(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::lang::source::Source;

    /// Statements as text, drawn from the grammar's pieces.
    fn statement() -> impl Strategy<Value = String> {
        let addr = prop_oneof![
            (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254, any::<u16>())
                .prop_map(|(a, b, c, d, p)| format!("{a}.{b}.{c}.{d}:{p}")),
            (any::<u16>(), any::<u16>()).prop_map(|(x, p)| format!("[2001:db8::{x:x}]:{p}")),
        ];
        let key = prop_oneof![
            (prop_oneof![Just("tcp"), Just("udp"), Just("sctp")], addr.clone())
                .prop_map(|(p, a)| format!("{p} {a}")),
            (1u32.., any::<bool>())
                .prop_map(|(m, v6)| format!("fwmark {m}{}", if v6 { " ipv6" } else { "" })),
        ];
        let option = prop_oneof![
            Just("persistent".to_string()),
            (1u32..=2_678_400).prop_map(|t| format!("persistent {t}")),
            any::<u32>().prop_map(|m| format!("netmask {}", std::net::Ipv4Addr::from(m))),
            (1u8..=128).prop_map(|p| format!("prefix {p}")),
            Just("one-packet".to_string()),
            Just("flags sh-fallback,sh-port".to_string()),
            Just("pe sip".to_string()),
        ];
        let backend_opt = prop_oneof![
            Just("masq".to_string()),
            Just("route".to_string()),
            Just("tunnel".to_string()),
            (1u16..).prop_map(|p| format!("tunnel gue port {p} remcsum")),
            Just("tunnel gre csum".to_string()),
            (0u32..=i32::MAX as u32).prop_map(|w| format!("weight {w}")),
            (0u32..1000).prop_map(|u| format!("upper {u}")),
        ];
        let sched = prop_oneof![Just("rr"), Just("wrr"), Just("sh"), Just("mh")];
        prop_oneof![
            (key.clone(), sched, proptest::collection::vec(option, 0..3))
                .prop_map(|(k, s, o)| format!("service web {k} {s} {}", once_each(o))),
            (key.clone(), addr.clone(), proptest::collection::vec(backend_opt, 0..3))
                .prop_map(|(k, a, o)| format!("backend {k} {a} {}", once_each(o))),
            (key.clone(), addr).prop_map(|(k, a)| format!("del backend {k} {a}")),
            key.prop_map(|k| format!("zero {k}")),
            Just("show web --stats --exact".to_string()),
            Just("timeouts tcp 10 udp 20".to_string()),
            Just("daemon start master interface eth1 syncid 3 group 239.1.1.1 ttl 2".to_string()),
            "[a-z \"]{0,20}".prop_map(|t| format!("echo {}", quote(&t))),
            Just("ipvsadm -A -t 111.111.0.1:80 -s rr".to_string()),
            Just("help".to_string()),
            Just("help probe".to_string()),
            Just("explain del service web".to_string()),
            Just("explain service web tcp 1.2.3.4:80 rr { backend 10.0.0.1:80 }".to_string()),
            (0u64..100_000).prop_map(|ms| format!("sleep {ms}ms")),
            every_command_example(),
            options_of_a_table(),
        ]
    }

    /// Options joined, each option (its first word) at most once: a second is an error.
    fn once_each(options: Vec<String>) -> String {
        let mut kept: Vec<String> = Vec::new();
        for o in options {
            let word = o.split_whitespace().next().unwrap_or_default();
            if !kept.iter().any(|k| k.split_whitespace().next() == Some(word)) {
                kept.push(o);
            }
        }
        kept.join(" ")
    }

    /// Each command's own example (every statement, `probe` to `tutorial`).
    fn every_command_example() -> impl Strategy<Value = String> {
        proptest::sample::select(crate::lang::command::COMMAND_HELP).prop_map(|c| c.example.to_string())
    }

    /// A statement with options drawn from its table, in any order and
    /// number (one, for `expect`'s predicates).
    fn options_of_a_table() -> impl Strategy<Value = String> {
        let tables = crate::lang::command::option_tables();
        (0..tables.len(), proptest::collection::vec(any::<proptest::sample::Index>(), 1..5)).prop_map(
            move |(t, picks)| {
                let table = &tables[t];
                let take = if table.repeats { picks.len() } else { 1 };
                let mut options: Vec<&str> = Vec::new();
                for pick in picks.iter().take(take) {
                    // Each option at most once: a second one is an error.
                    let example = table.options[pick.index(table.options.len())].example.as_str();
                    if !options.contains(&example) {
                        options.push(example);
                    }
                }
                format!("{} {}", table.sample, options.join(" "))
            },
        )
    }

    /// The lab's node names, as the lab gives them (`int1 nc ...` in examples).
    fn lab_nodes(word: &str) -> bool {
        ["ext1", "ext2", "gw", "int1", "int2"].contains(&word)
    }

    fn canonical(text: &str) -> String {
        // Only the grammar matters here; the checks judge meaning, not form.
        let (script, diagnostics) = crate::lang::parse::parse_script(&Source::new("t", text), lab_nodes);
        assert!(diagnostics.is_empty(), "{text}: {diagnostics:?}");
        print_stmts(&script.stmts)
    }

    proptest! {
        #[test]
        fn printing_and_parsing_again_gives_the_same_tree(stmts in proptest::collection::vec(statement(), 1..6)) {
            let once = canonical(&stmts.join("\n"));
            prop_assert_eq!(canonical(&once), once);
        }
    }

    #[test]
    fn a_service_block_prints_canonically() {
        let text = "service   web tcp 111.111.0.1:80 rr { \n backend 10.10.0.2:8000 masq weight 2\n}";
        assert_eq!(
            canonical(text),
            "service web tcp 111.111.0.1:80 rr {\n    backend 10.10.0.2:8000 masq weight 2\n}\n"
        );
    }
}
