//! `lvsh keep FILE...`: converges the kernel to the files, then keeps it
//! there until stopped. Each declared health check runs at its interval;
//! a backend is drained after `fall` failures and gets its weight back
//! after `rise` passes; every `--interval` the kernel is read and any
//! difference from the files (with the drains) is repaired, each repair
//! said with what it found. SIGHUP re-reads the files; SIGTERM and SIGINT
//! end it, leaving the table as it is. The drained backends are kept in a
//! state file (/run/lvsh/keep/), so a restarted keeper keeps them drained
//! until they pass `rise` checks. A repair the kernel refuses is retried
//! with a growing pause; nothing ends the keeper but a signal.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::App;
use crate::converge::{self, Desired};
use crate::interp::interrupt::{self, Signal};
use crate::interp::Interpreter;
use crate::ipvs::{Netns, ServiceKey};
use crate::keep::{BackendKey, Change, Checked, Counts, Keeper, Target};
use crate::lang::source::Source;
use crate::render;

/// How `keep` is asked to run.
#[derive(Debug, Clone, Default)]
pub struct KeepOptions {
    /// How often the kernel is read for drift.
    pub interval: Duration,
    /// Where the JSON lines of events go (`-`: standard output).
    pub events: Option<PathBuf>,
    /// Print the state of the keeper of this namespace and end.
    pub status: bool,
    /// Serve `/metrics` here, in lvsh's own namespace.
    pub metrics: Option<SocketAddr>,
    /// Also remove services the files do not declare (as `apply --prune`).
    pub prune: bool,
}

/// How stale the state file may get while nothing changes.
const STATE_EVERY: Duration = Duration::from_secs(10);

/// The longest pause between retries of a refused repair.
const MOST_BACKOFF: Duration = Duration::from_secs(60);

impl App {
    /// `lvsh keep`: see the module's comment. Exit 0 when stopped by a
    /// signal; 2 when the files have errors; 4 without IPVS.
    pub(super) fn keep(&self, files: &[PathBuf], options: KeepOptions) -> u8 {
        if options.status {
            return self.keep_status();
        }
        // From the start: a SIGTERM while the files are read still ends it cleanly.
        interrupt::catch(&Signal::ALL);
        let (mut sources, desired) = match self.declarations(files) {
            Ok(read) => read,
            Err(code) => return code,
        };
        let mut interp = match self.converging() {
            Ok(interp) => interp,
            Err(code) => return code,
        };
        let netns = interp.netns();
        // A change awaiting confirmation would be undone by the keeper's repairs.
        if let Some(code) = self.refuse_while_pending(&netns) {
            return code;
        }
        eprint!("{}", crate::interp::recovery::warnings(&netns, self.color));
        let state = state_file(&netns);
        let mut log = match Log::open(options.events.as_deref()) {
            Ok(log) => log,
            Err(e) => {
                let file = options.events.as_deref().map(Path::display);
                let message = format!(
                    "cannot open the events file {}: {e}",
                    file.map(|f| f.to_string()).unwrap_or_default()
                );
                let help = "give --events a file lvsh may append to (its folder must exist), or - for standard output";
                return self.fail_plain(&message, Some(help), crate::interp::FailureKind::Environment);
            }
        };
        let mut keeper = Keeper::new(desired, &read_drained(&state));
        let shown: Shown = Arc::new(Mutex::new(Snapshot::of(&keeper)));
        if let Some(addr) = options.metrics {
            if let Err(e) = serve_metrics(addr, netns.clone(), shown.clone()) {
                let message = format!("cannot serve metrics on {addr}: {e}");
                let help = "choose a free ADDR:PORT for --metrics";
                return self.fail_plain(&message, Some(help), crate::interp::FailureKind::Environment);
            }
        }
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        log.event(
            "started",
            json!({"files": names, "namespace": netns.to_string()}),
            "keeping the kernel at the files",
        );
        let mut repair = Repair { prune: options.prune, ..Repair::default() };
        repair.run(&mut interp, &sources, &mut keeper, &mut log, "applied");
        write_state(&state, &keeper);
        show(&shown, &keeper);
        notify("READY=1");
        let mut next_read = Instant::now() + options.interval;
        let mut targets = keeper.targets();
        let mut due = spread(&targets);
        // The state file is written at each change, and otherwise now and
        // then, so that `--status` shows recent runs of checks.
        let mut state_written = Instant::now();
        loop {
            // What this round did, for the metrics server's copy.
            let mut acted = false;
            match interrupt::pending() {
                Some(Signal::Hup) => {
                    interrupt::clear();
                    notify("RELOADING=1");
                    match self.declarations(files) {
                        Ok((read, desired)) => {
                            sources = read;
                            keeper.reload(desired);
                            targets = keeper.targets();
                            due = spread(&targets);
                            keeper.counts.reloads += 1;
                            // New files: no pause left over from the old ones' refusals.
                            repair = Repair { prune: options.prune, ..Repair::default() };
                            log.event("reloaded", json!({"files": names}), "re-read the files");
                            repair.run(&mut interp, &sources, &mut keeper, &mut log, "applied");
                            write_state(&state, &keeper);
                            state_written = Instant::now();
                            // The reload shows at once, not at the next check.
                            acted = true;
                        }
                        Err(_) => log.event(
                            "reload-failed",
                            json!({"files": names}),
                            "the files have errors (above): kept the table they declared before",
                        ),
                    }
                    notify("READY=1");
                }
                Some(signal) => {
                    notify("STOPPING=1");
                    write_state(&state, &keeper);
                    log.event(
                        "stopped",
                        json!({"signal": signal.name()}),
                        "stopped; the table stays as it is",
                    );
                    return 0;
                }
                None => {}
            }
            let now = Instant::now();
            let ready: Vec<Target> = targets
                .iter()
                .filter(|t| due.get(&(t.service, t.backend)).is_none_or(|at| *at <= now))
                .cloned()
                .collect();
            if !ready.is_empty() {
                acted = true;
                let outcomes = run_checks(&interp.lab, &ready, &netns);
                let (mut drains, mut changed) = (false, false);
                for (target, outcome) in ready.iter().zip(outcomes) {
                    due.insert((target.service, target.backend), now + target.interval);
                    for change in keeper.record(target, &outcome) {
                        changed = true;
                        drains |= matches!(change, Change::Drained | Change::Restored);
                        health_event(&mut log, target, &change, &outcome);
                    }
                }
                if changed || state_written.elapsed() >= STATE_EVERY {
                    write_state(&state, &keeper);
                    state_written = Instant::now();
                }
                if drains {
                    repair.run(&mut interp, &sources, &mut keeper, &mut log, "health");
                }
            }
            if now >= next_read {
                acted = true;
                next_read = now + options.interval;
                repair.run(&mut interp, &sources, &mut keeper, &mut log, "drift");
            }
            if acted && options.metrics.is_some() {
                show(&shown, &keeper);
            }
            let next_check = due.values().min().copied().unwrap_or(next_read);
            let wake = next_check.min(next_read).saturating_duration_since(Instant::now());
            std::thread::sleep(wake.clamp(TICK, TICK * 2));
        }
    }

    /// `lvsh keep --status`: the state the keeper of this namespace last wrote.
    fn keep_status(&self) -> u8 {
        let path = state_file(&self.netns);
        match std::fs::read_to_string(&path) {
            Ok(text) => match (self.json, serde_json::from_str::<Value>(&text)) {
                (true, _) => {
                    print!("{text}");
                    0
                }
                (false, Ok(state)) => {
                    print!("{}", crate::render::keep_status::text(&state));
                    0
                }
                (false, Err(e)) => self.fail_plain(
                    &format!("the keeper's state in {} is not JSON: {e}", path.display()),
                    Some(
                        "the keeper rewrites it at its next check: wait an interval, or restart `lvsh keep`",
                    ),
                    crate::interp::FailureKind::Environment,
                ),
            },
            Err(e) => {
                let message = format!("no keeper state in {}: {e}", path.display());
                self.fail_plain(
                    &message,
                    Some("`lvsh keep FILE...` writes it"),
                    crate::interp::FailureKind::Environment,
                )
            }
        }
    }
}

/// Repairs, and the pause before retrying a refused one.
#[derive(Default)]
struct Repair {
    /// Services the files do not declare are removed too.
    prune: bool,
    failures: u32,
    not_before: Option<Instant>,
}

impl Repair {
    /// Converges the kernel to the keeper's table; `why` names what asked
    /// (`applied`, `health`, `drift`) and the event it gives.
    fn run(
        &mut self,
        interp: &mut Interpreter,
        sources: &[Source],
        keeper: &mut Keeper,
        log: &mut Log,
        why: &str,
    ) {
        if self.not_before.is_some_and(|at| Instant::now() < at) {
            return;
        }
        let live = match interp.live() {
            Ok(live) => live,
            Err(e) => return self.failed(keeper, log, &format!("cannot read the kernel's table: {e}")),
        };
        let effective: Desired = keeper.effective();
        let plan = converge::plan(&effective, &live, self.prune);
        if plan.in_sync() {
            self.failures = 0;
            return;
        }
        let found = render::plan::tally(&plan.changes());
        let lines: Vec<String> = render::plan::text(&plan).lines().map(str::to_string).collect();
        // What differed, in the plan's words: `~ service web ...; + backend 10.2.0.2:8000 ...`.
        let changes: Vec<&str> =
            lines.iter().map(|l| l.trim()).filter(|l| l.starts_with(['+', '-', '~'])).collect();
        let found = format!("{found} ({})", changes.join("; "));
        let steps = converge::steps(&plan, false);
        let started = Instant::now();
        match interp.converge(sources, steps, Duration::ZERO) {
            Ok(()) => {
                keeper.counts.last_apply = Some(started.elapsed());
                keeper.counts.drift_repairs += u64::from(why == "drift");
                self.failures = 0;
                self.not_before = None;
                let (event, says) = match why {
                    "drift" => ("drift-repaired", format!("repaired drift: {found}")),
                    "health" => ("health-applied", format!("applied the drains: {found}")),
                    _ => ("applied", format!("applied the files: {found}")),
                };
                log.event(event, json!({"found": found, "plan": lines}), &says);
                // Each change it made, as `watch --json` would see it.
                if let Ok(after) = interp.live() {
                    let names = keeper.desired().services.iter();
                    let named: Vec<(ServiceKey, String)> =
                        names.filter_map(|s| Some((s.service.key, s.name.clone()?))).collect();
                    let name_of = |k: &ServiceKey| named.iter().find(|(n, _)| n == k).map(|(_, n)| n.clone());
                    for change in crate::keep::events::changes(&live, &after) {
                        let fields = render::watch::change_json(&change, &name_of, None);
                        let text = |k: &str| fields[k].as_str().unwrap_or_default().to_string();
                        let what = [text("service"), text("backend")].join(" ");
                        let settings = match (text("from").as_str(), text("to").as_str()) {
                            ("", to) => to.to_string(),
                            (from, "") => format!("was {from}"),
                            (from, to) => format!("{from} -> {to}"),
                        };
                        let says = format!("{} {}: {settings}", change.kind(), what.trim());
                        log.event(change.kind(), fields, &says);
                    }
                }
            }
            Err(failure) => self.failed(keeper, log, &failure.diagnostic.message),
        }
    }

    /// A refused or unreadable repair: said, and retried after a pause
    /// that doubles each time, up to a minute.
    fn failed(&mut self, keeper: &mut Keeper, log: &mut Log, why: &str) {
        keeper.counts.repair_failures += 1;
        self.failures += 1;
        let pause = Duration::from_secs(1 << self.failures.min(6)).min(MOST_BACKOFF);
        self.not_before = Some(Instant::now() + pause);
        let says = format!("repair failed (retrying in {}s): {why}", pause.as_secs());
        log.event("repair-failed", json!({"error": why, "retry_in_s": pause.as_secs()}), &says);
    }
}

/// When each backend is first checked: spread over its interval, so that
/// hundreds of checks do not all come at once, to the keeper or to a
/// server behind several backends.
fn spread(targets: &[Target]) -> HashMap<BackendKey, Instant> {
    let now = Instant::now();
    let n = targets.len().max(1) as u32;
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.service, t.backend), now + t.interval * (i as u32) / n))
        .collect()
}

/// How often the keeper looks for checks that are due: checks spread over
/// their interval are run in batches of this much time.
const TICK: Duration = Duration::from_millis(100);

/// The fewest checks a thread takes: a thread (and entering a namespace)
/// costs more than a check that is answered at once.
const PER_THREAD: usize = 8;

/// Threads a round of checks takes in one namespace: enough that checks
/// waiting out their timeout do not hold the others long, few enough that
/// a round of hundreds of backends costs a handful of threads.
const CHECKERS: usize = 32;

/// Runs each check from its namespace, the checks of a namespace shared out
/// among at most [`CHECKERS`] threads of at least [`PER_THREAD`] checks,
/// each entering it once; their outcomes in `targets`' order.
fn run_checks(lab: &crate::lab::Lab, targets: &[Target], director: &Netns) -> Vec<Result<Duration, String>> {
    let mut groups: Vec<(Netns, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let netns = t.from.as_deref().map_or_else(|| director.clone(), |n| lab.resolve(n));
        match groups.iter_mut().find(|(n, _)| *n == netns) {
            Some((_, indices)) => indices.push(i),
            None => groups.push((netns, vec![i])),
        }
    }
    let mut outcomes: Vec<Result<Duration, String>> = vec![Err("not checked".into()); targets.len()];
    std::thread::scope(|scope| {
        let mut running = Vec::new();
        for (netns, indices) in &groups {
            for chunk in indices.chunks(indices.len().div_ceil(CHECKERS).max(PER_THREAD)) {
                let check = move || -> Vec<Result<Duration, String>> {
                    let each = |&i: &usize| {
                        let t = &targets[i];
                        crate::probe::health::check_once(&t.check, t.backend, t.timeout)
                    };
                    match netns.run(|| chunk.iter().map(each).collect()) {
                        Ok(results) => results,
                        Err(e) => chunk.iter().map(|_| Err(format!("cannot enter {netns}: {e}"))).collect(),
                    }
                };
                running.push((chunk, scope.spawn(check)));
            }
        }
        for (chunk, handle) in running {
            let results = handle
                .join()
                .unwrap_or_else(|_| chunk.iter().map(|_| Err("the check panicked".into())).collect());
            for (&i, result) in chunk.iter().zip(results) {
                outcomes[i] = result;
            }
        }
    });
    outcomes
}

fn health_event(log: &mut Log, t: &Target, change: &Change, outcome: &Result<Duration, String>) {
    let fields =
        json!({"service": t.label, "backend": t.backend.to_string(), "reason": outcome.as_ref().err()});
    let who = format!("{} of {}", t.backend, t.label);
    let why = outcome.as_ref().err().map(|e| format!(": {e}")).unwrap_or_default();
    match change {
        Change::Turned { ok: true } => log.event("health-up", fields, &format!("{who} passes its check")),
        Change::Turned { ok: false } => {
            log.event("health-down", fields, &format!("{who} fails its check{why}"))
        }
        Change::Drained => {
            let how = if t.remove { "removed" } else { "drained (weight 0)" };
            log.event("drained", fields, &format!("{who} {how} after {} failures{why}", t.fall))
        }
        Change::Restored => {
            log.event("restored", fields, &format!("{who} restored to its weight after {} passes", t.rise))
        }
    }
}

/// Where the keeper says what it does: a line for people on standard
/// output (standard error when the events go there), and a JSON line per
/// event to the events file.
struct Log {
    events: Option<Box<dyn Write>>,
    human_to_stderr: bool,
}

impl Log {
    fn open(events: Option<&Path>) -> std::io::Result<Log> {
        let (events, human_to_stderr): (Option<Box<dyn Write>>, bool) = match events {
            None => (None, false),
            Some(p) if p == Path::new("-") => (Some(Box::new(std::io::stdout())), true),
            Some(p) => {
                (Some(Box::new(std::fs::OpenOptions::new().create(true).append(true).open(p)?)), false)
            }
        };
        Ok(Log { events, human_to_stderr })
    }

    fn event(&mut self, kind: &str, mut fields: Value, says: &str) {
        let time = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        match self.human_to_stderr {
            true => eprintln!("lvsh keep: {says}"),
            false => println!("lvsh keep: {says}"),
        }
        let Some(out) = self.events.as_mut() else { return };
        if let Value::Object(map) = &mut fields {
            map.insert("time".into(), json!((time * 1000.0).round() / 1000.0));
            map.insert("event".into(), json!(kind));
        }
        // One write per line, so a reader never meets half a line that
        // another write will finish; a file that cannot be written must not
        // stop the keeper.
        let line = format!("{fields}\n");
        let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
    }
}

/// The keeper's state file for a namespace.
fn state_file(netns: &Netns) -> PathBuf {
    let name = match netns {
        Netns::Current => "host".to_string(),
        Netns::Named(name) => name.clone(),
        Netns::Path(path) => path.display().to_string().replace('/', "_"),
    };
    crate::interp::recovery::run_dir().join("keep").join(format!("{name}.json"))
}

/// The backends drained when the keeper last wrote its state.
fn read_drained(path: &Path) -> BTreeSet<BackendKey> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeSet::new() };
    let Ok(state) = serde_json::from_str::<Value>(&text) else { return BTreeSet::new() };
    let entries = state.get("backends").and_then(Value::as_array).cloned().unwrap_or_default();
    entries
        .iter()
        .filter(|b| b.get("drained").and_then(Value::as_bool) == Some(true))
        .filter_map(|b| {
            let key = crate::lang::parse::fragment::svc_addr(b.get("key")?.as_str()?).ok()?;
            let backend: SocketAddr = b.get("backend")?.as_str()?.parse().ok()?;
            Some((key, backend))
        })
        .collect()
}

/// Writes each checked backend's health, for a restart and for `--status`.
fn write_state(path: &Path, keeper: &Keeper) {
    let backends: Vec<Value> = keeper
        .targets()
        .iter()
        .filter_map(|t| {
            let h = keeper.health(t.service, t.backend)?;
            Some(json!({
                "service": t.label, "key": t.service.to_string(), "backend": t.backend.to_string(),
                "drained": h.drained, "passing": h.last_ok, "streak": h.streak, "reason": h.reason,
            }))
        })
        .collect();
    let text = format!("{:#}\n", json!({ "backends": backends }));
    let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
        let temp = path.with_extension("tmp");
        std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, path))
    });
    if let Err(e) = written {
        eprintln!("lvsh keep: warning: cannot write its state to {}: {e}", path.display());
    }
}

/// What the metrics server shows of the keeper: its state after its last round.
type Shown = Arc<Mutex<Snapshot>>;

/// The keeper's state, copied for the metrics server.
struct Snapshot {
    checked: Vec<Checked>,
    counts: Counts,
    /// The services' names in the files.
    names: Vec<(ServiceKey, String)>,
}

impl Snapshot {
    fn of(keeper: &Keeper) -> Snapshot {
        let names =
            keeper.desired().services.iter().filter_map(|s| Some((s.service.key, s.name.clone()?))).collect();
        Snapshot { checked: keeper.checked(), counts: keeper.counts.clone(), names }
    }
}

/// Brings the metrics server's copy of the keeper up to date.
fn show(shown: &Shown, keeper: &Keeper) {
    if let Ok(mut s) = shown.lock() {
        *s = Snapshot::of(keeper);
    }
}

/// Serves `GET /metrics` on `addr` (in lvsh's own namespace, where
/// Prometheus reaches the gateway) from a thread of its own: the IPVS table
/// of `netns` read at each scrape, and the keeper's families.
fn serve_metrics(addr: SocketAddr, netns: Netns, shown: Shown) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &netns, &shown);
        }
    });
    Ok(())
}

/// One HTTP exchange: `/metrics` gets the text, anything else 404.
fn answer(mut stream: TcpStream, netns: &Netns, shown: &Shown) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let path = line.split_whitespace().nth(1).unwrap_or_default();
    let (status, kind, body) = match (line.starts_with("GET "), path.split('?').next()) {
        (true, Some("/metrics")) => match metrics_text(netns, shown) {
            Ok(text) => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", text),
            Err(e) => ("503 Service Unavailable", "text/plain; charset=utf-8", format!("{e}\n")),
        },
        _ => ("404 Not Found", "text/plain; charset=utf-8", "lvsh keep serves /metrics\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The namespace's IPVS families, read now, and the keeper's.
fn metrics_text(netns: &Netns, shown: &Shown) -> Result<String, crate::ipvs::KernelError> {
    use crate::ipvs::Kernel;
    let mut kernel = crate::ipvs::NetlinkKernel::connect_in(netns)?;
    let rows: Vec<render::ipvsadm::ServiceRow> = kernel
        .table_counted()?
        .into_iter()
        .map(|(entry, backends)| render::ipvsadm::ServiceRow { entry, backends })
        .collect();
    let totals = crate::ipvs::totals::read_totals(netns)?;
    let snapshot = shown
        .lock()
        .map_err(|_| crate::ipvs::KernelError::Malformed { what: "the keeper's state".into() })?;
    let name_of = |key: &ServiceKey| snapshot.names.iter().find(|(k, _)| k == key).map(|(_, n)| n.clone());
    let mut families = render::metrics::ipvs(&totals, &rows, &name_of);
    families.extend(render::metrics::keep::families(&snapshot.checked, &snapshot.counts));
    Ok(render::metrics::exposition(&families))
}

/// Tells systemd how the keeper is (a `Type=notify` unit: `READY=1` once
/// the files are applied, `RELOADING=1` while it re-reads them,
/// `STOPPING=1`); nothing outside systemd, which sets `NOTIFY_SOCKET`.
fn notify(state: &str) {
    if let Some(path) = std::env::var_os("NOTIFY_SOCKET") {
        // Not being heard is not a reason to stop keeping the table.
        let _ = notify_to(Path::new(&path), state);
    }
}

/// Sends `state` to the datagram socket at `path` (`@NAME`: an abstract one).
fn notify_to(path: &Path, state: &str) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr as UnixAddr, UnixDatagram};
    let socket = UnixDatagram::unbound()?;
    let text = path.to_string_lossy();
    let addr = match text.strip_prefix('@') {
        Some(name) => UnixAddr::from_abstract_name(name.as_bytes())?,
        None => UnixAddr::from_pathname(path)?,
    };
    socket.send_to_addr(state.as_bytes(), &addr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_hears_ready_on_its_socket() {
        let dir = std::env::temp_dir().join(format!("lvsh-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify");
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        notify_to(&path, "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_state_file_reads_back_the_drained_backends() {
        let dir = std::env::temp_dir().join(format!("lvsh-keep-state-{}", std::process::id()));
        let path = dir.join("ns.json");
        std::fs::create_dir_all(&dir).unwrap();
        let text = r#"{"backends": [
            {"service": "web", "key": "tcp 111.111.0.1:80", "backend": "10.10.0.3:8000", "drained": true},
            {"service": "web", "key": "tcp 111.111.0.1:80", "backend": "10.10.0.2:8000", "drained": false},
            {"service": "dns", "key": "udp [2001:db8::1]:53", "backend": "[2001:db8::2]:53", "drained": true}
        ]}"#;
        std::fs::write(&path, text).unwrap();
        let drained = read_drained(&path);
        let tcp = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let udp = ServiceKey::udp("[2001:db8::1]:53".parse().unwrap());
        let want: BTreeSet<BackendKey> =
            [(tcp, "10.10.0.3:8000".parse().unwrap()), (udp, "[2001:db8::2]:53".parse().unwrap())].into();
        assert_eq!(drained, want);
        assert_eq!(read_drained(&dir.join("none.json")), BTreeSet::new(), "no state: nothing drained");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
