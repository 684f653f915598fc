//! From a service as a statement names it to its key.

use super::{Failure, Interpreter};
use crate::ipvs::ServiceKey;
use crate::lang::ast::SvcRef;
use crate::lang::diagnostic::{suggest, Diagnostic};
use crate::lang::source::{Source, Span, Spanned};

impl Interpreter {
    /// The key a reference means; a name must have been declared.
    pub fn resolve(&self, source: &Source, service: Option<&Spanned<SvcRef>>) -> Result<ServiceKey, Failure> {
        let Some(service) = service else {
            let d = Diagnostic::error(
                "lvs::check::no-service",
                "a backend needs its service",
                Span::default(),
                "",
            );
            return Err(Failure::script(source, d));
        };
        let name = match &service.value {
            SvcRef::Key(key) => return Ok(*key),
            SvcRef::Name(name) => name,
        };
        self.session.resolve(&service.value).ok_or_else(|| {
            let mut d = Diagnostic::error(
                "lvs::check::unknown-service",
                format!("no service is named `{name}`"),
                service.span,
                "not declared before this line",
            );
            let known: Vec<&str> = self.session.names().collect();
            d.help = Some(match suggest(name, known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "declare it first: `service NAME tcp ADDR:PORT ...`, or name it by address (`tcp ADDR:PORT`)"
                    .into(),
            });
            Failure::script(source, d)
        })
    }
}

impl Interpreter {
    /// `health` in a run: a declaration for `lvsh keep`, which reads it
    /// from the files; here its service must be known, as for any statement.
    pub(super) fn declare_health(
        &mut self,
        source: &Source,
        health: &crate::lang::ast::HealthStmt,
    ) -> Result<(), Failure> {
        self.resolve(source, Some(&health.service)).map(drop)
    }
}
