//! The command table: one entry per statement, with its parser and what it
//! does to IPVS. The parser dispatches on it; `help`, the REPL's completion,
//! hints and highlighting, and `explain` read it. A statement's options are
//! tables beside its parser ([`super::parse::options`]), documented here as
//! named parts of the syntax ([`option_tables`]). `tests/host/commands.rs`
//! and `tests/host/statements.rs` prove that the readers agree.
//!
//! Each command's `syntax` is written in a small pattern language that is
//! both what `help` shows and what completion walks (see [`super::shape`]):
//! `[x]` optional, `x...` one or more, `[x]...` any number, `(a | b)` either,
//! lowercase words are keywords, UPPERCASE names are values ([`PLACEHOLDERS`])
//! or named parts defined in [`FRAGMENTS`].

use std::sync::OnceLock;

use super::ast::StmtKind;
use super::parse::options::{OptDoc, RhaiForm};
use super::parse::{parsers, tables, Parser};
use super::print;

/// What a command is for; `help` lists commands by group, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Declare,
    Settings,
    Look,
    Verify,
    Files,
    Lab,
    Shell,
}

impl Group {
    /// Every group, in `help`'s order.
    pub const ALL: [Group; 7] =
        [Group::Declare, Group::Settings, Group::Look, Group::Verify, Group::Files, Group::Lab, Group::Shell];

    /// The heading `help` gives the group.
    pub fn title(self) -> &'static str {
        match self {
            Group::Declare => "Services and backends",
            Group::Settings => "Counters and kernel settings",
            Group::Look => "Looking at the kernel",
            Group::Verify => "Verifying",
            Group::Files => "Files, scripts and ipvsadm",
            Group::Lab => "The lab",
            Group::Shell => "The shell",
        }
    }
}

/// What running a statement does to the kernel's IPVS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Changes it: `explain` plans the statement instead of running it.
    Changes,
    /// Needs it (or acts outside it), and changes nothing `explain` could
    /// plan: `explain` only says so.
    Uses,
    /// Runs without IPVS (`help`, `echo`, `sleep`).
    Free,
}

/// How the parser reads what follows a command's name.
#[derive(Clone, Copy)]
pub enum Reads {
    /// The statement's own parser.
    Words(Parser),
    /// A whole statement (`explain`'s).
    Statement,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reads::Words(_) => "Words",
            Reads::Statement => "Statement",
        })
    }
}

/// One command: how it is written and read, what it means, and an example.
#[derive(Debug, Clone, Copy)]
pub struct CommandHelp {
    pub name: &'static str,
    /// Other words for the same command (`delete` for `del`).
    pub aliases: &'static [&'static str],
    pub group: Group,
    /// The pattern: what `help` shows and what completion follows.
    pub syntax: &'static str,
    /// One line: what the command does.
    pub summary: &'static str,
    /// A line that runs as it is (checked by the host tests).
    pub example: &'static str,
    pub reads: Reads,
    pub effect: Effect,
}

const fn cmd(
    name: &'static str,
    group: Group,
    syntax: &'static str,
    summary: &'static str,
    example: &'static str,
    parse: Parser,
    effect: Effect,
) -> CommandHelp {
    CommandHelp { name, aliases: &[], group, syntax, summary, example, reads: Reads::Words(parse), effect }
}

/// Every command, in `help`'s order within each group.
pub const COMMAND_HELP: &[CommandHelp] = &[
    cmd(
        "service",
        Group::Declare,
        "service [NAME] ((tcp | udp | sctp) VIP | fwmark MARK [ipv6]) [SCHEDULER] [SVC-OPTION]... [{]",
        "declare a virtual service: created if missing, edited if different",
        "service web tcp 111.111.0.1:80 rr",
        parsers::service_decl,
        Effect::Changes,
    ),
    cmd(
        "backend",
        Group::Declare,
        "backend SERVICE BACKEND [BACKEND-OPTION]...",
        "declare a backend (real server): created if missing, else edited",
        "backend web 10.10.0.2:8000 masq weight 2",
        parsers::backend_stmt,
        Effect::Changes,
    ),
    cmd(
        "health",
        Group::Declare,
        "health SERVICE [BACKEND] HEALTH-CHECK [HEALTH-OPTION]...",
        "declare how `lvsh keep` checks a service's backends (or one), and when it drains them",
        "health web http /healthz interval 1s fall 2",
        parsers::health_stmt,
        Effect::Uses,
    ),
    cmd(
        "set",
        Group::Declare,
        "set (service SERVICE [SCHEDULER] [SVC-OPTION]... | backend SERVICE BACKEND [BACKEND-OPTION]...)",
        "change only what is named of a service or backend, keeping the rest",
        "set backend web 10.10.0.2:8000 weight 0",
        parsers::set_stmt,
        Effect::Changes,
    ),
    CommandHelp {
        aliases: &["delete"],
        ..cmd(
            "del",
            Group::Declare,
            "del (service SERVICE | backend SERVICE BACKEND)",
            "delete a service (with its backends) or one backend",
            "del backend web 10.10.0.3:8000",
            parsers::del_stmt,
            Effect::Changes,
        )
    },
    cmd(
        "flush",
        Group::Declare,
        "flush",
        "delete every service",
        "flush",
        parsers::flush_stmt,
        Effect::Changes,
    ),
    cmd(
        "zero",
        Group::Settings,
        "zero [SERVICE]",
        "reset the counters of one service, or of all",
        "zero web",
        parsers::zero_stmt,
        Effect::Changes,
    ),
    cmd(
        "timeouts",
        Group::Settings,
        "timeouts TIMEOUT...",
        "set the tcp, tcpfin and udp connection timeouts (0 keeps one)",
        "timeouts tcp 900 tcpfin 120 udp 300",
        parsers::timeouts_stmt,
        Effect::Changes,
    ),
    cmd(
        "daemon",
        Group::Settings,
        "daemon (start (master | backup) [DAEMON-OPTION]... | stop (master | backup))",
        "start or stop a connection synchronisation daemon",
        "daemon start master interface eth0 syncid 1",
        parsers::daemon_stmt,
        Effect::Changes,
    ),
    cmd(
        "show",
        Group::Look,
        "show [SERVICE | connections | timeouts | daemons] [SHOW-FLAG]...",
        "list services exactly as `ipvsadm -L -n` does",
        "show web --stats",
        parsers::show_stmt,
        Effect::Uses,
    ),
    cmd(
        "watch",
        Group::Look,
        "watch [SERVICE] [WATCH-OPTION]...",
        "print a listing again and again, marking what changed",
        "watch web --rate interval 1s count 3",
        parsers::watch_stmt,
        Effect::Uses,
    ),
    cmd(
        "metrics",
        Group::Look,
        "metrics",
        "print the counters as Prometheus metrics: node_exporter's node_ipvs_ families and lvsh's own",
        "metrics",
        parsers::metrics_stmt,
        Effect::Uses,
    ),
    cmd(
        "save",
        Group::Look,
        "save [FILE]",
        "print the table as `ipvsadm -S -n` does, or write it to a file",
        "save rules.txt",
        parsers::save_stmt,
        Effect::Uses,
    ),
    cmd(
        "probe",
        Group::Verify,
        "probe SERVICE [PROBE-OPTION]...",
        "connect to a service and report which backend served each",
        "probe web count 6 from ext1 send \"xxx\"",
        parsers::probe_stmt,
        Effect::Uses,
    ),
    cmd(
        "expect",
        Group::Verify,
        "expect (SERVICE PREDICATE | job (N | NODE) prints TEXT [within DURATION])",
        "assert something of the last probe, the configuration, or a job's output from now on",
        "expect web spread even",
        parsers::expect_stmt,
        Effect::Uses,
    ),
    cmd(
        "check",
        Group::Verify,
        "check SERVICE [CHECK-OPTION]...",
        "connect to each backend; --drain-failed drains the dead ones",
        "check web --drain-failed",
        parsers::check_stmt,
        Effect::Uses,
    ),
    cmd(
        "doctor",
        Group::Verify,
        "doctor [SERVICE] [DOCTOR-OPTION]...",
        "find what stops traffic (routes, forwarding, listeners, settings) and say the fix",
        "doctor web",
        parsers::doctor_stmt,
        Effect::Uses,
    ),
    cmd(
        "trace",
        Group::Verify,
        "trace SERVICE [TRACE-OPTION]...",
        "follow one connection through the director: the backend it chose, the connection's state, where it was lost",
        "trace web from ext1",
        parsers::trace_stmt,
        Effect::Uses,
    ),
    cmd(
        "restore",
        Group::Files,
        "restore FILE",
        "run a file as `ipvsadm -R` does (what `save` writes), in this run's transaction",
        "restore rules.txt",
        parsers::restore_stmt,
        Effect::Changes,
    ),
    cmd(
        "source",
        Group::Files,
        "source FILE",
        "run another .lvs script here, in the same run",
        "source lab.lvs",
        parsers::source_stmt,
        Effect::Changes,
    ),
    cmd(
        "ipvsadm",
        Group::Files,
        "ipvsadm [IPVSADM-ARG]...",
        "a line in ipvsadm's own syntax, run natively",
        "ipvsadm -A -t 111.111.0.1:80 -s rr",
        parsers::ipvsadm_stmt,
        Effect::Changes,
    ),
    cmd(
        "script",
        Group::Files,
        "script { RHAI... }",
        "run Rhai over the same services and backends, in the run's transaction (`help rhai`)",
        "script { for s in services() { print(s); } }",
        parsers::script_block,
        Effect::Changes,
    ),
    cmd(
        "lab",
        Group::Lab,
        "lab (up | down | status | failover | backends (masq | route | tunnel)) [LAB-OPTION]...",
        "build, remove or show the tutorial's lab of network namespaces, fail its directors over, or set its backends up for a method",
        "lab up --explain",
        parsers::lab_stmt,
        Effect::Uses,
    ),
    cmd(
        "on",
        Group::Lab,
        "on NODE ARG...",
        "run a program on a node (`NODE ARG...` for a lab node; `&` for a job)",
        "on ext1 nc -w 1 111.111.0.1 80",
        parsers::on_stmt,
        Effect::Uses,
    ),
    cmd(
        "jobs",
        Group::Lab,
        "jobs [N | NODE]",
        "list the background jobs, or show one's output",
        "jobs 1",
        parsers::jobs_stmt,
        Effect::Uses,
    ),
    cmd(
        "stop",
        Group::Lab,
        "stop (N | NODE)",
        "end background job N, or every job of a node",
        "stop 1",
        parsers::stop_stmt,
        Effect::Uses,
    ),
    cmd(
        "serve",
        Group::Lab,
        "serve NODE PORT [SERVE-OPTION]...",
        "a built-in backend on a node that answers with its name",
        "serve int1 8000 http",
        parsers::serve_stmt,
        Effect::Uses,
    ),
    cmd(
        "use",
        Group::Lab,
        "use NODE...",
        "act on that namespace's IPVS from now on; several act as one (`use -` goes back)",
        "use gw",
        parsers::use_stmt,
        Effect::Uses,
    ),
    cmd(
        "tutorial",
        Group::Lab,
        "tutorial [LESSON [N]] [TUTORIAL-OPTION]...",
        "walk through a lesson of the lab tutorial step by step (`tutorial --list` lists them)",
        "tutorial weights",
        parsers::tutorial_stmt,
        Effect::Uses,
    ),
    cmd(
        "echo",
        Group::Shell,
        "echo [TEXT]...",
        "print a line",
        "echo \"hello\"",
        parsers::echo_stmt,
        Effect::Free,
    ),
    cmd("sleep", Group::Shell, "sleep DURATION", "wait", "sleep 500ms", parsers::sleep_stmt, Effect::Free),
    cmd(
        "help",
        Group::Shell,
        "help [COMMAND | rhai]",
        "list the commands, or show one with its syntax and an example",
        "help probe",
        parsers::help_stmt,
        Effect::Free,
    ),
    cmd(
        "describe",
        Group::Shell,
        "describe [TOPIC]",
        "what a scheduler, forwarding method, scheduler flag or persistence setting does, and when to choose it",
        "describe mh",
        parsers::describe_stmt,
        Effect::Free,
    ),
    CommandHelp {
        reads: Reads::Statement,
        ..help_only(
            "explain",
            Group::Shell,
            "explain LINE",
            "show what a line would change in the kernel, and as ipvsadm",
            "explain backend tcp 111.111.0.1:80 10.10.0.4:8000 weight 2",
        )
    },
];

/// Named parts of the syntax: `NAME := pattern`. Each statement's options,
/// and `expect`'s predicates, are named parts too, made from their tables
/// ([`option_tables`]).
pub const FRAGMENTS: &[(&str, &str)] = &[
    ("SERVICE", "NAME | (tcp | udp | sctp) VIP | fwmark MARK [ipv6]"),
    (
        "HEALTH-CHECK",
        "tcp | http [PATH] [status RANGE] [expect TEXT] | udp send TEXT expect TEXT | exec TEXT",
    ),
];

/// How a value is recognised (and whether completion knows its values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    /// A name a `service` statement gave, in this session.
    ServiceName,
    /// A new name: a letter, then letters, digits, `-`, `_`.
    Name,
    /// A virtual service's `ADDR:PORT`.
    Vip,
    /// A fwmark service's mark.
    Mark,
    /// A backend's `ADDR:PORT`.
    Backend,
    Scheduler,
    /// A network namespace: a lab node, or any name `ip netns` lists.
    Node,
    /// A lesson of the tutorial, by name or number.
    Lesson,
    File,
    /// A command name.
    Command,
    /// A topic of `describe`.
    Topic,
    /// A whole statement (`explain`'s).
    Line,
    /// ipvsadm's own arguments, to the end of the line.
    Ipvsadm,
    /// Scheduler flags, separated by commas.
    Flags,
    Number,
    Percent,
    Duration,
    Addr,
    /// An HTTP path, starting with `/`.
    UrlPath,
    /// Any one word or quoted string.
    Word,
}

/// Every value name the syntax uses: how it is recognised, and what it is.
pub const PLACEHOLDERS: &[(&str, Value, &str)] = &[
    ("NAME", Value::ServiceName, "a service's name"),
    ("VIP", Value::Vip, "the virtual ADDR:PORT, IPv6 as [ADDR]:PORT"),
    ("MARK", Value::Mark, "a firewall mark, 1 to 4294967295"),
    ("BACKEND", Value::Backend, "a backend's ADDR:PORT, IPv6 as [ADDR]:PORT"),
    ("SCHEDULER", Value::Scheduler, "rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos (default wlc)"),
    ("NODE", Value::Node, "a network namespace: a lab node or a name `ip netns` lists"),
    ("NODES", Value::Node, "network namespaces, comma-separated: lab nodes or names `ip netns` lists"),
    ("LESSON", Value::Lesson, "a lesson of the tutorial, by name or number (`tutorial --list` lists them)"),
    ("FILE", Value::File, "a file path (quoted if it has spaces)"),
    ("COMMAND", Value::Command, "a command name"),
    (
        "TOPIC",
        Value::Topic,
        "a scheduler, forwarding method, scheduler flag or persistence setting (`describe` lists them)",
    ),
    ("LINE", Value::Line, "any statement, as you would type it"),
    ("IPVSADM-ARG", Value::Ipvsadm, "ipvsadm's options, e.g. -A -t 111.111.0.1:80 -s rr"),
    ("FLAGS", Value::Flags, "sh-fallback, sh-port, mh-fallback, mh-port, flag-1..3, comma-separated"),
    ("N", Value::Number, "a number"),
    ("SECONDS", Value::Number, "a number of seconds"),
    ("PORT", Value::Number, "a port, 1 to 65535"),
    ("PERCENT", Value::Percent, "a percentage, e.g. 10%"),
    ("DURATION", Value::Duration, "500ms, 2s, 1.5s, 1m, or plain seconds"),
    ("NETMASK", Value::Addr, "an IPv4 netmask like 255.255.255.0"),
    ("ADDR", Value::Addr, "an IP address"),
    ("ADDRS", Value::Word, "IP addresses, comma-separated"),
    ("PATH", Value::UrlPath, "an HTTP path like /health"),
    ("RANGE", Value::Word, "an HTTP status or range, e.g. 200-399"),
    ("PE", Value::Word, "a persistence engine, e.g. sip"),
    ("IFACE", Value::Word, "a network interface, e.g. eth0"),
    ("TEXT", Value::Word, "a word or a \"quoted string\""),
    ("ARG", Value::Word, "a word of the program's command line, quoted as in a shell"),
    ("PREFIX", Value::Word, "the namespaces' name prefix, e.g. clab-mod3-2ext2int-"),
    ("RHAI", Value::Word, "Rhai code (`help rhai` lists lvsh's functions)"),
];

/// A command that reads a whole statement after its name (`explain`).
const fn help_only(
    name: &'static str,
    group: Group,
    syntax: &'static str,
    summary: &'static str,
    example: &'static str,
) -> CommandHelp {
    CommandHelp {
        name,
        aliases: &[],
        group,
        syntax,
        summary,
        example,
        reads: Reads::Statement,
        effect: Effect::Uses,
    }
}

/// Every command's name, in `help`'s order (what "did you mean" chooses from).
pub fn names() -> Vec<&'static str> {
    COMMAND_HELP.iter().map(|c| c.name).collect()
}

/// The entry of the command a statement is, as the printer names it.
pub fn of(kind: &StmtKind) -> Option<&'static CommandHelp> {
    find(print::print_stmt(kind).split_whitespace().next().unwrap_or_default())
}

/// Whether running a statement needs the kernel's IPVS (`tutorial --list`
/// only reads the lessons).
pub fn needs_kernel(kind: &StmtKind) -> bool {
    match kind {
        StmtKind::Tutorial(t) if t.list => false,
        // doctor says when IPVS is missing, as one of its findings.
        StmtKind::Doctor(_) => false,
        // explain plans against an empty table when it cannot read the kernel, and says so.
        StmtKind::Explain(_) => false,
        _ => of(kind).is_none_or(|c| c.effect != Effect::Free),
    }
}

/// The entry of a command or one of its aliases.
pub fn find(name: &str) -> Option<&'static CommandHelp> {
    COMMAND_HELP.iter().find(|c| c.name == name || c.aliases.contains(&name))
}

/// What a placeholder is, if the syntax uses that name for a value.
pub fn placeholder(name: &str) -> Option<(Value, &'static str)> {
    PLACEHOLDERS.iter().find(|(n, _, _)| *n == name).map(|(_, v, meaning)| (*v, *meaning))
}

/// A fragment's pattern: a named part, or one option of a statement
/// (`count N | concurrency N | ...`).
pub fn fragment(name: &str) -> Option<&'static str> {
    let named = FRAGMENTS.iter().find(|(n, _)| *n == name).map(|(_, pattern)| *pattern);
    named.or_else(|| option_tables().iter().find(|t| t.fragment == name).map(|t| t.pattern.as_str()))
}

/// A statement's options as `help`, completion and the grammar see them.
pub struct OptionFragment {
    /// The name its statement's syntax uses (`PROBE-OPTION`).
    pub fragment: &'static str,
    /// Its production in `grammar/lvs.ebnf` (`probe-option`).
    pub production: &'static str,
    /// A statement start the options may follow (`probe web`).
    pub sample: &'static str,
    /// Each option's alternative, joined: `count N | concurrency N | ...`.
    pub pattern: String,
    pub options: Vec<OptDoc>,
    /// Whether several may follow one another (options), or just one (a predicate).
    pub repeats: bool,
}

/// Every statement's option table, documented once (built on first use).
pub fn option_tables() -> &'static [OptionFragment] {
    static TABLES: OnceLock<Vec<OptionFragment>> = OnceLock::new();
    TABLES.get_or_init(|| {
        tables::ALL
            .iter()
            .map(|t| {
                let options = t.docs();
                let pattern = options.iter().map(|o| o.syntax.as_str()).collect::<Vec<_>>().join(" | ");
                OptionFragment {
                    fragment: t.fragment(),
                    production: t.production(),
                    sample: t.sample(),
                    pattern,
                    options,
                    repeats: true,
                }
            })
            .chain(std::iter::once(predicates()))
            .collect()
    })
}

/// `expect`'s predicates, documented as a table of one-of options.
fn predicates() -> OptionFragment {
    let options: Vec<OptDoc> = tables::PREDICATES
        .iter()
        .map(|p| OptDoc {
            word: p.first(),
            syntax: p.syntax.to_string(),
            ebnf: ebnf(p.syntax),
            default: None,
            range: None,
            help: p.help,
            example: p.example.to_string(),
            rhai: None,
            rhai_form: RhaiForm::Keyed,
        })
        .collect();
    OptionFragment {
        fragment: "PREDICATE",
        production: "predicate",
        sample: "expect web",
        pattern: options.iter().map(|o| o.syntax.as_str()).collect::<Vec<_>>().join(" | "),
        options,
        repeats: false,
    }
}

/// A syntax pattern as EBNF: keywords quoted, values as their lexemes.
fn ebnf(syntax: &str) -> String {
    let mut out = Vec::new();
    for token in syntax.split_whitespace() {
        let (open, rest) = token.split_at(token.len() - token.trim_start_matches(['[', '(']).len());
        let word = rest.trim_end_matches([']', ')']).trim_end_matches("...");
        let close = &rest[word.len()..];
        let lexeme = match word {
            "N" => "number".to_string(),
            "PERCENT" => "number [ \"%\" ]".to_string(),
            "BACKEND" => "endpoint".to_string(),
            "DURATION" => "duration".to_string(),
            "SCHEDULER" => "scheduler".to_string(),
            "|" => "|".to_string(),
            w => format!("\"{w}\""),
        };
        let repeated = close.starts_with("...");
        let close = close.trim_start_matches("...").replace(']', " ]").replace(')', " )");
        let open = open.replace('[', "[ ").replace('(', "( ");
        let lexeme = if repeated { format!("{lexeme} {{ {lexeme} }}") } else { lexeme };
        out.push(format!("{open}{lexeme}{close}"));
    }
    out.join(" ")
}

/// The options of a fragment, if it names a statement's options.
pub fn options(fragment: &str) -> Option<&'static OptionFragment> {
    option_tables().iter().find(|t| t.fragment == fragment)
}
