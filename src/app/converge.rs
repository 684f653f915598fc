//! `lvsh plan`, `lvsh apply` and `lvsh export`: declarations against the
//! live kernel.

use std::path::PathBuf;
use std::time::Duration;

use super::{exit_code, App, ErrorSummary, Withheld};
use crate::converge::{self, Desired, Plan};
use crate::interp::{FailureKind, Interpreter};
use crate::lang::source::Source;
use crate::render;

/// `plan`'s exit status when the kernel differs from the files.
pub const EXIT_PENDING: u8 = 1;

/// What `apply` is asked to do besides converging.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Remove services the files do not declare.
    pub prune: bool,
    /// Quiesce backends that go, and wait this long for their connections.
    pub drain: Option<Duration>,
}

impl App {
    /// Reads, parses and checks declaration files, and builds the table
    /// they declare; every problem is reported, with the exit code.
    fn declarations(&self, files: &[PathBuf]) -> Result<(Vec<Source>, Desired), u8> {
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
    fn converging(&self) -> Result<Interpreter, u8> {
        let kernel = crate::ipvs::NetlinkKernel::connect_in(&self.netns)
            .map_err(|e| self.fail_plain(&e.to_string(), e.help().as_deref(), FailureKind::Environment))?;
        Ok(self.interpreter(Box::new(kernel)))
    }

    /// The live table, or the reason it cannot be read (exit 4).
    fn live(&self, interp: &mut Interpreter) -> Result<converge::Live, u8> {
        interp.live().map_err(|e| {
            let message = format!("cannot read the kernel's table: {e}");
            self.fail_plain(&message, e.help().as_deref(), FailureKind::Environment)
        })
    }

    /// `lvsh plan FILE...`: what `apply` would change; exit 0 in sync, 1
    /// changes pending.
    pub(super) fn plan(&self, files: &[PathBuf], prune: bool) -> u8 {
        let result = self.declarations(files).and_then(|(_, desired)| {
            let mut interp = self.converging()?;
            let live = self.live(&mut interp)?;
            Ok(converge::plan(&desired, &live, prune))
        });
        match result {
            Ok(plan) => {
                self.print_plan(&plan);
                if plan.in_sync() {
                    0
                } else {
                    EXIT_PENDING
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

    /// `lvsh apply FILE...`: the kernel made as the files declare, in one
    /// transaction.
    pub(super) fn apply(&self, files: &[PathBuf], options: ApplyOptions) -> u8 {
        let (sources, desired) = match self.declarations(files) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mut interp = match self.converging() {
            Ok(i) => i,
            Err(code) => return code,
        };
        eprint!("{}", crate::interp::recovery::warnings(&interp.netns(), self.color));
        crate::interp::interrupt::catch(&crate::interp::interrupt::Signal::ALL);
        let live = match self.live(&mut interp) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let plan = converge::plan(&desired, &live, options.prune);
        self.print_plan(&plan);
        if plan.in_sync() {
            return 0;
        }
        let steps = converge::steps(&plan, options.drain.is_some());
        let count = steps.len();
        if let Err(failure) = interp.converge(&sources, steps, options.drain.unwrap_or_default()) {
            return self.fail(&failure);
        }
        if !self.json {
            println!("applied: {}", render::words::plural(count, "kernel operation"));
        }
        0
    }

    /// `lvsh export`: the live table as declarations.
    pub(super) fn export(&self) -> u8 {
        let mut interp = match self.converging() {
            Ok(i) => i,
            Err(code) => return code,
        };
        match self.live(&mut interp) {
            Ok(live) => {
                print!("{}", render::export::export(&live, &|_| None));
                0
            }
            Err(code) => code,
        }
    }
}
