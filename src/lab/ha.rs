//! The high-availability pair: gw and gw2, each running Debian's
//! keepalived for VRRP (which director holds the floating addresses) and
//! IPVS's own sync daemons (so the standby knows the active's connections).
//! lvsh does not speak VRRP itself; it writes each director a minimal
//! keepalived configuration, starts keepalived in the director's namespace,
//! and reads the state it logs.
//!
//! Both instances are in one sync group, so the client side (111.111.0.1)
//! and the backends' default route (10.10.0.1) always move together: a
//! director that held one but not the other would drop masq replies. Both
//! directors run a master and a backup sync daemon, so whichever is active
//! sends its connections and the other learns them; a master daemon does
//! not hear its own multicast.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use super::{Lab, DIRECTOR};
use crate::ipvs::model::{Daemon, DaemonState};

/// One address VRRP moves between the directors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floating {
    /// keepalived's name for the VRRP instance.
    pub instance: &'static str,
    /// The directors' interface that holds it.
    pub iface: &'static str,
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
    /// The VRRP router id on that link.
    pub vrid: u8,
}

impl Floating {
    /// As `lab status` lists an address a node holds: `eth1 111.111.0.1/24`.
    pub fn listed(&self) -> String {
        format!("{} {}/{}", self.iface, self.addr, self.prefix_len)
    }
}

/// The seed's gw addresses, floating: the clients' VIP and gateway, and
/// the backends' default route.
pub const FLOATING: &[Floating] = &[
    Floating {
        instance: "EXT",
        iface: "eth1",
        addr: Ipv4Addr::new(111, 111, 0, 1),
        prefix_len: 24,
        vrid: 51,
    },
    Floating { instance: "INT", iface: "eth2", addr: Ipv4Addr::new(10, 10, 0, 1), prefix_len: 24, vrid: 52 },
];

/// The sync daemons' interface (the backends' link, shared by both
/// directors) and sync id.
pub const SYNC_INTERFACE: &str = "eth2";
pub const SYNC_ID: u32 = 51;

/// The sync daemon of `state` as both directors run it.
pub fn sync_daemon(state: DaemonState) -> Daemon {
    Daemon {
        state,
        interface: SYNC_INTERFACE.to_string(),
        sync_id: SYNC_ID,
        max_len: None,
        group: None,
        port: None,
        ttl: None,
    }
}

/// VRRP priority: gw is preferred, so it is master when both run.
pub fn priority(director: &str) -> u8 {
    match director == DIRECTOR {
        true => 150,
        false => 100,
    }
}

/// Where a director's keepalived keeps its configuration, pid files and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub config: PathBuf,
    pub pid: PathBuf,
    pub vrrp_pid: PathBuf,
    pub log: PathBuf,
}

/// The directory of the pair's keepalived files, emptied at boot like
/// keepalived itself.
pub const DIR: &str = "/run/lvsh/ha";

/// The files of the keepalived of namespace `ns` (a director's, prefix included).
pub fn files(ns: &str) -> Files {
    let at = |suffix: &str| PathBuf::from(DIR).join(format!("{ns}.{suffix}"));
    Files {
        config: at("keepalived.conf"),
        pid: at("keepalived.pid"),
        vrrp_pid: at("vrrp.pid"),
        log: at("keepalived.log"),
    }
}

/// keepalived's command line: VRRP only, in the foreground (lvsh starts it
/// in its own session, so it outlives lvsh), logging to its output, which
/// goes to [`Files::log`], and not to syslog (with no syslog daemon, that
/// falls back to the system console).
pub fn keepalived_argv(files: &Files) -> Vec<String> {
    let path = |p: &PathBuf| p.display().to_string();
    vec![
        "keepalived".to_string(),
        "--vrrp".to_string(),
        "--dont-fork".to_string(),
        "--log-console".to_string(),
        "--no-syslog".to_string(),
        "--log-detail".to_string(),
        "--use-file".to_string(),
        path(&files.config),
        "--pid".to_string(),
        path(&files.pid),
        "--vrrp_pid".to_string(),
        path(&files.vrrp_pid),
    ]
}

/// The keepalived configuration of `director` in `lab`: one sync group of
/// the two floating addresses, both directors starting as backup and the
/// higher priority winning.
pub fn config(lab: &Lab, director: &str) -> String {
    let mut out = format!(
        "# Written by lvsh `lab up ha` for {ns}: VRRP for the lab's floating addresses.\n\
         global_defs {{\n    router_id {ns}\n}}\n\n\
         vrrp_sync_group LVSH {{\n    group {{\n",
        ns = lab.ns_name(director)
    );
    for f in FLOATING {
        out += &format!("        {}\n", f.instance);
    }
    out += "    }\n}\n";
    for f in FLOATING {
        out += &format!(
            "\nvrrp_instance {instance} {{\n    state BACKUP\n    interface {iface}\n    \
             virtual_router_id {vrid}\n    priority {priority}\n    advert_int 1\n    \
             virtual_ipaddress {{\n        {addr}/{len} dev {iface}\n    }}\n}}\n",
            instance = f.instance,
            iface = f.iface,
            vrid = f.vrid,
            priority = priority(director),
            addr = f.addr,
            len = f.prefix_len,
        );
    }
    out
}

/// A VRRP instance's state, as keepalived logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VrrpState {
    Master,
    Backup,
    Fault,
    /// keepalived runs, but has logged no state yet.
    Starting,
}

impl VrrpState {
    pub fn name(self) -> &'static str {
        match self {
            VrrpState::Master => "MASTER",
            VrrpState::Backup => "BACKUP",
            VrrpState::Fault => "FAULT",
            VrrpState::Starting => "starting",
        }
    }
}

/// The last state keepalived's log gives `instance`: its lines read
/// `Keepalived_vrrp[154]: (EXT) Entering MASTER STATE`.
pub fn logged_state(log: &str, instance: &str) -> Option<VrrpState> {
    let tag = format!("({instance}) Entering ");
    log.lines().rev().find_map(|line| {
        let rest = &line[line.find(&tag)? + tag.len()..];
        match rest.split_whitespace().next()? {
            "MASTER" => Some(VrrpState::Master),
            "BACKUP" => Some(VrrpState::Backup),
            "FAULT" => Some(VrrpState::Fault),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_groups_both_addresses_and_prefers_gw() {
        let lab = Lab { prefix: "t1-".into(), ha: true };
        let gw = config(&lab, "gw");
        assert!(gw.contains("router_id t1-gw\n"));
        assert!(gw.contains("vrrp_sync_group LVSH {\n    group {\n        EXT\n        INT\n    }\n}"));
        assert!(gw.contains("virtual_router_id 51\n    priority 150\n"));
        assert!(gw.contains("        111.111.0.1/24 dev eth1\n"));
        assert!(gw.contains("        10.10.0.1/24 dev eth2\n"));
        assert!(config(&lab, "gw2").contains("priority 100\n"));
        assert_eq!(gw.matches('{').count(), gw.matches('}').count());
    }

    #[test]
    fn the_last_logged_state_of_each_instance_counts() {
        let log = "Keepalived_vrrp[154]: (EXT) Entering BACKUP STATE (init)\n\
                   Keepalived_vrrp[154]: (INT) Entering BACKUP STATE (init)\n\
                   Keepalived_vrrp[154]: (EXT) Entering MASTER STATE\n\
                   Keepalived_vrrp[154]: (EXT) setting VIPs.\n";
        assert_eq!(logged_state(log, "EXT"), Some(VrrpState::Master));
        assert_eq!(logged_state(log, "INT"), Some(VrrpState::Backup));
        assert_eq!(logged_state("", "INT"), None);
    }

    #[test]
    fn each_director_has_files_of_its_own() {
        assert_ne!(files("gw").pid, files("gw2").pid);
        let argv = keepalived_argv(&files("gw"));
        assert_eq!(argv[..3], ["keepalived", "--vrrp", "--dont-fork"]);
        assert!(argv.contains(&"/run/lvsh/ha/gw.keepalived.conf".to_string()));
    }
}
