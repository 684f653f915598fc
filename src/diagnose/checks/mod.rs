//! The checks, one function each, over [`Facts`]: `doctor` runs them all,
//! and a later `trace` or a failed probe can run the ones that explain what
//! it saw. The checks of DR and tunnel services are in [`dr`] and [`tunnel`].

pub mod backend;
pub mod director;
pub mod dr;
pub mod tunnel;

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
        code: dr::VIP_NOT_LOCAL,
        checks: "the VIP of each DR or tunnel service is an address of the director",
        run: dr::vip_local,
    },
    Check {
        code: dr::REPLIES_MARTIAN,
        checks: "`accept_local` is on where DR or tunnel replies, whose source is the director's own VIP, come back through it",
        run: dr::replies_martian,
    },
    Check {
        code: dr::DIRECTOR_RP_FILTER,
        checks: "`rp_filter` is not strict (1) on the director's interface where DR or tunnel replies come back",
        run: dr::director_rp_filter,
    },
    Check {
        code: backend::NO_REPLY_PATH,
        checks: "a masq backend's route to each client goes through the director",
        run: backend::reply_paths,
    },
    Check {
        code: dr::BACKEND_LACKS_VIP,
        checks: "each DR or tunnel backend holds the VIP (on lo, which answers no ARP)",
        run: dr::backend_vip,
    },
    Check {
        code: dr::VIP_ON_ARP_INTERFACE,
        checks: "no DR or tunnel backend holds the VIP on an interface that answers ARP",
        run: dr::vip_on_arp_interface,
    },
    Check {
        code: dr::ARP_IGNORE,
        checks: "`arp_ignore` is at least 1 on a DR or tunnel backend's interface",
        run: dr::arp_ignore,
    },
    Check {
        code: dr::ARP_ANNOUNCE,
        checks: "`arp_announce` is 2 on a DR or tunnel backend's interface",
        run: dr::arp_announce,
    },
    Check {
        code: tunnel::NO_TUNNEL_DEVICE,
        checks: "a tunnel backend has an up device of the kind its encapsulation needs (ipip for ipip and GUE, gre for GRE)",
        run: tunnel::tunnel_device,
    },
    Check {
        code: tunnel::NO_GUE_PORT,
        checks: "a GUE backend has a receiver (`ip fou`) on the tunnel's UDP port",
        run: tunnel::gue_port,
    },
    Check {
        code: tunnel::TUNNEL_RP_FILTER,
        checks: "`rp_filter` lets a tunnel backend's device take decapsulated packets: not strict (1), and 0 on a device without an address",
        run: tunnel::tunnel_rp_filter,
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
