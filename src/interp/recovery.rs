//! Crash recovery. Before a run's first kernel write it opens a record on
//! disk (`/run/lvsh/run-PID-START.journal`, root only; `LVSH_RUN_DIR` moves
//! it) and, before each batch, writes and syncs the undo of every step of
//! the batch; after the batch it notes which steps took effect. The record
//! goes when the run commits or rolls back. A record whose process is gone
//! is an unfinished run (SIGKILL, a panic, a power cut): the next lvsh says
//! so, and `lvsh recover` applies its undo, newest step first, exactly as a
//! rollback would have.
//!
//! The record is text: each undo is the `ipvsadm` line of its operation
//! (the same words `explain` shows), so a person can read it too.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ipvs::{Kernel, KernelError, Netns, Op};
use crate::lang::ipvsadm::parse_ipvsadm;
use crate::render::diagnostic::render_warning;
use crate::render::digits::push_u64;
use crate::render::ipvsadm_line::{words, Line};
use crate::render::notes;

/// Where records are kept unless `LVSH_RUN_DIR` says otherwise.
pub const RUN_DIR: &str = "/run/lvsh";

/// The directory of the records.
pub fn run_dir() -> PathBuf {
    std::env::var_os("LVSH_RUN_DIR").map_or_else(|| PathBuf::from(RUN_DIR), PathBuf::from)
}

/// A namespace as the kernel knows it: the device and inode of its file,
/// which stay the same while it exists, whatever path names it.
fn identity(netns: &Netns) -> Option<(u64, u64)> {
    let path = netns.path().unwrap_or_else(|| PathBuf::from("/proc/self/ns/net"));
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// This process as a record names it: its pid and its start time in clock
/// ticks (a pid can be reused; the pair cannot).
fn this_process() -> (u32, u64) {
    let pid = std::process::id();
    (pid, start_time(pid).unwrap_or(0))
}

/// A process's start time, from field 22 of `/proc/PID/stat`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold blanks.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The record of the run under way.
#[derive(Debug)]
pub struct RunRecord {
    path: PathBuf,
    file: File,
    batches: usize,
}

impl RunRecord {
    /// Starts the record of this process's run.
    pub fn create() -> io::Result<RunRecord> {
        let dir = run_dir();
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        let (pid, start) = this_process();
        let path = dir.join(format!("run-{pid}-{start}.journal"));
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        writeln!(file, "# lvsh: the undo of a run that has not finished; `lvsh recover` rolls it back")?;
        writeln!(file, "process {pid} {start}")?;
        writeln!(file, "started {}", now())?;
        Ok(RunRecord { path, file, batches: 0 })
    }

    /// Before a batch goes to `netns`: the undo of each of its steps, on
    /// disk. Returns the batch's number, for [`RunRecord::applied`].
    pub fn intend(&mut self, netns: &Netns, undos: &[Vec<Op>]) -> io::Result<usize> {
        self.batches += 1;
        let (dev, ino) = identity(netns).unwrap_or((0, 0));
        let mut text = format!("batch {} {dev}:{ino} {}\n", self.batches, netns_word(netns));
        // About a line of 60 bytes for each step's number and undo: one allocation.
        text.reserve(undos.len() * 72);
        for (step, undo) in undos.iter().enumerate() {
            text.push_str("step ");
            push_u64(&mut text, step as u64);
            text.push('\n');
            for op in undo {
                text.push_str("  ");
                words(op, &mut Line { text: &mut text, first: true });
                text.push('\n');
            }
        }
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()?;
        Ok(self.batches)
    }

    /// After batch `number`: the steps that took effect. The next batch may
    /// already be on disk (a long run sends one while it plans the next).
    pub fn applied(&mut self, number: usize, steps: &[usize]) -> io::Result<()> {
        let mut line = format!("applied {number} ");
        line.reserve(steps.len() * 6);
        for (i, step) in steps.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_u64(&mut line, *step as u64);
        }
        line.push('\n');
        // One write: `writeln!` would write its pieces one by one, and a
        // kill between them would leave a line that lists too few steps.
        self.file.write_all(line.as_bytes())
    }

    /// The run ended (committed, or rolled back): the record goes.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A namespace as one word of the record: `-` for lvsh's own.
fn netns_word(netns: &Netns) -> String {
    netns.path().map_or_else(|| "-".to_string(), |p| p.display().to_string())
}

/// A run that did not finish, as its record tells it.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub path: PathBuf,
    pub pid: u32,
    /// Seconds since the run started.
    pub age: u64,
    batches: Vec<Batch>,
}

#[derive(Debug, Clone)]
struct Batch {
    /// Its number in the record, which its `applied` line names.
    number: u64,
    netns: Netns,
    id: (u64, u64),
    steps: Vec<Vec<Op>>,
    /// The steps that took effect; `None` when the run died before it knew.
    applied: Option<Vec<usize>>,
}

impl Unfinished {
    /// How many changes it made (or may have made).
    pub fn changes(&self) -> usize {
        self.batches.iter().map(|b| b.applied.as_ref().map_or(b.steps.len(), Vec::len)).sum()
    }

    /// Whether it changed `netns`.
    pub fn touches(&self, netns: &Netns) -> bool {
        let id = identity(netns);
        self.batches.iter().any(|b| Some(b.id) == id)
    }

    /// Applies the undo, newest step first, in each namespace as it is
    /// found again; the record goes once every undo is done. Steps a dead
    /// run may not have applied are undone too, and what they cannot undo
    /// (it never happened) is not an error.
    pub fn recover(self, connect: impl Fn(&Netns) -> Result<Box<dyn Kernel>, KernelError>) -> Recovered {
        let mut recovered = Recovered { undone: 0, failed: Vec::new() };
        for batch in self.batches.iter().rev() {
            let netns = match identity(&batch.netns) == Some(batch.id) {
                true => batch.netns.clone(),
                false => {
                    recovered
                        .failed
                        .push(format!("the namespace {} of this run is gone", netns_word(&batch.netns)));
                    continue;
                }
            };
            let mut kernel = match connect(&netns) {
                Ok(k) => k,
                Err(e) => {
                    recovered.failed.push(e.to_string());
                    continue;
                }
            };
            let steps: Vec<usize> = batch.applied.clone().unwrap_or_else(|| (0..batch.steps.len()).collect());
            let ops: Vec<Op> =
                steps.iter().rev().filter_map(|&i| batch.steps.get(i)).flatten().cloned().collect();
            let outcomes = kernel.apply(&ops).unwrap_or_else(|e| vec![Err(e)]);
            for outcome in outcomes {
                match outcome {
                    Ok(()) => recovered.undone += 1,
                    Err(e) if batch.applied.is_none() && never_happened(&e) => {}
                    Err(e) => recovered.failed.push(e.to_string()),
                }
            }
        }
        if recovered.failed.is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
        recovered
    }

    /// Forgets the run: its changes stay (`lvsh recover --keep`).
    pub fn forget(self) -> io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

/// The errors of undoing a step that never took effect.
fn never_happened(e: &KernelError) -> bool {
    matches!(
        e,
        KernelError::NoSuchService { .. }
            | KernelError::NoSuchBackend { .. }
            | KernelError::ServiceExists { .. }
            | KernelError::BackendExists { .. }
    )
}

/// What `recover` did.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Undo operations the kernel took.
    pub undone: usize,
    /// What could not be undone, in words.
    pub failed: Vec<String>,
}

/// A warning for each unfinished run that left changes in `netns`, for the
/// start of a run or of the shell.
pub fn warnings(netns: &Netns, color: bool) -> String {
    let mut out = String::new();
    for run in unfinished().iter().filter(|r| r.touches(netns)) {
        let what = notes::run(run.pid, run.age, run.changes(), &run.path.display().to_string());
        let message = format!("{what} did not finish and its changes are still in the kernel");
        let help = "`lvsh recover` undoes them; `lvsh recover --keep` keeps them and forgets the run";
        out.push_str(&render_warning(&message, Some(help), color));
    }
    out
}

/// Every unfinished run: records whose process is gone.
pub fn unfinished() -> Vec<Unfinished> {
    let Ok(entries) = std::fs::read_dir(run_dir()) else { return Vec::new() };
    let mut runs: Vec<Unfinished> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "journal"))
        .filter_map(|p| read(&p))
        .collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.age));
    runs
}

/// A record, if its process is gone (a live run is not unfinished).
fn read(path: &Path) -> Option<Unfinished> {
    let text = std::fs::read_to_string(path).ok()?;
    let (pid, start) = text.lines().find_map(|l| {
        let mut words = l.strip_prefix("process ")?.split_whitespace();
        Some((words.next()?.parse::<u32>().ok()?, words.next()?.parse::<u64>().ok()?))
    })?;
    if start_time(pid) == Some(start) {
        return None;
    }
    let started = text.lines().find_map(|l| l.strip_prefix("started ")?.parse::<u64>().ok()).unwrap_or(0);
    Some(Unfinished {
        path: path.to_path_buf(),
        pid,
        age: now().saturating_sub(started),
        batches: batches(&text),
    })
}

/// The batches of a record's text; a line cut short by a crash ends them.
fn batches(text: &str) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for whole in text.split_inclusive('\n') {
        // Only a whole line counts: a kill may cut the last one short.
        let Some(line) = whole.strip_suffix('\n') else { break };
        if let Some(rest) = line.strip_prefix("batch ") {
            let mut words = rest.splitn(3, ' ');
            let (number, id, netns) = (words.next(), words.next().unwrap_or(""), words.next().unwrap_or("-"));
            let number = number.and_then(|n| n.parse().ok()).unwrap_or(0);
            let id = id.split_once(':').and_then(|(d, i)| Some((d.parse().ok()?, i.parse().ok()?)));
            let netns = if netns == "-" { Netns::Current } else { Netns::Path(PathBuf::from(netns)) };
            out.push(Batch { number, netns, id: id.unwrap_or((0, 0)), steps: Vec::new(), applied: None });
        } else if line.starts_with("step ") {
            if let Some(batch) = out.last_mut() {
                batch.steps.push(Vec::new());
            }
        } else if let Some(words) = line.strip_prefix("  ") {
            let op = shlex::split(words).and_then(|w| op_of(&w));
            match (out.last_mut().and_then(|b| b.steps.last_mut()), op) {
                (Some(step), Some(op)) => step.push(op),
                _ => break,
            }
        } else if let Some(rest) = line.strip_prefix("applied ") {
            let (number, list) = rest.split_once(' ').unwrap_or((rest, ""));
            let number: Option<u64> = number.parse().ok();
            // The batch it names: not always the last one begun.
            if let Some(batch) = out.iter_mut().rev().find(|b| Some(b.number) == number) {
                batch.applied = Some(list.split(',').filter_map(|n| n.parse().ok()).collect());
            }
        }
    }
    out
}

/// The operation an ipvsadm line of the record stands for.
fn op_of(words: &[String]) -> Option<Op> {
    parse_ipvsadm(words).ok()?.into_op()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Service, ServiceKey};
    use crate::render::ipvsadm_line::argv;

    #[test]
    fn a_record_reads_back_as_the_undo_it_holds_with_what_took_effect() {
        let key = ServiceKey::tcp("10.1.0.1:80".parse().unwrap());
        let undo_add = vec![Op::DelService(key)];
        let undo_backend = vec![Op::DelBackend { service: key, addr: "10.2.0.2:80".parse().unwrap() }];
        let mut text = String::from("process 1 2\nstarted 3\n");
        text.push_str("batch 1 5:6 -\nstep 0\n");
        for op in &undo_add {
            text.push_str(&format!("  {}\n", shlex::try_join(argv(op).iter().map(String::as_str)).unwrap()));
        }
        text.push_str("step 1\n");
        for op in &undo_backend {
            text.push_str(&format!("  {}\n", shlex::try_join(argv(op).iter().map(String::as_str)).unwrap()));
        }
        text.push_str("applied 1 0\nbatch 2 5:6 /run/netns/gw\nstep 0\n  -D -t 10.1.0.1:80\napplied 2 ");
        let read = batches(&text);
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].steps, vec![undo_add, undo_backend]);
        assert_eq!(read[0].applied, Some(vec![0]));
        assert_eq!(read[1].netns, Netns::Path("/run/netns/gw".into()));
        assert_eq!(read[1].steps.len(), 1);
        assert_eq!(read[1].applied, None, "the run died while it wrote what took effect");
        let run = Unfinished { path: PathBuf::new(), pid: 1, age: 0, batches: read };
        assert_eq!(run.changes(), 2, "one applied step, and one that may have been");
    }

    #[test]
    fn an_applied_line_names_its_batch_even_after_the_next_one_began() {
        // A long run writes the next window's undo while the kernel takes this one's.
        let text = "process 1 2\nbatch 1 5:6 -\nstep 0\n  -D -t 10.1.0.1:80\nstep 1\n  -D -t 10.1.0.2:80\n\
                    batch 2 5:6 -\nstep 0\n  -D -t 10.1.0.3:80\napplied 1 1\n";
        let read = batches(text);
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].applied, Some(vec![1]));
        assert_eq!(read[1].applied, None, "batch 2 was sent, but its answer never came");
        let run = Unfinished { path: PathBuf::new(), pid: 1, age: 0, batches: read };
        assert_eq!(run.changes(), 2);
    }

    #[test]
    fn a_line_cut_short_ends_the_record() {
        let text = "process 1 2\nbatch 1 5:6 -\nstep 0\n  -D -t 10.1.0.1:80\nbatch 2 5:6 -\nstep 0\n  -D -t 10.1.0.1:8";
        let read = batches(text);
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].steps.len(), read[0].applied.clone()), (1, None));
        assert_eq!(read[1].steps, vec![Vec::<Op>::new()], "the cut step holds nothing to undo");
    }

    #[test]
    fn every_operation_survives_the_record() {
        let key = ServiceKey::tcp("10.1.0.1:80".parse().unwrap());
        let backend = Backend::new("10.2.0.2:80".parse().unwrap(), crate::ipvs::Forward::Masq);
        let ops = [
            Op::AddService(Service::new(key)),
            Op::EditService(Service::new(key)),
            Op::DelService(key),
            Op::AddBackend { service: key, backend },
            Op::EditBackend { service: key, backend },
            Op::Flush,
        ];
        for op in ops {
            assert_eq!(op_of(&argv(&op)), Some(op.clone()), "{op:?}");
        }
    }

    #[test]
    fn record_lines_are_written_plain_and_quoted_only_where_a_shell_needs_it() {
        let line = |ws: &[&str]| {
            let mut text = String::new();
            let mut out = Line { text: &mut text, first: true };
            ws.iter().for_each(|w| crate::render::ipvsadm_line::Words::word(&mut out, w));
            text
        };
        assert_eq!(
            line(&["-a", "-t", "[2001:db8::1]:80", "-r", "10.0.0.2:8080", "-m", "-w", "1"]),
            "-a -t [2001:db8::1]:80 -r 10.0.0.2:8080 -m -w 1"
        );
        assert_eq!(
            line(&["--start-daemon", "master", "--mcast-interface", "eth 0"]),
            "--start-daemon master --mcast-interface 'eth 0'"
        );
    }
}
