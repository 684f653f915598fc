//! Pieces of statements read from text that is not a script: the arguments
//! Rhai hands to lvsh (a service reference, service settings, a backend and
//! its options), with the same checks and messages as in a `.lvs` file. The
//! diagnostics' spans point into the fragment.

use super::lexeme::{blank, endpoint};
use super::service::Settings;
use super::{In, PError, PResult};
use crate::ipvs::ServiceKey;
use crate::lang::ast::{BackendDecl, ProbeStmt, StmtKind, SvcRef};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::Span;

/// A service reference: `web`, `tcp 111.111.0.1:80`, `fwmark 7`.
pub fn svc_ref(text: &str) -> Result<SvcRef, Box<Diagnostic>> {
    whole(text, super::reference::svc_ref).map(|s| s.value)
}

/// A service address: `tcp 111.111.0.1:80`, `udp [2001:db8::1]:53`, `fwmark 7`.
pub fn svc_addr(text: &str) -> Result<ServiceKey, Box<Diagnostic>> {
    whole(text, super::reference::svc_addr).map(|s| s.value)
}

/// A scheduler and service options: `wrr persistent 300`.
pub fn service_settings(text: &str) -> Result<Settings, Box<Diagnostic>> {
    whole(text, |i| super::service::service_settings(i, true))
}

/// A backend and its options: `10.10.0.2:8000 masq weight 2`.
pub fn backend(text: &str) -> Result<BackendDecl, Box<Diagnostic>> {
    whole(text, |i| {
        let (i, addr) = endpoint(i)?;
        super::backend::backend_options(i, addr)
    })
}

/// A probe: `tcp 111.111.0.1:80 count 6 from ext1`.
pub fn probe(text: &str) -> Result<ProbeStmt, Box<Diagnostic>> {
    match whole(text, super::probe::probe_stmt)? {
        StmtKind::Probe(p) => Ok(p),
        _ => Err(left_over(0, text.len())),
    }
}

/// Runs `parse` over all of `text`: anything left over is an error.
fn whole<'a, T>(text: &'a str, parse: impl FnOnce(In<'a>) -> PResult<'a, T>) -> Result<T, Box<Diagnostic>> {
    let (rest, value) = match parse(In::new(text)) {
        Ok(done) => done,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(Box::new(e.into_diagnostic())),
        Err(nom::Err::Incomplete(_)) => return Err(left_over(text.len(), text.len())),
    };
    let (rest, ()) = blank(rest).map_err(|_| left_over(rest.location_offset(), text.len()))?;
    match rest.fragment().is_empty() {
        true => Ok(value),
        false => Err(left_over(rest.location_offset(), text.len())),
    }
}

fn left_over(at: usize, end: usize) -> Box<Diagnostic> {
    let e =
        PError::new("lvs::parse::trailing-word", Span::new(at, end), "unexpected text after the value", "");
    Box::new(e.into_diagnostic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_a_name_or_an_address() {
        assert_eq!(svc_ref("web").ok(), Some(SvcRef::Name("web".into())));
        assert_eq!(
            svc_ref("tcp 111.111.0.1:80").ok(),
            Some(SvcRef::Key(ServiceKey::tcp("111.111.0.1:80".parse().unwrap())))
        );
        let err = svc_ref("111.111.0.1:80").unwrap_err();
        assert_eq!(err.message, "`111.111.0.1:80` needs its protocol");
    }

    #[test]
    fn backend_options_carry_the_languages_messages() {
        let decl = backend("10.10.0.2:8000 masq weight 2").unwrap();
        assert_eq!(decl.weight.map(|w| w.value), Some(2));
        assert_eq!(
            backend("10.10.0.2:8000 wieght 2").unwrap_err().help.as_deref(),
            Some("did you mean `weight`?")
        );
        assert_eq!(backend("10.10.0.2:8000 masq; flush").unwrap_err().code, "lvs::parse::trailing-word");
    }
}
