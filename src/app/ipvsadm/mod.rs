//! lvsh as a drop-in `ipvsadm`: run through a link named `ipvsadm`, lvsh
//! is ipvsadm 1.31 (Debian's build) — the same arguments, the same bytes
//! on standard output and standard error, the same exit codes — over
//! lvsh's own netlink client, parser and listings.
//!
//! The order of ipvsadm's `main` is kept: IPVS is reached first (so even
//! `-h` fails, with exit 2, where there is none; `/sbin/modprobe -- ip_vs`
//! is tried once, as ipvsadm does), no argument lists the table, and each
//! invocation is read whole and checked before the kernel hears of it.
//! One change is one request; nothing is transactional, nothing is
//! journalled or kept in lvsh's history. Host and service names are looked
//! up with the C library unless `-n`, as ipvsadm looks them up
//! ([`names`]). Exit codes: 0; 1 a listing failed; 2 a check failed or
//! IPVS cannot be reached; 255 the kernel refused a change, the first
//! option is not a command, or popt refused an option.
//!
//! `-R` reads standard input line by line as ipvsadm's `config_stream_read`
//! does and runs each line as a whole invocation: a kernel refusal or a
//! popt error prints its message and goes on, a failed check, a usage
//! error, a failed listing, `-h` and `-v` end the whole run at once, and
//! the exit code is the last line's.
//!
//! Known differences: an argument or a `-R` line that is not UTF-8 is read
//! lossily (ipvsadm keeps its bytes), and `-b ,` sets no flag where
//! ipvsadm crashes.

mod names;
mod strerror;

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::ipvs::conntable::parse_conn_table;
use crate::ipvs::{Info, Kernel, KernelError, NetlinkKernel};
use crate::lang::ipvsadm::{
    next_invocation, parse_ipvsadm_with, usage_hint, IpvsadmCommand, IpvsadmError, IpvsadmErrorKind,
    ListTarget,
};
use crate::lang::show::{ListFormat, ListOptions};
use crate::render::ipvsadm::{self as listing, Naming, ServiceRow, Table};

use names::CLibrary;
use strerror::Call;

/// ipvsadm's version line (`-v`, and the first line of `-h`).
const VERSION: &str = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n";

/// ipvsadm's usage after the version line; `%s` is the program as called.
const USAGE: &str = include_str!("usage.txt");

/// Where ipvsadm reads the connection table.
const CONN_FILE: &str = "/proc/net/ip_vs_conn";

/// Whether lvsh was called as `ipvsadm` (the name of a link to it).
pub fn called_as_ipvsadm(argv0: &OsStr) -> bool {
    Path::new(argv0).file_name() == Some(OsStr::new("ipvsadm"))
}

/// Runs as ipvsadm with this command line (`args[0]` the program as called).
pub fn main(args: &[OsString]) -> ExitCode {
    let text = |arg: &OsString| arg.to_string_lossy().into_owned();
    let program = args.first().map_or_else(|| "ipvsadm".to_string(), text);
    let words: Vec<String> = args.iter().skip(1).map(text).collect();
    // Like a C program: a write to a closed pipe ends the run (Rust ignores SIGPIPE).
    // SAFETY: setting a signal's disposition to its default has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let (kernel, info) = match connect() {
        Ok(reached) => reached,
        Err(error) => {
            let why = match error {
                // ipvsadm falls back to the old socket option, which says so.
                KernelError::IpvsMissing => "Protocol not available".to_string(),
                other => strerror::message(Call::Other, &other),
            };
            write_err(&format!(
                "Can't initialize ipvs: {why}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n"
            ));
            return ExitCode::from(2);
        }
    };
    let mut ipvsadm = Ipvsadm { program, kernel, info, out: Stdout::new() };
    let code = if words.is_empty() {
        let listed = ipvsadm.list_all(&ListOptions::default(), false, Some(&CLibrary));
        listed.map_or_else(|code| code, |()| 0)
    } else {
        match ipvsadm.process(&words, false) {
            Flow::Next(true) => 0,
            Flow::Next(false) => 255,
            Flow::Exit(code) => code,
        }
    };
    ipvsadm.out.flush();
    ExitCode::from(code)
}

/// IPVS reached as ipvsadm reaches it: its netlink family and version,
/// after `/sbin/modprobe -- ip_vs` when the first try fails.
fn connect() -> Result<(NetlinkKernel, Info), KernelError> {
    let reach = || -> Result<(NetlinkKernel, Info), KernelError> {
        let mut kernel = NetlinkKernel::connect()?;
        let info = kernel.info()?;
        Ok((kernel, info))
    };
    reach().or_else(|first| {
        // modprobe's own messages go where ipvsadm's child's go: to ours.
        let loaded = std::process::Command::new("/sbin/modprobe")
            .args(["--", "ip_vs"])
            .status()
            .is_ok_and(|status| status.success());
        if loaded {
            reach()
        } else {
            Err(first)
        }
    })
}

/// What a run does after an invocation.
enum Flow {
    /// Go on (with `-R`'s next line): whether this one succeeded.
    Next(bool),
    /// Stop the whole run with this exit code (ipvsadm calls `exit`).
    Exit(u8),
}

struct Ipvsadm {
    /// argv[0], as ipvsadm names itself in its usage.
    program: String,
    kernel: NetlinkKernel,
    /// The kernel's version and table size, read once at the start.
    info: Info,
    out: Stdout,
}

impl Ipvsadm {
    /// ipvsadm's `process_options`: one invocation.
    fn process(&mut self, words: &[String], reading_stdin: bool) -> Flow {
        let invocation = match parse_ipvsadm_with(words, &CLibrary) {
            Ok(invocation) => invocation,
            Err(error) => return self.refused(&error),
        };
        let naming: Option<&dyn Naming> = if invocation.numeric { None } else { Some(&CLibrary) };
        let listed = |result: Result<(), u8>| match result {
            Ok(()) => Flow::Next(true),
            Err(code) => Flow::Exit(code),
        };
        match invocation.command {
            IpvsadmCommand::Help => {
                self.out.write(&format!("{VERSION}{}", USAGE.replace("%s", &self.program)));
                Flow::Exit(0)
            }
            IpvsadmCommand::Version => {
                self.out.write(VERSION);
                Flow::Exit(0)
            }
            IpvsadmCommand::Restore if reading_stdin => self.usage_error(),
            IpvsadmCommand::Restore => self.restore(),
            IpvsadmCommand::List { target, options } => listed(self.list(&target, &options, naming)),
            IpvsadmCommand::Save => listed(self.list_all(&ListOptions::default(), true, naming)),
            change => {
                let Some(op) = change.into_op() else {
                    return Flow::Next(true);
                };
                match self.kernel.apply_one(&op) {
                    Ok(()) => Flow::Next(true),
                    Err(error) => {
                        write_err(&format!("{}\n", strerror::message(Call::of(&op), &error)));
                        Flow::Next(false)
                    }
                }
            }
        }
    }

    /// A refused invocation, as ipvsadm refuses it.
    fn refused(&self, error: &IpvsadmError) -> Flow {
        match error.kind {
            IpvsadmErrorKind::Usage => self.usage_error(),
            IpvsadmErrorKind::Popt => {
                write_err(&format!("{}\n", error.message));
                Flow::Next(false)
            }
            IpvsadmErrorKind::Invalid => {
                write_err(&format!("{}\n", error.message));
                Flow::Exit(error.exit_code)
            }
        }
    }

    /// ipvsadm's `tryhelp_exit`.
    fn usage_error(&self) -> Flow {
        write_err(&format!("{}\n", usage_hint(&self.program)));
        Flow::Exit(255)
    }

    /// `-R`: each invocation of standard input in turn; the last one's outcome.
    fn restore(&mut self) -> Flow {
        let mut input = std::io::stdin().lock();
        let mut line = Vec::new();
        let mut last = Flow::Next(true);
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return last,
                Ok(_) => {}
            }
            let mut at = 0;
            let Some(words) = next_invocation(&line, &mut at) else {
                return last;
            };
            if words.is_empty() {
                continue;
            }
            last = self.process(&words, true);
            if let Flow::Exit(_) = last {
                return last;
            }
        }
    }

    /// `-L`/`-l` of one target; `Err` is the exit code of a failed listing.
    fn list(
        &mut self,
        target: &ListTarget,
        options: &ListOptions,
        naming: Option<&dyn Naming>,
    ) -> Result<(), u8> {
        let text = match target {
            ListTarget::Table => return self.list_all(options, false, naming),
            ListTarget::Service(key) => {
                let entry = self.kernel.service(key).map_err(|e| listing_failed(&e))?;
                let backends = self.kernel.backends(key).map_err(|e| listing_failed(&e))?;
                listing::list_service_with(&ServiceRow { entry, backends }, options, naming)
            }
            ListTarget::Connections { persistent } => connections(*persistent, naming)?,
            // ipvsadm exits 1 without a word when these cannot be read.
            ListTarget::Timeouts => listing::timeouts(&self.kernel.timeouts().map_err(|_| 1)?),
            ListTarget::Daemons => listing::daemons(&self.kernel.daemons().map_err(|_| 1)?),
        };
        self.out.write(&text);
        Ok(())
    }

    /// The whole table: listed (with the version line), or saved (`-S`).
    fn list_all(&mut self, options: &ListOptions, save: bool, naming: Option<&dyn Naming>) -> Result<(), u8> {
        let rows = match options.format {
            ListFormat::Stats | ListFormat::Rate => self.kernel.table_counted(),
            _ => self.kernel.table(),
        };
        let rows = rows.map_err(|e| listing_failed(&e))?;
        let services = rows.into_iter().map(|(entry, backends)| ServiceRow { entry, backends }).collect();
        let table = Table { info: self.info, services };
        self.out.write(&match save {
            true => listing::save_with(&table, naming),
            false => listing::list_with(&table, options, naming),
        });
        Ok(())
    }
}

/// A listing that could not be read: ipvsadm's message, exit 1.
fn listing_failed(error: &KernelError) -> u8 {
    write_err(&format!("{}\n", strerror::message(Call::Get, error)));
    1
}

/// `-L -c`: ipvsadm reads the connection table from /proc itself.
fn connections(persistent: bool, naming: Option<&dyn Naming>) -> Result<String, u8> {
    let Ok(text) = std::fs::read_to_string(CONN_FILE) else {
        write_err(&format!("cannot open file {CONN_FILE}\n"));
        return Err(1);
    };
    if text.is_empty() {
        write_err(&format!("unexpected input from {CONN_FILE}\n"));
        return Err(1);
    }
    Ok(listing::connections_with(&parse_conn_table(&text), persistent, naming))
}

/// Standard output, buffered as C's stdio buffers ipvsadm's: by line on a
/// terminal, else in blocks written when full and at the end, so that where
/// standard error goes to the same place, a message comes before the
/// listings printed before it, as with ipvsadm.
struct Stdout {
    /// `None` on a terminal (Rust's standard output writes each line).
    blocks: Option<std::io::BufWriter<std::io::Stdout>>,
}

/// glibc's stdio buffer for a pipe or a file (their `st_blksize`).
const STDIO_BUFFER: usize = 4096;

impl Stdout {
    fn new() -> Stdout {
        let stdout = std::io::stdout();
        let blocks = (!stdout.is_terminal()).then(|| std::io::BufWriter::with_capacity(STDIO_BUFFER, stdout));
        Stdout { blocks }
    }

    /// Writes `text`; a failed write is not reported (ipvsadm's printf
    /// ignores it too).
    fn write(&mut self, text: &str) {
        let _ = match &mut self.blocks {
            Some(blocks) => blocks.write_all(text.as_bytes()),
            None => std::io::stdout().lock().write_all(text.as_bytes()),
        };
    }

    /// What is buffered, written (at the end of the run, as `exit` does).
    fn flush(&mut self) {
        if let Some(blocks) = &mut self.blocks {
            let _ = blocks.flush();
        }
        let _ = std::io::stdout().lock().flush();
    }
}

/// Standard error, unbuffered as ipvsadm's.
fn write_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_link_named_ipvsadm_is_ipvsadm() {
        for argv0 in ["ipvsadm", "/usr/local/sbin/ipvsadm", "./ipvsadm"] {
            assert!(called_as_ipvsadm(OsStr::new(argv0)), "{argv0}");
        }
        for argv0 in ["lvsh", "/usr/bin/lvsh", "ipvsadm-save", "ipvsadm.sh", ""] {
            assert!(!called_as_ipvsadm(OsStr::new(argv0)), "{argv0}");
        }
    }

    #[test]
    fn the_usage_names_the_program_as_called_on_each_command_line() {
        let usage = USAGE.replace("%s", "/sbin/ipvsadm");
        assert_eq!(usage.matches("  /sbin/ipvsadm -").count(), 13);
        assert!(usage.starts_with("Usage:\n  /sbin/ipvsadm -A|E virtual-service"));
        assert!(usage.ends_with("  --mcast-ttl ttl                     Multicast TTL (default=1)\n"));
    }
}
