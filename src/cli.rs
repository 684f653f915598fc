//! The command line (clap): what the user asked lvsh to do.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// lvsh: a shell and scripting language for Linux IPVS.
#[derive(Debug, Parser)]
#[command(
    name = "lvsh",
    version,
    about = "A shell and scripting language for Linux IPVS, the kernel's layer-4 load balancer",
    after_help = "Examples:
  lvsh run examples/tutorial.lvs     run a script (one transaction: a refusal undoes it)
  lvsh run examples/drain.rhai       run a Rhai script over the same services
  lvsh check examples/*.lvs          parse and check, without a kernel
  lvsh -c 'show'                     the table, exactly as `ipvsadm -L -n` prints it
  lvsh -c 'ipvsadm -A -t 111.111.0.1:80 -s rr; show'
  lvsh --netns gw -c 'save'          the table of namespace `gw`, as `ipvsadm -S -n`
  lvsh plan web.lvs                  what `apply` would change (exit 1 while it differs)
  lvsh apply --drain 30s web.lvs     make the table exactly the file's, draining what goes
  lvsh apply --confirm 2m web.lvs    ... reverted unless `lvsh confirm` comes within 2 minutes
  lvsh rollback                      back to the table before the last change (`lvsh history`)
  lvsh export > now.lvs              the live table as declarations
  lvsh --netns gw metrics            its counters as Prometheus metrics (node_exporter's names)
  lvsh                               read commands from standard input

Exit status: 0 ok, 1 an expectation failed (or `plan`: changes pending),
2 usage or script error, 3 the kernel refused an operation (after
rollback), 4 environment, 130/143/129 stopped by a signal (rolled back)."
)]
pub struct Cli {
    /// Run these commands (separated by `;` or newlines) and exit.
    #[arg(short = 'c', value_name = "COMMANDS")]
    pub commands: Option<String>,

    /// Act on the IPVS of this network namespace (a name under /var/run/netns, or a path).
    #[arg(long, global = true, value_name = "NAME|PATH", env = "LVSH_NETNS")]
    pub netns: Option<String>,

    /// Print every listing and result as JSON (shapes in grammar/GUIDE.md, schemas in schema/).
    #[arg(long, global = true)]
    pub json: bool,

    /// Never color output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scripts, each as one transaction.
    Run {
        /// The `.lvs` files (and `.rhai` files, run as Rhai).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report a refused operation and go on, instead of undoing the run.
        #[arg(long)]
        keep_going: bool,
    },
    /// Show what `apply` would change in the kernel, changing nothing: each
    /// service and backend to add (+), remove (-) or change (~), with the
    /// ipvsadm line of each change. Exit status: 0 in sync, 1 changes
    /// pending, 2 a file has errors, 4 no IPVS.
    Plan {
        /// The `.lvs` files of declarations (service, backend, timeouts).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Count services the files do not declare as to remove, as `apply --prune` would.
        #[arg(long)]
        prune: bool,
    },
    /// Make the kernel's table exactly what the files declare, in one
    /// transaction: each declared service gets exactly its settings and
    /// the backends of its declarations.
    Apply {
        /// The `.lvs` files of declarations (service, backend, timeouts).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also remove the services the files do not declare.
        #[arg(long)]
        prune: bool,
        /// Give backends that go weight 0 first, and wait up to this long
        /// (e.g. 30s, 2m) for their active connections to close.
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        drain: Option<std::time::Duration>,
        /// Revert the change unless `lvsh confirm` (from any shell, or Enter
        /// on this terminal) comes within this time (e.g. 2m): for a change
        /// that may cut off your own connection.
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        confirm: Option<std::time::Duration>,
    },
    /// Converge the kernel to the files (as `apply`), then keep it there
    /// until stopped: run their `health` checks, drain a backend after
    /// `fall` failures and restore its weight after `rise` passes, and
    /// repair any drift every interval, saying what it did. SIGHUP re-reads
    /// the files; SIGTERM ends it, leaving the table as it is.
    Keep {
        /// The `.lvs` files of declarations (service, backend, health, timeouts).
        #[arg(required_unless_present = "status")]
        files: Vec<PathBuf>,
        /// How often the kernel is read and drift repaired (e.g. 2s, 500ms).
        #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "2s")]
        interval: std::time::Duration,
        /// Write each event as a JSON line to FILE (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        events: Option<PathBuf>,
        /// Print the health of each checked backend, as the keeper of this
        /// namespace last wrote it, and end.
        #[arg(long)]
        status: bool,
        /// Also remove the services the files do not declare, at the start
        /// and whenever one appears (as `apply --prune`).
        #[arg(long)]
        prune: bool,
        /// Serve Prometheus metrics at http://ADDR:PORT/metrics (in lvsh's
        /// own namespace): the table's, as `lvsh metrics` prints them, and
        /// the keeper's (health, drains, repairs, durations).
        #[arg(long, value_name = "ADDR:PORT")]
        metrics: Option<std::net::SocketAddr>,
    },
    /// Keep the change an `apply --confirm` made in this namespace. Exit
    /// status 1 when nothing awaits confirmation.
    Confirm,
    /// Print the kernel's table as a `.lvs` file of declarations (`apply`
    /// of it gives the same table).
    Export,
    /// Print the namespace's IPVS once as Prometheus metrics (the text
    /// format): node_exporter's node_ipvs_ families, with its names and
    /// labels, and lvsh's own lvsh_ families of every service and backend.
    Metrics,
    /// Print an `ipvsadm -S` file or a keepalived.conf as a `.lvs` file of
    /// declarations (`apply` of it builds that table); what has no `.lvs`
    /// equivalent becomes a comment. Reads only the file: no kernel needed.
    Import {
        /// The file: ipvsadm lines (`-A ...`) or a keepalived.conf.
        file: PathBuf,
        /// Read it as this format instead of guessing from its first line.
        #[arg(long, value_enum)]
        from: Option<crate::converge::import::Format>,
    },
    /// List the changes `apply`, `run` and `rollback` made to this
    /// namespace's table, newest first (the last 50 are kept, in
    /// /var/lib/lvsh); with N, print the table as it was before change N.
    History {
        /// A change's number, as the list shows it.
        number: Option<u64>,
    },
    /// Return the table to what it was before the last change (or change
    /// N), after showing the plan, as one transaction.
    Rollback {
        /// A change's number, as `lvsh history` lists it.
        number: Option<u64>,
    },
    /// Parse and check scripts without touching the kernel.
    Check {
        /// The `.lvs` files (and `.rhai` files, compiled).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Undo the changes of a run that was killed before it finished (its
    /// record is in /run/lvsh), putting the kernel back as it was before it.
    Recover {
        /// Forget the unfinished runs instead: their changes stay.
        #[arg(long)]
        keep: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages lvsh(1) and lvs(5) into DIR (a build step of
    /// scripts/dist).
    #[command(hide = true)]
    Manpages { dir: PathBuf },
    /// The watchdog of `apply --confirm`, started by lvsh; not for direct use.
    #[command(hide = true)]
    ConfirmWatchdog { pending: PathBuf },
    /// The built-in backend of `serve NODE PORT`, started by lvsh inside the
    /// node; not for direct use.
    #[command(hide = true)]
    ServeBackend {
        #[arg(long)]
        name: String,
        #[arg(long)]
        port: u16,
        #[arg(long, value_enum)]
        kind: crate::node::serve::ServeKind,
        #[arg(long)]
        reply: Option<String>,
    },
}

/// The command line as completion scripts offer it: without the hidden
/// subcommands (`serve-backend` and the like), which clap_complete would
/// otherwise list like any other.
pub fn offered() -> clap::Command {
    use clap::CommandFactory;
    let full = Cli::command();
    let shown: Vec<clap::Command> = full.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
    let mut offered = clap::Command::new("lvsh")
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(shown);
    if let Some(about) = full.get_about() {
        offered = offered.about(about.clone());
    }
    offered
}

impl Cli {
    /// The command line `args` (program name first): the commonest forms
    /// read directly, the rest by clap.
    pub fn from_args(args: Vec<std::ffi::OsString>) -> Cli {
        // clap would read the namespace from the environment.
        let plain = match std::env::var_os("LVSH_NETNS") {
            Some(_) => None,
            None => Cli::plain(args.iter().skip(1).cloned()),
        };
        plain.unwrap_or_else(|| <Cli as Parser>::parse_from(args))
    }

    /// `-c COMMANDS`, and `run`, `plan` or `check` of files, with no other
    /// option, as clap reads them (without `LVSH_NETNS`); `None` for anything
    /// else. Building clap's whole command tree was half of what starting
    /// lvsh cost (a `show` of an empty table), and these are what scripts
    /// and benchmarks run.
    fn plain(args: impl Iterator<Item = std::ffi::OsString>) -> Option<Cli> {
        let args: Vec<std::ffi::OsString> = args.collect();
        // A word clap could take for an option, or its `help`, is left to it.
        let plain = |arg: &std::ffi::OsString| !arg.is_empty() && !arg.as_encoded_bytes().starts_with(b"-");
        let files = |rest: &[std::ffi::OsString]| {
            (!rest.is_empty() && rest.iter().all(plain)).then(|| rest.iter().map(PathBuf::from).collect())
        };
        let cli = |commands: Option<String>, command: Option<Command>| Cli {
            commands,
            netns: None,
            json: false,
            no_color: false,
            command,
        };
        match args.first()?.to_str()? {
            "-c" if args.len() == 2 && plain(&args[1]) => {
                Some(cli(Some(args[1].to_str()?.to_string()), None))
            }
            "run" => Some(cli(None, Some(Command::Run { files: files(&args[1..])?, keep_going: false }))),
            "plan" => Some(cli(None, Some(Command::Plan { files: files(&args[1..])?, prune: false }))),
            "check" => Some(cli(None, Some(Command::Check { files: files(&args[1..])? }))),
            _ => None,
        }
    }
}

/// A duration on the command line, written as in `.lvs` (`500ms`, `30s`, `2m`).
fn duration(text: &str) -> Result<std::time::Duration, String> {
    crate::lang::parse::duration_text(text)
        .ok_or_else(|| format!("`{text}` is not a duration like 30s or 2m"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// What `Cli::plain` reads, clap reads the same (their debug forms
    /// agree), with `LVSH_NETNS` unset as `from_env` calls it.
    fn as_clap_reads(args: &[&str]) -> Option<String> {
        let plain = Cli::plain(args.iter().map(std::ffi::OsString::from))?;
        if std::env::var_os("LVSH_NETNS").is_some() {
            return Some(format!("{plain:?}"));
        }
        let clap = Cli::try_parse_from(std::iter::once("lvsh").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: clap refused what the plain reading took: {e}"));
        assert_eq!(format!("{plain:?}"), format!("{clap:?}"), "{args:?}");
        Some(format!("{plain:?}"))
    }

    #[test]
    fn the_plain_forms_read_as_clap_reads_them() {
        for args in [
            &["-c", "show"][..],
            &["-c", "show; save"],
            &["run", "a.lvs"],
            &["run", "a.lvs", "b.rhai"],
            &["plan", "web.lvs"],
            &["check", "x.lvs", "y.lvs", "z"],
        ] {
            assert!(as_clap_reads(args).is_some(), "{args:?} is a plain form");
        }
        for args in [
            &[][..],
            &["-c"],
            &["-c", "-x"],
            &["-c", "show", "run"],
            &["--netns", "gw", "-c", "show"],
            &["-cshow"],
            &["run"],
            &["run", "--keep-going", "a.lvs"],
            &["run", "a.lvs", "--keep-going"],
            &["plan", "--prune", "a.lvs"],
            &["apply", "a.lvs"],
            &["check", "-"],
            &["help"],
            &["--version"],
        ] {
            assert_eq!(
                Cli::plain(args.iter().map(std::ffi::OsString::from)).map(|c| format!("{c:?}")),
                None,
                "{args:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_words_read_plainly_read_as_clap_reads_them(
            args in proptest::collection::vec("-c|run|plan|check|apply|show|a\\.lvs|--prune|-|--|help|x y|é", 0..4)
        ) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            as_clap_reads(&args);
        }
    }

    #[test]
    fn dash_c_takes_commands() {
        let cli = Cli::try_parse_from(["lvsh", "--netns", "gw", "-c", "show"]).unwrap();
        assert_eq!((cli.commands.as_deref(), cli.netns.as_deref()), (Some("show"), Some("gw")));
    }
}
