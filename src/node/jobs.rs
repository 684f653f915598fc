//! Background jobs: programs started with `&` (or `serve`) in a node, their
//! output kept so it can be read later (`jobs N`), as the tutorial reads
//! the backends' nc windows. Jobs end with `stop N`, `lab down`, or lvsh.

use std::io::{PipeReader, Read};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::spawn::{signal_group, spawn, SpawnError};
use crate::ipvs::Netns;

/// How much of a job's output is kept: the newest bytes win.
const KEPT: usize = 1 << 20;

/// One background job.
#[derive(Debug)]
pub struct Job {
    /// Its number, from 1, never reused in a session.
    pub id: usize,
    /// The node (or namespace) it runs in, as the user named it.
    pub node: String,
    /// The command as the user wrote it.
    pub command: String,
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    /// Set when the output pipe closed: everything the job wrote is in `output`.
    closed: Arc<AtomicBool>,
}

/// A job as `jobs` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    pub id: usize,
    pub node: String,
    pub command: String,
    pub pid: u32,
    /// `None` while it runs, else its exit code (or `-signal`).
    pub exit: Option<i32>,
    pub output_lines: usize,
}

/// The session's jobs.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Vec<Job>,
    next: usize,
}

impl Jobs {
    /// Starts `argv` in `netns` in the background; returns its number.
    pub fn start(
        &mut self,
        node: &str,
        netns: &Netns,
        argv: &[String],
        command: &str,
    ) -> Result<usize, SpawnError> {
        let (child, reader) = spawn(netns, argv)?;
        let output = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        collect(reader, Arc::clone(&output), Arc::clone(&closed));
        self.next += 1;
        let (node, command) = (node.to_string(), command.to_string());
        self.jobs.push(Job { id: self.next, node, command, child, output, closed });
        Ok(self.next)
    }

    /// Every job, oldest first.
    pub fn list(&mut self) -> Vec<JobInfo> {
        self.jobs.iter_mut().map(info).collect()
    }

    /// The number of a job still running `command` in `node`, if any.
    pub fn running(&mut self, node: &str, command: &str) -> Option<usize> {
        let job = self.jobs.iter_mut().find(|j| j.node == node && j.command == command)?;
        matches!(job.child.try_wait(), Ok(None)).then_some(job.id)
    }

    /// A job's output so far.
    pub fn output(&self, id: usize) -> Option<String> {
        let job = self.jobs.iter().find(|j| j.id == id)?;
        Some(text_of(&job.output))
    }

    /// Waits until a job's output contains `text`, it exits, or `timeout`
    /// passes; true if the text came.
    pub fn wait_for(&mut self, id: usize, text: &str, timeout: Duration) -> bool {
        self.wait_for_after(id, 0, text, timeout)
    }

    /// [`Jobs::wait_for`], looking only at the output after its first
    /// `from` bytes (what it printed since then; all of it if the kept
    /// output has been cut shorter since).
    pub fn wait_for_after(&mut self, id: usize, from: usize, text: &str, timeout: Duration) -> bool {
        let holds = |output: &str| output.get(from..).unwrap_or(output).contains(text);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let Some(job) = self.jobs.iter_mut().find(|j| j.id == id) else { return false };
            if holds(&text_of(&job.output)) {
                return true;
            }
            if job.closed.load(Ordering::Acquire) && matches!(job.child.try_wait(), Ok(Some(_))) {
                return holds(&text_of(&job.output));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Stops a job (TERM to its process group, KILL after a second) and
    /// forgets it; its final state, or `None` if there is no such job.
    pub fn stop(&mut self, id: usize) -> Option<JobInfo> {
        let index = self.jobs.iter().position(|j| j.id == id)?;
        let mut job = self.jobs.remove(index);
        end(&mut job);
        Some(info(&mut job))
    }

    /// Stops every job running in one of `nodes`' namespaces.
    pub fn stop_in(&mut self, nodes: &[String]) -> Vec<JobInfo> {
        let ids: Vec<usize> = self.jobs.iter().filter(|j| nodes.contains(&j.node)).map(|j| j.id).collect();
        ids.into_iter().filter_map(|id| self.stop(id)).collect()
    }

    /// Stops every job.
    pub fn stop_all(&mut self) {
        for mut job in self.jobs.drain(..) {
            end(&mut job);
        }
    }
}

impl Drop for Jobs {
    /// A job never outlives lvsh: it would hold its namespace.
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn info(job: &mut Job) -> JobInfo {
    let exit = match job.child.try_wait() {
        Ok(Some(status)) => Some(status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            -status.signal().unwrap_or(0)
        })),
        _ => None,
    };
    // Counted on the bytes, as `str::lines` would: a last line needs no newline.
    let output_lines = job.output.lock().map_or(0, |o| {
        o.iter().filter(|b| **b == b'\n').count() + usize::from(o.last().is_some_and(|b| *b != b'\n'))
    });
    JobInfo {
        id: job.id,
        node: job.node.clone(),
        command: job.command.clone(),
        pid: job.child.id(),
        exit,
        output_lines,
    }
}

fn end(job: &mut Job) {
    if matches!(job.child.try_wait(), Ok(Some(_))) {
        return;
    }
    signal_group(&job.child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if matches!(job.child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    signal_group(&job.child, libc::SIGKILL);
    let _ = job.child.wait();
}

/// Reads a job's output into `into` until the job closes it.
fn collect(mut reader: PipeReader, into: Arc<Mutex<Vec<u8>>>, closed: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut chunk) {
            let Ok(mut kept) = into.lock() else { break };
            kept.extend_from_slice(&chunk[..n]);
            if kept.len() > KEPT {
                let excess = kept.len() - KEPT;
                kept.drain(..excess);
            }
        }
        closed.store(true, Ordering::Release);
    });
}

fn text_of(output: &Mutex<Vec<u8>>) -> String {
    output.lock().map(|o| String::from_utf8_lossy(&o).into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_jobs_output_is_kept_and_it_can_be_stopped() {
        let mut jobs = Jobs::default();
        let id =
            jobs.start("here", &Netns::Current, &argv(&["sh", "-c", "echo ready; sleep 30"]), "x").unwrap();
        assert!(jobs.wait_for(id, "ready", Duration::from_secs(5)));
        assert_eq!(jobs.list()[0].exit, None);
        let stopped = jobs.stop(id).unwrap();
        assert_eq!(stopped.exit, Some(-libc::SIGTERM));
        assert_eq!(stopped.output_lines, 1);
        assert!(jobs.list().is_empty());
        assert!(jobs.stop(id).is_none());
    }

    #[test]
    fn a_finished_job_shows_its_exit_code() {
        let mut jobs = Jobs::default();
        let id = jobs.start("here", &Netns::Current, &argv(&["sh", "-c", "echo bye; exit 3"]), "x").unwrap();
        assert!(jobs.wait_for(id, "bye", Duration::from_secs(5)));
        let deadline = Instant::now() + Duration::from_secs(5);
        while jobs.list()[0].exit.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(jobs.list()[0].exit, Some(3));
        assert_eq!(jobs.output(id).as_deref(), Some("bye\n"));
    }
}
