//! The parser's error: where it failed, what it expected, and a hint.

use nom::error::{ErrorKind, ParseError};

use super::In;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::Span;

/// A parse failure at a span of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PError {
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
        PError { span, code, message: message.into(), expected: expected.into(), help: None, also: None }
    }

    /// The same error with a hint.
    pub fn help(mut self, help: impl Into<String>) -> PError {
        self.help = Some(help.into());
        self
    }

    /// The same error, pointing also at a related place.
    pub fn also(mut self, span: Span, text: impl Into<String>) -> PError {
        self.also = Some(Box::new((span, text.into())));
        self
    }

    /// As a diagnostic.
    pub fn into_diagnostic(self) -> Diagnostic {
        let mut diagnostic = Diagnostic::error(self.code, self.message, self.span, self.expected);
        if let Some(also) = self.also {
            let (span, text) = *also;
            diagnostic.secondary.push(crate::lang::diagnostic::Label { span, text });
        }
        match self.help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        }
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
