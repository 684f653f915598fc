//! The model as declarations: a service and its backends as the `.lvs`
//! statement that declares them (`export` and `import` print these).

use crate::ipvs::{Backend, SchedFlags, Scheduler, Service};
use crate::lang::ast::{BackendDecl, ServiceDecl, SvcOption};
use crate::lang::source::{Span, Spanned};

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

/// A declaration of `service` with every setting that is not ipvsadm's default.
pub fn service_decl(service: &Service, name: Option<String>, backends: &[&Backend]) -> ServiceDecl {
    let mut options = Vec::new();
    if let Some(p) = service.persistence {
        options.push(SvcOption::Persistent(Some(p.timeout)));
    }
    if !service.netmask.is_full() {
        options.push(SvcOption::Netmask(service.netmask));
    }
    if service.one_packet {
        options.push(SvcOption::OnePacket);
    }
    if !service.sched_flags.is_empty() {
        options
            .push(SvcOption::Flags(service.sched_flags, flag_names(service.sched_flags, &service.scheduler)));
    }
    if let Some(pe) = &service.pe {
        options.push(SvcOption::Pe(pe.clone()));
    }
    ServiceDecl {
        name: name.map(spanned),
        key: spanned(service.key),
        scheduler: Some(spanned(service.scheduler.to_string())),
        options: options.into_iter().map(spanned).collect(),
        // A service without backends needs no block: `apply` gives it none.
        backends: (!backends.is_empty()).then(|| backends.iter().map(|b| spanned(backend_decl(b))).collect()),
    }
}

/// A block backend declaring `b`: its method always, the rest when not the default.
pub fn backend_decl(b: &Backend) -> BackendDecl {
    BackendDecl {
        service: None,
        addr: spanned(b.addr),
        forward: Some(spanned(b.forward)),
        weight: (b.weight != 1).then(|| spanned(b.weight)),
        upper: (b.upper != 0).then(|| spanned(b.upper)),
        lower: (b.lower != 0).then(|| spanned(b.lower)),
    }
}

/// Each set flag by the name `.lvs` reads: sh's and mh's own names, else `flag-N`.
fn flag_names(flags: SchedFlags, scheduler: &Scheduler) -> Vec<String> {
    let own = |n: usize| match (scheduler.name(), n) {
        ("sh", 1) => "sh-fallback".to_string(),
        ("sh", 2) => "sh-port".to_string(),
        ("mh", 1) => "mh-fallback".to_string(),
        ("mh", 2) => "mh-port".to_string(),
        (_, n) => format!("flag-{n}"),
    };
    [(flags.flag1, 1), (flags.flag2, 2), (flags.flag3, 3)]
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| own(n))
        .collect()
}
