//! From the command line to a run: reads sources, parses, checks, runs, and
//! decides the exit code.

mod confirm;
mod converge;
mod import;
pub mod ipvsadm;
mod keep;
mod manpages;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::interp::group::Member;
use crate::interp::recovery;
use crate::interp::{Failure, FailureKind, Interpreter};
use crate::ipvs::prefetch::Prefetch;
use crate::ipvs::{Kernel, KernelError, NetlinkKernel, Netns, Unreachable};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{ReadError, Source};
use crate::render::diagnostic::{render, render_plain};
use crate::render::notes as recover_words;
use crate::render::words::plural;

/// Exit codes: 0 when everything held, else one for each kind of failure.
pub const EXIT_EXPECTATION: u8 = 1;
pub const EXIT_SCRIPT: u8 = 2;
pub const EXIT_REFUSED: u8 = 3;
pub const EXIT_ENVIRONMENT: u8 = 4;

/// The exit code of a run that failed this way.
pub fn exit_code(kind: FailureKind) -> u8 {
    match kind {
        FailureKind::Script => EXIT_SCRIPT,
        FailureKind::Refused => EXIT_REFUSED,
        FailureKind::Environment => EXIT_ENVIRONMENT,
        FailureKind::Expectation => EXIT_EXPECTATION,
        FailureKind::Interrupted(signal) => signal.exit_code(),
    }
}

/// Runs what the command line asks; returns the exit code.
pub fn run(cli: Cli) -> ExitCode {
    let color = !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    colored::control::set_override(color);
    let group: Vec<Member> = cli.netns.as_deref().map(members).unwrap_or_default();
    let app = App {
        netns: group.first().map(|m| m.netns.clone()).unwrap_or_default(),
        group: match group.len() {
            1 => Vec::new(),
            _ => group,
        },
        pinned: cli.netns.is_some(),
        color,
        json: cli.json,
    };
    // Commands of one namespace's state (its history, its keeper, its
    // pending confirmation) say so rather than act on the first of several.
    let one = match &cli.command {
        Some(Command::Keep { .. }) => Some("keep"),
        Some(Command::Confirm) => Some("confirm"),
        Some(Command::Export) => Some("export"),
        Some(Command::History { .. }) => Some("history"),
        Some(Command::Rollback { .. }) => Some("rollback"),
        Some(Command::Metrics) => Some("metrics"),
        _ => None,
    };
    if let (Some(verb), false) = (one, app.group.is_empty()) {
        let message = format!("`lvsh {verb}` acts on one namespace, and `--netns` names several");
        let help = "name one: `--netns gw`; `run`, `plan`, `apply` and `-c` act on several as one";
        return ExitCode::from(app.fail_plain(&message, Some(help), FailureKind::Script));
    }
    let code = match (&cli.command, &cli.commands) {
        (Some(_), Some(_)) => app.fail_plain(
            "`-c` and a subcommand cannot be used together",
            Some("use either `lvsh -c 'COMMANDS'` or `lvsh run FILE`"),
            FailureKind::Script,
        ),
        (Some(Command::Run { files, keep_going }), _) => app.run_files(files, *keep_going),
        (Some(Command::Check { files }), _) => app.check_files(files),
        (Some(Command::Plan { files, prune }), _) => app.plan(files, *prune),
        (Some(Command::Apply { files, prune, drain, confirm }), _) => {
            app.apply(files, converge::ApplyOptions { prune: *prune, drain: *drain, confirm: *confirm })
        }
        (Some(Command::Keep { files, interval, events, status, metrics, prune }), _) => {
            let options = keep::KeepOptions {
                interval: *interval,
                events: events.clone(),
                status: *status,
                metrics: *metrics,
                prune: *prune,
            };
            app.keep(files, options)
        }
        (Some(Command::Confirm), _) => app.confirm(),
        (Some(Command::ConfirmWatchdog { pending }), _) => App::watchdog(pending),
        (Some(Command::Manpages { dir }), _) => app.manpages(dir),
        (Some(Command::Export), _) => app.export(),
        (Some(Command::Metrics), _) => {
            app.run_sources(vec![Source::new("lvsh metrics", "metrics")], false, None)
        }
        (Some(Command::Import { file, from }), _) => app.import(file, *from),
        (Some(Command::History { number }), _) => app.history(*number),
        (Some(Command::Rollback { number }), _) => app.rollback(*number, "rollback"),
        (Some(Command::Recover { keep }), _) => app.recover(*keep),
        (Some(Command::ServeBackend { name, port, kind, reply }), _) => {
            match crate::node::serve::serve(name, *port, *kind, reply.as_deref()) {
                Ok(()) => 0,
                Err(e) => app.fail_plain(
                    &format!("{name}: cannot serve on port {port}: {e}"),
                    None,
                    FailureKind::Environment,
                ),
            }
        }
        (Some(Command::Completions { shell }), _) => {
            // Written whole, so that a reader that stops early (`| head`)
            // ends the output quietly instead of making clap panic.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut crate::cli::offered(), "lvsh", &mut script);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            0
        }
        (None, Some(commands)) => app.run_commands(commands),
        (None, None) => app.run_stdin(),
    };
    ExitCode::from(code)
}

/// `--netns gw,gw2`: each namespace, as named.
fn members(list: &str) -> Vec<Member> {
    list.split(',')
        .filter(|n| !n.is_empty())
        .map(|n| Member { name: n.to_string(), netns: Netns::parse(n) })
        .collect()
}

struct App {
    /// The namespace acted on (the first of a group).
    netns: Netns,
    /// `--netns` named several: they are acted on as one.
    group: Vec<Member>,
    /// `--netns` was given: a lab that is up does not move lvsh to gw.
    pinned: bool,
    color: bool,
    json: bool,
}

/// Whether `text` looks like a table of declarations worth reading the
/// kernel's table for while it is parsed: its first statement is a
/// `service`, and it is long enough for its parse to take a while. A wrong
/// guess costs a services dump alongside the parse.
fn begins_a_table(text: &str) -> bool {
    const LONG: usize = 64;
    let mut lines = text.lines().map(str::trim_start).filter(|l| !l.is_empty() && !l.starts_with('#'));
    lines.next().is_some_and(|first| first.starts_with("service ")) && lines.nth(LONG).is_some()
}

impl App {
    /// `run FILES`. A file that begins with a table of declarations has
    /// the kernel's table read on another thread while it is parsed: a
    /// rerun of a big file then costs about what a `plan` of it does.
    fn run_files(&self, files: &[std::path::PathBuf], keep_going: bool) -> u8 {
        let sources = match files.iter().map(|f| self.read(f)).collect::<Result<Vec<_>, u8>>() {
            Ok(sources) => sources,
            Err(code) => return code,
        };
        let first_is_table = files.first().is_some_and(|f| !crate::script::is_rhai(f))
            && sources.first().is_some_and(|s| begins_a_table(&s.text));
        let prefetch = (first_is_table && !keep_going).then(|| {
            Prefetch::start(self.netns.clone(), |netns: &crate::ipvs::Netns| NetlinkKernel::connect_in(netns))
        });
        self.run_sources(sources, keep_going, prefetch)
    }

    /// `-c`: unique prefixes written out (`sh` is `show`), then run.
    fn run_commands(&self, commands: &str) -> u8 {
        match crate::lang::abbrev::expand(commands, crate::lab::Lab::is_node, &[]) {
            Ok(full) => self.run_sources(vec![Source::new("-c", full)], false, None),
            Err(diagnostics) => {
                let errors = self.report(&Source::new("-c", commands), &diagnostics);
                eprintln!("{}", ErrorSummary { errors, withheld: Withheld::KernelChanges });
                exit_code(FailureKind::Script)
            }
        }
    }

    fn run_stdin(&self) -> u8 {
        if std::io::stdin().is_terminal() {
            let settings = crate::repl::Settings {
                netns: self.netns.clone(),
                group: self.group.clone(),
                json: self.json,
                color: self.color,
                pinned: self.pinned,
            };
            return match crate::repl::run(settings) {
                Ok(()) => 0,
                Err(kind) => exit_code(kind),
            };
        }
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return self.fail_plain(
                &format!("cannot read standard input: {e}"),
                None,
                FailureKind::Environment,
            );
        }
        match Source::from_bytes("<stdin>", bytes) {
            Ok(source) => self.run_sources(vec![source], false, None),
            Err(e) => self.fail_read("standard input", &e),
        }
    }

    /// `lvsh recover [--keep]`: every unfinished run undone (or forgotten).
    fn recover(&self, keep: bool) -> u8 {
        let runs = recovery::unfinished();
        if runs.is_empty() {
            println!("no unfinished run: nothing to recover");
            return 0;
        }
        let mut code = 0;
        for run in runs {
            let what = recover_words::run(run.pid, run.age, run.changes(), &run.path.display().to_string());
            if keep {
                match run.forget() {
                    Ok(()) => println!("forgot {what}: its changes stay"),
                    Err(e) => {
                        code = self.fail_plain(
                            &format!("cannot forget {what}: {e}"),
                            None,
                            FailureKind::Environment,
                        )
                    }
                }
                continue;
            }
            let done =
                run.recover(|netns| NetlinkKernel::connect_in(netns).map(|k| Box::new(k) as Box<dyn Kernel>));
            match done.failed.is_empty() {
                true => println!("recovered {what}: {} undone", plural(done.undone, "operation")),
                false => {
                    let help = "its record stays: fix what is said and run `lvsh recover` again";
                    let message = format!("could not fully recover {what}: {}", done.failed.join("; "));
                    code = self.fail_plain(&message, Some(help), FailureKind::Refused);
                }
            }
        }
        code
    }

    /// Parses every source first: nothing reaches the kernel from a file that does not parse.
    /// `prefetch`: the table, being read for the first statement.
    fn run_sources(&self, sources: Vec<Source>, keep_going: bool, prefetch: Option<Prefetch>) -> u8 {
        let mut scripts = Vec::new();
        let mut errors = 0;
        for source in &sources {
            let (script, diagnostics) = crate::script::parse(source);
            errors += self.report(source, &diagnostics);
            scripts.push(script);
        }
        if errors > 0 {
            eprintln!("{}", ErrorSummary { errors, withheld: Withheld::KernelChanges });
            return exit_code(FailureKind::Script);
        }
        // Without IPVS the statements before the first that needs it still
        // run (`echo hi; show` prints `hi`); that one fails with the reason.
        // A `--netns` that names no namespace is a wrong command line: said
        // at once, unless nothing in the scripts needs IPVS.
        let needs_kernel =
            scripts.iter().flat_map(|s| &s.stmts).any(|s| crate::lang::command::needs_kernel(&s.kind));
        let kernel: Box<dyn Kernel> = match NetlinkKernel::connect_in(&self.netns) {
            Ok(k) => Box::new(k),
            Err(e @ (KernelError::NoSuchNamespace { .. } | KernelError::Namespace { .. }))
                if needs_kernel =>
            {
                return self.fail_plain(&e.to_string(), e.help().as_deref(), FailureKind::Environment)
            }
            Err(e) => Box::new(Unreachable::new(self.netns.clone(), &e)),
        };
        eprint!("{}", recovery::warnings(&self.netns, self.color));
        // From here a signal stops the run at a safe point and undoes it.
        crate::interp::interrupt::catch(&crate::interp::interrupt::Signal::ALL);
        let mut interp = match self.interpreter(kernel) {
            Ok(interp) => interp,
            Err(code) => return code,
        };
        interp.keep_going = keep_going;
        interp.history = true;
        if let Some(prefetch) = prefetch {
            interp.prefetched(prefetch);
        }
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        for (source, script) in sources.iter().zip(&scripts) {
            if let Err(failure) = interp.run(source, script) {
                // What the files before it changed stays: it is history.
                self.remember_run(&mut interp, &names);
                return self.fail(&failure);
            }
        }
        self.remember_run(&mut interp, &names);
        let failures = std::mem::take(&mut interp.failures);
        failures.iter().map(|f| self.fail(f)).max().unwrap_or(0)
    }

    /// An interpreter on `kernel`, or on gw's when a lab is up and no
    /// `--netns` was given.
    fn interpreter(&self, kernel: Box<dyn Kernel>) -> Result<Interpreter, u8> {
        let mut interp = Interpreter::new(kernel, Box::new(std::io::stdout()), crate::script::SCRIPTING);
        interp.json = self.json;
        interp.pinned = self.pinned;
        interp.follow_lab();
        interp
            .act_on_all(self.group.clone())
            .map_err(|e| self.fail_plain(&e.to_string(), e.help().as_deref(), FailureKind::Environment))?;
        Ok(interp)
    }

    fn check_files(&self, files: &[std::path::PathBuf]) -> u8 {
        if self.json {
            return self.check_files_json(files);
        }
        let mut code = 0;
        for file in files {
            let source = match self.read(file) {
                Ok(s) => s,
                Err(c) => return c,
            };
            let (script, diagnostics) = crate::script::parse(&source);
            match self.report(&source, &diagnostics) {
                0 if crate::script::is_rhai(file) => println!("{}: ok (Rhai)", source.name),
                0 => println!("{}: ok ({})", source.name, plural(script.stmts.len(), "statement")),
                errors => {
                    eprintln!("{}", ErrorSummary { errors, withheld: Withheld::Run });
                    code = exit_code(FailureKind::Script);
                }
            }
        }
        code
    }

    /// `lvsh --json check FILES`: every file's diagnostics as one document
    /// on standard output (schema/check-files.schema.json), for editors;
    /// exit 2 when any file has an error, as without `--json`.
    fn check_files_json(&self, files: &[std::path::PathBuf]) -> u8 {
        let mut checked = Vec::new();
        let mut errors = 0;
        for file in files {
            let source = match self.read(file) {
                Ok(s) => s,
                Err(c) => return c,
            };
            let (script, diagnostics) = crate::script::parse(&source);
            let rhai = crate::script::is_rhai(file);
            let these = diagnostics.iter().filter(|d| d.is_error()).count();
            errors += these;
            checked.push(serde_json::json!({
                "file": source.name,
                "ok": these == 0,
                "rhai": rhai,
                "statements": (!rhai).then_some(script.stmts.len()),
                "diagnostics": diagnostics.iter().map(|d| crate::render::diagnostic::json(d, &source)).collect::<Vec<_>>(),
            }));
        }
        println!("{:#}", serde_json::json!({ "files": checked }));
        match errors {
            0 => 0,
            _ => exit_code(FailureKind::Script),
        }
    }

    /// Prints diagnostics; returns how many are errors.
    fn report(&self, source: &Source, diagnostics: &[Diagnostic]) -> usize {
        for d in diagnostics {
            eprint!("{}", render(d, source, self.color));
        }
        diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn read(&self, path: &std::path::Path) -> Result<Source, u8> {
        Source::read(path).map_err(|e| self.fail_read(&format!("`{}`", path.display()), &e))
    }

    /// A script that cannot be read (exit 4), or is not text (exit 2).
    fn fail_read(&self, what: &str, e: &ReadError) -> u8 {
        let (help, kind) = match e {
            ReadError::Io(_) => ("check the path", FailureKind::Environment),
            ReadError::NotUtf8 { .. } => ("save the script as UTF-8 text", FailureKind::Script),
        };
        self.fail_plain(&format!("cannot read {what}: {e}"), Some(help), kind)
    }

    fn fail(&self, failure: &Failure) -> u8 {
        eprint!("{}", render(&failure.diagnostic, &failure.source, self.color));
        exit_code(failure.kind)
    }

    fn fail_plain(&self, message: &str, help: Option<&str>, kind: FailureKind) -> u8 {
        let _ = std::io::stderr().write_all(render_plain(message, help, self.color).as_bytes());
        exit_code(kind)
    }
}

/// The note after the errors of sources that did not parse: how many, and
/// what lvsh therefore did not do.
struct ErrorSummary {
    errors: usize,
    withheld: Withheld,
}

/// What sources with errors kept lvsh from doing.
enum Withheld {
    /// `run`, `-c`, standard input: nothing reached the kernel.
    KernelChanges,
    /// `check`: nothing runs anyway.
    Run,
    /// `import`: its output is all or nothing.
    Import,
}

impl std::fmt::Display for ErrorSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let withheld = match self.withheld {
            Withheld::KernelChanges => "lvsh changed nothing in the kernel",
            Withheld::Run => "nothing was run",
            Withheld::Import => "nothing was printed",
        };
        write!(f, "note: {}; {withheld}", plural(self.errors, "error"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_summary_counts_the_errors_and_says_what_was_not_done() {
        let one = ErrorSummary { errors: 1, withheld: Withheld::KernelChanges };
        assert_eq!(one.to_string(), "note: 1 error; lvsh changed nothing in the kernel");
        let three = ErrorSummary { errors: 3, withheld: Withheld::Run };
        assert_eq!(three.to_string(), "note: 3 errors; nothing was run");
    }

    #[test]
    fn each_kind_of_failure_has_its_exit_code() {
        assert_eq!(exit_code(FailureKind::Expectation), 1);
        assert_eq!(exit_code(FailureKind::Script), 2);
        assert_eq!(exit_code(FailureKind::Refused), 3);
        assert_eq!(exit_code(FailureKind::Environment), 4);
    }
}
