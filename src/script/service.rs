//! `Service` in Rhai: a handle holding only the service's key. Properties
//! are read from the kernel when asked; writes and methods are statements of
//! the language run by the interpreter (so they are journaled and roll back).

use rhai::{Array, Dynamic, Engine, ImmutableString, Map, NativeCallContext};

use super::backend::BackendRef;
use super::host::{getter, in_range, run_stmt, setter, Host, Res, Site};
use super::options;
use super::probe::ProbeRef;
use crate::interp::{Failure, Interpreter};
use crate::ipvs::{Persistence, Scheduler, ServiceEntry, ServiceKey};
use crate::lang::ast::{StmtKind, SvcOption, SvcRef};
use crate::lang::parse::fragment;
use crate::lang::source::Spanned;

/// A virtual service, by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub key: ServiceKey,
}

impl ServiceRef {
    /// The handle of the service `key`.
    pub fn new(key: ServiceKey) -> ServiceRef {
        ServiceRef { key }
    }
}

/// Registers `Service`, its properties and its methods.
pub fn register(engine: &mut Engine, host: &Host) {
    engine.register_type_with_name::<ServiceRef>("Service");
    engine.register_fn("to_string", |s: &mut ServiceRef| s.key.to_string());
    engine.register_fn("to_debug", |s: &mut ServiceRef| format!("Service({})", s.key));
    engine.register_fn("==", |a: ServiceRef, b: ServiceRef| a == b);
    engine.register_fn("!=", |a: ServiceRef, b: ServiceRef| a != b);
    // A backend's service is a `Service`, which the backend's file does not know.
    engine.register_get("service", |b: &mut BackendRef| ServiceRef::new(b.service));
    register_key_properties(engine);
    register_kernel_properties(engine, host);
    register_setters(engine, host);
    register_methods(engine, host);
}

/// What the key says, without asking the kernel.
fn register_key_properties(engine: &mut Engine) {
    engine.register_get("key", |s: &mut ServiceRef| s.key.to_string());
    engine.register_get("protocol", |s: &mut ServiceRef| match s.key {
        ServiceKey::Inet { protocol, .. } => protocol.to_string(),
        ServiceKey::Fwmark { .. } => "fwmark".to_string(),
    });
    engine.register_get("address", |s: &mut ServiceRef| match s.key {
        ServiceKey::Inet { addr, .. } => Dynamic::from(addr.ip().to_string()),
        ServiceKey::Fwmark { .. } => Dynamic::UNIT,
    });
    engine.register_get("port", |s: &mut ServiceRef| i64::from(s.key.port()));
    engine.register_get("fwmark", |s: &mut ServiceRef| match s.key {
        ServiceKey::Fwmark { mark, .. } => Dynamic::from(i64::from(mark)),
        ServiceKey::Inet { .. } => Dynamic::UNIT,
    });
}

fn register_kernel_properties(engine: &mut Engine, host: &Host) {
    getter(engine, host, "name", |interp, _, s: &ServiceRef| {
        Ok(interp.session.name_of(&s.key).map_or(Dynamic::UNIT, |n| Dynamic::from(n.to_string())))
    });
    getter(engine, host, "scheduler", |interp, site, s: &ServiceRef| {
        Ok(entry(interp, site, s)?.service.scheduler.name().to_string())
    });
    getter(engine, host, "flags", |interp, site, s: &ServiceRef| {
        let service = entry(interp, site, s)?.service;
        Ok(service.sched_flags.names(&service.scheduler).into_iter().map(Dynamic::from).collect::<Array>())
    });
    getter(engine, host, "persistence", |interp, site, s: &ServiceRef| {
        Ok(entry(interp, site, s)?.service.persistence.map_or(0, |p| i64::from(p.timeout)))
    });
    getter(engine, host, "netmask", |interp, site, s: &ServiceRef| {
        Ok(match entry(interp, site, s)?.service.netmask {
            crate::ipvs::Netmask::V4(mask) => mask.to_string(),
            crate::ipvs::Netmask::V6(prefix) => format!("/{prefix}"),
        })
    });
    getter(engine, host, "one_packet", |interp, site, s: &ServiceRef| {
        Ok(entry(interp, site, s)?.service.one_packet)
    });
    getter(engine, host, "stats", |interp, site, s: &ServiceRef| {
        Ok(super::stats::map(&entry(interp, site, s)?.stats))
    });
}

/// Writable properties: each write is one journaled edit of the service.
fn register_setters(engine: &mut Engine, host: &Host) {
    setter(engine, host, "scheduler", |interp, site, s: &ServiceRef, name: ImmutableString| {
        if !crate::lang::parse::is_ident(&name) {
            let message = format!("`{name}` is not a scheduler name");
            return Err(site.failure("lvs::script::option", message, Some(known_schedulers())));
        }
        interp
            .edit_service(site.source, site.span, s.key, |svc| svc.scheduler = Scheduler::new(name.as_str()))
    });
    setter(engine, host, "persistence", |interp, site, s: &ServiceRef, seconds: i64| {
        let timeout = match seconds {
            0 => None,
            n => Some(Persistence {
                timeout: in_range(site, "persistence timeout in seconds", n, 1..=2_678_400)?,
            }),
        };
        interp.edit_service(site.source, site.span, s.key, |svc| svc.persistence = timeout)
    });
    setter(engine, host, "one_packet", |interp, site, s: &ServiceRef, on: bool| {
        interp.edit_service(site.source, site.span, s.key, |svc| svc.one_packet = on)
    });
    setter(engine, host, "flags", |interp, site, s: &ServiceRef, flags: Array| {
        let words: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        set_flags(interp, site, s, &words.join(","))
    });
    setter(engine, host, "flags", |interp, site, s: &ServiceRef, flags: ImmutableString| {
        set_flags(interp, site, s, &flags)
    });
}

/// Scheduler flags by their `.lvs` names, e.g. `sh-fallback,sh-port`.
fn set_flags(interp: &mut Interpreter, site: &Site, s: &ServiceRef, names: &str) -> Result<(), Failure> {
    let text = format!("flags {names}");
    let set = match names.trim().is_empty() {
        true => Default::default(),
        false => flags_of(site, &text)?,
    };
    interp.edit_service(site.source, site.span, s.key, |svc| svc.sched_flags = set)
}

fn flags_of(site: &Site, text: &str) -> Result<crate::ipvs::SchedFlags, Failure> {
    Ok(match fragment::service_settings(text).map_err(|d| site.relocate(*d, text))?.1.first() {
        Some(Spanned { value: SvcOption::Flags(set, _), .. }) => *set,
        _ => Default::default(),
    })
}

fn register_methods(engine: &mut Engine, host: &Host) {
    method0(engine, host, "backends", |interp, site, s| {
        let entries = interp.backends(&s.key).map_err(|e| site.kernel(e))?;
        // The kernel lists the newest first; a script reads them in the order they were added.
        Ok(entries
            .iter()
            .rev()
            .map(|b| Dynamic::from(BackendRef::new(s.key, b.backend.addr)))
            .collect::<Array>())
    });
    method0(engine, host, "remove", |interp, site, s| {
        run_stmt(interp, site, StmtKind::DelService(Spanned::new(SvcRef::Key(s.key), site.span)))
    });
    method0(engine, host, "zero", |interp, site, s| {
        run_stmt(interp, site, StmtKind::Zero(Some(Spanned::new(SvcRef::Key(s.key), site.span))))
    });
    method0(engine, host, "probe", |interp, site, s| probe(interp, site, s, &Map::new()));
    let h = host.clone();
    engine.register_fn(
        "probe",
        move |ctx: NativeCallContext, s: &mut ServiceRef, options: Map| -> Res<ProbeRef> {
            h.call(ctx.call_position(), |interp, site| probe(interp, site, s, &options))
        },
    );
    let h = host.clone();
    engine.register_fn(
        "add_backend",
        move |ctx: NativeCallContext, s: &mut ServiceRef, addr: &str| -> Res<BackendRef> {
            h.call(ctx.call_position(), |interp, site| add_backend(interp, site, s, addr, &Map::new()))
        },
    );
    let h = host.clone();
    engine.register_fn(
        "add_backend",
        move |ctx: NativeCallContext, s: &mut ServiceRef, addr: &str, options: Map| -> Res<BackendRef> {
            h.call(ctx.call_position(), |interp, site| add_backend(interp, site, s, addr, &options))
        },
    );
    let h = host.clone();
    engine.register_fn(
        "backend",
        move |ctx: NativeCallContext, s: &mut ServiceRef, addr: &str| -> Res<BackendRef> {
            h.call(ctx.call_position(), |interp, site| {
                let addr = super::backend::parse_addr(site, addr)?;
                let entries = interp.backends(&s.key).map_err(|e| site.kernel(e))?;
                match entries.iter().any(|b| b.backend.addr == addr) {
                    true => Ok(BackendRef::new(s.key, addr)),
                    false => Err(site
                        .kernel(crate::ipvs::KernelError::NoSuchBackend { service: s.key, backend: addr })),
                }
            })
        },
    );
}

/// Registers a method without arguments.
fn method0<V: Clone + 'static>(
    engine: &mut Engine,
    host: &Host,
    name: &str,
    f: impl Fn(&mut Interpreter, &Site, &ServiceRef) -> Result<V, Failure> + 'static,
) {
    let h = host.clone();
    engine.register_fn(name, move |ctx: NativeCallContext, s: &mut ServiceRef| -> Res<V> {
        h.call(ctx.call_position(), |interp, site| f(interp, site, s))
    });
}

fn add_backend(
    interp: &mut Interpreter,
    site: &Site,
    s: &ServiceRef,
    addr: &str,
    map: &Map,
) -> Result<BackendRef, Failure> {
    let words = options::words(map, options::BACKEND, &[], "a backend").map_err(|e| site.option(e))?;
    let text = format!("{} {words}", addr.trim());
    let mut decl = fragment::backend(&text).map_err(|d| site.relocate(*d, &text))?;
    decl.service = Some(Spanned::new(SvcRef::Key(s.key), site.span));
    decl.addr.span = site.span;
    let added = decl.addr.value;
    run_stmt(interp, site, StmtKind::Backend(decl))?;
    Ok(BackendRef::new(s.key, added))
}

fn probe(interp: &mut Interpreter, site: &Site, s: &ServiceRef, map: &Map) -> Result<ProbeRef, Failure> {
    let words = options::words(map, options::PROBE, &[], "a probe").map_err(|e| site.option(e))?;
    let text = format!("{} {words}", s.key);
    let mut stmt = fragment::probe(&text).map_err(|d| site.relocate(*d, &text))?;
    stmt.service.span = site.span;
    if let Some(from) = stmt.from.as_mut() {
        from.span = site.span;
    }
    run_stmt(interp, site, StmtKind::Probe(stmt))?;
    ProbeRef::last(interp, site, s.key)
}

fn entry(interp: &mut Interpreter, site: &Site, s: &ServiceRef) -> Result<ServiceEntry, Failure> {
    interp.service(&s.key).map_err(|e| site.kernel(e))
}

fn known_schedulers() -> String {
    format!("the kernel ships {}", Scheduler::KNOWN.join(", "))
}
