//! ipvsadm's changes played on a table in memory, as the kernel would make
//! them: `import` of an ipvsadm file needs the table its lines build, with
//! no kernel at hand. An operation the kernel would refuse (a backend of a
//! service that does not exist, a service added twice) is refused here
//! with the kernel's reason, naming the object.

use super::super::table::{Live, LiveService};
use crate::ipvs::{BackendEntry, Op, ServiceEntry, ServiceKey, Stats};
use crate::lang::ast::TimeoutsDecl;

/// A table being built: its services, and the timeouts set so far (those
/// never set are not part of it).
#[derive(Debug, Default)]
pub struct Table {
    pub live: Live,
    pub timeouts: TimeoutsDecl,
}

impl Table {
    /// Applies one change to the table, or says why the kernel would refuse it.
    /// Daemons are not part of the table: the caller keeps them apart.
    pub fn apply(&mut self, op: Op) -> Result<(), String> {
        match op {
            Op::AddService(service) => {
                if self.live.service(&service.key).is_some() {
                    return Err(format!("service {} already exists", service.key));
                }
                let entry = ServiceEntry { service, stats: Stats::default() };
                self.live.services.push(LiveService { entry, backends: Vec::new() });
            }
            Op::EditService(service) => {
                let key = service.key;
                self.service(&key)?.entry.service = service
            }
            Op::DelService(key) => {
                self.service(&key)?;
                self.live.services.retain(|s| s.entry.service.key != key);
            }
            Op::Flush => self.live.services.clear(),
            Op::AddBackend { service, backend } => {
                let s = self.service(&service)?;
                if s.backends.iter().any(|b| b.backend.addr == backend.addr) {
                    return Err(format!("backend {} of service {service} already exists", backend.addr));
                }
                // The kernel lists the newest backend first.
                s.backends.insert(0, BackendEntry::idle(backend));
            }
            Op::EditBackend { service, backend } => {
                let s = self.service(&service)?;
                match s.backends.iter_mut().find(|b| b.backend.addr == backend.addr) {
                    Some(b) => b.backend = backend,
                    None => return Err(no_backend(&service, &backend.addr)),
                }
            }
            Op::DelBackend { service, addr } => {
                let s = self.service(&service)?;
                let before = s.backends.len();
                s.backends.retain(|b| b.backend.addr != addr);
                if s.backends.len() == before {
                    return Err(no_backend(&service, &addr));
                }
            }
            Op::Zero(Some(key)) => {
                self.service(&key)?;
            }
            Op::Zero(None) | Op::StartDaemon(_) | Op::StopDaemon(_) => {}
            Op::SetTimeouts(t) => {
                // 0 leaves a timeout as it is.
                let set = |n: u32, old: Option<u32>| if n == 0 { old } else { Some(n) };
                self.timeouts.tcp = set(t.tcp, self.timeouts.tcp);
                self.timeouts.tcp_fin = set(t.tcp_fin, self.timeouts.tcp_fin);
                self.timeouts.udp = set(t.udp, self.timeouts.udp);
            }
        }
        Ok(())
    }

    fn service(&mut self, key: &ServiceKey) -> Result<&mut LiveService, String> {
        self.live
            .services
            .iter_mut()
            .find(|s| s.entry.service.key == *key)
            .ok_or_else(|| format!("no service {key}: no line before this one adds it"))
    }
}

fn no_backend(service: &ServiceKey, addr: &std::net::SocketAddr) -> String {
    format!("service {service} has no backend {addr}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{Backend, Forward, Service, Timeouts};

    fn key() -> ServiceKey {
        ServiceKey::tcp("10.0.0.1:80".parse().unwrap())
    }

    fn backend(addr: &str, weight: u32) -> Backend {
        Backend::new(addr.parse().unwrap(), Forward::Masq).with_weight(weight)
    }

    fn add_backend(addr: &str, weight: u32) -> Op {
        Op::AddBackend { service: key(), backend: backend(addr, weight) }
    }

    #[test]
    fn services_and_backends_are_added_edited_and_deleted_as_the_kernel_does() {
        let mut table = Table::default();
        for op in [
            Op::AddService(Service::new(key())),
            add_backend("10.0.1.1:80", 1),
            add_backend("10.0.1.2:80", 1),
            Op::EditService(Service::new(key()).with_scheduler("rr")),
            Op::EditBackend { service: key(), backend: backend("10.0.1.1:80", 5) },
            Op::DelBackend { service: key(), addr: "10.0.1.2:80".parse().unwrap() },
            Op::Zero(Some(key())),
        ] {
            table.apply(op).unwrap();
        }
        let s = table.live.service(&key()).unwrap();
        assert_eq!(s.entry.service.scheduler.name(), "rr");
        let backends: Vec<Backend> = s.backends.iter().map(|b| b.backend).collect();
        assert_eq!(backends, [backend("10.0.1.1:80", 5)]);
        table.apply(Op::DelService(key())).unwrap();
        assert!(table.live.services.is_empty());
    }

    #[test]
    fn backends_are_kept_newest_first_as_the_kernel_lists_them() {
        let mut table = Table::default();
        for op in [
            Op::AddService(Service::new(key())),
            add_backend("10.0.1.1:80", 1),
            add_backend("10.0.1.2:80", 1),
        ] {
            table.apply(op).unwrap();
        }
        let addrs: Vec<String> =
            table.live.services[0].backends.iter().map(|b| b.backend.addr.to_string()).collect();
        assert_eq!(addrs, ["10.0.1.2:80", "10.0.1.1:80"]);
    }

    #[test]
    fn what_the_kernel_would_refuse_is_refused_with_the_object_named() {
        let mut table = Table::default();
        assert_eq!(
            table.apply(add_backend("10.0.1.1:80", 1)),
            Err("no service tcp 10.0.0.1:80: no line before this one adds it".to_string())
        );
        table.apply(Op::AddService(Service::new(key()))).unwrap();
        assert_eq!(
            table.apply(Op::AddService(Service::new(key()))),
            Err("service tcp 10.0.0.1:80 already exists".to_string())
        );
        table.apply(add_backend("10.0.1.1:80", 1)).unwrap();
        assert_eq!(
            table.apply(add_backend("10.0.1.1:80", 2)),
            Err("backend 10.0.1.1:80 of service tcp 10.0.0.1:80 already exists".to_string())
        );
        let addr = "10.0.1.9:80".parse().unwrap();
        assert_eq!(
            table.apply(Op::DelBackend { service: key(), addr }),
            Err("service tcp 10.0.0.1:80 has no backend 10.0.1.9:80".to_string())
        );
        table.apply(Op::Flush).unwrap();
        assert!(table.apply(Op::Zero(Some(key()))).is_err());
    }

    #[test]
    fn a_zero_timeout_keeps_the_one_set_before() {
        let mut table = Table::default();
        table.apply(Op::SetTimeouts(Timeouts { tcp: 900, tcp_fin: 0, udp: 300 })).unwrap();
        table.apply(Op::SetTimeouts(Timeouts { tcp: 0, tcp_fin: 60, udp: 0 })).unwrap();
        assert_eq!(table.timeouts, TimeoutsDecl { tcp: Some(900), tcp_fin: Some(60), udp: Some(300) });
    }
}
