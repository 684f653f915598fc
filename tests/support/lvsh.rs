//! The one way a test runs the `lvsh` binary: a builder for its command
//! line, standard input and environment, and the run's exit code and
//! output. Shared by the host, pty and guest test crates, so a guest test
//! reads like a host one:
//!
//! ```ignore
//! let out = Lvsh::new().netns("gw").commands("show").run().succeeds();
//! assert_eq!(out.stdout, expected);
//! ```

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// This build's binary, as cargo names it. (The guest has it too:
/// scripts/test links this path to the copy it installs.)
pub const BINARY: &str = env!("CARGO_BIN_EXE_lvsh");

/// An `lvsh` command line being built.
pub struct Lvsh {
    command: Command,
    /// The command line as a person would type it, for failure messages.
    shown: Vec<String>,
    stdin: Option<Vec<u8>>,
}

impl Lvsh {
    /// This build's `lvsh`, see [`Lvsh::at`].
    pub fn new() -> Lvsh {
        Lvsh::at(BINARY)
    }

    /// `PROGRAM --no-color`: output never colored, and no namespace taken
    /// from the test's own environment (`LVSH_NETNS`).
    pub fn at(program: &str) -> Lvsh {
        let mut command = Command::new(program);
        command.env_remove("LVSH_NETNS");
        Lvsh { command, shown: vec!["lvsh".to_string()], stdin: None }.arg("--no-color")
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Lvsh {
        self.shown.push(arg.as_ref().to_string_lossy().into_owned());
        self.command.arg(arg);
        self
    }

    /// More arguments.
    pub fn args<I>(self, args: I) -> Lvsh
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Lvsh::arg)
    }

    /// `-c TEXT`: run these commands and exit.
    pub fn commands(self, text: &str) -> Lvsh {
        self.arg("-c").arg(text)
    }

    /// `--netns NAME`: act on that network namespace's IPVS.
    pub fn netns(self, name: &str) -> Lvsh {
        self.arg("--netns").arg(name)
    }

    /// Text fed to standard input (otherwise it is empty).
    pub fn stdin(self, text: &str) -> Lvsh {
        self.stdin_bytes(text.as_bytes())
    }

    /// Standard input as raw bytes (text that is not UTF-8, say).
    pub fn stdin_bytes(mut self, bytes: &[u8]) -> Lvsh {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// An environment variable for this run only.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Lvsh {
        self.command.env(key, value);
        self
    }

    /// The folder the run starts in, where relative paths are read.
    pub fn current_dir(mut self, dir: &Path) -> Lvsh {
        self.command.current_dir(dir);
        self
    }

    /// The command as it stands, for a caller that spawns it its own way
    /// (on a pseudo-terminal, or without caring whether it runs at all).
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Runs lvsh to its end; panics only if it cannot be started.
    pub fn run(mut self) -> Output {
        let shown = self.shown.join(" ");
        let input = match self.stdin {
            Some(_) => Stdio::piped(),
            None => Stdio::null(),
        };
        let mut child = self
            .command
            .stdin(input)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));
        // Written from a thread: lvsh may fill its output pipes before it
        // has read all of its input.
        let writer = match (child.stdin.take(), self.stdin) {
            (Some(mut pipe), Some(bytes)) => Some(std::thread::spawn(move || pipe.write_all(&bytes))),
            _ => None,
        };
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for `{shown}`: {e}"));
        if let Some(writer) = writer {
            // lvsh may exit without reading everything: a broken pipe is its answer, not a failure.
            let _ = writer.join();
        }
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        Output {
            command: shown,
            code: out.status.code().unwrap_or(-1),
            stdout: text(out.stdout),
            stderr: text(out.stderr),
        }
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Output {
    /// The command line, as shown in failure messages.
    pub command: String,
    /// The exit code; -1 when a signal ended it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts the exit code, showing both outputs when it differs.
    #[track_caller]
    pub fn exits(self, code: i32) -> Output {
        assert_eq!(
            self.code, code,
            "`{}` exited {} instead of {code}\n--- stdout\n{}--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts exit code 0.
    #[track_caller]
    pub fn succeeds(self) -> Output {
        self.exits(0)
    }
}
