//! `Backend` in Rhai: a handle holding its service's key and its address.
//! Properties are read from the kernel when asked; writes are journaled
//! edits through the interpreter.

use std::net::SocketAddr;

use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::host::{getter, in_range, run_stmt, setter, Host, Res, Site};
use crate::interp::{Failure, Interpreter};
use crate::ipvs::{Backend, BackendEntry, KernelError, ServiceKey};
use crate::lang::ast::{StmtKind, SvcRef};
use crate::lang::source::Spanned;

/// A backend of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendRef {
    pub service: ServiceKey,
    pub addr: SocketAddr,
}

impl BackendRef {
    /// The handle of backend `addr` of `service`.
    pub fn new(service: ServiceKey, addr: SocketAddr) -> BackendRef {
        BackendRef { service, addr }
    }
}

/// The largest weight or threshold the kernel keeps (a C int).
const MAX: i64 = i32::MAX as i64;

/// Registers `Backend`, its properties and its methods.
pub fn register(engine: &mut Engine, host: &Host) {
    engine.register_type_with_name::<BackendRef>("Backend");
    engine.register_fn("to_string", |b: &mut BackendRef| b.addr.to_string());
    engine.register_fn("to_debug", |b: &mut BackendRef| format!("Backend({} in {})", b.addr, b.service));
    engine.register_fn("==", |a: BackendRef, b: BackendRef| a == b);
    engine.register_fn("!=", |a: BackendRef, b: BackendRef| a != b);
    engine.register_get("addr", |b: &mut BackendRef| b.addr.to_string());
    engine.register_get("address", |b: &mut BackendRef| b.addr.ip().to_string());
    engine.register_get("port", |b: &mut BackendRef| i64::from(b.addr.port()));
    getter(engine, host, "method", |interp, site, b: &BackendRef| {
        Ok(config(interp, site, b)?.forward.to_string())
    });
    getter(engine, host, "weight", |interp, site, b: &BackendRef| {
        Ok(i64::from(config(interp, site, b)?.weight))
    });
    getter(engine, host, "upper", |interp, site, b: &BackendRef| {
        Ok(i64::from(config(interp, site, b)?.upper))
    });
    getter(engine, host, "lower", |interp, site, b: &BackendRef| {
        Ok(i64::from(config(interp, site, b)?.lower))
    });
    getter(engine, host, "thresholds", |interp, site, b: &BackendRef| {
        let c = config(interp, site, b)?;
        Ok(Map::from_iter([
            ("upper".into(), Dynamic::from(i64::from(c.upper))),
            ("lower".into(), i64::from(c.lower).into()),
        ]))
    });
    getter(engine, host, "stats", |interp, site, b: &BackendRef| {
        let e = entry(interp, site, b)?;
        let mut map = super::stats::map(&e.stats);
        map.insert("active".into(), i64::from(e.active_conns).into());
        map.insert("inactive".into(), i64::from(e.inactive_conns).into());
        map.insert("persistent".into(), i64::from(e.persist_conns).into());
        Ok(map)
    });
    setter(engine, host, "weight", |interp, site, b: &BackendRef, n: i64| set_weight(interp, site, b, n));
    setter(engine, host, "upper", |interp, site, b: &BackendRef, n: i64| {
        let upper = in_range(site, "upper threshold", n, 0..=MAX)?;
        interp.edit_backend(site.source, site.span, b.service, b.addr, |c| c.upper = upper)
    });
    setter(engine, host, "lower", |interp, site, b: &BackendRef, n: i64| {
        let lower = in_range(site, "lower threshold", n, 0..=MAX)?;
        interp.edit_backend(site.source, site.span, b.service, b.addr, |c| c.lower = lower)
    });
    let h = host.clone();
    engine.register_fn("set_weight", move |ctx: NativeCallContext, b: &mut BackendRef, n: i64| -> Res<()> {
        h.call(ctx.call_position(), |interp, site| set_weight(interp, site, b, n))
    });
    let h = host.clone();
    engine.register_fn("remove", move |ctx: NativeCallContext, b: &mut BackendRef| -> Res<()> {
        h.call(ctx.call_position(), |interp, site| {
            let service = Spanned::new(SvcRef::Key(b.service), site.span);
            run_stmt(interp, site, StmtKind::DelBackend { service, addr: Spanned::new(b.addr, site.span) })
        })
    });
}

fn set_weight(interp: &mut Interpreter, site: &Site, b: &BackendRef, n: i64) -> Result<(), Failure> {
    let weight = in_range(site, "weight", n, 0..=MAX)?;
    interp.edit_backend(site.source, site.span, b.service, b.addr, |c| c.weight = weight)
}

fn entry(interp: &mut Interpreter, site: &Site, b: &BackendRef) -> Result<BackendEntry, Failure> {
    let entries = interp.backends(&b.service).map_err(|e| site.kernel(e))?;
    entries
        .into_iter()
        .find(|e| e.backend.addr == b.addr)
        .ok_or_else(|| site.kernel(KernelError::NoSuchBackend { service: b.service, backend: b.addr }))
}

fn config(interp: &mut Interpreter, site: &Site, b: &BackendRef) -> Result<Backend, Failure> {
    entry(interp, site, b).map(|e| e.backend)
}

/// A backend address as the language reads one: `ADDR:PORT`, IPv6 as `[ADDR]:PORT`.
pub fn parse_addr(site: &Site, text: &str) -> Result<SocketAddr, Failure> {
    crate::lang::parse::fragment::backend(text.trim())
        .map(|d| d.addr.value)
        .map_err(|d| site.relocate(*d, text))
}
