//! The lab statements: building the lab, running programs in its nodes,
//! background jobs, the built-in backend, and choosing whose IPVS to act on.

use std::io::Read;

use super::{kernel_failure, Failure, Interpreter};
use crate::ipvs::{Kernel, KernelError, NetlinkKernel, Netns};
use crate::lab::build::{self, Done};
use crate::lab::error::LabError;
use crate::lab::plan::Step;
use crate::lab::Lab;
use crate::lang::ast::{ExpectJobStmt, LabAction, LabStmt, NodeCommand, ServeStmt};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span, Spanned};
use crate::node::serve::ready_line;
use crate::probe::names::Names;
use crate::render::lab as render;

/// A failure of the environment (a program, a namespace), with what to do.
pub(super) fn env_failure(
    source: &Source,
    span: Span,
    code: &'static str,
    message: String,
    help: &str,
) -> Failure {
    let d = Diagnostic::error(code, message, span, "").with_help(help.to_string());
    Failure::environment(source, d)
}

/// `jobs` or `stop` named a job, or a node, that has none.
fn no_job(source: &Source, which: &Spanned<String>) -> Failure {
    let d = Diagnostic::error(
        "lvs::jobs::unknown",
        format!("no job `{}`", which.value),
        which.span,
        "no such job",
    )
    .with_help("`jobs` lists them, with their numbers and nodes");
    Failure::script(source, d)
}

impl Interpreter {
    pub(super) fn lab(&mut self, source: &Source, span: Span, stmt: &LabStmt) -> Result<(), Failure> {
        // Read again which lab is there: another lvsh may have changed it.
        let prefix = stmt.prefix.clone().unwrap_or_else(|| self.lab.prefix.clone());
        self.lab = Lab::new(prefix);
        self.lab.ha |= stmt.ha;
        let lab = self.lab.clone();
        let fail = |e: LabError| env_failure(source, span, e.code(), e.to_string(), &e.help());
        let mut lines = String::new();
        let mut explain = |step: &Step, done: Done| {
            if stmt.explain {
                lines += &render::explained(step, done);
            }
        };
        match stmt.action {
            LabAction::Up => {
                let made = build::up(build::claim(&lab).map_err(fail)?, &mut explain).map_err(fail)?;
                lines += &render::up_summary(&lab, made);
                self.write(&lines)?;
                if !self.pinned {
                    self.act_on_directors()
                        .map_err(|e| kernel_failure(source, span, e, "lvs::use::failed"))?;
                    let directors = lab.directors();
                    self.write(&match directors.as_slice() {
                        [one] => format!("service commands now act on {one}'s IPVS\n"),
                        all => format!(
                            "service commands now act on the IPVS of {}, as one\n",
                            crate::render::words::and_list(all)
                        ),
                    })?;
                }
                Ok(())
            }
            LabAction::Down => {
                // Only what lvsh made goes: its jobs, its namespaces.
                let claim = build::claim(&lab).map_err(fail)?;
                let ours = claim.ours();
                let stopped = self.jobs.stop_in(&ours);
                self.leave_namespaces(source, span, &ours)?;
                let down = build::down(claim, &mut explain).map_err(fail)?;
                lines += &render::down_summary(down.removed, stopped.len());
                self.write(&lines)?;
                match down.refusal() {
                    Some(e) => Err(fail(e)),
                    None => Ok(()),
                }
            }
            LabAction::Failover => {
                let claim = build::claim(&lab).map_err(fail)?;
                let done = build::failover(&claim).map_err(fail)?;
                self.write(&render::failover(&done))
            }
            LabAction::Backends(method) => self.lab_backends(source, span, stmt, method),
            LabAction::Status => {
                let status = build::status(&lab).map_err(fail)?;
                // Naming a lab that is up (`lab status prefix P`) means working in it.
                if stmt.prefix.is_some() && status.is_up() && !self.pinned {
                    self.act_on_directors()
                        .map_err(|e| kernel_failure(source, span, e, "lvs::use::failed"))?;
                }
                let jobs = self.jobs.list();
                let acting = self.acting_on().map(str::to_string);
                match stmt.json || self.json {
                    true => self.write(&render::status_json(&status, &jobs, acting.as_deref())),
                    false => self.write(&render::status(&status, &jobs, acting.as_deref())),
                }
            }
        }
    }

    /// Runs a program in a node: in the foreground, its output streams into
    /// lvsh's; a failing exit stops the run like any failed statement.
    pub(super) fn on_node(&mut self, source: &Source, span: Span, c: &NodeCommand) -> Result<(), Failure> {
        // A program may change the table (`gw ipvsadm -a ...`): the history reads it after.
        self.applied = None;
        let netns = self.lab.resolve(&c.node.value);
        let spawn_failure = |e: crate::node::spawn::SpawnError| {
            env_failure(source, span, "lvs::node::spawn", e.to_string(), e.help())
        };
        if c.background {
            let id = self.jobs.start(&netns.to_string(), &netns, &c.argv, &c.text).map_err(spawn_failure)?;
            let pid = self.jobs.list().iter().find(|j| j.id == id).map_or(0, |j| j.pid);
            return self.write(&format!("[{id}] {}: {} (pid {pid})\n", c.node.value, c.text));
        }
        let (mut child, mut reader) = crate::node::spawn::spawn(&netns, &c.argv).map_err(spawn_failure)?;
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut chunk) {
            self.write(&String::from_utf8_lossy(&chunk[..n]))?;
        }
        // A signal ends the read at once: the command ends with the run.
        if super::interrupt::pending().is_some() {
            crate::node::spawn::signal_group(&child, libc::SIGTERM);
            let _ = child.wait();
            return self.stop_if_signalled(source, span);
        }
        let status = child.wait().map_err(|e| {
            env_failure(
                source,
                span,
                "lvs::node::spawn",
                format!("cannot wait for `{}`: {e}", c.text),
                "try again",
            )
        })?;
        if status.success() {
            return Ok(());
        }
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        Err(env_failure(
            source,
            span,
            "lvs::node::failed",
            format!("`{}` on {} {how}", c.text, c.node.value),
            "its output above says why; run it in the background with `&` if it is a server",
        ))
    }

    pub(super) fn jobs(&mut self, source: &Source, which: Option<&Spanned<String>>) -> Result<(), Failure> {
        let all = self.jobs.list();
        let Some(which) = which else {
            return match self.json {
                true => self.write(&render::jobs_json(&all.iter().map(|j| (j, None)).collect::<Vec<_>>())),
                false => self.write(&render::jobs(&all)),
            };
        };
        let chosen: Vec<_> = match which.value.parse::<usize>() {
            Ok(id) => all.iter().filter(|j| j.id == id).collect(),
            Err(_) => {
                let ns = self.lab.resolve(&which.value).to_string();
                all.iter().filter(|j| j.node == ns).collect()
            }
        };
        if chosen.is_empty() {
            return Err(no_job(source, which));
        }
        let outputs: Vec<_> =
            chosen.into_iter().map(|j| (j, Some(self.jobs.output(j.id).unwrap_or_default()))).collect();
        if self.json {
            return self.write(&render::jobs_json(&outputs));
        }
        let text: String = outputs
            .iter()
            .map(|(job, output)| render::job_output(job, output.as_deref().unwrap_or("")))
            .collect();
        self.write(&text)
    }

    /// `expect job N prints TEXT`: waits for a line holding TEXT that the
    /// job prints from now on (a connection still alive after a failover).
    pub(super) fn expect_job(&mut self, source: &Source, e: &ExpectJobStmt) -> Result<(), Failure> {
        let line = crate::lang::print::print_stmt(&crate::lang::ast::StmtKind::ExpectJob(e.clone()));
        let all = self.jobs.list();
        let found = match e.job.value.parse::<usize>() {
            Ok(id) => all.iter().find(|j| j.id == id),
            Err(_) => {
                let ns = self.lab.resolve(&e.job.value).to_string();
                all.iter().rev().find(|j| j.node == ns)
            }
        };
        let Some((id, from)) = found.and_then(|j| Some((j.id, self.jobs.output(j.id)?.len()))) else {
            return Err(no_job(source, &e.job));
        };
        let expected = format!("a line with {:?} within {}s", e.text.value, e.within.as_secs_f64());
        if self.jobs.wait_for_after(id, from, &e.text.value, e.within) {
            return match self.json {
                true => self.write(&crate::render::probe::verdict_json(&line, true, &expected, "printed")),
                false => self.write(&format!("ok: {line}\n")),
            };
        }
        let output = self.jobs.output(id).unwrap_or_default();
        let new = output.get(from..).unwrap_or(&output);
        let last: Vec<&str> = new.lines().rev().take(3).collect();
        let observed = match last.is_empty() {
            true => "it printed nothing since".to_string(),
            false => format!("its last lines: {}", last.into_iter().rev().collect::<Vec<_>>().join(" / ")),
        };
        let state = self.jobs.list().into_iter().find(|j| j.id == id).and_then(|j| j.exit);
        let observed = format!(
            "{observed}{}",
            state.map_or(String::new(), |code| format!(" (the job has ended, status {code})"))
        );
        if self.json {
            self.write(&crate::render::probe::verdict_json(&line, false, &expected, &observed))?;
        }
        let d = Diagnostic::error(
            "lvs::expect::failed",
            format!("expectation failed: {line}"),
            e.text.span,
            "not printed",
        )
        .with_note(format!("expected: {expected}"))
        .with_note(format!("observed: {observed}"));
        Err(Failure::expectation(source, d))
    }

    /// `stop N`, or `stop NODE`: every job of that node.
    pub(super) fn stop(&mut self, source: &Source, which: &Spanned<String>) -> Result<(), Failure> {
        let stopped = match which.value.parse::<usize>() {
            Ok(id) => self.jobs.stop(id).into_iter().collect(),
            Err(_) => self.jobs.stop_in(&[self.lab.resolve(&which.value).to_string()]),
        };
        if stopped.is_empty() {
            return Err(no_job(source, which));
        }
        let lines: String = stopped
            .iter()
            .map(|job| format!("[{}] stopped: {} {}\n", job.id, job.node, job.command))
            .collect();
        self.write(&lines)
    }

    /// Starts lvsh's own backend server in a node, as a job, and waits until
    /// it listens so that a probe right after finds it.
    pub(super) fn serve(&mut self, source: &Source, span: Span, s: &ServeStmt) -> Result<(), Failure> {
        let netns = self.lab.resolve(&s.node.value);
        let exe = std::env::current_exe().map_err(|e| {
            env_failure(
                source,
                span,
                "lvs::node::spawn",
                format!("cannot find lvsh itself: {e}"),
                "reinstall lvsh",
            )
        })?;
        let name = s.node.value.rsplit('/').next().unwrap_or(&s.node.value).to_string();
        let mut argv = vec![
            exe.display().to_string(),
            "serve-backend".to_string(),
            "--name".to_string(),
            name.clone(),
            "--port".to_string(),
            s.port.to_string(),
            "--kind".to_string(),
            s.kind.name().to_string(),
        ];
        if let Some(reply) = &s.reply {
            argv.extend(["--reply".to_string(), reply.clone()]);
        }
        let command = crate::lang::print::print_stmt(&crate::lang::ast::StmtKind::Serve(s.clone()));
        let ready = ready_line(&name, s.kind, s.port);
        // The same server again (a second lesson, a script run twice) is the one running.
        if let Some(id) = self.jobs.running(&netns.to_string(), &command) {
            return self.write(&format!("[{id}] {ready} (already)\n"));
        }
        let id = self
            .jobs
            .start(&netns.to_string(), &netns, &argv, &command)
            .map_err(|e| env_failure(source, span, "lvs::node::spawn", e.to_string(), e.help()))?;
        // A server that fails exits at once (the wait ends then); a slow,
        // loaded machine may take seconds just to start the binary.
        const START: std::time::Duration = std::time::Duration::from_secs(30);
        if self.jobs.wait_for(id, &ready, START) {
            return self.write(&format!("[{id}] {ready}\n"));
        }
        let output = self.jobs.output(id).unwrap_or_default();
        self.jobs.stop(id);
        let why = match output.trim() {
            "" => format!("it did not say it was ready within {}s", START.as_secs()),
            said => said.to_string(),
        };
        Err(env_failure(
            source,
            span,
            "lvs::serve::failed",
            format!("the server on {} did not start: {why}", s.node.value),
            "is the port already taken there? `jobs` and `lab status` show what runs",
        ))
    }

    /// `use NODE`: act on that namespace's IPVS from now on; `use -` goes
    /// back to where lvsh started.
    pub(super) fn use_node(&mut self, source: &Source, node: &Spanned<String>) -> Result<(), Failure> {
        let (label, netns) = match node.value.as_str() {
            "-" => (None, self.home.clone()),
            name => (Some(name), self.lab.resolve(name)),
        };
        self.switch_to(source, node.span, label, netns)?;
        self.group.clear();
        let whose = match (&self.chosen, &self.home) {
            (Some(name), _) => name.clone(),
            (None, Netns::Current) => "lvsh's own namespace".to_string(),
            (None, home) => home.to_string(),
        };
        self.write(&format!("service commands now act on the IPVS of {whose}\n"))
    }

    /// [`Interpreter::enter`], failing at `span`.
    fn switch_to(
        &mut self,
        source: &Source,
        span: Span,
        label: Option<&str>,
        netns: Netns,
    ) -> Result<(), Failure> {
        self.enter(label, netns).map_err(|e| kernel_failure(source, span, e, "lvs::use::failed"))
    }

    /// Makes `netns`'s IPVS the one lvsh acts on, keeping the current one for
    /// a rollback of this run; `label` is how the user names it (`None`: where
    /// lvsh started).
    pub(super) fn enter(&mut self, label: Option<&str>, netns: Netns) -> Result<(), KernelError> {
        if self.kernel.netns() != netns {
            let next: Box<dyn Kernel> = match self.parked.iter().position(|k| k.netns() == netns) {
                Some(i) => self.parked.remove(i),
                None => Box::new(NetlinkKernel::connect_in(&netns)?),
            };
            let previous = std::mem::replace(&mut self.kernel, next);
            self.parked.push(previous);
        }
        self.chosen = label.map(str::to_string);
        Ok(())
    }

    /// Before namespaces are deleted: lvsh stops acting in them and forgets
    /// their changes (there is nothing left to roll back).
    fn leave_namespaces(
        &mut self,
        source: &Source,
        span: Span,
        namespaces: &[String],
    ) -> Result<(), Failure> {
        let gone = |n: &Netns| matches!(n, Netns::Named(name) if namespaces.contains(name));
        if gone(&self.kernel.netns()) {
            let home = self.home.clone();
            self.switch_to(source, span, None, home)?;
        }
        for kernel in self.parked.iter().filter(|k| gone(&k.netns())) {
            self.journal.forget(&kernel.netns());
        }
        self.parked.retain(|k| !gone(&k.netns()));
        if self.group.iter().any(|m| gone(&m.netns)) {
            self.group.clear();
        }
        Ok(())
    }

    /// With no `--netns`, a lab that is up means gw: lvsh acts on gw's IPVS.
    /// An lvsh started inside a node (`gw lvsh keep ...`) acts where it is.
    pub fn follow_lab(&mut self) {
        if self.pinned || !self.lab.is_up() || !crate::lab::ownership::in_the_machines_namespace() {
            return;
        }
        // A gw lvsh cannot reach leaves it where it is: commands say why then.
        let _ = self.act_on_directors();
    }

    /// Acts on the lab's directors: gw, or gw and gw2 as one.
    fn act_on_directors(&mut self) -> Result<(), KernelError> {
        let members = self
            .lab
            .directors()
            .into_iter()
            .map(|d| super::group::Member { name: d.to_string(), netns: self.lab.resolve(d) });
        self.act_on_all(members.collect())
    }
}

impl Interpreter {
    /// Whether lvsh acts on the lab's director, so its nodes may be entered
    /// and named.
    pub(super) fn in_lab(&self) -> bool {
        self.lab_director().is_some()
    }

    /// The lab's director lvsh acts on (gw, or gw2 in the HA lab), if it
    /// acts on one of a lab that is up.
    fn lab_director(&self) -> Option<&'static str> {
        let netns = self.kernel.netns();
        let director = self.lab.directors().into_iter().find(|d| netns == self.lab.resolve(d))?;
        self.lab.is_up().then_some(director)
    }

    /// The names to print next to addresses: the lab's nodes, in the lab only.
    pub(super) fn names(&self) -> Names {
        match self.in_lab() {
            true => self.lab.names(),
            false => Names::default(),
        }
    }

    /// The director as output names it: `gw` in the lab, the node lvsh was
    /// pointed at, or this host.
    pub(super) fn director_name(&self) -> String {
        match (self.lab_director(), self.acting_on()) {
            (Some(director), _) => director.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => match self.kernel.netns() {
                Netns::Current => "this host".to_string(),
                other => other.to_string(),
            },
        }
    }
}
