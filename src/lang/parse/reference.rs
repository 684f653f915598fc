//! How statements name a service: by the name a `service` gave it, or by
//! its address (`tcp ADDR:PORT`, `fwmark N`); and what a name may be.

use super::error::PError;
use super::lexeme::{bad, next_word, number, unknown, word};
use super::{In, PResult};
use crate::ipvs::{Family, Protocol, ServiceKey};
use crate::lang::ast::SvcRef;
use crate::lang::source::{Span, Spanned};

/// A service key written alone (`tcp 111.111.0.1:80`, `fwmark 7 ipv6`), as
/// lvsh's state files keep it; `None` if it is not one.
pub fn service_key_text(text: &str) -> Option<ServiceKey> {
    match svc_addr(In::new(text)) {
        Ok((rest, key)) if rest.fragment().trim().is_empty() => Some(key.value),
        _ => None,
    }
}

/// Words that start a service address.
pub const PROTOCOLS: &[&str] = &["tcp", "udp", "sctp", "fwmark"];
/// `svc-addr := proto endpoint | "fwmark" number [ "ipv6" ]`
pub fn svc_addr(i: In<'_>) -> PResult<'_, Spanned<ServiceKey>> {
    let (i, first) = word(i, "a protocol: `tcp`, `udp`, `sctp` or `fwmark`")?;
    svc_addr_after(i, &first)
}

pub fn svc_addr_after<'a>(i: In<'a>, proto: &Spanned<&str>) -> PResult<'a, Spanned<ServiceKey>> {
    let protocol = match proto.value {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "sctp" => Protocol::Sctp,
        "fwmark" => return fwmark(i, proto.span),
        _ => return Err(unknown(proto, "protocol", PROTOCOLS)),
    };
    let (rest, addr) = super::lexeme::endpoint(i)?;
    Ok((rest, Spanned::new(ServiceKey::Inet { protocol, addr: addr.value }, proto.span.to(addr.span))))
}

fn fwmark(i: In<'_>, kw: Span) -> PResult<'_, Spanned<ServiceKey>> {
    let (rest, mark) = number::<u32>(i, "firewall mark", 1..=u32::MAX as u64)?;
    let (after, next) = next_word(rest)?;
    if let Some(w) = next.filter(|w| w.value == "ipv6") {
        return Ok((
            after,
            Spanned::new(ServiceKey::Fwmark { mark: mark.value, family: Family::V6 }, kw.to(w.span)),
        ));
    }
    Ok((rest, Spanned::new(ServiceKey::Fwmark { mark: mark.value, family: Family::V4 }, kw.to(mark.span))))
}

/// `svc-ref := name | svc-addr`
pub fn svc_ref(i: In<'_>) -> PResult<'_, Spanned<SvcRef>> {
    let (rest, first) = word(i, "a service: its name, or `tcp ADDR:PORT`, `udp ...`, `fwmark N`")?;
    if PROTOCOLS.contains(&first.value) {
        let (rest, key) = svc_addr_after(rest, &first)?;
        return Ok((rest, Spanned::new(SvcRef::Key(key.value), key.span)));
    }
    if first.value.parse::<std::net::SocketAddr>().is_ok() {
        let err = PError::new(
            "lvs::parse::bad-name",
            first.span,
            format!("`{}` needs its protocol", first.value),
            "expected a service name, or a protocol before the address",
        )
        .help(format!("write `tcp {0}` (or `udp {0}`, `sctp {0}`)", first.value));
        return Err(nom::Err::Failure(err));
    }
    check_name(&first)?;
    Ok((rest, Spanned::new(SvcRef::Name(first.value.to_string()), first.span)))
}

/// A service name: a letter, then letters, digits, `-` or `_`; not a keyword.
pub fn check_name(w: &Spanned<&str>) -> Result<(), nom::Err<PError>> {
    if is_ident(w.value) && !crate::lang::command::names().contains(&w.value) {
        return Ok(());
    }
    Err(bad(
        w,
        "lvs::parse::bad-name",
        format!("`{}` is not a service name or protocol", w.value),
        "expected a name (a letter, then letters, digits, `-`, `_`) or `tcp`, `udp`, `sctp`, `fwmark`",
    ))
}

/// Whether a word can be a name or scheduler.
pub fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
