//! `apply --confirm D` and `lvsh confirm`: a change that reverts itself
//! unless it is confirmed in time (Junos' `commit confirmed`).
//!
//! A watchdog process holds the deadline. It runs in a session of its own,
//! with no terminal, and ignores SIGHUP and SIGINT, so the revert happens
//! even when the terminal or SSH session that applied is gone or the apply
//! itself is killed: the main use is a change that cuts off the operator's
//! own connection. The watchdog is started before the change is made.
//!
//! The pending change is a file, `/run/lvsh/confirm-NAMESPACE`: the history
//! entry to return to, the deadline and the namespace. Whoever renames it
//! first wins: `lvsh confirm` (the change stays) or the watchdog at the
//! deadline (it reverts to the entry, as `lvsh rollback N` does).

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::App;
use crate::converge::history::namespace_key;
use crate::interp::recovery::run_dir;
use crate::interp::FailureKind;
use crate::ipvs::Netns;
use crate::render::history::utc;

/// A change that awaits confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The history entry the revert returns to.
    pub entry: u64,
    /// Milliseconds since the epoch.
    pub deadline: u64,
    pub netns: Netns,
    /// The watchdog's process id, once it runs.
    pub watchdog: Option<u32>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Where a namespace's pending change is kept.
pub fn pending_path(netns: &Netns) -> PathBuf {
    run_dir().join(format!("confirm-{}", namespace_key(netns)))
}

/// The same path with another ending: `.reverting`, `.log`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl Pending {
    fn text(&self) -> String {
        let netns = match &self.netns {
            Netns::Current => "-".to_string(),
            Netns::Named(name) => format!("named {name}"),
            Netns::Path(path) => format!("path {}", path.display()),
        };
        format!(
            "# lvsh: a change that reverts at the deadline unless `lvsh confirm` comes first\n\
             entry {}\ndeadline {}\nnetns {netns}\n",
            self.entry, self.deadline
        )
    }

    fn parse(text: &str) -> Option<Pending> {
        let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
        let netns = match field("netns")? {
            "-" => Netns::Current,
            other => match other.split_once(' ')? {
                ("named", name) => Netns::Named(name.to_string()),
                ("path", path) => Netns::Path(PathBuf::from(path)),
                _ => return None,
            },
        };
        Some(Pending {
            entry: field("entry")?.parse().ok()?,
            deadline: field("deadline")?.parse().ok()?,
            netns,
            watchdog: field("watchdog").and_then(|pid| pid.parse().ok()),
        })
    }

    /// Reads a pending change.
    pub fn read(path: &Path) -> Option<Pending> {
        Pending::parse(&fs::read_to_string(path).ok()?)
    }

    /// Whether its watchdog is known to be gone (killed, say): then
    /// nothing will revert the change.
    pub fn orphaned(&self) -> bool {
        // SAFETY: signal 0 only asks whether the process exists.
        self.watchdog.is_some_and(|pid| unsafe { libc::kill(pid as i32, 0) } != 0)
    }

    /// When it reverts, as people read it.
    pub fn when(&self) -> String {
        format!("{} UTC", utc(self.deadline / 1000))
    }
}

/// Takes the pending change at `path` by renaming it (to `to`, or away):
/// true for the one caller that got it.
fn claim(path: &Path, to: Option<&Path>) -> bool {
    match to {
        Some(to) => fs::rename(path, to).is_ok(),
        None => {
            let taken = with_suffix(path, ".taken");
            fs::rename(path, &taken).is_ok() && fs::remove_file(&taken).is_ok()
        }
    }
}

impl App {
    /// A change awaits confirmation in `netns`: the message that refuses another.
    pub(super) fn refuse_while_pending(&self, netns: &Netns) -> Option<u8> {
        let pending = Pending::read(&pending_path(netns))?;
        let (message, help) = match pending.orphaned() {
            false => (
                format!("a change awaits confirmation in this namespace (it reverts at {})", pending.when()),
                "`lvsh confirm` keeps it; then apply again".to_string(),
            ),
            true => (
                "a change awaits confirmation in this namespace, but its watchdog is gone: nothing will revert it"
                    .to_string(),
                format!("`lvsh confirm` keeps it; `lvsh rollback {}` reverts it", pending.entry),
            ),
        };
        Some(self.fail_plain(&message, Some(&help), FailureKind::Environment))
    }

    /// Before a change with `--confirm`: the pending file and its watchdog.
    pub(super) fn arm(&self, netns: &Netns, entry: u64, within: Duration) -> Result<PathBuf, u8> {
        let path = pending_path(netns);
        let pending = Pending {
            entry,
            deadline: now_ms() + within.as_millis() as u64,
            netns: netns.clone(),
            watchdog: None,
        };
        let fail = |e: std::io::Error| {
            let message = format!("cannot keep the pending change in {}: {e}", path.display());
            self.fail_plain(&message, Some("run as root, or set LVSH_RUN_DIR"), FailureKind::Environment)
        };
        fs::create_dir_all(run_dir()).map_err(fail)?;
        let mut file =
            fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(fail)?;
        file.write_all(pending.text().as_bytes()).and_then(|()| file.sync_all()).map_err(fail)?;
        let log =
            fs::OpenOptions::new().create(true).append(true).mode(0o600).open(with_suffix(&path, ".log"));
        let output = |log: &Result<fs::File, _>| {
            log.as_ref().ok().and_then(|f| f.try_clone().ok()).map_or(Stdio::null(), Stdio::from)
        };
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lvsh"));
        let mut watchdog = Command::new(exe);
        watchdog
            .arg("confirm-watchdog")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(output(&log))
            .stderr(output(&log));
        // SAFETY: setsid only detaches the child from this session and terminal.
        unsafe {
            watchdog.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        match watchdog.spawn() {
            Ok(child) => {
                // Known from here: `apply` tells a pending change nobody watches any more.
                let _ = writeln!(file, "watchdog {}", child.id()).and_then(|()| file.sync_all());
                Ok(path)
            }
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(fail(e))
            }
        }
    }

    /// The change failed and was undone: nothing to revert.
    pub(super) fn disarm(&self, path: &Path) {
        claim(path, None);
    }

    /// After a change with `--confirm`: say how to confirm it, and on a
    /// terminal wait for Enter there. Exit 0 when confirmed (or left to
    /// `lvsh confirm`), 1 when it was reverted.
    pub(super) fn await_confirmation(&self, path: &Path) -> u8 {
        let Some(pending) = Pending::read(path) else { return 0 };
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
        let here = if terminal { ", or press Enter here" } else { "" };
        println!(
            "not confirmed yet: change {} reverts at {} unless confirmed: run `lvsh confirm`{here}",
            pending.entry,
            pending.when()
        );
        if !terminal {
            return 0;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            let _ = tx.send(());
        });
        loop {
            if rx.try_recv().is_ok() && claim(path, None) {
                println!("confirmed: change {} stays", pending.entry);
                return 0;
            }
            if !path.exists() {
                return match with_suffix(path, ".reverting").exists() || now_ms() >= pending.deadline {
                    true => {
                        println!("not confirmed in time: the change is being reverted");
                        1
                    }
                    false => {
                        println!("confirmed from another shell: change {} stays", pending.entry);
                        0
                    }
                };
            }
            if now_ms() > pending.deadline + 30_000 {
                println!("the watchdog has not reverted the change: `lvsh confirm` keeps it, `lvsh rollback {}` reverts it", pending.entry);
                return 1;
            }
            if let Some(signal) = crate::interp::interrupt::pending() {
                println!(
                    "stopped waiting: unless `lvsh confirm` comes first, the change reverts at {}",
                    pending.when()
                );
                return signal.exit_code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `lvsh confirm`: the change awaiting confirmation in this namespace stays.
    pub(super) fn confirm(&self) -> u8 {
        let netns = match self.converging() {
            Ok(interp) => interp.netns(),
            Err(code) => return code,
        };
        let path = pending_path(&netns);
        let pending = Pending::read(&path);
        if claim(&path, None) {
            let entry = pending.map_or(String::from("the change"), |p| format!("change {}", p.entry));
            println!("confirmed: {entry} stays");
            return 0;
        }
        let message = match with_suffix(&path, ".reverting").exists() {
            true => "too late: the change is being reverted",
            false => "nothing awaits confirmation in this namespace",
        };
        self.fail_plain(message, Some("`lvsh history` shows the changes"), FailureKind::Expectation)
    }

    /// The watchdog (`lvsh confirm-watchdog PATH`, started by `arm`): at
    /// the deadline, unless the pending change was confirmed, reverts it.
    pub(super) fn watchdog(path: &Path) -> u8 {
        // SAFETY: ignoring signals changes only this process's dispositions.
        unsafe {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            libc::signal(libc::SIGINT, libc::SIG_IGN);
        }
        let Some(pending) = Pending::read(path) else { return 0 };
        while now_ms() < pending.deadline {
            if !path.exists() {
                return 0;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let reverting = with_suffix(path, ".reverting");
        if !claim(path, Some(&reverting)) {
            return 0;
        }
        println!("{}: change {} was not confirmed: reverting", utc(now_ms() / 1000), pending.entry);
        let app =
            App { netns: pending.netns.clone(), group: Vec::new(), pinned: true, color: false, json: false };
        let code = app.rollback(Some(pending.entry), "revert (not confirmed)");
        let _ = fs::remove_file(&reverting);
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_change_reads_back_as_written() {
        for netns in [Netns::Current, Netns::Named("gw".into()), Netns::Path("/proc/1/ns/net".into())] {
            let pending = Pending { entry: 7, deadline: 1_796_423_401_000, netns, watchdog: None };
            assert_eq!(Pending::parse(&pending.text()), Some(pending.clone()));
            let watched = format!("{}watchdog 4242\n", pending.text());
            assert_eq!(Pending::parse(&watched).and_then(|p| p.watchdog), Some(4242));
            assert_eq!(pending.when(), "2026-12-04 22:30:01 UTC");
        }
    }

    #[test]
    fn only_one_claim_of_a_pending_change_wins() {
        let dir = std::env::temp_dir().join(format!("lvsh-claim-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("confirm-x");
        fs::write(&path, "entry 1\n").unwrap();
        assert!(claim(&path, Some(&with_suffix(&path, ".reverting"))));
        assert!(!claim(&path, None));
        let _ = fs::remove_dir_all(&dir);
    }
}
