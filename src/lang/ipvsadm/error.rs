//! Refusals of an ipvsadm line, worded exactly as ipvsadm words them.

use std::fmt;

/// The exit status of ipvsadm's validation failures (its `fail(2, ...)`).
pub const EXIT_INVALID: u8 = 2;

/// The exit status of usage errors and popt errors (ipvsadm returns -1).
pub const EXIT_USAGE: u8 = 255;

/// A refusal with ipvsadm's exact message text and exit code (2 or 255), and
/// which argument is at fault (index into the args given) when one is.
///
/// `message` has no trailing newline, except that `-6 used before -f` keeps
/// the extra newline ipvsadm prints after it (it shows as an empty line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsadmError {
    pub message: String,
    pub arg: Option<usize>,
    pub exit_code: u8,
    pub kind: IpvsadmErrorKind,
}

/// Which of ipvsadm's three ways of refusing a line this is; they end a
/// run of `ipvsadm -R` differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpvsadmErrorKind {
    /// A check failed (ipvsadm's `fail`: exit 2 at once, even inside `-R`).
    Invalid,
    /// The first option is not a command (exit 255 at once, even inside `-R`;
    /// ipvsadm names itself as it was called, which `message` spells `ipvsadm`).
    Usage,
    /// popt refused an option after the command (the line fails with 255;
    /// `-R` goes on with the next line).
    Popt,
}

impl IpvsadmError {
    /// A validation failure (exit 2).
    pub(super) fn invalid(message: impl Into<String>, arg: Option<usize>) -> IpvsadmError {
        IpvsadmError {
            message: message.into(),
            arg,
            exit_code: EXIT_INVALID,
            kind: IpvsadmErrorKind::Invalid,
        }
    }

    /// The first option is not a command, or there is none (exit 255).
    pub(super) fn usage(arg: Option<usize>) -> IpvsadmError {
        let message = usage_hint("ipvsadm");
        IpvsadmError { message, arg, exit_code: EXIT_USAGE, kind: IpvsadmErrorKind::Usage }
    }

    /// A popt error after the command: `<word>: <popt's message>` (exit 255).
    pub(super) fn popt(word: &str, what: &str, arg: usize) -> IpvsadmError {
        let message = format!("{word}: {what}");
        IpvsadmError { message, arg: Some(arg), exit_code: EXIT_USAGE, kind: IpvsadmErrorKind::Popt }
    }
}

/// ipvsadm's hint after a usage error, naming the program as it was called.
pub fn usage_hint(program: &str) -> String {
    format!("Try `{program} -h' or '{program} --help' for more information.")
}

impl fmt::Display for IpvsadmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IpvsadmError {}
