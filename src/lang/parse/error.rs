//! The parser's error: where it failed, what it expected, and a hint.

use nom::error::{ErrorKind, ParseError};

use super::In;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::Span;

/// A parse failure at a span of the input. Boxed: every parser's result
/// carries room for one, and a small result is cheaper to pass back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PError(Box<Failure>);

/// What a [`PError`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub span: Span,
    pub code: &'static str,
    pub message: String,
    /// What would have been accepted here, shown under the caret.
    pub expected: String,
    pub help: Option<String>,
    /// A related place (the first of an option given twice).
    pub also: Option<Box<(Span, String)>>,
}

impl PError {
    /// An error over `span`.
    pub fn new(
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) -> PError {
        PError(Box::new(Failure {
            span,
            code,
            message: message.into(),
            expected: expected.into(),
            help: None,
            also: None,
        }))
    }

    /// The same error with a hint.
    pub fn help(mut self, help: impl Into<String>) -> PError {
        self.0.help = Some(help.into());
        self
    }

    /// The same error, pointing also at a related place.
    pub fn also(mut self, span: Span, text: impl Into<String>) -> PError {
        self.0.also = Some(Box::new((span, text.into())));
        self
    }

    /// As a diagnostic.
    pub fn into_diagnostic(self) -> Diagnostic {
        let failure = *self.0;
        let mut diagnostic = Diagnostic::error(failure.code, failure.message, failure.span, failure.expected);
        if let Some(also) = failure.also {
            let (span, text) = *also;
            diagnostic.secondary.push(crate::lang::diagnostic::Label { span, text });
        }
        match failure.help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        }
    }
}

impl std::ops::Deref for PError {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl<'a> ParseError<In<'a>> for PError {
    fn from_error_kind(input: In<'a>, kind: ErrorKind) -> PError {
        let at = input.location_offset();
        PError::new("lvs::parse::syntax", Span::new(at, at + 1), format!("unexpected input ({kind:?})"), "")
    }

    fn append(_: In<'a>, _: ErrorKind, other: PError) -> PError {
        other
    }
}
