//! Many operations per `sendmsg`: each gets its own outcome, in order.

use lvsh::ipvs::{Backend, Forward, Kernel, KernelError, Op};

use crate::support::{key, sa, service, TestNs};

#[test]
fn a_refused_operation_in_a_batch_does_not_hide_the_others() {
    let ns = TestNs::new();
    let vip = key("tcp 111.111.0.1:80");
    let ops = vec![
        Op::AddService(service("tcp 111.111.0.1:80", "rr")),
        Op::AddService(service("tcp 111.111.0.1:80", "rr")),
        Op::AddBackend { service: vip, backend: Backend::new(sa("10.10.0.2:8000"), Forward::Masq) },
        Op::AddBackend {
            service: key("tcp 9.9.9.9:80"),
            backend: Backend::new(sa("10.10.0.2:8000"), Forward::Masq),
        },
        Op::AddBackend { service: vip, backend: Backend::new(sa("10.10.0.3:8000"), Forward::Masq) },
    ];
    let outcomes = ns.kernel().apply(&ops).unwrap();
    assert_eq!(outcomes.len(), 5);
    assert!(outcomes[0].is_ok() && outcomes[2].is_ok() && outcomes[4].is_ok());
    assert!(matches!(outcomes[1], Err(KernelError::ServiceExists { .. })));
    assert!(matches!(outcomes[3], Err(KernelError::NoSuchService { .. })));
    assert_eq!(
        ns.save(),
        "-A -t 111.111.0.1:80 -s rr\n\
         -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 1\n\
         -a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 1\n"
    );
}

#[test]
fn an_empty_batch_does_nothing() {
    let ns = TestNs::new();
    assert!(ns.kernel().apply(&[]).unwrap().is_empty());
}

#[test]
fn the_seed_tutorial_in_one_batch() {
    let ns = TestNs::new();
    let vip = key("tcp 111.111.0.1:80");
    let ops = vec![
        Op::AddService(service("tcp 111.111.0.1:80", "rr")),
        Op::AddBackend { service: vip, backend: Backend::new(sa("10.10.0.2:8000"), Forward::Masq) },
        Op::AddBackend { service: vip, backend: Backend::new(sa("10.10.0.3:8000"), Forward::Masq) },
    ];
    assert!(ns.kernel().apply(&ops).unwrap().iter().all(Result::is_ok));
    let listing = ns.ipvsadm(&["-L", "-n"]);
    assert!(listing.ends_with(
        "TCP  111.111.0.1:80 rr\n  -> 10.10.0.2:8000               Masq    1      0          0         \n  -> 10.10.0.3:8000               Masq    1      0          0         \n"
    ), "{listing}");
}
