//! The global functions a script calls (`services()`, `service(..)`,
//! `service_add(..)`, `run(..)`, `sleep(..)`, `assert(..)`), and the engine
//! an evaluation runs in: the sandbox with lvsh's functions and types, its
//! output going to the run's output. `docs.rs` documents each for `help`.

use std::net::SocketAddr;

use rhai::{Array, Engine, Map, NativeCallContext};

use super::host::{run_stmt, Host, Res, Site};
use super::service::ServiceRef;
use crate::interp::{Failure, Interpreter};
use crate::ipvs::ServiceKey;
use crate::lang::ast::{ServiceDecl, StmtKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::parse::fragment;
use crate::lang::source::{Source, Span, Spanned};

/// Lends `interp` to an engine for `code` of `source` for the length of `f`.
pub fn with_engine<T>(
    interp: &mut Interpreter,
    source: &Source,
    code: Span,
    f: impl FnOnce(&Host, &Engine) -> T,
) -> T {
    super::host::lend(interp, source, code, |host| f(host, &engine(host)))
}

/// The engine for one evaluation, with `host`'s interpreter behind lvsh's functions.
fn engine(host: &Host) -> Engine {
    let mut engine = super::engine::sandboxed();
    let out = host.clone();
    engine.on_print(move |text| out.print(text));
    let out = host.clone();
    engine.on_debug(move |text, _, _| out.print(&format!("debug: {text}")));
    register(&mut engine, host);
    engine
}

/// Registers the global functions and lvsh's types.
fn register(engine: &mut Engine, host: &Host) {
    super::service::register(engine, host);
    super::backend::register(engine, host);
    super::probe::register(engine);
    engine.register_type_with_name::<super::error::ScriptError>("Error");
    engine.register_fn("to_string", |e: &mut super::error::ScriptError| e.message());
    engine.register_get("message", |e: &mut super::error::ScriptError| e.message());
    engine.register_get("code", |e: &mut super::error::ScriptError| e.code());

    let h = host.clone();
    engine.register_fn("services", move |ctx: NativeCallContext| -> Res<Array> {
        h.call(ctx.call_position(), |interp, site| {
            let entries = interp.services().map_err(|e| site.kernel(e))?;
            Ok(entries.into_iter().map(|e| rhai::Dynamic::from(ServiceRef::new(e.service.key))).collect())
        })
    });
    let h = host.clone();
    engine.register_fn("service", move |ctx: NativeCallContext, text: &str| -> Res<ServiceRef> {
        h.call(ctx.call_position(), |interp, site| resolve(interp, site, text).map(ServiceRef::new))
    });
    let h = host.clone();
    engine.register_fn("service_add", move |ctx: NativeCallContext, key: &str| -> Res<ServiceRef> {
        h.call(ctx.call_position(), |interp, site| service_add(interp, site, key, &Map::new()))
    });
    let h = host.clone();
    engine.register_fn(
        "service_add",
        move |ctx: NativeCallContext, key: &str, options: Map| -> Res<ServiceRef> {
            h.call(ctx.call_position(), |interp, site| service_add(interp, site, key, &options))
        },
    );
    let h = host.clone();
    engine.register_fn("run", move |ctx: NativeCallContext, text: &str| -> Res<()> {
        h.call(ctx.call_position(), |interp, site| run(interp, site, text))
    });
    let h = host.clone();
    engine.register_fn("sleep", move |ctx: NativeCallContext, ms: i64| -> Res<()> {
        h.call(ctx.call_position(), |_, site| sleep(site, ms))
    });
    let h = host.clone();
    engine.register_fn("assert", move |ctx: NativeCallContext, holds: bool| -> Res<()> {
        h.call(ctx.call_position(), |_, site| assert(site, holds, "the condition is false"))
    });
    let h = host.clone();
    engine.register_fn("assert", move |ctx: NativeCallContext, holds: bool, message: &str| -> Res<()> {
        h.call(ctx.call_position(), |_, site| assert(site, holds, message))
    });
}

/// The service a text names: a session name, `tcp ADDR:PORT`, `fwmark N`,
/// or a bare `ADDR:PORT` when exactly one service listens there.
pub fn resolve(interp: &mut Interpreter, site: &Site, text: &str) -> Result<ServiceKey, Failure> {
    if let Ok(addr) = text.trim().parse::<SocketAddr>() {
        return by_address(interp, site, addr);
    }
    let reference = fragment::svc_ref(text.trim()).map_err(|d| site.relocate(*d, text))?;
    let key = interp.resolve(site.source, Some(&Spanned::new(reference, site.span)))?;
    interp.service(&key).map_err(|e| site.kernel(e))?;
    Ok(key)
}

fn by_address(interp: &mut Interpreter, site: &Site, addr: SocketAddr) -> Result<ServiceKey, Failure> {
    let keys: Vec<ServiceKey> = interp
        .services()
        .map_err(|e| site.kernel(e))?
        .into_iter()
        .map(|e| e.service.key)
        .filter(|k| matches!(k, ServiceKey::Inet { addr: a, .. } if *a == addr))
        .collect();
    match keys.as_slice() {
        [key] => Ok(*key),
        [] => Err(site.failure(
            "lvs::script::no-service",
            format!("no service listens on {addr}"),
            Some("`services()` lists them; `service_add(\"tcp ADDR:PORT\")` adds one".into()),
        )),
        several => {
            let listed: Vec<String> = several.iter().map(|k| format!("`{k}`")).collect();
            Err(site.failure(
                "lvs::script::ambiguous-service",
                format!("{} services listen on {addr}: {}", several.len(), listed.join(", ")),
                Some("name the protocol, e.g. `service(\"tcp ADDR:PORT\")`".into()),
            ))
        }
    }
}

fn service_add(
    interp: &mut Interpreter,
    site: &Site,
    key: &str,
    options: &Map,
) -> Result<ServiceRef, Failure> {
    let key = fragment::svc_addr(key.trim()).map_err(|d| site.relocate(*d, key))?;
    let name = super::options::name(options).map_err(|e| site.option(e))?;
    let words = super::options::words(options, super::options::SERVICE, &["name"], "a service")
        .map_err(|e| site.option(e))?;
    let (scheduler, mut settings) =
        fragment::service_settings(&words).map_err(|d| site.relocate(*d, &words))?;
    settings.iter_mut().for_each(|o| o.span = site.span);
    let decl = ServiceDecl {
        name: name.map(|n| Spanned::new(n, site.span)),
        key: Spanned::new(key, site.span),
        scheduler: scheduler.map(|s| Spanned::new(s.value, site.span)),
        options: settings,
        backends: None,
    };
    run_stmt(interp, site, StmtKind::Service(decl))?;
    Ok(ServiceRef::new(key))
}

/// `run("...")`: `.lvs` statements, parsed whole first, in this run's transaction.
fn run(interp: &mut Interpreter, site: &Site, text: &str) -> Result<(), Failure> {
    let (line, col) = site.source.line_col(site.span.start as usize);
    let called = format!("run from {}:{line}:{col}", site.source.name);
    let source = Source::new("<run>", text);
    let known: Vec<String> = interp.session.names().map(str::to_string).collect();
    let (script, mut problems) = crate::lang::parse::parse_script(&source, crate::lab::Lab::is_node);
    problems.extend(crate::lang::check::check(&script, &known));
    if let Some(d) = problems.into_iter().find(Diagnostic::is_error) {
        let d = d.with_note(called);
        return Err(Failure::script(&source, d));
    }
    interp.run_within(&source, &script).map_err(|mut failure| {
        failure.diagnostic.notes.insert(0, called);
        failure
    })
}

fn sleep(site: &Site, ms: i64) -> Result<(), Failure> {
    const DAY_MS: i64 = 86_400_000;
    if !(0..=DAY_MS).contains(&ms) {
        let message = format!("cannot sleep {ms} ms");
        return Err(site.failure(
            "lvs::script::range",
            message,
            Some(format!("sleep from 0 to {DAY_MS} ms")),
        ));
    }
    std::thread::sleep(std::time::Duration::from_millis(ms.unsigned_abs()));
    Ok(())
}

/// A failed `assert` is a failed expectation: reported, and the run goes on after the block (exit 1).
fn assert(site: &Site, holds: bool, message: &str) -> Result<(), Failure> {
    if holds {
        return Ok(());
    }
    let d = Diagnostic::error(
        "lvs::script::assert",
        format!("assertion failed: {message}"),
        site.span,
        "does not hold",
    )
    .with_note("the script stopped here; the run goes on and exits 1");
    Err(Failure::expectation(site.source, d))
}
