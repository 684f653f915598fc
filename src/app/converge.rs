//! `lvsh plan`, `lvsh apply` and `lvsh export`: declarations against the
//! live kernel.

use std::path::PathBuf;
use std::time::Duration;

use super::{exit_code, App, ErrorSummary, Withheld};
use crate::converge::history;
use crate::converge::{self, Desired, Plan};
use crate::interp::group::Member;
use crate::interp::{FailureKind, Interpreter};
use crate::ipvs::Netns;
use crate::lang::source::Source;
use crate::render;

/// The live table of each namespace acted on.
type Tables = Vec<(Member, converge::Live)>;

/// `plan`'s exit status when the kernel differs from the files.
pub const EXIT_PENDING: u8 = 1;

/// What `apply` is asked to do besides converging.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Remove services the files do not declare.
    pub prune: bool,
    /// Quiesce backends that go, and wait this long for their connections.
    pub drain: Option<Duration>,
    /// Revert unless confirmed within this time.
    pub confirm: Option<Duration>,
}

impl App {
    /// Reads, parses and checks declaration files, and builds the table
    /// they declare; every problem is reported, with the exit code.
    pub(super) fn declarations(&self, files: &[PathBuf]) -> Result<(Vec<Source>, Desired), u8> {
        let mut sources = Vec::new();
        for file in files {
            if crate::script::is_rhai(file) {
                return Err(self.fail_plain(
                    &format!("`{}` is a Rhai script: `plan` and `apply` take .lvs declarations", file.display()),
                    Some("run a Rhai script with `lvsh run`; `lvsh export` prints the table it made as declarations"),
                    FailureKind::Script,
                ));
            }
            sources.push(self.read(file)?);
        }
        let parsed: Vec<_> =
            sources.iter().map(|s| crate::lang::parse::parse_script(s, crate::lab::Lab::is_node)).collect();
        // A `backend` may name a service another file declares.
        let names: Vec<String> = parsed
            .iter()
            .flat_map(|(script, _)| &script.stmts)
            .filter_map(|s| match &s.kind {
                crate::lang::ast::StmtKind::Service(d) => d.name.as_ref().map(|n| n.value.clone()),
                _ => None,
            })
            .collect();
        // Each file's diagnostics in the order of their places: the parser's
        // and checker's, then what keeps the files from declaring a table
        // (which says better than the checker when a name is not declared).
        let stmts: Vec<&[crate::lang::ast::Stmt]> = parsed.iter().map(|(s, _)| s.stmts.as_slice()).collect();
        let declared = converge::desired::desired(&stmts);
        let mut per_file: Vec<Vec<crate::lang::diagnostic::Diagnostic>> = parsed
            .iter()
            .map(|(script, diagnostics)| {
                let checked = crate::lang::check::check(script, &names);
                let checked = checked.into_iter().filter(|d| d.code != "lvs::check::unknown-service");
                diagnostics.iter().cloned().chain(checked).collect()
            })
            .collect();
        if let Err(found) = &declared {
            for (file, d) in found {
                per_file[*file].push(d.clone());
            }
        }
        let mut errors = 0;
        for (source, mut diagnostics) in sources.iter().zip(per_file) {
            diagnostics.sort_by_key(|d| d.primary.span.start);
            errors += self.report(source, &diagnostics);
        }
        if let (0, Ok(desired)) = (errors, declared) {
            return Ok((sources, desired));
        }
        eprintln!("{}", ErrorSummary { errors, withheld: Withheld::KernelChanges });
        Err(exit_code(FailureKind::Script))
    }

    /// An interpreter on the kernel `plan`, `apply` and `export` act on;
    /// without IPVS there, the reason, with exit 4.
    pub(super) fn converging(&self) -> Result<Interpreter, u8> {
        let kernel = crate::ipvs::NetlinkKernel::connect_in(&self.netns)
            .map_err(|e| self.fail_plain(&e.to_string(), e.help().as_deref(), FailureKind::Environment))?;
        self.interpreter(Box::new(kernel))
    }

    /// The files' table and the kernel's, read at once: parsing a big file
    /// takes about as long as listing a big table (scripts/bench), so the
    /// files are read on a thread of their own. Errors in the files come
    /// first; then a kernel that cannot be read (exit 4).
    fn declared_and_live(
        &self,
        files: &[PathBuf],
    ) -> Result<(Vec<Source>, Desired, Interpreter, Tables), u8> {
        std::thread::scope(|scope| {
            let declared = scope.spawn(|| self.declarations(files));
            let read = crate::ipvs::NetlinkKernel::connect_in(&self.netns).map(|kernel| {
                self.interpreter(Box::new(kernel)).map(|mut interp| {
                    let tables = interp.live_each();
                    (interp, tables)
                })
            });
            let (sources, desired) =
                declared.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            match read {
                Err(e) => Err(self.fail_plain(&e.to_string(), e.help().as_deref(), FailureKind::Environment)),
                Ok(Err(code)) => Err(code),
                Ok(Ok((_, Err(e)))) => Err(self.unreadable(&e)),
                Ok(Ok((interp, Ok(tables)))) => Ok((sources, desired, interp, tables)),
            }
        })
    }

    fn unreadable(&self, e: &crate::ipvs::KernelError) -> u8 {
        let message = format!("cannot read the kernel's table: {e}");
        self.fail_plain(&message, e.help().as_deref(), FailureKind::Environment)
    }

    /// The live table, or the reason it cannot be read (exit 4).
    fn live(&self, interp: &mut Interpreter) -> Result<converge::Live, u8> {
        interp.live().map_err(|e| self.unreadable(&e))
    }

    /// `lvsh plan FILE...`: what `apply` would change; exit 0 in sync, 1
    /// changes pending.
    pub(super) fn plan(&self, files: &[PathBuf], prune: bool) -> u8 {
        let result = self.declared_and_live(files).map(|(_, desired, _, tables)| {
            tables
                .into_iter()
                .map(|(m, live)| (m, converge::plan(&desired, &live, prune)))
                .collect::<Vec<_>>()
        });
        match result {
            Ok(plans) => {
                self.print_plans(&plans);
                match plans.iter().all(|(_, plan)| plan.in_sync()) {
                    true => 0,
                    false => EXIT_PENDING,
                }
            }
            Err(code) => code,
        }
    }

    fn print_plan(&self, plan: &Plan) {
        match self.json {
            true => print!("{}", render::plan::json(plan)),
            false => print!("{}", render::plan::text(plan)),
        }
    }

    /// One plan as [`App::print_plan`] prints it; several, each under its
    /// namespace's name (JSON: `{"namespaces": [{"name", "plan"}]}`).
    fn print_plans(&self, plans: &[(Member, Plan)]) {
        if let [(_, plan)] = plans {
            return self.print_plan(plan);
        }
        match self.json {
            true => {
                let each: Vec<serde_json::Value> = plans
                    .iter()
                    .map(|(m, plan)| {
                        let plan: serde_json::Value =
                            serde_json::from_str(&render::plan::json(plan)).unwrap_or_default();
                        serde_json::json!({ "name": m.name, "plan": plan })
                    })
                    .collect();
                println!("{}", serde_json::json!({ "namespaces": each }));
            }
            false => {
                for (m, plan) in plans {
                    print!("== {} ==\n{}", m.name, render::plan::text(plan));
                }
            }
        }
    }

    /// `lvsh apply FILE...`: the kernel made as the files declare, in one
    /// transaction.
    pub(super) fn apply(&self, files: &[PathBuf], options: ApplyOptions) -> u8 {
        let (sources, desired, mut interp, mut tables) = match self.declared_and_live(files) {
            Ok(read) => read,
            Err(code) => return code,
        };
        let command = command_line("apply", files, options);
        match tables.len() {
            1 => {
                let (_, live) = tables.remove(0);
                self.converge_to(&mut interp, &sources, &desired, live, options, &command)
            }
            _ => self.converge_all(&mut interp, &sources, &desired, tables, options, &command),
        }
    }

    /// [`App::converge_to`] for several namespaces at once: every plan
    /// shown, then all carried out as one transaction, each namespace
    /// keeping its own history entry.
    fn converge_all(
        &self,
        interp: &mut Interpreter,
        sources: &[Source],
        desired: &Desired,
        tables: Tables,
        options: ApplyOptions,
        command: &str,
    ) -> u8 {
        if options.confirm.is_some() {
            return self.fail_plain(
                "`--confirm` waits on one namespace, and `--netns` names several",
                Some("apply to each namespace with its own `--netns` to confirm it, or apply to all without `--confirm`"),
                FailureKind::Script,
            );
        }
        for (member, _) in &tables {
            if let Some(code) = self.refuse_while_pending(&member.netns) {
                return code;
            }
            eprint!("{}", crate::interp::recovery::warnings(&member.netns, self.color));
        }
        crate::interp::interrupt::catch(&crate::interp::interrupt::Signal::ALL);
        let plans: Vec<(Member, Plan)> = tables
            .iter()
            .map(|(m, live)| (m.clone(), converge::plan(desired, live, options.prune)))
            .collect();
        self.print_plans(&plans);
        if plans.iter().all(|(_, plan)| plan.in_sync()) {
            return 0;
        }
        let mut count = 0;
        let mut entries = Vec::new();
        let mut each = Vec::new();
        for ((member, plan), (_, live)) in plans.iter().zip(&tables) {
            if plan.in_sync() {
                continue;
            }
            let steps = converge::steps(plan, options.drain.is_some());
            count += steps.len();
            // The entry goes first: a change is never made without its way back.
            entries.extend(self.remember(
                &member.netns,
                live,
                command,
                &render::plan::tally(&plan.changes()),
            ));
            each.push((member.clone(), steps));
        }
        if let Err(failure) = interp.converge_each(sources, each, options.drain.unwrap_or_default()) {
            for entry in &entries {
                let _ = std::fs::remove_file(&entry.path);
            }
            return self.fail(&failure);
        }
        for (member, live) in &tables {
            if let Err(e) = history::remember_names(&member.netns, desired, live) {
                eprintln!(
                    "warning: cannot keep the services' names in {}: {e}",
                    history::state_dir().display()
                );
            }
        }
        if !self.json {
            let names: Vec<&str> = tables.iter().map(|(m, _)| m.name.as_str()).collect();
            println!(
                "applied: {} to {}, as one (`lvsh --netns NAME rollback` undoes each)",
                render::words::plural(count, "kernel operation"),
                render::words::and_list(&names)
            );
        }
        0
    }

    /// Shows the plan from the live table to `desired`, then carries it out
    /// as one transaction, keeping the table as it was in the history.
    fn converge_to(
        &self,
        interp: &mut Interpreter,
        sources: &[Source],
        desired: &Desired,
        live: converge::Live,
        options: ApplyOptions,
        command: &str,
    ) -> u8 {
        let netns = interp.netns();
        if let Some(code) = self.refuse_while_pending(&netns) {
            return code;
        }
        eprint!("{}", crate::interp::recovery::warnings(&netns, self.color));
        crate::interp::interrupt::catch(&crate::interp::interrupt::Signal::ALL);
        let plan = converge::plan(desired, &live, options.prune);
        self.print_plan(&plan);
        if plan.in_sync() {
            return 0;
        }
        let steps = converge::steps(&plan, options.drain.is_some());
        let count = steps.len();
        // The entry goes first: a change is never made without its way back.
        let entry = self.remember(&netns, &live, command, &render::plan::tally(&plan.changes()));
        let armed = match (options.confirm, &entry) {
            (None, _) => None,
            (Some(within), Some(entry)) => match self.arm(&netns, entry.number, within) {
                Ok(path) => Some(path),
                Err(code) => return code,
            },
            (Some(_), None) => {
                let message = "`--confirm` needs the history to revert to, and it could not be kept";
                return self.fail_plain(message, Some("see the warning above"), FailureKind::Environment);
            }
        };
        if let Err(failure) = interp.converge(sources, steps, options.drain.unwrap_or_default()) {
            if let Some(path) = &armed {
                self.disarm(path);
            }
            if let Some(entry) = entry {
                let _ = std::fs::remove_file(&entry.path);
            }
            return self.fail(&failure);
        }
        if let Err(e) = history::remember_names(&netns, desired, &live) {
            eprintln!("warning: cannot keep the services' names in {}: {e}", history::state_dir().display());
        }
        if !self.json {
            let number = entry.map(|e| format!(" (history {}: `lvsh rollback` undoes it)", e.number));
            println!(
                "applied: {}{}",
                render::words::plural(count, "kernel operation"),
                number.unwrap_or_default()
            );
        }
        match armed {
            Some(path) => self.await_confirmation(&path),
            None => 0,
        }
    }

    /// Keeps `live` as the next history entry of `netns`; a warning if it cannot.
    fn remember(
        &self,
        netns: &Netns,
        live: &converge::Live,
        command: &str,
        changes: &str,
    ) -> Option<history::Entry> {
        let names = history::names(netns);
        let export = render::export::export(live, &|key| names.get(key).cloned());
        match history::record(netns, &export, command, changes) {
            Ok(entry) => Some(entry),
            Err(e) => {
                eprintln!(
                    "warning: cannot keep the table before this change in {}: {e}; `lvsh rollback` will not reach it",
                    history::state_dir().display()
                );
                None
            }
        }
    }

    /// After a `run` that changed the kernel: the table before it, in the history.
    pub(super) fn remember_run(&self, interp: &mut Interpreter, files: &[String]) {
        let Some((netns, before)) = interp.take_before() else { return };
        let Ok(changes) = interp.changes_since(&before) else { return };
        if !changes.none() {
            self.remember(
                &netns,
                &before,
                &format!("run {}", files.join(" ")),
                &render::plan::tally(&changes),
            );
        }
    }

    /// `lvsh history [N]`: the changes kept, newest first; or the table before change N.
    pub(super) fn history(&self, number: Option<u64>) -> u8 {
        let netns = match self.converging() {
            Ok(interp) => interp.netns(),
            Err(code) => return code,
        };
        let entries = history::entries(&netns);
        match number {
            None => {
                match self.json {
                    true => print!("{}", render::history::json(&netns.to_string(), &entries)),
                    false => print!("{}", render::history::list(&entries)),
                }
                0
            }
            Some(n) => match entries.iter().find(|e| e.number == n) {
                Some(entry) => match std::fs::read_to_string(&entry.path) {
                    Ok(text) => {
                        match self.json {
                            true => {
                                print!("{}", render::history::entry_json(&netns.to_string(), entry, &text))
                            }
                            false => print!("{text}"),
                        }
                        0
                    }
                    Err(e) => self.fail_plain(
                        &format!("cannot read history entry {n} ({}): {e}", entry.path.display()),
                        None,
                        FailureKind::Environment,
                    ),
                },
                None => self.no_entry(n, &entries),
            },
        }
    }

    fn no_entry(&self, n: u64, entries: &[history::Entry]) -> u8 {
        let help = match (entries.first(), entries.last()) {
            (Some(first), Some(last)) => format!(
                "the history holds changes {} to {}: `lvsh history` lists them",
                first.number, last.number
            ),
            _ => "no change was recorded in this namespace yet".to_string(),
        };
        self.fail_plain(&format!("no change {n} in the history"), Some(&help), FailureKind::Script)
    }

    /// `lvsh rollback [N]`: the table as it was before the last change (or
    /// change N), after showing the plan, as one transaction.
    pub(super) fn rollback(&self, number: Option<u64>, why: &str) -> u8 {
        let mut interp = match self.converging() {
            Ok(i) => i,
            Err(code) => return code,
        };
        let entries = history::entries(&interp.netns());
        let entry = match number {
            Some(n) => entries.iter().find(|e| e.number == n),
            None => entries.last(),
        };
        let Some(entry) = entry else {
            return match number {
                Some(n) => self.no_entry(n, &entries),
                None => {
                    println!("nothing to roll back: no change was recorded in this namespace");
                    0
                }
            };
        };
        let (sources, desired) = match self.declarations(std::slice::from_ref(&entry.path)) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let live = match self.live(&mut interp) {
            Ok(live) => live,
            Err(code) => return code,
        };
        println!("rolling back to the table before change {} ({}):", entry.number, entry.command);
        let options = ApplyOptions { prune: true, ..ApplyOptions::default() };
        self.converge_to(&mut interp, &sources, &desired, live, options, &format!("{why} {}", entry.number))
    }

    /// `lvsh export`: the live table as declarations.
    pub(super) fn export(&self) -> u8 {
        let mut interp = match self.converging() {
            Ok(i) => i,
            Err(code) => return code,
        };
        let names = history::names(&interp.netns());
        match self.live(&mut interp) {
            Ok(live) => {
                print!("{}", render::export::export(&live, &|key| names.get(key).cloned()));
                // A daemon that cannot be read is left out: the table is the export.
                print!("{}", render::export::daemons(&interp.daemons().unwrap_or_default()));
                0
            }
            Err(code) => code,
        }
    }
}

/// The command as the history names it: `apply --prune web.lvs`.
fn command_line(verb: &str, files: &[PathBuf], options: ApplyOptions) -> String {
    let mut words = vec![verb.to_string()];
    if options.prune {
        words.push("--prune".into());
    }
    if let Some(d) = options.drain {
        words.push(format!("--drain {}s", d.as_secs()));
    }
    if let Some(d) = options.confirm {
        words.push(format!("--confirm {}s", d.as_secs()));
    }
    words.extend(files.iter().map(|f| f.display().to_string()));
    words.join(" ")
}
