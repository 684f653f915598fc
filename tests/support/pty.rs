//! The shell through a pseudo-terminal (expectrl), as a person at a
//! terminal uses it: keys in, screen text out. Shared by the host's pty
//! tests and the guest's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use expectrl::process::unix::{PtyStream, UnixProcess};
use expectrl::{Expect, Regex, Session};

use crate::lvsh::Lvsh;

/// A fresh prompt for a new statement, whatever the namespace and count:
/// the editor turns bracketed paste on (`ESC[?2004h`) as it starts reading,
/// which tells a new prompt from a redraw of the line being edited.
pub const PROMPT: &str = r"\x1b\[\?2004h[^\n]*?lvsh[^\r\n]*\]> ";
/// A fresh prompt of a block's next line.
pub const MORE: &str = r"\x1b\[\?2004h[^\n]*?\.\.\.> ";

/// A running `lvsh` on a pseudo-terminal.
pub struct Shell {
    pub session: Session<UnixProcess, PtyStream>,
}

impl Shell {
    /// `lvsh ARGS` (this build's, see [`Lvsh::new`]) with its state
    /// (history) under `state`, no colors, a real terminal type; waits for
    /// the first prompt.
    pub fn start(state: &Path, args: &[&str]) -> Shell {
        let command = Lvsh::new()
            .args(args)
            .env("TERM", "xterm-256color")
            .env("NO_COLOR", "1")
            .env("XDG_STATE_HOME", state)
            .env("HOME", state)
            .into_command();
        let mut session = Session::spawn(command).expect("spawn lvsh on a pty");
        // A bound on each wait, so a broken shell fails the test instead of hanging it.
        session.set_expect_timeout(Some(Duration::from_secs(20)));
        let mut shell = Shell { session };
        shell.prompt();
        shell
    }

    /// Waits for the next prompt (rustyline 19 does not ask where the
    /// cursor is, so there is no `ESC[6n` to answer).
    pub fn prompt(&mut self) -> String {
        self.expect_re(PROMPT)
    }

    /// Waits for the continuation prompt.
    pub fn more(&mut self) {
        self.expect_re(MORE);
    }

    /// Types text (no Enter).
    pub fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("type into the pty");
    }

    /// Types a line and Enter.
    pub fn line(&mut self, text: &str) {
        self.send(&format!("{text}\r"));
    }

    /// Waits for text; returns everything before it.
    pub fn expect(&mut self, text: &str) -> String {
        let found = self.session.expect(text).unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"));
        String::from_utf8_lossy(found.before()).into_owned()
    }

    /// Waits for a regular expression; returns everything before it.
    pub fn expect_re(&mut self, re: &str) -> String {
        let found = self.session.expect(Regex(re)).unwrap_or_else(|e| panic!("waiting for /{re}/: {e}"));
        String::from_utf8_lossy(found.before()).into_owned()
    }

    /// Ctrl-D at an empty prompt; the exit status.
    pub fn quit(mut self) -> i32 {
        self.send("\x04");
        if let Err(e) = self.session.expect(expectrl::Eof) {
            panic!("lvsh did not end after Ctrl-D: {e}");
        }
        match self.session.get_process().wait() {
            Ok(expectrl::process::unix::WaitStatus::Exited(_, code)) => code,
            other => panic!("lvsh did not exit normally: {other:?}"),
        }
    }
}

/// A fresh folder for one test's state, under the system's temp dir.
pub fn state_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lvsh-pty-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make the state folder");
    dir
}
