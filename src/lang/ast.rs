//! The syntax tree of a `.lvs` script. Every node keeps where it was written.

use std::net::SocketAddr;
use std::time::Duration;

use super::ipvsadm::IpvsadmCommand;
use super::show::ListOptions;
use super::source::{Span, Spanned};
use crate::ipvs::{DaemonState, Forward, Netmask, SchedFlags, ServiceKey};

/// A parsed script: its statements in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    pub stmts: Vec<Stmt>,
}

/// One statement and the text it spans.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

/// What a statement does.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `service [NAME] tcp ADDR:PORT [SCHED] [options] [{ backend ... }]`: ensure it exists so.
    Service(ServiceDecl),
    /// `backend SVC ADDR:PORT [method] [weight N] ...`: ensure it exists so.
    Backend(BackendDecl),
    /// `set service SVC [SCHED] [options]`: change only what is named.
    SetService(ServiceEdit),
    /// `set backend SVC ADDR:PORT [method] [weight N] ...`: change only what is named.
    SetBackend(BackendDecl),
    /// `del service SVC`
    DelService(Spanned<SvcRef>),
    /// `del backend SVC ADDR:PORT`
    DelBackend { service: Spanned<SvcRef>, addr: Spanned<SocketAddr> },
    /// `flush`
    Flush,
    /// `zero [SVC]`
    Zero(Option<Spanned<SvcRef>>),
    /// `timeouts [tcp N] [tcpfin N] [udp N]`
    Timeouts(TimeoutsDecl),
    /// `daemon start master|backup [options]`
    DaemonStart(DaemonDecl),
    /// `daemon stop master|backup`
    DaemonStop(DaemonState),
    /// `show ...`
    Show(ShowStmt),
    /// `metrics`: the table's counters in Prometheus's text format.
    Metrics,
    /// `save [FILE]`: the table in `ipvsadm -S -n` form.
    Save(Option<Spanned<String>>),
    /// `restore FILE`: apply an `ipvsadm -S` file.
    Restore(Spanned<String>),
    /// `source FILE`: run another script here.
    Source(Spanned<String>),
    /// `echo TEXT`
    Echo(String),
    /// `sleep DURATION`
    Sleep(Duration),
    /// `ipvsadm ARGS...`: ipvsadm's own syntax.
    Ipvsadm(IpvsadmLine),
    /// `probe SVC [count N] [from NODE] [send TEXT] [timeout D] [interval D]`
    Probe(ProbeStmt),
    /// `expect SVC PREDICATE`: an assertion over the service's last probe.
    Expect(ExpectStmt),
    /// `expect job N prints TEXT [within DURATION]`: the job printed it after this statement began.
    ExpectJob(ExpectJobStmt),
    /// `check SVC [--drain-failed] [timeout D]`: each backend's health.
    Check(CheckStmt),
    /// `watch [SVC] [--stats|--rate] [interval D] [count N]`: a refreshing listing.
    Watch(WatchStmt),
    /// `doctor [SVC] [--json] [--fix] [--enter NS,...] [--clients ADDR,...]`: what stops traffic, with the fix.
    Doctor(DoctorStmt),
    /// `health SVC [BACKEND] CHECK [OPTION]...`: how `lvsh keep` checks
    /// a service's backends (or one of them), and when it drains them.
    Health(HealthStmt),
    /// `trace SVC [from NODE] [timeout D] [--json]`: one connection followed through the director.
    Trace(TraceStmt),
    /// `help [COMMAND]`: the commands, or one command's syntax and example.
    Help(Option<Spanned<String>>),
    /// `describe [TOPIC]`: the topics, or what one scheduler, method, flag or persistence setting does.
    Describe(Option<Spanned<String>>),
    /// `explain STMT`: what a statement would change, without running it.
    Explain(Box<Stmt>),
    /// `lab up|down|status|backends METHOD [--explain] [prefix P]`: the tutorial's lab.
    Lab(LabStmt),
    /// `on NODE CMD...` or `NODE CMD...` for a lab node; `&` for the background.
    OnNode(NodeCommand),
    /// `jobs [N|NODE]`: the background jobs, or one's output.
    Jobs(Option<Spanned<String>>),
    /// `stop N|NODE`: ends background job N, or every job of a node.
    Stop(Spanned<String>),
    /// `serve NODE PORT [tcp|udp|http] [reply TEXT]`: a built-in backend.
    Serve(ServeStmt),
    /// `use NODE`: act on that namespace's IPVS from now on.
    /// `use NODE...`: several act as one (the HA pair's `use gw gw2`).
    Use(Vec<Spanned<String>>),
    /// `tutorial [LESSON [STEP]] [--list] [--yes]`: a lesson, walked through step by step.
    Tutorial(TutorialStmt),
    /// `script { RHAI }`: Rhai code run over the same services and backends.
    Script(ScriptBlock),
}

/// `script { ... }`: Rhai code, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptBlock {
    /// The text between the braces; its span places Rhai's positions in the file.
    pub code: Spanned<String>,
}

/// `lab ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabStmt {
    pub action: LabAction,
    /// Print each `ip` command as it runs.
    pub explain: bool,
    /// The namespaces' name prefix (`clab-mod3-2ext2int-` for containerlab's).
    pub prefix: Option<String>,
    /// The high-availability lab (`lab up ha`): gw and gw2.
    pub ha: bool,
    /// `lab status` as JSON.
    pub json: bool,
}

/// What `lab` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabAction {
    Up,
    Down,
    Status,
    /// Stop the VRRP master's keepalived (the HA lab).
    Failover,
    /// Set the backends up for a forwarding method (and undo the others').
    Backends(BackendMethod),
}

/// The forwarding method `lab backends` sets the lab's backends up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendMethod {
    /// NAT, as `lab up` makes them: nothing of the others left.
    Masq,
    /// Direct routing: the VIP on lo, ARP kept quiet, a way to the clients.
    Route,
    /// IP-in-IP: the same, with the VIP on the decapsulating `tunl0`.
    Tunnel,
}

impl BackendMethod {
    pub const ALL: [BackendMethod; 3] = [BackendMethod::Masq, BackendMethod::Route, BackendMethod::Tunnel];

    /// The word for it, as `backend` statements write the method.
    pub fn word(self) -> &'static str {
        match self {
            BackendMethod::Masq => "masq",
            BackendMethod::Route => "route",
            BackendMethod::Tunnel => "tunnel",
        }
    }
}

/// A program to run inside a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCommand {
    /// A lab node name, any namespace name, or a path.
    pub node: Spanned<String>,
    /// The command line as written (for messages and `jobs`).
    pub text: String,
    /// The words, after shell-style quoting.
    pub argv: Vec<String>,
    /// `&`: run in the background as a job.
    pub background: bool,
}

/// `serve ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeStmt {
    pub node: Spanned<String>,
    pub port: u16,
    pub kind: crate::node::serve::ServeKind,
    /// The answer instead of the node's name.
    pub reply: Option<String>,
}

/// `tutorial ...`
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TutorialStmt {
    /// Only list: the lessons, or a lesson's steps.
    pub list: bool,
    /// Run every step without waiting for Enter.
    pub yes: bool,
    /// The lesson, by name or number; none is the first.
    pub lesson: Option<Spanned<String>>,
    /// Start at this step (from 1).
    pub start: Option<usize>,
}

/// `watch ...`
#[derive(Debug, Clone, PartialEq)]
pub struct WatchStmt {
    pub show: ShowStmt,
    pub interval: Duration,
    /// How many refreshes; `None` runs until interrupted.
    pub count: Option<usize>,
}

/// `check ...`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckStmt {
    pub service: Spanned<SvcRef>,
    /// Set a failed backend's weight to 0, and restore it when it answers again.
    pub drain_failed: bool,
    pub timeout: Duration,
    /// Print the report as JSON.
    pub json: bool,
}

/// `doctor ...`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DoctorStmt {
    /// Only this service's findings (and the director's own).
    pub service: Option<Spanned<SvcRef>>,
    /// Print the findings as JSON.
    pub json: bool,
    /// Run the fixes it prints (in the lab only).
    pub fix: bool,
    /// Backends' namespaces to enter besides the lab's nodes.
    pub enter: Vec<String>,
    /// Clients a masq backend must reply to through the director (outside the lab).
    pub clients: Vec<std::net::IpAddr>,
}

/// `health ...`: a health check, declared; `lvsh keep` runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthStmt {
    pub service: Spanned<SvcRef>,
    /// One backend; `None`: every backend of the service (a backend's own
    /// `health` wins over its service's).
    pub backend: Option<Spanned<SocketAddr>>,
    pub check: HealthCheck,
    /// How often each backend is checked.
    pub interval: Duration,
    /// How long one check may take.
    pub timeout: Duration,
    /// Successes in a row before a drained backend gets its weight back.
    pub rise: u32,
    /// Failures in a row before a backend is drained.
    pub fall: u32,
    /// The namespace the checks run from; the director's when `None`.
    pub from: Option<Spanned<String>>,
    /// Remove a failed backend instead of setting its weight to 0.
    pub remove: bool,
}

pub use crate::probe::health::HealthCheck;

/// `trace ...`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceStmt {
    pub service: Spanned<SvcRef>,
    /// The node the connection starts from (lvsh's own namespace if none).
    pub from: Option<Spanned<String>>,
    pub timeout: Duration,
    /// Print the trace as JSON.
    pub json: bool,
}

/// `probe ...`: real connections to a service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeStmt {
    pub service: Spanned<SvcRef>,
    /// A namespace (lab node name or path) the client connects from.
    pub from: Option<Spanned<String>>,
    /// Print the report as JSON (`--json`).
    pub json: bool,
    /// What the connections do: count, timeout, what they send, ...
    pub options: crate::probe::connect::ProbeOptions,
}

/// `expect job N prints TEXT [within DURATION]`
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectJobStmt {
    /// The job's number, or the node it runs in (its newest job there).
    pub job: Spanned<String>,
    /// Text a line of the job's output must hold.
    pub text: Spanned<String>,
    /// How long to wait for that line.
    pub within: std::time::Duration,
}

/// `expect SERVICE PREDICATE`
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectStmt {
    pub service: Spanned<SvcRef>,
    pub predicate: Spanned<Predicate>,
}

/// What `expect` asserts.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Over the service's last probe.
    Probe(crate::probe::Expectation),
    /// `scheduler NAME`: the kernel's configuration now.
    Scheduler(String),
    /// `backends N`: how many backends the service has.
    Backends(usize),
    /// `backend ADDR:PORT weight N`
    BackendWeight(SocketAddr, u32),
}

/// How a statement names a service: by the name a `service` gave it, or by key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SvcRef {
    Name(String),
    Key(ServiceKey),
}

/// An empty name: what a statement holds before its parser fills it in
/// (statements start from `Default` and take their options' defaults).
impl Default for SvcRef {
    fn default() -> SvcRef {
        SvcRef::Name(String::new())
    }
}

/// A service option after the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcOption {
    /// `persistent [SECONDS]`
    Persistent(Option<u32>),
    /// `netmask A.B.C.D` or `prefix N`
    Netmask(Netmask),
    /// `one-packet`
    OnePacket,
    /// `flags sh-fallback,sh-port`
    Flags(SchedFlags, Vec<String>),
    /// `pe sip`
    Pe(String),
}

/// `service ...`
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Option<Spanned<String>>,
    pub key: Spanned<ServiceKey>,
    pub scheduler: Option<Spanned<String>>,
    pub options: Vec<Spanned<SvcOption>>,
    /// The backends of a `{ ... }` block, if there is one.
    pub backends: Option<Vec<Spanned<BackendDecl>>>,
}

/// `set service ...`
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEdit {
    pub service: Spanned<SvcRef>,
    pub scheduler: Option<Spanned<String>>,
    pub options: Vec<Spanned<SvcOption>>,
}

/// `backend ...` (inside a block the service is the block's).
#[derive(Debug, Clone, PartialEq)]
pub struct BackendDecl {
    pub service: Option<Spanned<SvcRef>>,
    pub addr: Spanned<SocketAddr>,
    pub forward: Option<Spanned<Forward>>,
    pub weight: Option<Spanned<u32>>,
    pub upper: Option<Spanned<u32>>,
    pub lower: Option<Spanned<u32>>,
}

/// `timeouts ...`: 0 or absent leaves one unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeoutsDecl {
    pub tcp: Option<u32>,
    pub tcp_fin: Option<u32>,
    pub udp: Option<u32>,
}

/// `daemon start ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonDecl {
    pub daemon: crate::ipvs::Daemon,
}

/// What `show` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowTarget {
    /// Every service.
    Table,
    Service(Spanned<SvcRef>),
    Connections,
    Timeouts,
    Daemons,
}

/// `show [TARGET] [--stats|--rate|...] [--exact] [--nosort] [--json] [--pretty]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowStmt {
    pub target: ShowTarget,
    pub options: ListOptions,
    pub json: bool,
    /// lvsh's own readable form, with names and colors (`--pretty`).
    pub pretty: bool,
}

/// A line in ipvsadm's syntax, parsed by [`crate::lang::ipvsadm`].
#[derive(Debug, Clone, PartialEq)]
pub struct IpvsadmLine {
    pub args: Vec<Spanned<String>>,
    pub command: IpvsadmCommand,
}
