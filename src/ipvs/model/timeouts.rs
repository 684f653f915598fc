//! Connection timeouts (`ipvsadm --set`).

/// The three settable timeouts, in seconds; 0 in a request leaves one unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Timeouts {
    /// TCP established.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    pub udp: u32,
}
