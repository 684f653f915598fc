//! Ending the processes of one of the lab's namespaces, and only those: a
//! process left inside would keep the namespace, and its links, alive.
//!
//! Members are found as `ip netns pids` finds them, by the device and inode
//! of `/proc/PID/ns/net`, but against the identity of the namespace lvsh
//! holds open (so the name cannot have moved to another meanwhile). Each is
//! signalled through a pidfd taken *before* its namespace is checked again,
//! so a pid that ends and is reused in between is never signalled.

use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use super::record::Identity;

/// How long each signal is given to work.
const GRACE: Duration = Duration::from_secs(1);

/// Ends every process in the namespace (TERM, then KILL after a second);
/// lvsh itself is never one of them.
pub fn stop(namespace: &Identity) {
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let alive = members(namespace);
        if alive.is_empty() {
            return;
        }
        for pid in alive {
            send(pid, signal, namespace);
        }
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline && !members(namespace).is_empty() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Ends the processes in `namespace` whose program is named `program`
/// (TERM only: keepalived gives its addresses up as it ends); returns their pids.
pub fn stop_program(namespace: &Identity, program: &str) -> Vec<i32> {
    let named = |pid: &i32| {
        let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
        argv0.rsplit(|b| *b == b'/').next() == Some(program.as_bytes())
    };
    let found: Vec<i32> = members(namespace).into_iter().filter(named).collect();
    for &pid in &found {
        send(pid, libc::SIGTERM, namespace);
    }
    found
}

/// The processes whose network namespace is `namespace`, but lvsh.
pub fn members(namespace: &Identity) -> Vec<i32> {
    let own = std::process::id() as i32;
    let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != own && is_in(*pid, namespace))
        .collect()
}

/// Whether process `pid` is in `namespace` (false once it is gone).
fn is_in(pid: i32, namespace: &Identity) -> bool {
    fs::metadata(format!("/proc/{pid}/ns/net"))
        .is_ok_and(|m| m.dev() == namespace.dev && m.ino() == namespace.ino)
}

/// Sends `signal` to `pid` if, once held by a pidfd, it is still in `namespace`.
fn send(pid: i32, signal: i32, namespace: &Identity) {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let Ok(fd) = i32::try_from(fd) else { return };
    if fd < 0 {
        return; // gone already
    }
    // SAFETY: the descriptor was just made for us and is owned by nothing else.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd) };
    if !is_in(pid, namespace) {
        return;
    }
    // SAFETY: the pidfd is open; no siginfo is passed. A process that ended
    // since is ESRCH, and its pid's next owner is not the pidfd's process.
    unsafe {
        libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), signal, std::ptr::null::<u8>(), 0)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads who lvsh's own namespace is, and looks: it changes nothing.
    fn own_namespace() -> Identity {
        let meta = fs::metadata("/proc/self/ns/net").unwrap();
        Identity { dev: meta.dev(), ino: meta.ino(), cookie: 0 }
    }

    #[test]
    fn members_are_found_by_namespace_and_never_include_lvsh() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        let here = own_namespace();
        let found = members(&here);
        assert!(found.contains(&pid), "{pid} in {found:?}");
        assert!(!found.contains(&(std::process::id() as i32)));
        let elsewhere = Identity { ino: here.ino.wrapping_add(1), ..here };
        assert!(!members(&elsewhere).contains(&pid));
        // Only the test's own child is signalled: a KILL meant for another
        // namespace is not sent, so the TERM after it is what ends the child.
        send(pid, libc::SIGKILL, &elsewhere);
        send(pid, libc::SIGTERM, &here);
        let status = child.wait().unwrap();
        assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGTERM));
    }
}
