//! `?`: what may come next at the cursor, each with one line, as Junos
//! and seesaw list it. The listing prints above a fresh prompt that holds
//! the line as it was typed, cursor and all; the `?` itself is not
//! inserted. Inside a quoted string, a comment or a Rhai block, `?` is
//! just a character.

use std::sync::{Arc, Mutex};

use rustyline::{Cmd, ConditionalEventHandler, Event, EventContext, ExternalPrinter, RepeatCount};

use super::complete::statement_words;
use super::cursor::cursor;
use crate::lang::command::placeholder;
use crate::lang::keywords;
use crate::lang::shape::{walk, Atom};
use crate::lang::token::{tokens, TokenKind};

/// What may come after `text` (the text up to the cursor), each with its
/// one line; none when a `?` there is just a character.
pub fn listing(text: &str) -> Option<Vec<(String, String)>> {
    let open_string = tokens(text)
        .last()
        .is_some_and(|t| t.kind == TokenKind::Str { closed: false } || (t.kind == TokenKind::Comment));
    let c = cursor(text);
    if c.inert || open_string || c.partial.starts_with('"') {
        return None;
    }
    let begins = |w: &str| w.starts_with(c.partial.as_str());
    let mut out: Vec<(String, String)> = Vec::new();
    if c.words.is_empty() && c.block.is_none() {
        out.extend(
            keywords::commands().filter(|(w, _)| begins(w)).map(|(w, l)| (w.to_string(), l.to_string())),
        );
        return Some(out);
    }
    let Some(words) = statement_words(&c) else {
        out.push(("}".to_string(), "close the block".to_string()));
        return Some(out);
    };
    if words.is_empty() {
        // The first word of a line in a service's block.
        for w in ["backend", "}"] {
            out.push((w.to_string(), keywords::keyword("service", w).unwrap_or_default().to_string()));
        }
        out.retain(|(w, _)| begins(w));
        return Some(out);
    }
    let command = words[0].as_str();
    let walked = walk(&words, crate::lab::Lab::is_node);
    for e in &walked.expected {
        let item = match &e.atom {
            Atom::Word { text, .. } if begins(text) => {
                Some((text.to_string(), keywords::keyword(command, text).unwrap_or_default().to_string()))
            }
            Atom::Word { .. } => None,
            // A value is listed only before its first letter is typed.
            _ if !c.partial.is_empty() => None,
            Atom::Value { name, .. } => Some((name.to_string(), meaning(name))),
            Atom::Ipvsadm(_) => Some(("IPVSADM-ARG".to_string(), meaning("IPVSADM-ARG"))),
        };
        if let Some(item) = item {
            if !out.contains(&item) {
                out.push(item);
            }
        }
    }
    if walked.complete && c.partial.is_empty() {
        out.push(("<Enter>".to_string(), "run the line as it is".to_string()));
    }
    Some(out)
}

fn meaning(name: &str) -> String {
    match name {
        // `explain`'s line begins with a command.
        "COMMAND" => "a command (`?` on an empty line lists them)".to_string(),
        _ => placeholder(name).map(|(_, m)| m.to_string()).unwrap_or_default(),
    }
}

/// The listing as the screen shows it: the line as typed with its `?`,
/// then one row per word, aligned; or a line saying nothing fits.
pub fn screen(prompt: &str, line: &str, items: &[(String, String)]) -> String {
    let mut out = format!("{prompt}{line}?\n");
    if items.is_empty() {
        out.push_str(
            "  nothing may come here: the line does not fit its command's syntax (`help COMMAND`)\n",
        );
        return out;
    }
    let width = items.iter().map(|(w, _)| w.chars().count()).max().unwrap_or(0);
    for (word, line) in items {
        out.push_str(format!("  {word:width$}  {line}").trim_end());
        out.push('\n');
    }
    out
}

/// What the handler needs from the shell: the prompt being shown and the
/// earlier lines of an open block.
#[derive(Debug, Default)]
pub struct Typing {
    pub prompt: String,
    pub pending: String,
}

/// The key handler bound to `?`.
pub struct Question<P: ExternalPrinter + Send> {
    pub typing: Arc<Mutex<Typing>>,
    pub printer: Mutex<P>,
}

impl<P: ExternalPrinter + Send> ConditionalEventHandler for Question<P> {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        let line = ctx.line();
        let before = line.get(..ctx.pos()).unwrap_or(line);
        let (prompt, pending) = match self.typing.lock() {
            Ok(t) => (t.prompt.clone(), t.pending.clone()),
            Err(_) => return None,
        };
        let items = listing(&format!("{pending}{before}"))?;
        let shown = screen(&prompt, line, &items);
        // The printer clears the line, prints, and draws the prompt and line again.
        let printed = self.printer.lock().ok().map(|mut p| p.print(shown));
        match printed {
            Some(Ok(())) => Some(Cmd::Noop),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        listing(text).expect("a listing").into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn an_empty_line_lists_every_command_with_its_summary() {
        let all = listing("").unwrap();
        assert_eq!(all.len(), crate::lang::command::COMMAND_HELP.len());
        assert_eq!(
            all[0],
            ("service".to_string(), keywords::command_summary("service").unwrap().to_string())
        );
        assert_eq!(words("se"), ["service", "set", "serve"]);
    }

    #[test]
    fn after_a_command_come_its_keywords_values_and_options() {
        let after_show = words("show ");
        for w in ["NAME", "tcp", "connections", "timeouts", "daemons", "--stats", "<Enter>"] {
            assert!(after_show.contains(&w.to_string()), "{w} in {after_show:?}");
        }
        let after_probe = listing("probe web ").unwrap();
        let count = after_probe.iter().find(|(w, _)| w == "count").expect("count");
        assert!(!count.1.is_empty());
        assert_eq!(words("show --st"), ["--stats"]);
        assert_eq!(words("del "), ["service", "backend"]);
    }

    #[test]
    fn in_a_string_a_comment_or_rhai_a_question_mark_is_a_character() {
        assert_eq!(listing("echo \"why"), None);
        assert_eq!(listing("show # why"), None);
        assert_eq!(listing("script { let x = "), None);
    }

    #[test]
    fn a_line_that_fits_nothing_says_so() {
        let shown = screen("> ", "frobnicate ", &listing("frobnicate ").unwrap());
        assert_eq!(
            shown,
            "> frobnicate ?\n  nothing may come here: the line does not fit its command's syntax (`help COMMAND`)\n"
        );
        let shown = screen("> ", "del ", &listing("del ").unwrap());
        assert_eq!(
            shown,
            "> del ?\n  service  a virtual service\n  backend  a backend (real server) of a service\n"
        );
    }
}
