//! `help`: the overview, or one command (exec.rs lists the Rhai functions,
//! which only `crate::script` knows); `describe`: the topics, or one.

use super::failure::script_failure;
use super::{Failure, Interpreter};
use crate::lang::source::{Source, Spanned};
use crate::render::help;

impl Interpreter {
    /// `help` or `help COMMAND`.
    pub(super) fn help(&mut self, source: &Source, name: Option<&Spanned<String>>) -> Result<(), Failure> {
        let Some(name) = name else {
            return self.write(&if self.json { help::overview_json() } else { help::overview() });
        };
        match crate::lang::command::find(&name.value) {
            Some(c) => self.write(&if self.json { help::command_json(c) } else { help::command(c) }),
            None => Err(script_failure(source, name.span, &format!("no command `{}`", name.value))),
        }
    }

    /// `describe` or `describe TOPIC`.
    pub(super) fn describe(
        &mut self,
        source: &Source,
        topic: Option<&Spanned<String>>,
    ) -> Result<(), Failure> {
        use crate::render::describe;
        let Some(word) = topic else {
            return self.write(&if self.json { describe::overview_json() } else { describe::overview() });
        };
        match crate::lang::describe::find(&word.value) {
            Some(t) => self.write(&if self.json { describe::topic_json(t) } else { describe::topic(t) }),
            None => Err(script_failure(source, word.span, &format!("no topic `{}`", word.value))),
        }
    }
}
