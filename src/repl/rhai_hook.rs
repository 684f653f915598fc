//! The `= EXPR` line: a Rhai expression or statement, evaluated with its
//! variables kept from one line to the next (issue 6).
//!
//! HOOK: Rhai is being built on its own branch (`crate::script`). Until it
//! lands, a `=` line says so and the shell goes on. To wire it up, keep the
//! Rhai engine and scope in [`RhaiLine`] (made once, on the first `=`
//! line) and evaluate `code` in them against `interp`, returning the
//! value's text.

use crate::interp::Interpreter;

/// The state `=` lines share: the Rhai scope, once Rhai lands.
#[derive(Debug, Default)]
pub struct RhaiLine;

impl RhaiLine {
    /// Evaluates one `=` line; `Ok` holds what to print, if anything.
    pub fn eval(&mut self, interp: &mut Interpreter, code: &str) -> Result<Option<String>, String> {
        let _ = (interp, code);
        Err("Rhai lines (`= EXPR`) are not available in this build yet".to_string())
    }
}
