//! Option tables: each statement's options are written once, as a table
//! beside the statement's parser. An entry gives the option's word, how its
//! value is read, its default, a line of help, an example value, its key in
//! Rhai's option maps, and how it sets and reads the statement's field. The
//! parser's option loop, the printer, `help`, completion, hints, the
//! "did you mean" suggestions, `grammar/lvs.ebnf` and Rhai's option maps all
//! read these tables (`tests/host/statements.rs` proves they agree).
//!
//! Adding an option is one entry here, the AST field it fills, and the code
//! that acts on it.

use std::net::IpAddr;
use std::time::Duration;

use super::lexeme::{bad, duration, next_word, node, number, unknown, word, word_or_string};
use super::{In, PResult};
use crate::ipvs::{Forward, Netmask, SchedFlags};
use crate::lang::source::{Span, Spanned};

/// How an option's value is written after its word.
#[derive(Clone, Copy)]
pub enum Kind {
    /// The word alone.
    Flag,
    /// A whole number in `min..=max`; `what` names it in messages.
    Number { placeholder: &'static str, what: &'static str, min: u64, max: u64 },
    /// The word alone, or with a number (`persistent [SECONDS]`).
    OptionalNumber { placeholder: &'static str, what: &'static str, min: u64, max: u64 },
    /// `500ms`, `2s`, `1.5s`, `1m`, or plain seconds.
    Duration,
    /// A word or a "quoted string", printed quoted; `what` says what, if it is missing.
    Text { what: &'static str },
    /// One plain word; `what` says what is expected.
    Word { placeholder: &'static str, what: &'static str },
    /// A network namespace: a lab node's name or a path.
    Node,
    /// The word alone, or with an HTTP path starting with `/`.
    OptionalPath,
    /// A value with a reader of its own (addresses, lists, tunnels).
    Custom {
        /// The value's syntax, as `help` shows it (`ADDR`, `[ipip | gre] ...`).
        syntax: &'static str,
        /// The value's production in `grammar/lvs.ebnf`.
        ebnf: &'static str,
        /// How Rhai writes it: several values become a comma list.
        list: bool,
        read: for<'a> fn(In<'a>) -> PResult<'a, Spanned<Val>>,
        print: fn(&Val) -> String,
    },
}

/// A value read for an option.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// The word alone (a flag, or an optional value left out).
    Flag,
    Number(u64),
    Duration(Duration),
    /// Text, a word, a node or a path.
    Text(String),
    Ip(IpAddr),
    Forward(Forward),
    Netmask(Netmask),
    SchedFlags(SchedFlags, Vec<String>),
}

impl Val {
    /// The number, or 0 for a value of another kind (the table's reader
    /// decides the kind, so a setter always gets its own).
    pub fn number(&self) -> u64 {
        match self {
            Val::Number(n) => *n,
            _ => 0,
        }
    }

    /// The number, or `None` where the word came alone.
    pub fn optional_number(&self) -> Option<u64> {
        match self {
            Val::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn duration(&self) -> Duration {
        match self {
            Val::Duration(d) => *d,
            _ => Duration::ZERO,
        }
    }

    pub fn text(&self) -> String {
        match self {
            Val::Text(t) => t.clone(),
            _ => String::new(),
        }
    }
}

/// One option of a statement whose parsed form is `T`.
pub struct Opt<T: 'static> {
    pub word: &'static str,
    /// Another spelling the parser takes (`-y` for `--yes`).
    pub alias: Option<&'static str>,
    pub kind: Kind,
    /// The value when the option is not given, as it would be written
    /// (applied by [`apply_defaults`], shown by `help`).
    pub default: Option<&'static str>,
    /// One line: what the option does.
    pub help: &'static str,
    /// A value to show and test with (empty for a flag), in printed form.
    pub example: &'static str,
    /// The key of Rhai's option map, where Rhai takes the option.
    pub rhai: Option<&'static str>,
    /// Stores a value read for the option; the span covers word and value.
    pub set: fn(&mut T, Spanned<Val>),
    /// The value to print, `None` to leave the option out.
    pub get: fn(&T) -> Option<Val>,
}

impl<T> Opt<T> {
    /// `--json`: the statement's result as JSON (a flag; not in Rhai's
    /// option map), stored and read by `set` and `get`.
    pub const fn json(
        help: &'static str,
        set: fn(&mut T, Spanned<Val>),
        get: fn(&T) -> Option<Val>,
    ) -> Opt<T> {
        Opt {
            word: "--json",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help,
            example: "",
            rhai: None,
            set,
            get,
        }
    }
}

/// A statement's options, in the order the printer writes them.
pub struct Options<T: 'static> {
    /// The name `help` and the syntax lines use for one option (`PROBE-OPTION`).
    pub fragment: &'static str,
    /// Its production in `grammar/lvs.ebnf`.
    pub production: &'static str,
    /// What an unknown word is called in messages (`probe option`).
    pub what: &'static str,
    /// The start of a statement the options may follow, for examples and tests.
    pub sample: &'static str,
    pub list: &'static [Opt<T>],
}

/// One option, whatever statement it belongs to: what help, completion,
/// the grammar and Rhai need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptDoc {
    pub word: &'static str,
    /// The option as `help` and completion see it: `count N`.
    pub syntax: String,
    /// As an EBNF alternative: `"count" number`.
    pub ebnf: String,
    pub default: Option<&'static str>,
    /// The numbers a value may be, where it is a number.
    pub range: Option<(u64, u64)>,
    pub help: &'static str,
    /// The option written with its example value: `count 6`.
    pub example: String,
    pub rhai: Option<&'static str>,
    /// How Rhai's value becomes words.
    pub rhai_form: RhaiForm,
}

/// How a Rhai map's value is written as `.lvs` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RhaiForm {
    /// `weight: 2` → `weight 2`.
    Keyed,
    /// `one_packet: true` → `one-packet`.
    Flag,
    /// `persistent: 300` → `persistent 300`, `persistent: true` → `persistent`.
    ValueOrFlag,
    /// Words joined by commas, from a string or an array (`flags`).
    List,
    /// A quoted string (`send`).
    Quoted,
    /// Milliseconds (`timeout: 500` → `timeout 500ms`).
    Millis,
}

/// A table of options seen without its statement's type.
pub trait OptionTable: Sync {
    fn fragment(&self) -> &'static str;
    fn production(&self) -> &'static str;
    fn sample(&self) -> &'static str;
    fn docs(&self) -> Vec<OptDoc>;
}

impl<T: 'static> OptionTable for Options<T> {
    fn fragment(&self) -> &'static str {
        self.fragment
    }

    fn production(&self) -> &'static str {
        self.production
    }

    fn sample(&self) -> &'static str {
        self.sample
    }

    fn docs(&self) -> Vec<OptDoc> {
        self.list.iter().map(doc).collect()
    }
}

fn doc<T>(o: &Opt<T>) -> OptDoc {
    let (syntax, ebnf, rhai_form) = match o.kind {
        Kind::Flag => (String::new(), String::new(), RhaiForm::Flag),
        Kind::Number { placeholder, .. } => (placeholder.to_string(), "number".into(), RhaiForm::Keyed),
        Kind::OptionalNumber { placeholder, .. } => {
            (format!("[{placeholder}]"), "[ number ]".into(), RhaiForm::ValueOrFlag)
        }
        Kind::Duration => ("DURATION".into(), "duration".into(), RhaiForm::Millis),
        Kind::Text { .. } => ("TEXT".into(), "( word | string )".into(), RhaiForm::Quoted),
        Kind::Word { placeholder, .. } => (placeholder.to_string(), "word".into(), RhaiForm::Keyed),
        Kind::Node => ("NODE".into(), "path".into(), RhaiForm::Keyed),
        Kind::OptionalPath => ("[PATH]".into(), "[ url-path ]".into(), RhaiForm::ValueOrFlag),
        Kind::Custom { syntax, ebnf, list, .. } => {
            (syntax.into(), ebnf.into(), if list { RhaiForm::List } else { RhaiForm::Keyed })
        }
    };
    let join = |a: &str, b: &str| if b.is_empty() { a.to_string() } else { format!("{a} {b}") };
    OptDoc {
        word: o.word,
        syntax: join(o.word, &syntax),
        ebnf: join(&format!("\"{}\"", o.word), &ebnf),
        default: o.default,
        range: match o.kind {
            Kind::Number { min, max, .. } | Kind::OptionalNumber { min, max, .. } => Some((min, max)),
            _ => None,
        },
        help: o.help,
        example: join(o.word, o.example),
        rhai: o.rhai,
        rhai_form,
    }
}

impl<T> Options<T> {
    /// The option a word names.
    pub fn find(&self, word: &str) -> Option<&Opt<T>> {
        self.list.iter().find(|o| o.word == word || o.alias == Some(word))
    }

    /// Every option's word, in table order (the "did you mean" choices).
    pub fn words(&self) -> Vec<&'static str> {
        self.list.iter().map(|o| o.word).collect()
    }

    /// The error for a word that is no option here.
    pub fn unknown(&self, w: &Spanned<&str>) -> nom::Err<super::PError> {
        unknown(w, self.what, &self.words())
    }
}

/// Sets every option that has a default to it, as if it had been written.
pub fn apply_defaults<T>(table: &Options<T>, target: &mut T) {
    for o in table.list {
        let Some(text) = o.default else { continue };
        // The defaults are the table's own text; `tests/host/statements.rs`
        // reads each one, so none is ever skipped here.
        if let Ok((_, value)) = read_value(&o.kind, In::new(text), Span::default()) {
            (o.set)(target, value);
        }
    }
}

/// What a statement's option loop does with a word that is none of its
/// options: take it (`Some(Ok(rest))`), refuse it (`Some(Err(..))`), or
/// leave the table's "unknown option" error (`None`). `words` counts the
/// words already read.
pub type Other<'a, 'b, T> = &'b mut dyn FnMut(&mut T, &Spanned<&'a str>, In<'a>, In<'a>, usize) -> Taken<'a>;
/// The outcome of [`Other`]: the input after what it took, its error, or `None`.
pub type Taken<'a> = Option<Result<In<'a>, nom::Err<super::PError>>>;

/// The most options a table may have ([`read`] keeps them in a bit set;
/// a test holds every table to it).
pub const MAX_OPTIONS: usize = 64;

/// Reads options up to the end of the statement into `target`.
pub fn read<'a, T>(
    mut i: In<'a>,
    table: &Options<T>,
    target: &mut T,
    other: Other<'a, '_, T>,
) -> PResult<'a, ()> {
    let mut words = 0;
    // Which options were given, and where, to refuse one a second time
    // (by its place in the table: no allocation for each statement).
    let mut given = 0u64;
    let mut given_at = [Span::default(); MAX_OPTIONS];
    loop {
        let (rest, w) = next_word(i)?;
        let Some(w) = w else { return Ok((rest, ())) };
        i = match table.list.iter().position(|o| o.word == w.value || o.alias == Some(w.value)) {
            Some(at) => {
                let o = &table.list[at];
                if given & (1 << at) != 0 {
                    return Err(given_twice(&w, o.word, given_at[at]));
                }
                given |= 1 << at;
                given_at[at] = w.span;
                let (rest, value) = read_value(&o.kind, rest, w.span)?;
                (o.set)(target, value);
                rest
            }
            None => match other(target, &w, i, rest, words) {
                Some(taken) => taken?,
                None => return Err(table.unknown(&w)),
            },
        };
        words += 1;
    }
}

/// The error for an option given a second time: which value counts would be a guess.
fn given_twice(w: &Spanned<&str>, word: &str, first: Span) -> nom::Err<super::PError> {
    let err = super::PError::new(
        "lvs::parse::repeated-option",
        w.span,
        format!("`{word}` is given twice"),
        "given again here",
    );
    nom::Err::Failure(err.also(first, "first given here").help(format!("keep one `{word}`")))
}

/// No statement-specific words: every word must be an option.
pub fn none<'a, T>(_: &mut T, _: &Spanned<&'a str>, _: In<'a>, _: In<'a>, _: usize) -> Taken<'a> {
    None
}

/// An option's value after its word (at `kw`); the span covers both.
fn read_value<'a>(kind: &Kind, i: In<'a>, kw: Span) -> PResult<'a, Spanned<Val>> {
    let spanned = |v: Val, end: Span| Spanned::new(v, kw.to(end));
    match *kind {
        Kind::Flag => Ok((i, Spanned::new(Val::Flag, kw))),
        Kind::Number { what, min, max, .. } => {
            let (rest, n) = number::<u64>(i, what, min..=max)?;
            Ok((rest, spanned(Val::Number(n.value), n.span)))
        }
        Kind::OptionalNumber { what, min, max, .. } => match next_word(i)? {
            (_, Some(w)) if w.value.chars().all(|c| c.is_ascii_digit()) => {
                let (rest, n) = number::<u64>(i, what, min..=max)?;
                Ok((rest, spanned(Val::Number(n.value), n.span)))
            }
            _ => Ok((i, Spanned::new(Val::Flag, kw))),
        },
        Kind::Duration => {
            let (rest, d) = duration(i)?;
            Ok((rest, spanned(Val::Duration(d.value), d.span)))
        }
        Kind::Text { what } => {
            let (rest, t) = word_or_string(i, what)?;
            Ok((rest, spanned(Val::Text(t.value), t.span)))
        }
        Kind::Word { what, .. } => {
            let (rest, w) = word(i, what)?;
            Ok((rest, spanned(Val::Text(w.value.to_string()), w.span)))
        }
        Kind::Node => {
            let (rest, node) = node(i)?;
            Ok((rest, spanned(Val::Text(node.value), node.span)))
        }
        Kind::OptionalPath => match next_word(i)? {
            (after, Some(p)) if p.value.starts_with('/') => {
                Ok((after, spanned(Val::Text(p.value.into()), p.span)))
            }
            _ => Ok((i, Spanned::new(Val::Flag, kw))),
        },
        Kind::Custom { read, .. } => {
            let (rest, v) = read(i)?;
            Ok((rest, Spanned::new(v.value, kw.to(v.span))))
        }
    }
}

/// An IP address (`source`).
pub fn ip(i: In<'_>) -> PResult<'_, Spanned<Val>> {
    let (rest, w) = word(i, "a local IP address, e.g. 111.111.0.2")?;
    match w.value.parse() {
        Ok(addr) => Ok((rest, Spanned::new(Val::Ip(addr), w.span))),
        Err(_) => Err(bad(
            &w,
            "lvs::parse::bad-address",
            format!("`{}` is not an IP address", w.value),
            "an IP address",
        )),
    }
}

/// Prints an IP address value.
pub fn print_ip(v: &Val) -> String {
    match v {
        Val::Ip(addr) => addr.to_string(),
        _ => String::new(),
    }
}

/// The text of the options `get` returns, in table order: ` count 6 --json`.
pub fn print<T>(table: &Options<T>, target: &T) -> String {
    let mut out = String::new();
    for o in table.list {
        let Some(value) = (o.get)(target) else { continue };
        out.push(' ');
        out.push_str(o.word);
        let text = match (&o.kind, &value) {
            (_, Val::Flag) => continue,
            (Kind::Custom { print, .. }, v) => print(v),
            (Kind::Text { .. }, Val::Text(t)) => crate::lang::print::quote(t),
            (_, Val::Number(n)) => n.to_string(),
            (_, Val::Duration(d)) => format!("{}ms", d.as_millis()),
            (_, Val::Text(t)) => t.clone(),
            // Addresses, tunnels, masks and lists come with a printer of their own.
            (_, _) => String::new(),
        };
        out.push(' ');
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_fits_the_bit_set_of_given_options() {
        for table in crate::lang::parse::tables::ALL {
            assert!(
                table.docs().len() <= MAX_OPTIONS,
                "{} has more than {MAX_OPTIONS} options",
                table.fragment()
            );
        }
    }
}
