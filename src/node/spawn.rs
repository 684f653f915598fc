//! Starting a program inside a network namespace, as `ip netns exec` does:
//! the child enters the namespace between fork and exec, so lvsh itself
//! never moves.

use std::fs::File;
use std::io::{self, PipeReader};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use crate::ipvs::Netns;

/// Why a program could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("no network namespace `{0}`")]
    NoNamespace(String),
    #[error("cannot open network namespace `{0}`: {1}")]
    Namespace(String, io::Error),
    #[error("`{0}`: command not found")]
    NotFound(String),
    #[error("cannot run `{0}`: {1}")]
    Other(String, io::Error),
}

impl SpawnError {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            SpawnError::NoNamespace(_) => {
                "bring the lab up with `lab up`, or list namespaces with `ip netns`"
            }
            SpawnError::Namespace(..) => {
                "entering a namespace needs root (CAP_SYS_ADMIN): run lvsh with sudo"
            }
            SpawnError::NotFound(_) => "check the spelling, or install the program on this machine",
            SpawnError::Other(..) => "check the command and its permissions",
        }
    }
}

/// A child running in `netns` with stdout and stderr merged into one pipe
/// (so their lines keep their order) and no stdin. It leads its own process
/// group, so stopping it stops what it started too (`bash -c 'a | b'`).
pub fn spawn(netns: &Netns, argv: &[String]) -> Result<(Child, PipeReader), SpawnError> {
    let program = argv.first().cloned().unwrap_or_default();
    let file = open_netns(netns)?;
    let (reader, writer) = io::pipe().map_err(|e| SpawnError::Other(program.clone(), e))?;
    let writer2 = writer.try_clone().map_err(|e| SpawnError::Other(program.clone(), e))?;
    // `lvsh` on a node is this lvsh, wherever it was started from.
    let exe = match program.as_str() {
        "lvsh" => std::env::current_exe().unwrap_or_else(|_| program.clone().into()),
        _ => program.clone().into(),
    };
    let mut command = Command::new(exe);
    command
        .args(&argv[1.min(argv.len())..])
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .process_group(0);
    if let Some(file) = &file {
        let fd = file.as_raw_fd();
        // SAFETY: between fork and exec only setns runs, an async-signal-safe
        // system call; `file` outlives the spawn, so the descriptor is open.
        unsafe {
            command.pre_exec(move || match libc::setns(fd, libc::CLONE_NEWNET) {
                0 => Ok(()),
                _ => Err(io::Error::last_os_error()),
            });
        }
    }
    let child = command.spawn().map_err(|e| spawn_error(&program, e));
    drop(command); // closes the parent's copies of the pipe's write end
    drop(file);
    Ok((child?, reader))
}

/// A daemon running in `netns` in a session of its own, so that it outlives
/// lvsh and no terminal's signal reaches it, writing its output to `log`.
/// A thread waits for it, so it never lingers as a zombie while lvsh runs.
/// Returns its pid.
pub fn spawn_daemon(netns: &Netns, argv: &[String], log: File) -> Result<u32, SpawnError> {
    let program = argv.first().cloned().unwrap_or_default();
    let file = open_netns(netns)?;
    let err = log.try_clone().map_err(|e| SpawnError::Other(program.clone(), e))?;
    let mut command = Command::new(&program);
    command.args(&argv[1.min(argv.len())..]).stdin(Stdio::null()).stdout(log).stderr(err);
    let fd = file.as_ref().map(|f| f.as_raw_fd());
    // SAFETY: between fork and exec only setns and setsid run, both
    // async-signal-safe system calls; `file` outlives the spawn.
    unsafe {
        command.pre_exec(move || {
            if let Some(fd) = fd {
                if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            match libc::setsid() {
                -1 => Err(io::Error::last_os_error()),
                _ => Ok(()),
            }
        });
    }
    let mut child = command.spawn().map_err(|e| spawn_error(&program, e))?;
    drop(file);
    let pid = child.id();
    std::thread::spawn(move || child.wait());
    Ok(pid)
}

/// The namespace's file, to enter it with setns; `None` for lvsh's own.
fn open_netns(netns: &Netns) -> Result<Option<File>, SpawnError> {
    let Some(path) = netns.path() else { return Ok(None) };
    File::open(&path).map(Some).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => SpawnError::NoNamespace(netns.to_string()),
        _ => SpawnError::Namespace(netns.to_string(), e),
    })
}

fn spawn_error(program: &str, e: io::Error) -> SpawnError {
    match e.kind() {
        io::ErrorKind::NotFound => SpawnError::NotFound(program.to_string()),
        _ => SpawnError::Other(program.to_string(), e),
    }
}

/// Sends `signal` to the process group a spawned child leads.
pub fn signal_group(child: &Child, signal: i32) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill only sends a signal; a group that is gone is ESRCH.
        unsafe { libc::kill(-pid, signal) };
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn output_and_errors_arrive_in_one_pipe() {
        let argv: Vec<String> =
            ["sh", "-c", "echo out; echo err >&2"].iter().map(|s| s.to_string()).collect();
        let (mut child, mut reader) = spawn(&Netns::Current, &argv).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(text, "out\nerr\n");
    }

    #[test]
    fn a_missing_program_says_so() {
        let err = spawn(&Netns::Current, &["lvsh-no-such-program".to_string()]).unwrap_err();
        assert_eq!(err.to_string(), "`lvsh-no-such-program`: command not found");
    }

    #[test]
    fn a_missing_namespace_says_how_to_make_it() {
        let err = spawn(&Netns::parse("lvsh-no-such-ns"), &["true".to_string()]).unwrap_err();
        assert_eq!(err.to_string(), "no network namespace `lvsh-no-such-ns`");
    }
}
