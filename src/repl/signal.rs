//! Ctrl-C while a command runs: the terminal sends SIGINT (the editor is
//! not reading then), which would end lvsh. The shell catches it instead:
//! a `sleep` or `watch` ends early, and the shell goes on.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT; cleared before each command.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Catches SIGINT for the rest of the process's life.
pub fn catch_interrupts() {
    // SAFETY: the handler only stores to an atomic, which is signal-safe;
    // the sigaction value is zeroed then filled as sigaction(2) describes.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

/// Forgets an earlier Ctrl-C, before a command starts.
pub fn clear() {
    INTERRUPTED.store(false, Ordering::Relaxed);
}
