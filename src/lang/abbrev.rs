//! Unique prefixes: `sh` is `show`, `show co` is `show connections`,
//! `lab u` is `lab up`. The shell and `-c` expand what was typed to full
//! words before parsing, so everything after (the printer, the history,
//! `explain`, the crash record) sees only full words. Files are read as
//! written: a script is read again later, by people, and its words stay
//! whole.
//!
//! A prefix is expanded only where the shapes ([`super::shape`]) know
//! every word that may come: the command word, keywords, options and
//! `help`'s command. A word that already means something there (a known
//! service's name, a scheduler, a value) is left alone, and a text that
//! parses and checks as typed is never touched: a prefix cannot change the
//! meaning of a line that already worked.

use std::ops::Range;

use super::command::{Value, COMMAND_HELP};
use super::diagnostic::Diagnostic;
use super::keywords;
use super::parse::{is_ident, Nodes};
use super::shape::{block_service, walk, walk_strict, Atom};
use super::source::{Source, Span};
use super::token::{tokens, TokenKind};

/// The diagnostic code of a prefix that begins more than one word.
pub const AMBIGUOUS: &str = "lvs::parse::ambiguous-word";

/// A text with every unique prefix written out, or an error for each
/// prefix that begins several words. `known` holds the service names the
/// session gave (names the text gives count from their line on).
pub fn expand(text: &str, nodes: Nodes, known: &[String]) -> Result<String, Vec<Diagnostic>> {
    if parses_as_typed(text, nodes, known) {
        return Ok(text.to_string());
    }
    let mut expander = Expander { nodes, known: known.to_vec(), edits: Vec::new(), errors: Vec::new() };
    expander.text(text);
    if !expander.errors.is_empty() {
        return Err(expander.errors);
    }
    let mut out = text.to_string();
    for (span, word) in expander.edits.iter().rev() {
        out.replace_range(span.clone(), word);
    }
    Ok(out)
}

/// Whether the text parses and checks with no error as it was typed.
fn parses_as_typed(text: &str, nodes: Nodes, known: &[String]) -> bool {
    let (script, diagnostics) = super::parse::parse_script(&Source::new("-", text), nodes);
    let errors = diagnostics.iter().chain(&super::check::check(&script, known)).any(Diagnostic::is_error);
    !errors
}

/// A typed word of a statement: its text, where it is, and whether it is quoted.
struct Typed {
    text: String,
    span: Range<usize>,
    quoted: bool,
}

/// What a `{` opened.
enum Frame {
    /// A service's block: the words of its `service` line.
    Service(Vec<String>),
    /// Rhai: nothing in it is a keyword.
    Script,
    Other,
}

/// What became of one word.
enum Outcome {
    Keep,
    Expand(String),
    /// The words it begins, each with its one line.
    Ambiguous(Vec<(String, &'static str)>),
}

struct Expander {
    nodes: Nodes,
    /// The session's names, and those the text gave so far.
    known: Vec<String>,
    edits: Vec<(Range<usize>, String)>,
    errors: Vec<Diagnostic>,
}

impl Expander {
    fn text(&mut self, text: &str) {
        let mut frames: Vec<Frame> = Vec::new();
        let mut words: Vec<Typed> = Vec::new();
        for t in tokens(text) {
            let inert = frames.iter().any(|f| matches!(f, Frame::Script));
            match t.kind {
                TokenKind::Word | TokenKind::Str { .. } => words.push(Typed {
                    text: text[t.span.clone()].to_string(),
                    quoted: t.kind != TokenKind::Word,
                    span: t.span,
                }),
                TokenKind::Comment => {}
                TokenKind::End | TokenKind::Close => {
                    let taken = std::mem::take(&mut words);
                    if !inert {
                        self.statement(&taken, block(&frames));
                    }
                    if t.kind == TokenKind::Close {
                        frames.pop();
                    }
                }
                TokenKind::Open => {
                    let taken = std::mem::take(&mut words);
                    let full = match inert {
                        true => Vec::new(),
                        false => self.statement(&taken, block(&frames)),
                    };
                    frames.push(match full.first().map(String::as_str) {
                        _ if inert => Frame::Other,
                        Some("service") => Frame::Service(full),
                        Some("script") => Frame::Script,
                        _ => Frame::Other,
                    });
                }
            }
        }
        if !frames.iter().any(|f| matches!(f, Frame::Script)) {
            self.statement(&words, block(&frames));
        }
    }

    /// Expands one statement's words; returns them as they now read.
    fn statement(&mut self, typed: &[Typed], block: Option<&[String]>) -> Vec<String> {
        let mut full: Vec<String> = typed.iter().map(|w| w.text.clone()).collect();
        if typed.is_empty() || self.fits(&walked(&full, block)) {
            self.learn(&full);
            return full;
        }
        for (at, word) in typed.iter().enumerate() {
            if word.quoted {
                continue;
            }
            let outcome = match at {
                0 => self.first(&word.text, block.is_some()),
                _ => self.next(&walked(&full[..at], block), &word.text),
            };
            match outcome {
                Outcome::Keep => {}
                Outcome::Expand(to) => {
                    self.edits.push((word.span.clone(), to.clone()));
                    full[at] = to;
                }
                Outcome::Ambiguous(choices) => {
                    self.errors.push(ambiguous(&word.text, &word.span, &choices));
                    return full;
                }
            }
        }
        self.learn(&full);
        full
    }

    /// Whether whole words make a statement, strictly.
    fn fits(&self, words: &[String]) -> bool {
        let known = |w: &str| self.known.iter().any(|k| k == w);
        walk_strict(words, self.nodes, &known).complete
    }

    /// `service NAME ...` gives a name the lines after it may use.
    fn learn(&mut self, full: &[String]) {
        if let [first, name, ..] = full {
            let keyword = ["tcp", "udp", "sctp", "fwmark"].contains(&name.as_str());
            if first == "service" && is_ident(name) && !keyword {
                self.known.push(name.clone());
            }
        }
    }

    /// The command word (or, in a service's block, `backend`).
    fn first(&self, word: &str, in_block: bool) -> Outcome {
        if in_block {
            return match word != "backend" && "backend".starts_with(word) {
                true => Outcome::Expand("backend".to_string()),
                false => Outcome::Keep,
            };
        }
        if super::command::find(word).is_some() || (self.nodes)(word) {
            return Outcome::Keep;
        }
        decide(commands_from(word))
    }

    /// A word after `before` (whole words, the command first).
    fn next(&self, before: &[String], word: &str) -> Outcome {
        let known = |w: &str| self.known.iter().any(|k| k == w);
        let mut with = before.to_vec();
        with.push(word.to_string());
        let as_typed = walk_strict(&with, self.nodes, &known);
        if as_typed.complete || !as_typed.expected.is_empty() {
            return Outcome::Keep;
        }
        let command = before.first().map_or("", String::as_str);
        let mut choices = Vec::new();
        // The words before are settled: any reading of them will do.
        for e in walk(before, self.nodes).expected {
            match e.atom {
                Atom::Word { text, .. } if text.starts_with(word) => {
                    choices.push((text.to_string(), keywords::keyword(command, text).unwrap_or("")))
                }
                Atom::Value { value: Value::Command, .. } => choices.extend(commands_from(word)),
                Atom::Ipvsadm(_) => return Outcome::Keep,
                _ => {}
            }
        }
        choices.sort();
        choices.dedup_by(|a, b| a.0 == b.0);
        decide(choices)
    }
}

/// The words a statement's shape is walked with: in a service's block,
/// `backend ADDR ...` reads as `backend SERVICE ADDR ...`.
fn walked(full: &[String], block: Option<&[String]>) -> Vec<String> {
    match (block, full.split_first()) {
        (Some(line), Some((first, rest))) => {
            let mut words = vec![first.clone()];
            words.extend(block_service(line));
            words.extend(rest.iter().cloned());
            words
        }
        _ => full.to_vec(),
    }
}

/// The service line of the innermost block, if it is a service's.
fn block(frames: &[Frame]) -> Option<&[String]> {
    match frames.last() {
        Some(Frame::Service(line)) => Some(line),
        _ => None,
    }
}

/// The commands a word begins (by name or alias), each once: its name,
/// or the alias the word begins when only that does.
fn commands_from(word: &str) -> Vec<(String, &'static str)> {
    COMMAND_HELP
        .iter()
        .filter_map(|c| {
            let spelled =
                std::iter::once(c.name).chain(c.aliases.iter().copied()).find(|n| n.starts_with(word))?;
            Some((spelled.to_string(), c.summary))
        })
        .collect()
}

fn decide(mut choices: Vec<(String, &'static str)>) -> Outcome {
    choices.sort();
    match choices.len() {
        0 => Outcome::Keep,
        1 => Outcome::Expand(choices.remove(0).0),
        _ => Outcome::Ambiguous(choices),
    }
}

/// The error for a prefix of several words: each, with its one line.
fn ambiguous(word: &str, span: &Range<usize>, choices: &[(String, &'static str)]) -> Diagnostic {
    let names: Vec<String> = choices.iter().map(|(w, _)| format!("`{w}`")).collect();
    let message = format!("`{word}` is ambiguous: it begins {}", join_or(&names));
    let mut d = Diagnostic::error(
        AMBIGUOUS,
        message,
        Span::new(span.start, span.end),
        "more than one word begins so",
    )
    .with_help("type more of the word, enough to tell them apart");
    let width = choices.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    for (w, line) in choices {
        d = d.with_note(format!("{w:width$}  {line}").trim_end().to_string());
    }
    d
}

/// "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_nodes(word: &str) -> bool {
        ["ext1", "ext2", "gw", "int1", "int2"].contains(&word)
    }

    fn full(text: &str) -> String {
        expand(text, lab_nodes, &["web".to_string()]).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn refused(text: &str) -> Diagnostic {
        match expand(text, lab_nodes, &[]) {
            Ok(t) => panic!("`{text}` expanded to `{t}`"),
            Err(mut e) => e.remove(0),
        }
    }

    #[test]
    fn a_unique_prefix_of_a_command_is_the_command() {
        assert_eq!(full("sh"), "show");
        assert_eq!(full("hel"), "help");
        assert_eq!(full("sho"), "show");
        assert_eq!(full("fl; sh --st"), "flush; show --stats");
        assert_eq!(full("dele service web"), "delete service web");
    }

    #[test]
    fn keywords_options_and_subcommands_expand() {
        assert_eq!(full("sh co"), "show connections");
        assert_eq!(full("show timeo"), "show timeouts");
        assert_eq!(full("lab u"), "lab up");
        assert_eq!(full("probe web cou 6 fr ext1"), "probe web count 6 from ext1");
        assert_eq!(full("del ba web 10.10.0.2:8000"), "del backend web 10.10.0.2:8000");
        assert_eq!(full("help sh"), "help show");
        assert_eq!(full("explain del se web"), "explain del service web");
    }

    #[test]
    fn an_ambiguous_prefix_lists_each_word_with_its_line() {
        let d = refused("ser int1 8000");
        assert_eq!(d.code, AMBIGUOUS);
        assert_eq!(d.message, "`ser` is ambiguous: it begins `serve` or `service`");
        assert_eq!((d.primary.span.start, d.primary.span.end), (0, 3));
        assert!(d.notes[0].starts_with("serve    a built-in backend"), "{:?}", d.notes);
        assert!(d.notes[1].starts_with("service  declare a virtual service"), "{:?}", d.notes);
        let d = refused("show web --t");
        assert_eq!(d.message, "`--t` is ambiguous: it begins `--thresholds` or `--tun-info`");
    }

    #[test]
    fn an_exact_word_wins_over_longer_words() {
        // `del` is a command and begins `delete` too; `stop` begins nothing longer.
        assert_eq!(full("del service web"), "del service web");
        assert_eq!(full("show web --stats"), "show web --stats");
    }

    #[test]
    fn values_are_never_expanded() {
        // A known name that begins a keyword stays the name.
        let known = ["co".to_string()];
        assert_eq!(expand("show co", lab_nodes, &known).unwrap(), "show co");
        // A name the text gives stays a name on the lines after it.
        let text = "service co tcp 1.2.3.4:80; show co";
        assert_eq!(expand(text, lab_nodes, &[]).unwrap(), text);
        // `service NAME` gives any name, even one that begins `tcp`.
        assert_eq!(full("service tc tcp 1.2.3.4:80"), "service tc tcp 1.2.3.4:80");
        // Schedulers, a node's words, quoted strings, ipvsadm's arguments, Rhai, comments.
        assert_eq!(full("service web tcp 1.2.3.4:80 sh"), "service web tcp 1.2.3.4:80 sh");
        assert_eq!(full("int1 nc -l -p 8000"), "int1 nc -l -p 8000");
        assert_eq!(full("echo sh; sh"), "echo sh; show");
        assert_eq!(full("probe web se \"sh\""), "probe web send \"sh\"");
        assert_eq!(full("ipvsadm -L -n; sh"), "ipvsadm -L -n; show");
        assert_eq!(full("script { sh }\nsh"), "script { sh }\nshow");
        assert_eq!(full("sh # sh co"), "show # sh co");
    }

    #[test]
    fn a_block_line_reads_with_its_service() {
        let text = "service web tcp 1.2.3.4:80 rr {\n  ba 10.0.0.1:80 ma\n}";
        assert_eq!(full(text), "service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80 masq\n}");
    }

    #[test]
    fn a_word_that_begins_nothing_is_left_for_the_parser() {
        assert_eq!(full("frobnicate"), "frobnicate");
        assert_eq!(full("show --nosuch"), "show --nosuch");
    }
}
