//! `service` declarations and the service options (`set service` shares
//! them).

use std::net::Ipv4Addr;

use super::backend::block_backend;
use super::error::PError;
use super::lexeme::{bad, blank, gap, next_word, unknown, word};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::{check_name, is_ident, svc_addr, svc_addr_after, PROTOCOLS};
use super::{In, PResult};
use crate::ipvs::{Netmask, SchedFlags, Scheduler, ServiceKey};
use crate::lang::ast::{ServiceDecl, StmtKind, SvcOption};
use crate::lang::diagnostic::suggest;
use crate::lang::source::{Span, Spanned};

/// Scheduler flag names.
pub const SCHED_FLAGS: &[&str] =
    &["sh-fallback", "sh-port", "mh-fallback", "mh-port", "flag-1", "flag-2", "flag-3"];

/// `service-decl := "service" [ name ] svc-addr [ scheduler ] { svc-option } [ "{" { backend } "}" ]`
pub fn service_decl(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, first) = word(i, "a service name or protocol (`tcp`, `udp`, `sctp`, `fwmark`)")?;
    let (_, second) = next_word(i)?;
    if let Some(second) = second.filter(|w| PROTOCOLS.contains(&first.value) && PROTOCOLS.contains(&w.value))
    {
        let message = format!("a service cannot be named `{}`: that word is a protocol", first.value);
        return Err(bad(
            &first,
            "lvs::parse::bad-name",
            message,
            &format!("a name, before `{}`", second.value),
        ));
    }
    let (i, name) = if PROTOCOLS.contains(&first.value) {
        (i, None)
    } else {
        check_name(&first)?;
        (i, Some(Spanned::new(first.value.to_string(), first.span)))
    };
    let (i, key) = match name {
        Some(_) => svc_addr(i)?,
        None => svc_addr_after(i, &first)?,
    };
    no_port_after_fwmark(i, &key)?;
    let (i, (scheduler, options)) = service_settings(i, true)?;
    let (i, backends) = opt_block(i)?;
    Ok((i, StmtKind::Service(ServiceDecl { name, key, scheduler, options, backends })))
}

/// A scheduler and service options, as a statement gives them.
pub type Settings = (Option<Spanned<String>>, Vec<Spanned<SvcOption>>);

/// The last option of one sort, to print (a later one overrides an earlier one).
fn last<T>(options: &[Spanned<SvcOption>], pick: impl Fn(&SvcOption) -> Option<T>) -> Option<T> {
    options.iter().rev().find_map(|o| pick(&o.value))
}

/// The service options (`service` and `set service`).
pub static SERVICE: Options<Vec<Spanned<SvcOption>>> = Options {
    fragment: "SVC-OPTION",
    production: "svc-option",
    what: "service option",
    sample: "service web tcp 111.111.0.1:80",
    list: &[
        Opt {
            word: "persistent",
            alias: None,
            kind: Kind::OptionalNumber {
                placeholder: "SECONDS",
                what: "persistence timeout in seconds",
                min: 1,
                max: 2_678_400,
            },
            default: None,
            help: "send a client back to the same backend for SECONDS; 360 without a number",
            example: "300",
            rhai: Some("persistent"),
            set: |o, v| o.push(v.map(|v| SvcOption::Persistent(v.optional_number().map(|n| n as u32)))),
            get: |o| {
                last(o, |o| match o {
                    SvcOption::Persistent(t) => Some(t.map_or(Val::Flag, |t| Val::Number(t.into()))),
                    _ => None,
                })
            },
        },
        Opt {
            word: "netmask",
            alias: None,
            kind: Kind::Custom {
                syntax: "NETMASK",
                ebnf: "ipv4-address",
                list: false,
                read: netmask,
                print: print_netmask,
            },
            default: None,
            help: "clients in one IPv4 network of this mask share a backend",
            example: "255.255.255.0",
            rhai: Some("netmask"),
            set: |o, v| {
                if let Val::Netmask(m) = v.value {
                    o.push(Spanned::new(SvcOption::Netmask(m), v.span));
                }
            },
            get: |o| {
                last(o, |o| match o {
                    SvcOption::Netmask(m) => Some(*m),
                    _ => None,
                })
                .filter(|m| matches!(m, Netmask::V4(_)))
                .map(Val::Netmask)
            },
        },
        Opt {
            word: "prefix",
            alias: None,
            kind: Kind::Number { placeholder: "N", what: "IPv6 prefix length", min: 1, max: 128 },
            default: None,
            help: "clients in one IPv6 network of this prefix length share a backend",
            example: "64",
            rhai: Some("prefix"),
            set: |o, v| o.push(v.map(|v| SvcOption::Netmask(Netmask::V6(v.number() as u8)))),
            get: |o| {
                last(o, |o| match o {
                    SvcOption::Netmask(m) => Some(*m),
                    _ => None,
                })
                .and_then(|m| {
                    if let Netmask::V6(p) = m {
                        Some(Val::Number(p.into()))
                    } else {
                        None
                    }
                })
            },
        },
        Opt {
            word: "one-packet",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "schedule each UDP datagram on its own",
            example: "",
            rhai: Some("one_packet"),
            set: |o, v| o.push(v.map(|_| SvcOption::OnePacket)),
            get: |o| last(o, |o| matches!(o, SvcOption::OnePacket).then_some(Val::Flag)),
        },
        Opt {
            word: "flags",
            alias: None,
            kind: Kind::Custom {
                syntax: "FLAGS",
                ebnf: "sched-flag { \",\" sched-flag }",
                list: true,
                read: flags,
                print: print_flags,
            },
            default: None,
            help: "scheduler flags, comma-separated",
            example: "sh-fallback,sh-port",
            rhai: Some("flags"),
            set: |o, v| {
                if let Val::SchedFlags(set, names) = v.value {
                    o.push(Spanned::new(SvcOption::Flags(set, names), v.span));
                }
            },
            get: |o| {
                last(o, |o| match o {
                    SvcOption::Flags(set, names) => Some(Val::SchedFlags(*set, names.clone())),
                    _ => None,
                })
            },
        },
        Opt {
            word: "pe",
            alias: None,
            kind: Kind::Word { placeholder: "PE", what: "a persistence engine name like `sip`" },
            default: None,
            help: "a persistence engine",
            example: "sip",
            rhai: Some("pe"),
            set: |o, v| o.push(v.map(|v| SvcOption::Pe(v.text()))),
            get: |o| {
                last(o, |o| match o {
                    SvcOption::Pe(pe) => Some(Val::Text(pe.clone())),
                    _ => None,
                })
            },
        },
    ],
};

/// `{ scheduler | svc-option }` up to the end of the statement or a `{`.
pub fn service_settings(i: In<'_>, allow_scheduler: bool) -> PResult<'_, Settings> {
    let mut scheduler: Option<Spanned<String>> = None;
    let mut options = Vec::new();
    let (i, ()) = options::read(i, &SERVICE, &mut options, &mut |_, w, _, rest, _| {
        // A misspelt option (`persistenq`) is not taken for a scheduler.
        let misspelt = !Scheduler::KNOWN.contains(&w.value)
            && suggest(w.value, SERVICE.words()).is_some()
            && suggest(w.value, Scheduler::KNOWN.iter().copied()).is_none();
        if allow_scheduler && scheduler.is_none() && is_ident(w.value) && !misspelt {
            scheduler = Some(Spanned::new(w.value.to_string(), w.span));
            return Some(Ok(rest));
        }
        let mut choices = SERVICE.words();
        if scheduler.is_none() && allow_scheduler {
            choices.extend(Scheduler::KNOWN);
        }
        let err = unknown(w, SERVICE.what, &choices);
        Some(Err(match (&scheduler, Scheduler::KNOWN.contains(&w.value)) {
            (Some(first), true) => err.map(|e| {
                e.help(format!("a service has one scheduler, and `{}` is already given", first.value))
            }),
            _ => err,
        }))
    })?;
    Ok((i, (scheduler, options)))
}

fn netmask(i: In<'_>) -> PResult<'_, Spanned<Val>> {
    let (rest, w) = word(i, "a netmask like 255.255.255.0")?;
    match w.value.parse::<Ipv4Addr>() {
        Ok(mask) => Ok((rest, Spanned::new(Val::Netmask(Netmask::V4(mask)), w.span))),
        Err(_) => Err(bad(
            &w,
            "lvs::parse::bad-netmask",
            format!("`{}` is not an IPv4 netmask", w.value),
            "expected a netmask like 255.255.255.0",
        )),
    }
}

fn print_netmask(v: &Val) -> String {
    match v {
        Val::Netmask(Netmask::V4(m)) => m.to_string(),
        _ => String::new(),
    }
}

fn flags(i: In<'_>) -> PResult<'_, Spanned<Val>> {
    let (rest, w) = word(i, "scheduler flags like sh-fallback,sh-port")?;
    let mut set = SchedFlags::default();
    let mut names = Vec::new();
    for name in w.value.split(',') {
        match name {
            "sh-fallback" | "mh-fallback" | "flag-1" => set.flag1 = true,
            "sh-port" | "mh-port" | "flag-2" => set.flag2 = true,
            "flag-3" => set.flag3 = true,
            _ => {
                let at = w.span.start as usize + (name.as_ptr() as usize - w.value.as_ptr() as usize);
                let part = Spanned::new(name, Span::new(at, at + name.len()));
                return Err(unknown(&part, "scheduler flag", SCHED_FLAGS));
            }
        }
        names.push(name.to_string());
    }
    Ok((rest, Spanned::new(Val::SchedFlags(set, names), w.span)))
}

fn print_flags(v: &Val) -> String {
    match v {
        Val::SchedFlags(_, names) => names.join(","),
        _ => String::new(),
    }
}

/// A fwmark service has no address: say so if one follows `fwmark N`.
fn no_port_after_fwmark(i: In<'_>, key: &Spanned<ServiceKey>) -> Result<(), nom::Err<PError>> {
    let (_, next) = next_word(i)?;
    match next {
        Some(w)
            if matches!(key.value, ServiceKey::Fwmark { .. })
                && w.value.parse::<std::net::SocketAddr>().is_ok() =>
        {
            Err(bad(
                &w,
                "lvs::parse::port-on-fwmark",
                "a fwmark service has no address or port".into(),
                "not allowed after `fwmark N`",
            ))
        }
        _ => Ok(()),
    }
}

/// An optional `{ backend ... }` block.
fn opt_block(i: In<'_>) -> PResult<'_, Option<Vec<Spanned<crate::lang::ast::BackendDecl>>>> {
    let (i, ()) = blank(i)?;
    if !i.fragment().starts_with('{') {
        return Ok((i, None));
    }
    let open = Span::new(i.location_offset(), i.location_offset() + 1);
    let (mut i, _) = nom::bytes::complete::take(1usize).parse(i)?;
    let mut backends = Vec::new();
    loop {
        let (rest, ()) = gap(i)?;
        if rest.fragment().starts_with('}') {
            let (rest, _) = nom::bytes::complete::take(1usize).parse(rest)?;
            return Ok((rest, Some(backends)));
        }
        if rest.fragment().is_empty() {
            let err =
                PError::new("lvs::parse::unclosed-block", open, "this `{` is never closed", "opened here")
                    .help("close the block with `}` after its backends");
            return Err(nom::Err::Failure(err));
        }
        let (rest, b) = match super::plain::block_backend(rest) {
            Some(plain) => plain,
            None => block_backend(rest)?,
        };
        backends.push(b);
        i = rest;
    }
}

use nom::Parser;
