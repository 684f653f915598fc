//! `doctor`: what stops traffic to a service, with the fix.

use std::net::IpAddr;

use super::lexeme::{bad, next_word, word};
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{DoctorStmt, StmtKind};
use crate::lang::source::{Span, Spanned};

/// `doctor`'s options.
pub static DOCTOR: Options<DoctorStmt> = Options {
    fragment: "DOCTOR-OPTION",
    production: "doctor-option",
    what: "doctor option",
    sample: "doctor",
    list: &[
        Opt::json("print the findings as JSON", |d, _| d.json = true, |d| d.json.then_some(Val::Flag)),
        Opt {
            word: "--fix",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "run the fixes it prints, then check again (in the lab only)",
            example: "",
            rhai: None,
            set: |d, _| d.fix = true,
            get: |d| d.fix.then_some(Val::Flag),
        },
        Opt {
            word: "--enter",
            alias: None,
            kind: Kind::Custom {
                syntax: "NODES",
                ebnf: "node { \",\" node }",
                list: true,
                read: |i| list(i, "network namespaces, comma-separated, like blue,green", |_| true),
                print: print_list,
            },
            default: None,
            help: "the backends' network namespaces to look inside as well (the lab's nodes are always entered)",
            example: "blue,green",
            rhai: None,
            set: |d, v| d.enter = split(&v.value),
            get: |d| (!d.enter.is_empty()).then(|| Val::Text(d.enter.join(","))),
        },
        Opt {
            word: "--clients",
            alias: None,
            kind: Kind::Custom {
                syntax: "ADDRS",
                ebnf: "ip-address { \",\" ip-address }",
                list: true,
                read: |i| list(i, "client IP addresses, comma-separated", |a| a.parse::<IpAddr>().is_ok()),
                print: print_list,
            },
            default: None,
            help: "clients whose replies must come back through the director (outside the lab; default: each VIP)",
            example: "203.0.113.7",
            rhai: None,
            set: |d, v| d.clients = split(&v.value).iter().filter_map(|a| a.parse().ok()).collect(),
            get: |d| {
                let text: Vec<String> = d.clients.iter().map(IpAddr::to_string).collect();
                (!text.is_empty()).then(|| Val::Text(text.join(",")))
            },
        },
    ],
};

/// A comma list in one word, each part non-empty and `fits`.
fn list<'a>(i: In<'a>, what: &str, fits: fn(&str) -> bool) -> PResult<'a, Spanned<Val>> {
    let (rest, w) = word(i, what)?;
    for part in w.value.split(',') {
        if part.is_empty() || !fits(part) {
            let at = w.span.start as usize + (part.as_ptr() as usize - w.value.as_ptr() as usize);
            let part = Spanned::new(part, Span::new(at, at + part.len()));
            let message = match part.value.is_empty() {
                true => format!("an empty item in `{}`", w.value),
                false => format!("`{}` is not one of the {what}", part.value),
            };
            return Err(bad(&part, "lvs::parse::bad-list", message, what));
        }
    }
    Ok((rest, Spanned::new(Val::Text(w.value.to_string()), w.span)))
}

fn split(v: &Val) -> Vec<String> {
    v.text().split(',').map(str::to_string).collect()
}

fn print_list(v: &Val) -> String {
    v.text()
}

/// `doctor := "doctor" [ svc-ref ] { doctor-option }`
pub fn doctor_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (_, next) = next_word(i)?;
    let (i, service) = match next {
        Some(w) if !w.value.starts_with('-') => {
            let (i, service) = svc_ref(i)?;
            (i, Some(service))
        }
        _ => (i, None),
    };
    let mut doctor = DoctorStmt { service, ..DoctorStmt::default() };
    let (i, ()) = options::read(i, &DOCTOR, &mut doctor, &mut options::none)?;
    Ok((i, StmtKind::Doctor(doctor)))
}
