//! `lab backends METHOD`: the lab's backends set up for a forwarding
//! method (see [`crate::lab::backends`]).

use super::lab::env_failure;
use super::{Failure, Interpreter};
use crate::lab::backends::{self, Step};
use crate::lab::build::{self, Done};
use crate::lab::error::LabError;
use crate::lang::ast::{BackendMethod, LabStmt};
use crate::lang::source::{Source, Span};
use crate::render::lab_backends as render;

impl Interpreter {
    pub(super) fn lab_backends(
        &mut self,
        source: &Source,
        span: Span,
        stmt: &LabStmt,
        method: BackendMethod,
    ) -> Result<(), Failure> {
        let fail = |e: LabError| env_failure(source, span, e.code(), e.to_string(), &e.help());
        let mut lines = String::new();
        let mut explain = |step: &Step, done: Done| {
            if stmt.explain {
                lines += &render::explained(step, done);
            }
        };
        let claim = build::claim(&self.lab).map_err(fail)?;
        let made = backends::set_up(claim, method, &mut explain).map_err(fail)?;
        lines += &render::summary(method, made);
        self.write(&lines)
    }
}
