//! Rhai option maps as `.lvs` words: `#{ scheduler: "wrr", persistent: 300 }`
//! becomes `wrr persistent 300`, which the language's own parser then reads,
//! so a bad value gets the same message in Rhai as in a `.lvs` file.

use rhai::{Dynamic, Map};

use crate::lang::diagnostic::suggest;
use crate::lang::parse::fragment;

/// How one option's value is written in `.lvs`.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// The value alone (`scheduler: "wrr"` → `wrr`); several words allowed.
    Bare,
    /// The keyword and the value (`weight: 2` → `weight 2`).
    Keyed(&'static str),
    /// A keyword when true (`one_packet: true` → `one-packet`).
    Flag(&'static str),
    /// A number after the keyword, or the keyword alone for `true` (`persistent`).
    NumberOrFlag(&'static str),
    /// Words joined by commas, from a string or an array (`flags`).
    List(&'static str),
    /// A quoted string (`send`).
    Quoted(&'static str),
    /// Milliseconds (`timeout: 500` → `timeout 500ms`).
    Millis(&'static str),
    /// A path after the keyword, or the keyword alone for `true` (`http`).
    PathOrFlag(&'static str),
}

/// The options of `service_add` (besides `name`).
pub const SERVICE: &[(&str, Shape)] = &[
    ("scheduler", Shape::Bare),
    ("persistent", Shape::NumberOrFlag("persistent")),
    ("netmask", Shape::Keyed("netmask")),
    ("prefix", Shape::Keyed("prefix")),
    ("one_packet", Shape::Flag("one-packet")),
    ("flags", Shape::List("flags")),
    ("pe", Shape::Keyed("pe")),
];

/// The options of `add_backend`.
pub const BACKEND: &[(&str, Shape)] = &[
    ("method", Shape::Bare),
    ("weight", Shape::Keyed("weight")),
    ("upper", Shape::Keyed("upper")),
    ("lower", Shape::Keyed("lower")),
];

/// The options of `probe`.
pub const PROBE: &[(&str, Shape)] = &[
    ("count", Shape::Keyed("count")),
    ("from", Shape::Keyed("from")),
    ("send", Shape::Quoted("send")),
    ("http", Shape::PathOrFlag("http")),
    ("timeout", Shape::Millis("timeout")),
    ("interval", Shape::Millis("interval")),
];

/// A bad option: what is wrong, and what to do.
#[derive(Debug, PartialEq, Eq)]
pub struct OptionError {
    pub message: String,
    pub help: Option<String>,
}

/// The words for `map`, whose keys must be among `shapes` or `extra`
/// (options the caller reads itself); `what` names the call for messages.
pub fn words(map: &Map, shapes: &[(&str, Shape)], extra: &[&str], what: &str) -> Result<String, OptionError> {
    let mut out = Vec::new();
    for (key, value) in map {
        let key = key.as_str();
        if extra.contains(&key) {
            continue;
        }
        let Some((_, shape)) = shapes.iter().find(|(name, _)| *name == key) else {
            return Err(unknown(key, shapes, extra, what));
        };
        if let Some(text) = word_of(key, value, *shape)? {
            out.push(text);
        }
    }
    Ok(out.join(" "))
}

fn word_of(key: &str, value: &Dynamic, shape: Shape) -> Result<Option<String>, OptionError> {
    let text = match shape {
        Shape::Bare => Some(plain(key, value, true)?),
        Shape::Keyed(kw) => Some(format!("{kw} {}", plain(key, value, false)?)),
        Shape::Flag(kw) => flag(key, value)?.then(|| kw.to_string()),
        Shape::NumberOrFlag(kw) | Shape::PathOrFlag(kw) => match value.as_bool() {
            Ok(set) => set.then(|| kw.to_string()),
            Err(_) => Some(format!("{kw} {}", plain(key, value, false)?)),
        },
        Shape::List(kw) => Some(format!("{kw} {}", list(key, value)?)),
        Shape::Quoted(kw) => Some(format!("{kw} {}", quoted(key, value)?)),
        Shape::Millis(kw) => match value.as_int() {
            Ok(ms) => Some(format!("{kw} {ms}ms")),
            Err(_) => return Err(wrong_type(key, value, "a number of milliseconds")),
        },
    };
    Ok(text)
}

/// A number or a plain word (several words only where `words` is set).
fn plain(key: &str, value: &Dynamic, words: bool) -> Result<String, OptionError> {
    if let Ok(n) = value.as_int() {
        return Ok(n.to_string());
    }
    let Some(text) = value.read_lock::<rhai::ImmutableString>().map(|s| s.to_string()) else {
        return Err(wrong_type(key, value, "a number or a word"));
    };
    let bad = |c: char| "{};#\"\\\n".contains(c) || (!words && c.is_whitespace());
    if text.trim().is_empty() || text.contains(bad) {
        return Err(OptionError {
            message: format!("option `{key}` must be a plain word, not {text:?}"),
            help: Some("leave out spaces, quotes, braces, `;` and `#`".into()),
        });
    }
    Ok(text)
}

fn flag(key: &str, value: &Dynamic) -> Result<bool, OptionError> {
    value.as_bool().map_err(|_| wrong_type(key, value, "true or false"))
}

fn list(key: &str, value: &Dynamic) -> Result<String, OptionError> {
    match value.read_lock::<rhai::Array>() {
        Some(items) => {
            let words: Result<Vec<String>, OptionError> =
                items.iter().map(|v| plain(key, v, false)).collect();
            Ok(words?.join(","))
        }
        None => plain(key, value, false),
    }
}

fn quoted(key: &str, value: &Dynamic) -> Result<String, OptionError> {
    let Some(text) = value.read_lock::<rhai::ImmutableString>().map(|s| s.to_string()) else {
        return Err(wrong_type(key, value, "a string"));
    };
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
    Ok(format!("\"{escaped}\""))
}

fn wrong_type(key: &str, value: &Dynamic, expected: &str) -> OptionError {
    OptionError {
        message: format!("option `{key}` must be {expected}, not {}", type_name(value)),
        help: None,
    }
}

/// A value's type as a script writer knows it.
pub fn type_name(value: &Dynamic) -> String {
    match value.type_name() {
        "i64" => "an integer".into(),
        "f64" => "a decimal number".into(),
        "bool" => "a boolean".into(),
        "string" | "ImmutableString" => "a string".into(),
        "array" => "an array".into(),
        "map" => "a map".into(),
        "()" => "nothing (`()`)".into(),
        other => format!("a {}", other.rsplit("::").next().unwrap_or(other)),
    }
}

fn unknown(key: &str, shapes: &[(&str, Shape)], extra: &[&str], what: &str) -> OptionError {
    let names: Vec<&str> = shapes.iter().map(|(name, _)| *name).chain(extra.iter().copied()).collect();
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    OptionError {
        message: format!("unknown option `{key}` for {what}"),
        help: Some(match suggest(key, names.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("its options are {}", listed.join(", ")),
        }),
    }
}

/// `#{ name: "web" }`'s name, checked as the language checks names.
pub fn name(map: &Map) -> Result<Option<String>, OptionError> {
    let Some(value) = map.get("name") else { return Ok(None) };
    let text = plain("name", value, false)?;
    match fragment::svc_ref(&text) {
        Ok(crate::lang::ast::SvcRef::Name(name)) => Ok(Some(name)),
        _ => Err(OptionError {
            message: format!("`{text}` is not a service name"),
            help: Some("a name is a letter, then letters, digits, `-` or `_`, and not a keyword".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    #[test]
    fn service_options_become_the_languages_words() {
        let m = map(&[
            ("scheduler", "wrr".into()),
            ("persistent", Dynamic::from(300_i64)),
            ("one_packet", true.into()),
            ("flags", Dynamic::from(vec![Dynamic::from("sh-port"), Dynamic::from("sh-fallback")])),
        ]);
        let text = words(&m, SERVICE, &["name"], "a service").unwrap();
        for part in ["wrr", "persistent 300", "one-packet", "flags sh-port,sh-fallback"] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }

    #[test]
    fn an_unknown_option_suggests_the_nearest() {
        let err = words(&map(&[("wieght", Dynamic::from(2_i64))]), BACKEND, &[], "a backend").unwrap_err();
        assert_eq!(err.message, "unknown option `wieght` for a backend");
        assert_eq!(err.help.as_deref(), Some("did you mean `weight`?"));
    }

    #[test]
    fn a_value_of_the_wrong_type_says_which_type() {
        let err =
            words(&map(&[("one_packet", Dynamic::from(1_i64))]), SERVICE, &[], "a service").unwrap_err();
        assert_eq!(err.message, "option `one_packet` must be true or false, not an integer");
        let err = words(&map(&[("weight", Dynamic::from(1.5_f64))]), BACKEND, &[], "a backend").unwrap_err();
        assert_eq!(err.message, "option `weight` must be a number or a word, not a decimal number");
    }

    #[test]
    fn a_word_cannot_smuggle_a_statement() {
        let err = words(&map(&[("scheduler", "rr; flush".into())]), SERVICE, &[], "a service").unwrap_err();
        assert!(err.message.starts_with("option `scheduler` must be a plain word"), "{}", err.message);
    }

    #[test]
    fn text_to_send_is_quoted_as_the_lexer_reads_it() {
        let text = words(&map(&[("send", "a \"b\"\n".into())]), PROBE, &[], "a probe").unwrap();
        assert_eq!(text, r#"send "a \"b\"\n""#);
    }
}
