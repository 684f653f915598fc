//! Notes a run prints about what it assumed for the user.

use crate::ipvs::DaemonState;

/// A sync daemon started without `interface`: it uses `iface`, which this
/// namespace has or lacks.
pub fn default_interface(state: DaemonState, iface: &str, exists: bool) -> String {
    let there = match exists {
        true => format!("{iface} exists here"),
        false => format!("this namespace has no {iface}: the kernel will refuse it"),
    };
    format!("note: the {state} sync daemon uses {iface}, as no `interface` was named; {there}\n")
}

/// An unfinished run, as `recover` and the warning name it.
pub fn run(pid: u32, age_secs: u64, changes: usize, record: &str) -> String {
    let age = match age_secs {
        0..=119 => format!("{age_secs} s"),
        120..=7199 => format!("{} min", age_secs / 60),
        _ => format!("{} h", age_secs / 3600),
    };
    format!(
        "the run of lvsh (pid {pid}, started {age} ago, {}) recorded in {record}",
        crate::render::words::plural(changes, "change")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_says_which_interface_and_whether_it_exists() {
        assert_eq!(
            default_interface(DaemonState::Master, "eth0", false),
            "note: the master sync daemon uses eth0, as no `interface` was named; \
             this namespace has no eth0: the kernel will refuse it\n"
        );
        assert!(default_interface(DaemonState::Backup, "eth0", true).ends_with("; eth0 exists here\n"));
    }
}
