//! `backend` statements and the backend options `set backend` shares.

use super::lexeme::{endpoint, next_word, number, unknown, word};
use super::service::svc_ref;
use super::{In, PResult};
use crate::ipvs::{Forward, Tunnel, TunnelCsum, TunnelKind};
use crate::lang::ast::{BackendDecl, StmtKind};
use crate::lang::source::{Span, Spanned};

/// Words of the backend options.
pub const BACKEND_OPTIONS: &[&str] = &["masq", "route", "tunnel", "local", "weight", "upper", "lower"];

/// `backend-stmt := "backend" svc-ref endpoint { backend-option }`
pub fn backend_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, decl) = backend_of_service(i)?;
    Ok((i, StmtKind::Backend(decl)))
}

/// `svc-ref endpoint { backend-option }`, shared with `set backend`.
pub fn backend_of_service(i: In<'_>) -> PResult<'_, BackendDecl> {
    let (i, service) = svc_ref(i)?;
    let (i, addr) = endpoint(i)?;
    let (i, mut decl) = backend_options(i, addr)?;
    decl.service = Some(service);
    Ok((i, decl))
}

/// `block-backend := "backend" endpoint { backend-option }` inside a service's `{ }`.
pub fn block_backend(i: In<'_>) -> PResult<'_, Spanned<BackendDecl>> {
    let start = i.location_offset();
    let (i, kw) = word(i, "`backend` or `}`")?;
    if kw.value != "backend" {
        return Err(unknown(&kw, "statement in a service block", &["backend", "}"]));
    }
    let (i, addr) = endpoint(i)?;
    let (i, decl) = backend_options(i, addr)?;
    let (i, ()) = super::end_of_stmt(i)?;
    let end = decl_end(&decl);
    Ok((i, Spanned::new(decl, Span::new(start, end))))
}

fn decl_end(decl: &BackendDecl) -> usize {
    [decl.forward.as_ref().map(|f| f.span), decl.weight.as_ref().map(|w| w.span)]
        .into_iter()
        .chain([decl.upper.as_ref().map(|u| u.span), decl.lower.as_ref().map(|l| l.span)])
        .flatten()
        .map(|s| s.end as usize)
        .max()
        .unwrap_or(decl.addr.span.end as usize)
}

/// `backend-option := forward | "weight" n | "upper" n | "lower" n`
pub(super) fn backend_options(
    mut i: In<'_>,
    addr: Spanned<std::net::SocketAddr>,
) -> PResult<'_, BackendDecl> {
    let mut decl = BackendDecl { service: None, addr, forward: None, weight: None, upper: None, lower: None };
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, decl)) };
        i = match w.value {
            "masq" => set_forward(&mut decl, Forward::Masq, w.span, rest),
            "route" => set_forward(&mut decl, Forward::Route, w.span, rest),
            "local" => set_forward(&mut decl, Forward::Local, w.span, rest),
            "tunnel" => {
                let (rest, tunnel) = tunnel(rest, w.span)?;
                decl.forward = Some(tunnel);
                rest
            }
            "weight" => {
                let (rest, n) = number(rest, "weight", 0..=i32::MAX as u64)?;
                decl.weight = Some(n);
                rest
            }
            "upper" => {
                let (rest, n) = number(rest, "upper threshold", 0..=i32::MAX as u64)?;
                decl.upper = Some(n);
                rest
            }
            "lower" => {
                let (rest, n) = number(rest, "lower threshold", 0..=i32::MAX as u64)?;
                decl.lower = Some(n);
                rest
            }
            _ if w.value.chars().all(|c| c.is_ascii_digit()) => {
                let err = unknown(&w, "backend option", BACKEND_OPTIONS);
                return Err(err.map(|e| e.help(format!("a weight is written `weight {}`", w.value))));
            }
            _ => return Err(unknown(&w, "backend option", BACKEND_OPTIONS)),
        };
    }
}

fn set_forward<'a>(decl: &mut BackendDecl, forward: Forward, span: Span, rest: In<'a>) -> In<'a> {
    decl.forward = Some(Spanned::new(forward, span));
    rest
}

/// `tunnel [ "ipip" | "gre" | "gue" "port" n ] [ "csum" | "remcsum" | "nocsum" ]`
fn tunnel(i: In<'_>, kw: Span) -> PResult<'_, Spanned<Forward>> {
    let mut t = Tunnel::IPIP;
    let mut span = kw;
    let (mut i, next) = peek_word(i)?;
    if let Some(w) = next.filter(|w| ["ipip", "gre", "gue"].contains(&w.value)) {
        let (rest, _) = word(i, "a tunnel type")?;
        i = rest;
        span = span.to(w.span);
        t.kind = match w.value {
            "gre" => TunnelKind::Gre,
            "gue" => {
                let (rest, port_kw) = word(i, "`port N` (a gue tunnel needs its UDP port)")?;
                if port_kw.value != "port" {
                    return Err(unknown(&port_kw, "gue option", &["port"]));
                }
                let (rest, port) = number::<u16>(rest, "gue port", 1..=65535)?;
                i = rest;
                span = span.to(port.span);
                TunnelKind::Gue { port: port.value }
            }
            _ => TunnelKind::Ipip,
        };
    }
    let (rest, next) = peek_word(i)?;
    if let Some(w) = next.filter(|w| ["csum", "remcsum", "nocsum"].contains(&w.value)) {
        let (rest, _) = word(rest, "a checksum mode")?;
        i = rest;
        span = span.to(w.span);
        t.csum = match w.value {
            "csum" => TunnelCsum::Csum,
            "remcsum" => TunnelCsum::RemCsum,
            _ => TunnelCsum::NoCsum,
        };
    }
    Ok((i, Spanned::new(Forward::Tunnel(t), span)))
}

/// The next word without consuming it.
fn peek_word(i: In<'_>) -> PResult<'_, Option<Spanned<&str>>> {
    let (_, w) = next_word(i)?;
    Ok((i, w))
}
