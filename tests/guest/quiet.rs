//! Large tables: dumps span many messages, batches many sendmsg windows.
//! These run alone (see [`TestNs::quiet`]).

use lvsh::ipvs::{Backend, Forward, Kernel, Op, Service, ServiceKey};

#[path = "interrupt.rs"]
mod interrupt;

use crate::support::{key, TestNs};

// Listings under churn: a file of its own, run in this phase.
#[path = "dumps.rs"]
mod dumps;

fn vip(i: usize) -> ServiceKey {
    key(&format!("tcp 10.{}.{}.{}:80", i / 62500, (i / 250) % 250, i % 250 + 1))
}

#[test]
fn ten_thousand_services_are_added_in_batches_and_dumped_whole() {
    let ns = TestNs::quiet();
    let mut kernel = ns.kernel();
    let ops: Vec<Op> =
        (0..10_000).map(|i| Op::AddService(Service::new(vip(i)).with_scheduler("rr"))).collect();
    let outcomes = kernel.apply(&ops).unwrap();
    assert!(outcomes.iter().all(Result::is_ok));
    let mut listed: Vec<ServiceKey> = kernel.services().unwrap().into_iter().map(|e| e.service.key).collect();
    listed.sort();
    let mut want: Vec<ServiceKey> = (0..10_000).map(vip).collect();
    want.sort();
    let missing = want.iter().filter(|k| listed.binary_search(k).is_err()).count();
    assert_eq!((listed.len(), missing), (10_000, 0), "dumped services, and services missing from the dump");
    assert_eq!(ns.save().lines().count(), 10_000);
}

#[test]
fn two_thousand_backends_of_one_service_are_dumped_whole() {
    let ns = TestNs::quiet();
    let mut kernel = ns.kernel();
    let svc = key("tcp 111.111.0.1:80");
    let mut ops = vec![Op::AddService(Service::new(svc))];
    ops.extend((0..2000).map(|i| Op::AddBackend {
        service: svc,
        backend: Backend::new(
            format!("10.20.{}.{}:8000", i / 200, i % 200 + 1).parse().unwrap(),
            Forward::Masq,
        ),
    }));
    assert!(kernel.apply(&ops).unwrap().iter().all(Result::is_ok));
    assert_eq!(kernel.backends(&svc).unwrap().len(), 2000);
    assert_eq!(ns.save().lines().filter(|l| l.starts_with("-a")).count(), 2000);
}
