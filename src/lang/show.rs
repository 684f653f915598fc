//! What a listing shows: the views of `ipvsadm -L` (and lvsh's `show`).

/// Which columns a listing has (ipvsadm's `--stats`, `--rate`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ListFormat {
    /// Scheduler, forwarding, weight and connection counts.
    #[default]
    Default,
    /// Counters: connections, packets and bytes (`--stats`).
    Stats,
    /// Rates per second (`--rate`).
    Rate,
    /// Upper and lower connection thresholds (`--thresholds`).
    Thresholds,
    /// Weight and persistent connections (`--persistent-conn`).
    PersistentConn,
    /// The tunnel column (`--tun-info`).
    TunInfo,
}

/// How a service listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ListOptions {
    pub format: ListFormat,
    /// Exact counters instead of K/M/G rounding (`--exact`).
    pub exact: bool,
    /// Kernel order instead of ipvsadm's sort (`--nosort`).
    pub nosort: bool,
}
