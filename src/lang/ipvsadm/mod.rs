//! Lines in ipvsadm's own option syntax, so a tutorial's commands can be
//! pasted into lvsh as they are (`ipvsadm -A -t 111.111.0.1:80 -s rr`).
//!
//! [`parse_ipvsadm`] reads the words after `ipvsadm` exactly as ipvsadm
//! 1.31 (Debian's build) reads them — popt's option syntax, the legality
//! matrix, ranges, defaults and every message with its exit code — and
//! returns what the line asks for in lvsh's model. It is pure: no kernel,
//! no I/O; names are looked up only through the [`Lookup`] a caller gives
//! [`parse_ipvsadm_with`].
//!
//! Where lvsh's own ipvsadm lines differ from ipvsadm, on purpose:
//! - Names are never resolved ([`parse_ipvsadm`] gives [`NoLookup`]). A host
//!   name or a port name where ipvsadm would look one up is refused with
//!   ipvsadm's message for a bad address (`illegal virtual server
//!   address[:port] specified`, or the real-server and netmask
//!   equivalents), so a line means the same everywhere.
//! - Output is always numeric, so `-n` is accepted (where ipvsadm accepts
//!   it) and changes nothing: `-L` means `-L -n`, `-S` means `-S -n`, and
//!   no arguments at all means `-L -n`. ([`Invocation::numeric`] says
//!   whether `-n` was given, for the drop-in `ipvsadm`, which names.)
//! - `-b ,` (only commas) sets no flag; ipvsadm crashes on it.
//! - `-h`, `-v` and `-R` are returned as commands; printing the usage and
//!   refusing `-R` inside `-R` are the caller's business.
//!
//! [`read_restore`] reads what `ipvsadm -R` reads (a whole file of such
//! lines) and keeps only changes: see `restore`.
//!
//! Layout: `popt` splits words into options, `options` is the table that
//! drives both the splitting and the legality checks, `entry` takes the
//! options in order, `build` runs the checks made after parsing and builds
//! the [`IpvsadmCommand`]; `addr` and `number` read values as C does.

mod addr;
mod build;
mod command;
mod entry;
mod error;
mod lookup;
mod next;
mod number;
mod options;
mod popt;
mod restore;
mod split;
mod stream;

#[cfg(test)]
mod tests;

pub use command::{IpvsadmCommand, ListTarget};
pub use error::{usage_hint, IpvsadmError, IpvsadmErrorKind, EXIT_INVALID, EXIT_USAGE};
pub use lookup::{Lookup, NoLookup};
pub use next::{next, Next};
pub use restore::{read_restore, RestoreLine};
pub use split::split_line;
pub use stream::next_invocation;

use crate::ipvs::model::DaemonState;
use crate::lang::show::ListOptions;

use entry::{invalid, Entry};
use options::{Cmd, Tag};
use popt::{Found, Scanner};

/// One ipvsadm invocation read: the command, and whether it asked for
/// numeric output (`-n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub command: IpvsadmCommand,
    pub numeric: bool,
}

/// Reads one ipvsadm invocation. `args` are the words after `ipvsadm`
/// (the word `ipvsadm` itself already dropped); no words at all is a
/// listing. Names are refused (see the module's doc).
pub fn parse_ipvsadm<S: AsRef<str>>(args: &[S]) -> Result<IpvsadmCommand, IpvsadmError> {
    parse_ipvsadm_with(args, &NoLookup).map(|invocation| invocation.command)
}

/// Reads one ipvsadm invocation as [`parse_ipvsadm`] does, looking host
/// and service names up in `lookup` where ipvsadm looks them up.
pub fn parse_ipvsadm_with<S: AsRef<str>>(
    args: &[S],
    lookup: &dyn Lookup,
) -> Result<Invocation, IpvsadmError> {
    let words: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    if words.is_empty() {
        let command = IpvsadmCommand::List { target: ListTarget::Table, options: ListOptions::default() };
        return Ok(Invocation { command, numeric: false });
    }
    let mut scanner = Scanner::new(&words);
    let (cmd, first) = first_command(&mut scanner)?;
    match cmd {
        Cmd::Help => return Ok(Invocation { command: IpvsadmCommand::Help, numeric: false }),
        Cmd::Version => return Ok(Invocation { command: IpvsadmCommand::Version, numeric: false }),
        _ => {}
    }
    let mut entry = Entry::new(cmd, first.word, daemon_state(cmd, &first)?, lookup);
    loop {
        match scanner.next_option() {
            Ok(Some(found)) => entry.apply(&found, &words)?,
            Ok(None) => break,
            Err(err) => return Err(IpvsadmError::popt(words[err.word], err.kind.text(), err.word)),
        }
    }
    let numeric = entry.seen[options::Col::Numeric.index()].is_some();
    let command = build::finish(entry, scanner.positional(), &words)?;
    Ok(Invocation { command, numeric })
}

/// The first option, which must be a command; anything else (another
/// option, a popt error, no option at all) gets ipvsadm's usage hint.
fn first_command<'a>(scanner: &mut Scanner<'a>) -> Result<(Cmd, Found<'a>), IpvsadmError> {
    match scanner.next_option() {
        Ok(Some(found)) => match found.flag.tag {
            Tag::Command(cmd) => Ok((cmd, found)),
            _ => Err(IpvsadmError::usage(Some(found.last))),
        },
        Ok(None) => Err(IpvsadmError::usage(None)),
        Err(err) => Err(IpvsadmError::usage(Some(err.word))),
    }
}

/// `--start-daemon`'s and `--stop-daemon`'s value, checked as soon as it
/// is read; other commands have none (master is a placeholder).
fn daemon_state(cmd: Cmd, first: &Found<'_>) -> Result<DaemonState, IpvsadmError> {
    let message = match cmd {
        Cmd::StartDaemon => "illegal start-daemon parameter specified",
        Cmd::StopDaemon => "illegal start_daemon specified",
        _ => return Ok(DaemonState::Master),
    };
    match first.value {
        Some(("master", _)) => Ok(DaemonState::Master),
        Some(("backup", _)) => Ok(DaemonState::Backup),
        Some((_, at)) => Err(invalid(message, at)),
        None => Err(invalid(message, first.word)),
    }
}
