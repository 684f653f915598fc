//! `help`: the overview, or one command (exec.rs lists the Rhai functions,
//! which only `crate::script` knows).

use super::failure::script_failure;
use super::{Failure, Interpreter};
use crate::lang::source::{Source, Spanned};
use crate::render::help;

impl Interpreter {
    /// `help` or `help COMMAND`.
    pub(super) fn help(&mut self, source: &Source, name: Option<&Spanned<String>>) -> Result<(), Failure> {
        let Some(name) = name else { return self.write(&help::overview()) };
        match crate::lang::command::find(&name.value) {
            Some(c) => self.write(&help::command(c)),
            None => Err(script_failure(source, name.span, &format!("no command `{}`", name.value))),
        }
    }
}
