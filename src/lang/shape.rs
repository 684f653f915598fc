//! Command shapes: the syntax lines of [`super::command`] compiled into
//! patterns, and a walker that says, after the words typed so far, what may
//! come next. Completion, hints and highlighting ask it; it knows words,
//! not the kernel.
//!
//! Pattern language: `[x]` optional, `x...` one or more, `[x]...` any
//! number, `(a | b)` either, lowercase words are keywords, UPPERCASE names
//! are placeholders or fragments.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use super::command::{self, Value, COMMAND_HELP};
use super::parse::Nodes;

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pat {
    /// A keyword; `offered` is false for the protocol words of a service
    /// reference, whose completions offer the whole `tcp ADDR:PORT`.
    Word {
        text: &'static str,
        offered: bool,
    },
    Value {
        name: &'static str,
        value: Value,
    },
    Seq(Vec<Pat>),
    Alt(Vec<Pat>),
    Opt(Box<Pat>),
    /// Zero or more; the body always takes at least one word.
    Many(Box<Pat>),
}

/// What may come next, and what the words before it said about the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub atom: Atom,
    pub ctx: Ctx,
}

/// One thing that may come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Word {
        text: &'static str,
        offered: bool,
    },
    Value {
        name: &'static str,
        value: Value,
    },
    /// ipvsadm's arguments, with the words given so far.
    Ipvsadm(Vec<String>),
}

/// The service the words so far named, for the backends that may follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The protocol word just read (`tcp`, `udp`, `sctp`, `fwmark`).
    pub proto: Option<&'static str>,
    pub service: Option<SvcSel>,
}

/// A service as the line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcSel {
    Name(String),
    Inet { proto: &'static str, addr: String },
    Fwmark { mark: String, ipv6: bool },
}

/// The outcome of walking a statement's words.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Walk {
    /// What may come next, in pattern order (duplicates removed).
    pub expected: Vec<Expected>,
    /// Whether the words already make a whole statement.
    pub complete: bool,
    /// Whether any reading took every word (false: a word does not fit).
    pub fits: bool,
}

/// The compiled shapes, the keywords of each command, built once.
struct Shapes {
    commands: HashMap<&'static str, (Pat, HashSet<&'static str>)>,
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let mut commands = HashMap::new();
        for c in COMMAND_HELP {
            // A syntax that does not compile leaves the command without
            // completion; the host tests compile every one.
            let pat = compile(c.syntax).map(|p| strip_name(p, c.name)).unwrap_or(Pat::Seq(Vec::new()));
            let mut words = HashSet::new();
            keywords(&pat, &mut words);
            for name in std::iter::once(c.name).chain(c.aliases.iter().copied()) {
                commands.insert(name, (pat.clone(), words.clone()));
            }
        }
        Shapes { commands }
    })
}

/// The pattern of what follows a command's name.
fn strip_name(pat: Pat, name: &str) -> Pat {
    match pat {
        Pat::Seq(mut items) if matches!(items.first(), Some(Pat::Word { text, .. }) if *text == name) => {
            items.remove(0);
            Pat::Seq(items)
        }
        Pat::Word { text, .. } if text == name => Pat::Seq(Vec::new()),
        other => other,
    }
}

/// The keywords a command's pattern holds (they are never values).
fn keywords(pat: &Pat, out: &mut HashSet<&'static str>) {
    match pat {
        Pat::Word { text, .. } => {
            out.insert(text);
        }
        Pat::Value { .. } => {}
        Pat::Seq(items) | Pat::Alt(items) => items.iter().for_each(|p| keywords(p, out)),
        Pat::Opt(p) | Pat::Many(p) => keywords(p, out),
    }
}

/// Compiles a syntax line; fragments are expanded.
pub fn compile(syntax: &'static str) -> Result<Pat, String> {
    let tokens = tokenize(syntax);
    let mut parser = Compiler { tokens, at: 0, quiet: false, depth: 0 };
    let pat = parser.alt()?;
    match parser.tokens.get(parser.at) {
        None => Ok(pat),
        Some(t) => Err(format!("unexpected `{t}` in `{syntax}`")),
    }
}

/// Splits a syntax line: brackets, parentheses and bars are tokens of their own.
fn tokenize(syntax: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in syntax.char_indices() {
        let single = matches!(c, '[' | ']' | '(' | ')' | '|');
        if c.is_whitespace() || single {
            if let Some(s) = start.take() {
                out.push(&syntax[s..i]);
            }
            if single {
                out.push(&syntax[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&syntax[s..]);
    }
    // `]...` and `)...`: the dots follow a closing token as their own word.
    out
}

struct Compiler {
    tokens: Vec<&'static str>,
    at: usize,
    /// Inside SERVICE: protocol words are matched but not offered.
    quiet: bool,
    depth: usize,
}

impl Compiler {
    fn peek(&self) -> Option<&'static str> {
        self.tokens.get(self.at).copied()
    }

    fn alt(&mut self) -> Result<Pat, String> {
        let mut choices = vec![self.seq()?];
        while self.peek() == Some("|") {
            self.at += 1;
            choices.push(self.seq()?);
        }
        Ok(if choices.len() == 1 { choices.remove(0) } else { Pat::Alt(choices) })
    }

    fn seq(&mut self) -> Result<Pat, String> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            if matches!(t, "|" | "]" | ")") {
                break;
            }
            items.push(self.item()?);
        }
        match items.len() {
            0 => Err("an empty choice".to_string()),
            1 => Ok(items.remove(0)),
            _ => Ok(Pat::Seq(items)),
        }
    }

    fn item(&mut self) -> Result<Pat, String> {
        let Some(t) = self.peek() else { return Err("unexpected end".into()) };
        self.at += 1;
        let (pat, optional) = match t {
            "[" => (self.group("]")?, true),
            "(" => (self.group(")")?, false),
            _ => {
                let (word, dots) = match t.strip_suffix("...") {
                    Some(w) => (w, true),
                    None => (t, false),
                };
                let pat = self.atom(word)?;
                return Ok(if dots { Pat::Seq(vec![pat.clone(), many(pat)?]) } else { pat });
            }
        };
        let dots = self.peek() == Some("...");
        if dots {
            self.at += 1;
        }
        match (optional, dots) {
            (true, true) => many(pat),
            (true, false) => Ok(Pat::Opt(Box::new(pat))),
            (false, true) => Ok(Pat::Seq(vec![pat.clone(), many(pat)?])),
            (false, false) => Ok(pat),
        }
    }

    fn group(&mut self, close: &str) -> Result<Pat, String> {
        let pat = self.alt()?;
        if self.peek() != Some(close) {
            return Err(format!("expected `{close}`"));
        }
        self.at += 1;
        Ok(pat)
    }

    fn atom(&mut self, word: &'static str) -> Result<Pat, String> {
        let is_name = word.starts_with(|c: char| c.is_ascii_uppercase());
        if !is_name {
            let offered = !(self.quiet && ["tcp", "udp", "sctp", "fwmark"].contains(&word));
            return Ok(Pat::Word { text: word, offered });
        }
        if let Some((value, _)) = command::placeholder(word) {
            return Ok(Pat::Value { name: word, value });
        }
        let Some(pattern) = command::fragment(word) else { return Err(format!("unknown name `{word}`")) };
        if self.depth > 4 {
            return Err(format!("fragment `{word}` nests too deep"));
        }
        let mut inner = Compiler {
            tokens: tokenize(pattern),
            at: 0,
            quiet: self.quiet || word == "SERVICE",
            depth: self.depth + 1,
        };
        let pat = inner.alt()?;
        if inner.at != inner.tokens.len() {
            return Err(format!("trailing words in fragment `{word}`"));
        }
        Ok(pat)
    }
}

/// `[x]...`: refused when `x` could take no word, which would never end.
fn many(pat: Pat) -> Result<Pat, String> {
    if nullable(&pat) {
        return Err("a repeated part must take at least one word".into());
    }
    Ok(Pat::Many(Box::new(pat)))
}

fn nullable(pat: &Pat) -> bool {
    match pat {
        Pat::Word { .. } | Pat::Value { .. } => false,
        Pat::Seq(items) => items.iter().all(nullable),
        Pat::Alt(items) => items.iter().any(nullable),
        Pat::Opt(_) | Pat::Many(_) => true,
    }
}

/// What may follow `words` (complete words of one statement, the command
/// first). An unknown command expects nothing; a word `nodes` knows reads
/// as `on` that node.
pub fn walk(words: &[String], nodes: Nodes) -> Walk {
    walk_within(words, nodes, 0, None)
}

/// Which words name a service, for a strict walk.
pub type KnownNames<'a> = &'a dyn Fn(&str) -> bool;

/// [`walk`], strictly, as abbreviations need it: as the last word, a
/// service reference takes only a name `known` knows (`service NAME`
/// still gives any new name), a scheduler only a scheduler lvsh knows, a
/// command only a command, so that a word fits as typed only where it
/// means itself.
pub fn walk_strict(words: &[String], nodes: Nodes, known: KnownNames<'_>) -> Walk {
    walk_within(words, nodes, 0, Some(known))
}

/// [`walk`] inside `depth` `explain`s: deeper than the parser allows fits nothing.
fn walk_within(words: &[String], nodes: Nodes, depth: usize, known: Option<KnownNames<'_>>) -> Walk {
    if depth > super::parse::MAX_EXPLAIN_DEPTH {
        return Walk::default();
    }
    let Some((first, rest)) = words.split_first() else {
        return Walk { expected: Vec::new(), complete: true, fits: true };
    };
    let commands = &shapes().commands;
    let (pat, reserved, rest) = match commands.get(first.as_str()) {
        Some((pat, reserved)) => (pat, reserved, rest),
        // `int1 nc -l ...`: a lab node's name is `on` that node.
        None if nodes(first) => match commands.get("on") {
            Some((pat, reserved)) => (pat, reserved, words),
            None => return Walk::default(),
        },
        None => return Walk::default(),
    };
    // `service NAME`: the one place a name is given rather than referred to.
    let declares = first == "service";
    let mut walker = Walker {
        words: rest,
        reserved,
        nodes,
        depth,
        known,
        declares,
        walk: Walk::default(),
        budget: 20_000,
    };
    walker.step(vec![pat], 0, Ctx::default());
    walker.walk
}

/// The words that name a block's service, from its `service` line:
/// `tcp ADDR:PORT` or `fwmark MARK [ipv6]`.
pub fn block_service(service_line: &[String]) -> Vec<String> {
    let Some(at) = service_line.iter().position(|w| ["tcp", "udp", "sctp", "fwmark"].contains(&w.as_str()))
    else {
        return Vec::new();
    };
    let take = match (service_line[at].as_str(), service_line.get(at + 2).map(String::as_str)) {
        ("fwmark", Some("ipv6")) => 3,
        _ => 2,
    };
    service_line[at..(at + take).min(service_line.len())].to_vec()
}

/// Whether a command (or alias) has a shape.
pub fn is_command(word: &str) -> bool {
    shapes().commands.contains_key(word)
}

/// The keywords of a command's shape.
pub fn command_keywords(command: &str) -> Option<&'static HashSet<&'static str>> {
    shapes().commands.get(command).map(|(_, k)| k)
}

struct Walker<'a> {
    words: &'a [String],
    reserved: &'a HashSet<&'static str>,
    nodes: Nodes,
    /// How many `explain`s this walk is inside.
    depth: usize,
    /// A strict walk's known service names ([`walk_strict`]).
    known: Option<KnownNames<'a>>,
    /// The statement is `service`, whose first word may be a new name.
    declares: bool,
    walk: Walk,
    /// Bounds the work on pathological lines.
    budget: usize,
}

impl<'a> Walker<'a> {
    /// `stack` holds what is left to match, the next item last.
    fn step(&mut self, mut stack: Vec<&'a Pat>, at: usize, ctx: Ctx) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let Some(top) = stack.pop() else {
            if at == self.words.len() {
                self.walk.complete = true;
                self.walk.fits = true;
            }
            return;
        };
        match top {
            Pat::Word { text, offered } => match self.words.get(at) {
                None => self.expect(Atom::Word { text, offered: *offered }, ctx),
                Some(w) if w == text => {
                    let ctx = ctx.after_word(text);
                    self.step(stack, at + 1, ctx)
                }
                Some(_) => {}
            },
            Pat::Value { name, value } => self.value(stack, at, ctx, name, *value),
            Pat::Seq(items) => {
                stack.extend(items.iter().rev());
                self.step(stack, at, ctx)
            }
            Pat::Alt(items) => {
                for item in items {
                    let mut s = stack.clone();
                    s.push(item);
                    self.step(s, at, ctx.clone());
                }
            }
            Pat::Opt(item) => {
                let mut s = stack.clone();
                s.push(item);
                self.step(s, at, ctx.clone());
                self.step(stack, at, ctx)
            }
            Pat::Many(item) => {
                let mut s = stack.clone();
                if at < self.words.len() {
                    s.push(top);
                }
                s.push(item);
                self.step(s, at, ctx.clone());
                self.step(stack, at, ctx)
            }
        }
    }

    fn value(&mut self, stack: Vec<&'a Pat>, at: usize, ctx: Ctx, name: &'static str, value: Value) {
        match value {
            Value::Ipvsadm => {
                self.expect(Atom::Ipvsadm(self.words[at.min(self.words.len())..].to_vec()), ctx);
                self.walk.complete = true;
                self.walk.fits = true;
                return;
            }
            Value::Line => {
                let rest = &self.words[at.min(self.words.len())..];
                let nested = walk_within(rest, self.nodes, self.depth + 1, self.known);
                if at >= self.words.len() {
                    self.expect(Atom::Value { name: "COMMAND", value: Value::Command }, ctx);
                    return;
                }
                self.walk.complete |= nested.complete;
                self.walk.fits |= nested.fits;
                for e in nested.expected {
                    self.expect(e.atom, e.ctx);
                }
                return;
            }
            _ => {}
        }
        let Some(word) = self.words.get(at) else { return self.expect(Atom::Value { name, value }, ctx) };
        if self.fits(value, word) && self.strictly_fits(value, word, at) {
            let ctx = ctx.after_value(value, word);
            self.step(stack, at + 1, ctx);
        }
    }

    fn expect(&mut self, atom: Atom, ctx: Ctx) {
        let e = Expected { atom, ctx };
        if !self.walk.expected.contains(&e) {
            self.walk.expected.push(e);
        }
    }

    /// In a strict walk, whether a word that fits a value is that value.
    /// Only the last word is judged: the words before it are settled.
    fn strictly_fits(&self, value: Value, word: &str, at: usize) -> bool {
        let Some(known) = self.known else { return true };
        if at + 1 != self.words.len() {
            return true;
        }
        match value {
            Value::ServiceName => (self.declares && at == 0) || known(word),
            Value::Scheduler => crate::ipvs::Scheduler::KNOWN.contains(&word),
            Value::Command => is_command(word),
            _ => true,
        }
    }

    /// Whether a typed word can be this value. Names never take a keyword.
    fn fits(&self, value: Value, word: &str) -> bool {
        let ident = || crate::lang::parse::is_ident(word) && !self.reserved.contains(word);
        match value {
            Value::ServiceName | Value::Name => {
                ident() && !["tcp", "udp", "sctp", "fwmark"].contains(&word) && !is_command(word)
            }
            Value::Scheduler => ident(),
            Value::Vip | Value::Backend => word.parse::<SocketAddr>().is_ok(),
            Value::Mark | Value::Number => !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()),
            Value::Percent => {
                let digits = word.trim_end_matches('%');
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Value::Duration => {
                let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                digits.parse::<f64>().is_ok()
            }
            Value::Addr => word.parse::<IpAddr>().is_ok(),
            Value::UrlPath => word.starts_with('/'),
            Value::Lesson => !word.starts_with('-'),
            Value::Topic => crate::lang::describe::find(word).is_some(),
            Value::Node | Value::File | Value::Command | Value::Flags | Value::Word => true,
            Value::Line | Value::Ipvsadm => true,
        }
    }
}

impl Ctx {
    fn after_word(mut self, word: &'static str) -> Ctx {
        match word {
            "tcp" | "udp" | "sctp" | "fwmark" => self.proto = Some(word),
            "ipv6" => {
                if let Some(SvcSel::Fwmark { ipv6, .. }) = &mut self.service {
                    *ipv6 = true;
                }
            }
            _ => {}
        }
        self
    }

    fn after_value(mut self, value: Value, word: &str) -> Ctx {
        match value {
            Value::ServiceName => self.service = Some(SvcSel::Name(word.to_string())),
            Value::Vip => {
                let proto = self.proto.unwrap_or("tcp");
                self.service = Some(SvcSel::Inet { proto, addr: word.to_string() });
            }
            Value::Mark => self.service = Some(SvcSel::Fwmark { mark: word.to_string(), ipv6: false }),
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lab's node names, as the lab gives them to the shell.
    fn lab_nodes(word: &str) -> bool {
        ["ext1", "ext2", "gw", "int1", "int2"].contains(&word)
    }

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    fn next_words(line: &str) -> Vec<&'static str> {
        walk(&words(line), lab_nodes)
            .expected
            .iter()
            .filter_map(|e| match e.atom {
                Atom::Word { text, offered: true } => Some(text),
                Atom::Value { name, .. } => Some(name),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_syntax_compiles() {
        for c in COMMAND_HELP {
            compile(c.syntax).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        }
        for (name, pattern) in command::FRAGMENTS {
            compile(pattern).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn brackets_dots_and_bars_compile_to_the_pattern() {
        let word = |text| Pat::Word { text, offered: true };
        let n = Pat::Value { name: "N", value: Value::Number };
        assert_eq!(
            compile("a [b]... (c | N...)").unwrap(),
            Pat::Seq(vec![
                word("a"),
                Pat::Many(Box::new(word("b"))),
                Pat::Alt(vec![word("c"), Pat::Seq(vec![n.clone(), Pat::Many(Box::new(n))])]),
            ])
        );
        assert!(compile("a NOSUCH").is_err());
        assert!(compile("a [b").is_err());
        assert!(compile("[[a]]...").is_err(), "a repeated part that can be empty never ends");
    }

    #[test]
    fn after_del_come_service_and_backend() {
        assert_eq!(next_words("del"), ["service", "backend"]);
        assert_eq!(next_words("delete"), ["service", "backend"]);
    }

    #[test]
    fn a_service_reference_expects_a_name_and_hides_the_protocol_words() {
        assert_eq!(next_words("del service"), ["NAME"]);
        assert_eq!(next_words("del service tcp"), ["VIP"]);
        assert_eq!(next_words("del service fwmark"), ["MARK"]);
    }

    #[test]
    fn the_backend_slot_knows_its_service() {
        let walk = walk(&words("del backend tcp 111.111.0.1:80"), lab_nodes);
        let e = &walk.expected[0];
        assert_eq!(e.atom, Atom::Value { name: "BACKEND", value: Value::Backend });
        assert_eq!(e.ctx.service, Some(SvcSel::Inet { proto: "tcp", addr: "111.111.0.1:80".into() }));
        let named = super::walk(&words("set backend web"), lab_nodes);
        assert_eq!(named.expected[0].ctx.service, Some(SvcSel::Name("web".into())));
    }

    #[test]
    fn options_repeat_and_a_keyword_is_never_a_name() {
        let after = next_words("backend web 10.0.0.1:80 masq");
        assert!(after.contains(&"weight") && after.contains(&"tunnel"), "{after:?}");
        assert_eq!(next_words("backend web 10.0.0.1:80 weight"), ["N"]);
        assert!(!walk(&words("del service flush"), lab_nodes).fits);
    }

    #[test]
    fn a_whole_statement_is_complete() {
        assert!(walk(&words("flush"), lab_nodes).complete);
        assert!(!walk(&words("del service"), lab_nodes).complete);
        assert!(walk(&words("show web --stats"), lab_nodes).complete);
        assert!(!walk(&words("frobnicate"), lab_nodes).fits);
    }

    #[test]
    fn a_lab_node_name_reads_as_on_that_node() {
        assert!(walk(&words("int1 nc -l -p 8000"), lab_nodes).complete);
    }

    #[test]
    fn explain_walks_the_line_it_explains() {
        assert!(next_words("explain").contains(&"COMMAND"));
        assert_eq!(next_words("explain del"), ["service", "backend"]);
        assert!(walk(&words("explain flush"), lab_nodes).complete);
    }

    #[test]
    fn ipvsadm_takes_the_rest_of_the_line() {
        let walk = walk(&words("ipvsadm -A -t"), lab_nodes);
        assert_eq!(walk.expected[0].atom, Atom::Ipvsadm(words("-A -t")));
    }

    #[test]
    fn every_example_fits_its_syntax() {
        for c in COMMAND_HELP {
            // Blanks only: `script { ... }` keeps its braces as words here.
            let words: Vec<String> = c.example.split_whitespace().map(str::to_string).collect();
            let walk = walk(&words, lab_nodes);
            assert!(walk.complete, "{}: `{}` does not fit `{}`", c.name, c.example, c.syntax);
        }
    }
}
