//! `doctor`: what stops traffic to a service, with the fix.

use super::lexeme::next_word;
use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{DoctorStmt, StmtKind};

/// `doctor`'s options.
pub static DOCTOR: Options<DoctorStmt> = Options {
    fragment: "DOCTOR-OPTION",
    production: "doctor-option",
    what: "doctor option",
    sample: "doctor",
    list: &[
        Opt {
            word: "--json",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "print the findings as JSON",
            example: "",
            rhai: None,
            set: |d, _| d.json = true,
            get: |d| d.json.then_some(Val::Flag),
        },
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
    ],
};

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
