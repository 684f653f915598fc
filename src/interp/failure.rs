//! Why a run stopped: a diagnostic, the source it points into, and the
//! kind of failure, from which the command line picks its exit code.

use super::interrupt::Signal;
use crate::ipvs::KernelError;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{ReadError, Source, Span, Spanned};

/// Why a run stopped, and where.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The source the diagnostic points into.
    pub source: Source,
    pub diagnostic: Box<Diagnostic>,
    pub kind: FailureKind,
}

/// What kind of failure, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The script is wrong (a name never declared, a file that does not parse): exit 2.
    Script,
    /// The kernel refused an operation: exit 3.
    Refused,
    /// The environment: no IPVS, no permission, no file: exit 4.
    Environment,
    /// An `expect` did not hold: exit 1 at the end of the run, which goes on.
    Expectation,
    /// A signal stopped the run, which was rolled back: exit 128 + its number.
    Interrupted(Signal),
}

impl Failure {
    /// A failure of the given kind at `diagnostic`, which points into `source`.
    pub fn new(kind: FailureKind, source: &Source, diagnostic: Diagnostic) -> Failure {
        Failure { source: source.clone(), diagnostic: Box::new(diagnostic), kind }
    }

    /// The script is wrong.
    pub fn script(source: &Source, diagnostic: Diagnostic) -> Failure {
        Failure::new(FailureKind::Script, source, diagnostic)
    }

    /// The kernel refused an operation.
    pub fn refused(source: &Source, diagnostic: Diagnostic) -> Failure {
        Failure::new(FailureKind::Refused, source, diagnostic)
    }

    /// The environment is missing something (IPVS, a permission, a file).
    pub fn environment(source: &Source, diagnostic: Diagnostic) -> Failure {
        Failure::new(FailureKind::Environment, source, diagnostic)
    }

    /// An `expect` did not hold.
    pub fn expectation(source: &Source, diagnostic: Diagnostic) -> Failure {
        Failure::new(FailureKind::Expectation, source, diagnostic)
    }
}

/// The failure for a kernel error at a statement: the environment's when
/// IPVS or the namespace cannot be reached, a refusal otherwise.
pub fn kernel_failure(source: &Source, span: Span, error: KernelError, code: &'static str) -> Failure {
    let environmental = matches!(
        error,
        KernelError::IpvsMissing
            | KernelError::PermissionDenied { .. }
            | KernelError::NoSuchNamespace { .. }
            | KernelError::Namespace { .. }
            | KernelError::Io { .. }
            | KernelError::Unreachable { .. }
            | KernelError::NoAnswer { .. }
    );
    let mut diagnostic = Diagnostic::error(code, error.to_string(), span, "");
    diagnostic.help = error.help();
    match environmental {
        true => Failure::environment(source, diagnostic),
        false => Failure::refused(source, diagnostic),
    }
}

/// The kernel refused a change a statement asked for.
pub(super) fn refusal(source: &Source, span: Span, error: KernelError) -> Failure {
    kernel_failure(source, span, error, "lvs::kernel::refused")
}

/// A file `source` or `restore` cannot read (exit 4), or that is not text (exit 2).
pub(super) fn read_failure(source: &Source, path: &Spanned<String>, e: ReadError) -> Failure {
    match e {
        ReadError::Io(e) => file_failure(source, path, "read", e),
        ReadError::NotUtf8 { .. } => {
            let message = format!("cannot read `{}`: {e}", path.value);
            Failure::script(
                source,
                file_diagnostic("lvs::io::not-utf8", message, path, "save the script as UTF-8 text"),
            )
        }
    }
}

/// The run stopped at `span` because `signal` came.
pub(super) fn interrupted(source: &Source, span: Span, signal: Signal) -> Failure {
    let d = Diagnostic::error(
        "lvs::run::interrupted",
        format!("interrupted by {}", signal.name()),
        span,
        "stopped here",
    );
    Failure::new(FailureKind::Interrupted(signal), source, d)
}

/// A file a statement names cannot be read or written.
pub(super) fn file_failure(
    source: &Source,
    path: &Spanned<String>,
    action: &str,
    e: std::io::Error,
) -> Failure {
    let message = format!("cannot {action} `{}`: {e}", path.value);
    Failure::environment(
        source,
        file_diagnostic("lvs::io::file", message, path, "check the path and its permissions"),
    )
}

/// The error at the path a statement names.
fn file_diagnostic(code: &'static str, message: String, path: &Spanned<String>, help: &str) -> Diagnostic {
    Diagnostic::error(code, message, path.span, "this file").with_help(help)
}

/// A statement lvsh cannot run as written.
pub(super) fn script_failure(source: &Source, span: Span, message: &str) -> Failure {
    let d = Diagnostic::error("lvs::check::unsupported", message.to_string(), span, "");
    Failure::script(source, d)
}
