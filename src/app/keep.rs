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
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::App;
use crate::converge::{self, Desired};
use crate::interp::interrupt::{self, Signal};
use crate::interp::Interpreter;
use crate::ipvs::{Netns, ServiceKey};
use crate::keep::{BackendKey, Change, Keeper, Target};
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
}

/// The longest pause between retries of a refused repair.
const MOST_BACKOFF: Duration = Duration::from_secs(60);

impl App {
    /// `lvsh keep`: see the module's comment. Exit 0 when stopped by a
    /// signal; 2 when the files have errors; 4 without IPVS.
    pub(super) fn keep(&self, files: &[PathBuf], options: KeepOptions) -> u8 {
        if options.status {
            return self.keep_status();
        }
        let (mut sources, desired) = match self.declarations(files) {
            Ok(read) => read,
            Err(code) => return code,
        };
        let mut interp = match self.converging() {
            Ok(interp) => interp,
            Err(code) => return code,
        };
        let netns = interp.netns();
        let state = state_file(&netns);
        let mut log = match Log::open(options.events.as_deref()) {
            Ok(log) => log,
            Err(e) => {
                let message = format!("cannot open the events file: {e}");
                return self.fail_plain(&message, None, crate::interp::FailureKind::Environment);
            }
        };
        let mut keeper = Keeper::new(desired, &read_drained(&state));
        interrupt::catch(&Signal::ALL);
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        log.event(
            "started",
            json!({"files": names, "namespace": netns.to_string()}),
            "keeping the kernel at the files",
        );
        let mut repair = Repair::default();
        repair.run(&mut interp, &sources, &keeper, &mut log, "applied");
        write_state(&state, &keeper);
        let mut due: HashMap<BackendKey, Instant> = HashMap::new();
        let mut next_read = Instant::now() + options.interval;
        loop {
            match interrupt::pending() {
                Some(Signal::Hup) => {
                    interrupt::clear();
                    match self.declarations(files) {
                        Ok((read, desired)) => {
                            sources = read;
                            keeper.reload(desired);
                            log.event("reloaded", json!({"files": names}), "re-read the files");
                            repair.run(&mut interp, &sources, &keeper, &mut log, "applied");
                        }
                        Err(_) => log.event(
                            "reload-failed",
                            json!({"files": names}),
                            "the files have errors (above): kept the table they declared before",
                        ),
                    }
                }
                Some(signal) => {
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
            let ready: Vec<Target> = keeper
                .targets()
                .into_iter()
                .filter(|t| due.get(&(t.service, t.backend)).is_none_or(|at| *at <= now))
                .collect();
            if !ready.is_empty() {
                let outcomes = run_checks(&interp.lab, &ready, &netns);
                let mut drains = false;
                for (target, outcome) in ready.iter().zip(outcomes) {
                    due.insert((target.service, target.backend), now + target.interval);
                    for change in keeper.record(target, &outcome) {
                        drains |= matches!(change, Change::Drained | Change::Restored);
                        health_event(&mut log, target, &change, &outcome);
                    }
                }
                write_state(&state, &keeper);
                if drains {
                    repair.run(&mut interp, &sources, &keeper, &mut log, "health");
                }
            }
            if now >= next_read {
                next_read = now + options.interval;
                repair.run(&mut interp, &sources, &keeper, &mut log, "drift");
            }
            let next_check = due.values().min().copied().unwrap_or(next_read);
            let wake = next_check.min(next_read).saturating_duration_since(Instant::now());
            std::thread::sleep(wake.clamp(Duration::from_millis(5), Duration::from_millis(100)));
        }
    }

    /// `lvsh keep --status`: the state the keeper of this namespace last wrote.
    fn keep_status(&self) -> u8 {
        let path = state_file(&self.netns);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                print!("{text}");
                0
            }
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
        keeper: &Keeper,
        log: &mut Log,
        why: &str,
    ) {
        if self.not_before.is_some_and(|at| Instant::now() < at) {
            return;
        }
        let live = match interp.live() {
            Ok(live) => live,
            Err(e) => return self.failed(log, &format!("cannot read the kernel's table: {e}")),
        };
        let effective: Desired = keeper.effective();
        let plan = converge::plan(&effective, &live, false);
        if plan.in_sync() {
            self.failures = 0;
            return;
        }
        let found = render::plan::tally(&plan);
        let lines: Vec<String> = render::plan::text(&plan).lines().map(str::to_string).collect();
        // What differed, in the plan's words: `~ service web ...; + backend 10.2.0.2:8000 ...`.
        let changes: Vec<&str> =
            lines.iter().map(|l| l.trim()).filter(|l| l.starts_with(['+', '-', '~'])).collect();
        let found = format!("{found} ({})", changes.join("; "));
        let steps = converge::steps(&plan, false);
        match interp.converge(sources, steps, Duration::ZERO) {
            Ok(()) => {
                self.failures = 0;
                self.not_before = None;
                let (event, says) = match why {
                    "drift" => ("drift-repaired", format!("repaired drift: {found}")),
                    "health" => ("health-applied", format!("applied the drains: {found}")),
                    _ => ("applied", format!("applied the files: {found}")),
                };
                log.event(event, json!({"found": found, "plan": lines}), &says);
            }
            Err(failure) => self.failed(log, &failure.diagnostic.message),
        }
    }

    /// A refused or unreadable repair: said, and retried after a pause
    /// that doubles each time, up to a minute.
    fn failed(&mut self, log: &mut Log, why: &str) {
        self.failures += 1;
        let pause = Duration::from_secs(1 << self.failures.min(6)).min(MOST_BACKOFF);
        self.not_before = Some(Instant::now() + pause);
        let says = format!("repair failed (retrying in {}s): {why}", pause.as_secs());
        log.event("repair-failed", json!({"error": why, "retry_in_s": pause.as_secs()}), &says);
    }
}

/// Runs each check from its namespace, all at once; their outcomes in order.
fn run_checks(lab: &crate::lab::Lab, targets: &[Target], director: &Netns) -> Vec<Result<Duration, String>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| {
                let netns = t.from.as_deref().map_or_else(|| director.clone(), |n| lab.resolve(n));
                scope.spawn(move || {
                    netns
                        .run(|| crate::probe::health::check_once(&t.check, t.backend, t.timeout))
                        .unwrap_or_else(|e| Err(format!("cannot enter {netns}: {e}")))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("the check panicked".into()))).collect()
    })
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
        // An events file that cannot be written must not stop the keeper.
        let _ = writeln!(out, "{fields}").and_then(|()| out.flush());
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
                "service": t.label, "key": key_text(&t.service), "backend": t.backend.to_string(),
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

fn key_text(key: &ServiceKey) -> String {
    key.to_string()
}
