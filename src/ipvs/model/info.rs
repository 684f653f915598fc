//! What the kernel says about its IPVS.

use std::fmt;

/// IPVS version and connection table size (`IPVS_CMD_GET_INFO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// Version code, e.g. 0x010201 for 1.2.1.
    pub version: u32,
    /// Buckets of the connection hash table.
    pub conn_tab_size: u32,
}

/// `1.2.1`.
pub struct Version(u32);

impl Info {
    /// The version as `major.minor.patch`.
    pub fn version(&self) -> impl fmt::Display {
        Version(self.version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(f, "{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }
}
