//! Signals that stop a run. SIGINT, SIGTERM and SIGHUP are caught; the
//! interpreter stops at its next safe point (before a statement, after the
//! last one, or at once in a wait or a node's command), rolls the run back
//! and says so, and lvsh exits 128 + the signal's number (130, 143, 129).
//! The handler only records the signal, which is all a handler may do.

use std::sync::atomic::{AtomicI32, Ordering};

/// The last signal caught and not yet handled; 0 for none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
    Hup,
}

impl Signal {
    /// Every signal a run stops for.
    pub const ALL: [Signal; 3] = [Signal::Int, Signal::Term, Signal::Hup];

    fn number(self) -> i32 {
        match self {
            Signal::Int => libc::SIGINT,
            Signal::Term => libc::SIGTERM,
            Signal::Hup => libc::SIGHUP,
        }
    }

    fn of(number: i32) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.number() == number)
    }

    /// `SIGINT`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
            Signal::Hup => "SIGHUP",
        }
    }

    /// What a shell reports for a process this signal ended: 128 + its number.
    pub fn exit_code(self) -> u8 {
        (128 + self.number()) as u8
    }
}

extern "C" fn on_signal(number: libc::c_int) {
    RECEIVED.store(number, Ordering::Relaxed);
}

/// Catches `signals` for the rest of the process's life. Without
/// SA_RESTART, a blocking read (a node's output) returns at once.
pub fn catch(signals: &[Signal]) {
    for signal in signals {
        // SAFETY: the handler only stores to an atomic, which is signal-safe;
        // the sigaction value is zeroed then filled as sigaction(2) describes.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal.number(), &action, std::ptr::null_mut());
        }
    }
}

/// The signal caught and not yet handled, if any.
pub fn pending() -> Option<Signal> {
    Signal::of(RECEIVED.load(Ordering::Relaxed))
}

/// Forgets a signal already handled (the shell, before its next line).
pub fn clear() {
    RECEIVED.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_exits_as_a_shell_reports_it() {
        let codes: Vec<u8> = Signal::ALL.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [130, 143, 129]);
        assert_eq!(Signal::of(libc::SIGTERM), Some(Signal::Term));
        assert_eq!(Signal::of(0), None);
    }
}
