//! `trace`: one connection followed through the director.

use std::time::Duration;

use super::options::{self, Kind, Opt, Options, Val};
use super::reference::svc_ref;
use super::{In, PResult};
use crate::lang::ast::{StmtKind, TraceStmt};
use crate::lang::source::Spanned;

/// `trace`'s options.
pub static TRACE: Options<TraceStmt> = Options {
    fragment: "TRACE-OPTION",
    production: "trace-option",
    what: "trace option",
    sample: "trace web",
    list: &[
        Opt {
            word: "from",
            alias: None,
            kind: Kind::Node,
            default: None,
            help: "the node (network namespace) the connection starts from",
            example: "ext1",
            rhai: None,
            set: |t, v| t.from = Some(Spanned::new(v.value.text(), v.span)),
            get: |t| t.from.as_ref().map(|n| Val::Text(n.value.clone())),
        },
        Opt {
            word: "timeout",
            alias: None,
            kind: Kind::Duration,
            default: Some("2s"),
            help: "how long the connection may take",
            example: "1500ms",
            rhai: None,
            set: |t, v| t.timeout = v.value.duration().max(Duration::from_millis(1)),
            get: |t| Some(Val::Duration(t.timeout)),
        },
        Opt::json("print the trace as JSON", |t, _| t.json = true, |t| t.json.then_some(Val::Flag)),
    ],
};

/// `trace := "trace" svc-ref { trace-option }`
pub fn trace_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, service) = svc_ref(i)?;
    let mut trace = TraceStmt { service, ..TraceStmt::default() };
    options::apply_defaults(&TRACE, &mut trace);
    let (i, ()) = options::read(i, &TRACE, &mut trace, &mut options::none)?;
    Ok((i, StmtKind::Trace(trace)))
}
