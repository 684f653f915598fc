//! `backend` statements and the backend options `set backend` shares.

use super::lexeme::{endpoint, next_word, number, unknown, word};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::ipvs::{Forward, Tunnel, TunnelCsum, TunnelKind};
use crate::lang::ast::{BackendDecl, StmtKind};
use crate::lang::source::{Span, Spanned};

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

/// The forwarding methods that are a word alone, with what each does.
const METHODS: [(&str, Forward, &str); 3] = [
    ("masq", Forward::Masq, "forward by NAT (masquerading): replies must come back through the director"),
    ("route", Forward::Route, "direct routing: the backend has the VIP and answers clients itself"),
    ("local", Forward::Local, "the director itself serves"),
];

/// The option of `METHODS[I]` (one setter and getter serve every method).
const fn method<const I: usize>() -> Opt<BackendDecl> {
    Opt {
        word: METHODS[I].0,
        alias: None,
        kind: Kind::Flag,
        default: None,
        help: METHODS[I].2,
        example: "",
        rhai: None,
        set: |b, v| b.forward = Some(Spanned::new(METHODS[I].1, v.span)),
        get: |b| b.forward.as_ref().filter(|f| f.value == METHODS[I].1).map(|_| Val::Flag),
    }
}

/// A connection count or weight, 0 to 2147483647.
const fn count(
    word: &'static str,
    what: &'static str,
    help: &'static str,
    rhai: &'static str,
    set: fn(&mut BackendDecl, Spanned<Val>),
    get: fn(&BackendDecl) -> Option<Val>,
) -> Opt<BackendDecl> {
    Opt {
        word,
        alias: None,
        kind: Kind::Number { placeholder: "N", what, min: 0, max: i32::MAX as u64 },
        default: None,
        help,
        example: "2",
        rhai: Some(rhai),
        set,
        get,
    }
}

/// A number option's value as the AST keeps it.
fn spanned_u32(v: Spanned<Val>) -> Option<Spanned<u32>> {
    Some(Spanned::new(v.value.number() as u32, v.span))
}

/// A number option's value to print.
fn printed(n: &Option<Spanned<u32>>) -> Option<Val> {
    n.as_ref().map(|n| Val::Number(n.value.into()))
}

/// The backend options.
pub static BACKEND: Options<BackendDecl> = Options {
    fragment: "BACKEND-OPTION",
    production: "backend-option",
    what: "backend option",
    sample: "backend web 10.10.0.2:8000",
    list: &[
        method::<0>(),
        method::<1>(),
        Opt {
            word: "tunnel",
            alias: None,
            kind: Kind::Custom {
                syntax: "[ipip | gre | gue port PORT] [csum | remcsum | nocsum]",
                ebnf:
                    "[ \"ipip\" | \"gre\" | \"gue\" \"port\" number ] [ \"csum\" | \"remcsum\" | \"nocsum\" ]",
                list: false,
                read: tunnel,
                print: print_tunnel,
            },
            default: None,
            help: "encapsulate to the backend (ipip by default)",
            example: "gue port 5555 remcsum",
            rhai: None,
            set: |b, v| {
                b.forward = if let Val::Forward(f) = v.value { Some(Spanned::new(f, v.span)) } else { None }
            },
            get: |b| {
                b.forward
                    .as_ref()
                    .filter(|f| matches!(f.value, Forward::Tunnel(_)))
                    .map(|f| Val::Forward(f.value))
            },
        },
        method::<2>(),
        count(
            "weight",
            "weight",
            "the share of new connections (0 takes none)",
            "weight",
            |b, v| b.weight = spanned_u32(v),
            |b| printed(&b.weight),
        ),
        count(
            "upper",
            "upper threshold",
            "no new connections above this many (0: no limit)",
            "upper",
            |b, v| b.upper = spanned_u32(v),
            |b| printed(&b.upper),
        ),
        count(
            "lower",
            "lower threshold",
            "new connections again below this many",
            "lower",
            |b, v| b.lower = spanned_u32(v),
            |b| printed(&b.lower),
        ),
    ],
};

/// `backend-option := forward | "weight" n | "upper" n | "lower" n`
pub(super) fn backend_options(i: In<'_>, addr: Spanned<std::net::SocketAddr>) -> PResult<'_, BackendDecl> {
    let mut decl = BackendDecl { service: None, addr, forward: None, weight: None, upper: None, lower: None };
    let (i, ()) = options::read(i, &BACKEND, &mut decl, &mut |_, w, _, _, _| {
        let digits = w.value.chars().all(|c| c.is_ascii_digit());
        let help = format!("a weight is written `weight {}`", w.value);
        digits.then(|| Err(BACKEND.unknown(w).map(|e| e.help(help))))
    })?;
    Ok((i, decl))
}

/// `tunnel [ "ipip" | "gre" | "gue" "port" n ] [ "csum" | "remcsum" | "nocsum" ]`
fn tunnel(i: In<'_>) -> PResult<'_, Spanned<Val>> {
    let mut t = Tunnel::IPIP;
    let mut span: Option<Span> = None;
    let (mut i, next) = peek_word(i)?;
    if let Some(w) = next.filter(|w| ["ipip", "gre", "gue"].contains(&w.value)) {
        let (rest, _) = word(i, "a tunnel type")?;
        i = rest;
        span = Some(w.span);
        t.kind = match w.value {
            "gre" => TunnelKind::Gre,
            "gue" => {
                let (rest, port_kw) = word(i, "`port N` (a gue tunnel needs its UDP port)")?;
                if port_kw.value != "port" {
                    return Err(unknown(&port_kw, "gue option", &["port"]));
                }
                let (rest, port) = number::<u16>(rest, "gue port", 1..=65535)?;
                i = rest;
                span = Some(w.span.to(port.span));
                TunnelKind::Gue { port: port.value }
            }
            _ => TunnelKind::Ipip,
        };
    }
    let (rest, next) = peek_word(i)?;
    if let Some(w) = next.filter(|w| ["csum", "remcsum", "nocsum"].contains(&w.value)) {
        let (rest, _) = word(rest, "a checksum mode")?;
        i = rest;
        span = Some(span.map_or(w.span, |s| s.to(w.span)));
        t.csum = match w.value {
            "csum" => TunnelCsum::Csum,
            "remcsum" => TunnelCsum::RemCsum,
            _ => TunnelCsum::NoCsum,
        };
    }
    // A bare `tunnel`: the span is the keyword's alone.
    let at = i.location_offset();
    Ok((i, Spanned::new(Val::Forward(Forward::Tunnel(t)), span.unwrap_or(Span::new(at, at)))))
}

/// `tunnel`'s words after the keyword: `gue port 5555 remcsum`.
fn print_tunnel(v: &Val) -> String {
    let Val::Forward(Forward::Tunnel(t)) = v else { return String::new() };
    let kind = match t.kind {
        TunnelKind::Ipip => "ipip".to_string(),
        TunnelKind::Gue { port } => format!("gue port {port}"),
        TunnelKind::Gre => "gre".to_string(),
    };
    let csum = match t.csum {
        TunnelCsum::NoCsum => "nocsum",
        TunnelCsum::Csum => "csum",
        TunnelCsum::RemCsum => "remcsum",
    };
    format!("{kind} {csum}")
}

/// The next word without consuming it.
fn peek_word(i: In<'_>) -> PResult<'_, Option<Spanned<&str>>> {
    let (_, w) = next_word(i)?;
    Ok((i, w))
}
