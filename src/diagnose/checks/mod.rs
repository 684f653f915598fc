//! The checks, one function each, over [`Facts`]: `doctor` runs them all,
//! and a later `trace` or a failed probe can run the ones that explain what
//! it saw. DR and tunnel checks (the VIP on a non-ARP interface,
//! arp_ignore/arp_announce, the tunnel device, rp_filter) belong in a
//! module of their own here, with their rows in [`CHECKS`].

pub mod backend;
pub mod director;

use super::{Facts, Finding};

/// One check: its finding's code, what it looks at, and the function.
pub struct Check {
    pub code: &'static str,
    /// What it checks, for the docs and `help doctor`.
    pub checks: &'static str,
    pub run: fn(&Facts) -> Vec<Finding>,
}

/// Every check, in the order `doctor` reports them: the director first,
/// then the backends.
pub const CHECKS: &[Check] = &[
    Check {
        code: director::NO_IPVS,
        checks: "IPVS answers in the director's namespace",
        run: director::ipvs_loaded,
    },
    Check {
        code: director::NO_FORWARDING,
        checks: "`net.ipv4.ip_forward` is on when a service has masq backends",
        run: director::forwarding,
    },
    Check {
        code: director::NO_ROUTE_TO_BACKEND,
        checks: "the director has a route to each backend",
        run: director::routes_to_backends,
    },
    Check {
        code: director::NO_BACKENDS,
        checks: "each service has a backend of weight above 0",
        run: director::backends_in_service,
    },
    Check {
        code: director::QUIESCENT_TEMPLATE,
        checks: "`expire_quiescent_template` is 1 when a persistent service has a weight-0 backend",
        run: director::quiescent_templates,
    },
    Check {
        code: director::NODEST_CONN,
        checks: "`expire_nodest_conn` is 1 when connection entries point at a deleted backend",
        run: director::nodest_connections,
    },
    Check {
        code: director::CONN_REUSE,
        checks: "`conn_reuse_mode` is not 0 when a weight-0 backend still has connection entries",
        run: director::connection_reuse,
    },
    Check {
        code: director::SYNC_INTERFACE,
        checks: "each sync daemon's interface exists on the director",
        run: director::sync_interfaces,
    },
    Check {
        code: backend::NO_REPLY_PATH,
        checks: "a masq backend's route to each client goes through the director",
        run: backend::reply_paths,
    },
    Check {
        code: backend::NOT_LISTENING,
        checks: "something listens on each backend's port",
        run: backend::listening,
    },
];

/// Every finding of every check.
pub fn all(facts: &Facts) -> Vec<Finding> {
    CHECKS.iter().flat_map(|c| (c.run)(facts)).collect()
}

#[cfg(test)]
mod tests;
