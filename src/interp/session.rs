//! What a run remembers between statements: the names services were given.

use std::collections::{BTreeMap, HashMap};

use crate::ipvs::ServiceKey;
use crate::lang::ast::SvcRef;
use crate::probe::ProbeResult;

/// The names of services declared so far and the last probe of each (a
/// REPL keeps them across lines).
#[derive(Debug, Default, Clone)]
pub struct Session {
    /// Sorted: the "did you mean" of a misspelt name, and the name of a
    /// key with two, are then the same from run to run.
    names: BTreeMap<String, ServiceKey>,
    probes: HashMap<ServiceKey, ProbeResult>,
    /// Weights of backends `check --drain-failed` set to 0, to restore.
    drained: HashMap<(ServiceKey, std::net::SocketAddr), u32>,
}

impl Session {
    /// Gives a service a name; a later declaration may move the name.
    pub fn name(&mut self, name: &str, key: ServiceKey) {
        self.names.insert(name.to_string(), key);
    }

    /// The key a reference means, if it is known.
    pub fn resolve(&self, service: &SvcRef) -> Option<ServiceKey> {
        match service {
            SvcRef::Key(key) => Some(*key),
            SvcRef::Name(name) => self.names.get(name).copied(),
        }
    }

    /// The name of a service, if it has one.
    pub fn name_of(&self, key: &ServiceKey) -> Option<&str> {
        self.names.iter().find(|(_, k)| *k == key).map(|(n, _)| n.as_str())
    }

    /// Keeps a probe as the service's last.
    pub fn record_probe(&mut self, key: ServiceKey, result: ProbeResult) {
        self.probes.insert(key, result);
    }

    /// The service's last probe.
    pub fn last_probe(&self, key: &ServiceKey) -> Option<&ProbeResult> {
        self.probes.get(key)
    }

    /// Remembers a drained backend's weight.
    pub fn drain(&mut self, key: ServiceKey, backend: std::net::SocketAddr, weight: u32) {
        self.drained.insert((key, backend), weight);
    }

    /// The weight to restore a drained backend to, forgetting it.
    pub fn undrain(&mut self, key: ServiceKey, backend: std::net::SocketAddr) -> Option<u32> {
        self.drained.remove(&(key, backend))
    }

    /// Every name, for completion and errors.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(String::as_str)
    }
}
