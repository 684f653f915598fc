//! What completion knows of the world: the services and backends in the
//! kernel (a snapshot, refreshed in the background by [`super::refresh`]),
//! the names the session gave, and the network namespaces.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use crate::ipvs::{Family, Kernel, KernelError, Protocol, ServiceKey};
use crate::lang::shape::SvcSel;

/// A snapshot of the kernel's services and the namespaces, for completion.
/// The texts completion offers are made here, once per refresh (in the
/// background), so that a Tab over a big table only compares and copies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Every service, sorted by key.
    pub services: Vec<ServiceKey>,
    /// Each service as a line names it (`tcp 111.111.0.1:80`), sorted.
    pub labels: Vec<String>,
    backends: HashMap<ServiceKey, Vec<SocketAddr>>,
    /// Network namespace names (`ip netns list`), lab nodes among them.
    pub nodes: Vec<String>,
    /// Why the kernel could not be read, when it could not.
    pub error: Option<String>,
    /// Whether a refresh has filled this snapshot yet.
    pub loaded: bool,
}

impl Catalog {
    /// A catalog of these services, each with its backends.
    pub fn new(services: Vec<(ServiceKey, Vec<SocketAddr>)>, nodes: Vec<String>) -> Catalog {
        let mut keys: Vec<ServiceKey> = services.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let mut labels: Vec<String> = keys.iter().map(ServiceKey::to_string).collect();
        labels.sort();
        Catalog {
            services: keys,
            labels,
            backends: services.into_iter().collect(),
            nodes,
            error: None,
            loaded: true,
        }
    }

    /// Reads every service and backend of a kernel (addresses only: the
    /// quick read, without counters).
    pub fn load(kernel: &mut dyn Kernel, nodes: Vec<String>) -> Result<Catalog, KernelError> {
        let services = kernel
            .table()?
            .into_iter()
            .map(|(entry, backends)| {
                (entry.service.key, backends.into_iter().map(|b| b.backend.addr).collect())
            })
            .collect();
        Ok(Catalog::new(services, nodes))
    }

    /// A catalog for a kernel that could not be read.
    pub fn unavailable(error: &KernelError, nodes: Vec<String>) -> Catalog {
        Catalog { error: Some(error.to_string()), nodes, loaded: true, ..Catalog::default() }
    }

    /// The backends of a service, by the key.
    pub fn backends(&self, key: &ServiceKey) -> &[SocketAddr] {
        self.backends.get(key).map_or(&[], Vec::as_slice)
    }

    /// The addresses (as text) of the services of one protocol (`tcp`,
    /// `udp`, `sctp`) that start with `prefix`.
    pub fn vips<'a>(&'a self, proto: &str, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let lead = format!("{proto} {prefix}");
        let from = self.labels.partition_point(|l| l.as_str() < lead.as_str());
        let cut = proto.len() + 1;
        self.labels[from..].iter().take_while(move |l| l.starts_with(&lead)).map(move |l| &l[cut..])
    }

    /// The labels (`tcp 111.111.0.1:80`) that start with `prefix`.
    pub fn labels_from<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let from = self.labels.partition_point(|l| l.as_str() < prefix);
        self.labels[from..].iter().take_while(move |l| l.starts_with(prefix)).map(String::as_str)
    }

    /// The marks of the fwmark services.
    pub fn marks(&self) -> impl Iterator<Item = u32> + '_ {
        self.services.iter().filter_map(|k| match k {
            ServiceKey::Fwmark { mark, .. } => Some(*mark),
            _ => None,
        })
    }
}

/// The names a session gave to services.
pub type Names = Vec<(String, ServiceKey)>;

/// The service a line names, if the catalog or the names know it.
pub fn resolve(sel: &SvcSel, names: &Names) -> Option<ServiceKey> {
    match sel {
        SvcSel::Name(name) => names.iter().find(|(n, _)| n == name).map(|(_, k)| *k),
        SvcSel::Inet { proto, addr } => {
            Some(ServiceKey::Inet { protocol: protocol(proto)?, addr: addr.parse().ok()? })
        }
        SvcSel::Fwmark { mark, ipv6 } => Some(ServiceKey::Fwmark {
            mark: mark.parse().ok()?,
            family: if *ipv6 { Family::V6 } else { Family::V4 },
        }),
    }
}

fn protocol(word: &str) -> Option<Protocol> {
    match word {
        "tcp" => Some(Protocol::Tcp),
        "udp" => Some(Protocol::Udp),
        "sctp" => Some(Protocol::Sctp),
        _ => None,
    }
}

/// The named network namespaces, sorted (what `ip netns list` shows).
pub fn namespaces(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> =
        entries.filter_map(|e| e.ok()).filter_map(|e| e.file_name().into_string().ok()).collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_a_service_by_name_address_or_mark() {
        let key = ServiceKey::tcp("1.2.3.4:80".parse().unwrap());
        let names = vec![("web".to_string(), key)];
        assert_eq!(resolve(&SvcSel::Name("web".into()), &names), Some(key));
        assert_eq!(resolve(&SvcSel::Inet { proto: "tcp", addr: "1.2.3.4:80".into() }, &names), Some(key));
        assert_eq!(
            resolve(&SvcSel::Fwmark { mark: "7".into(), ipv6: true }, &names),
            Some(ServiceKey::Fwmark { mark: 7, family: Family::V6 })
        );
        assert_eq!(resolve(&SvcSel::Name("nope".into()), &names), None);
    }

    #[test]
    fn namespaces_are_the_names_in_the_folder_sorted() {
        let dir = std::env::temp_dir().join(format!("lvsh-netns-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["int1", "ext1", "gw"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        assert_eq!(namespaces(&dir), ["ext1", "gw", "int1"]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(namespaces(&dir).is_empty());
    }
}
