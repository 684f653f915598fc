//! Rhai option maps as `.lvs` words: `#{ scheduler: "wrr", persistent: 300 }`
//! becomes `wrr persistent 300`, which the language's own parser then reads,
//! so a bad value gets the same message in Rhai as in a `.lvs` file.

use rhai::{Dynamic, Map};

use crate::lang::command;
use crate::lang::diagnostic::suggest;
use crate::lang::parse::fragment;
use crate::lang::parse::options::{OptDoc, RhaiForm};

/// The options Rhai takes for a call: the Rhai keys of a statement's
/// option table, and the keys whose value is written bare (`scheduler:
/// "wrr"` → `wrr`, `method: "masq"` → `masq`).
#[derive(Clone, Copy)]
pub struct Keys {
    pub table: &'static str,
    pub bare: &'static [&'static str],
}

/// `service_add`'s options (besides `name`).
pub const SERVICE: Keys = Keys { table: "SVC-OPTION", bare: &["scheduler"] };
/// `add_backend`'s options.
pub const BACKEND: Keys = Keys { table: "BACKEND-OPTION", bare: &["method"] };
/// `probe`'s options.
pub const PROBE: Keys = Keys { table: "PROBE-OPTION", bare: &[] };
/// Every call that takes an option map.
pub const ALL: &[Keys] = &[SERVICE, BACKEND, PROBE];

impl Keys {
    /// Every key, bare ones first, then the table's in its order.
    pub fn names(&self) -> Vec<&'static str> {
        self.bare.iter().copied().chain(self.options().iter().filter_map(|o| o.rhai)).collect()
    }

    fn options(&self) -> &'static [OptDoc] {
        command::options(self.table).map_or(&[], |t| t.options.as_slice())
    }

    /// How the value of `key` is written, if the call takes it.
    fn form(&self, key: &str) -> Option<Form> {
        if self.bare.contains(&key) {
            return Some(Form::Bare);
        }
        self.options().iter().find(|o| o.rhai == Some(key)).map(|o| Form::Option(o.word, o.rhai_form))
    }
}

/// How one map entry becomes words.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// The value alone; several words allowed.
    Bare,
    /// After the option's word, in the option's form.
    Option(&'static str, RhaiForm),
}

/// A bad option: what is wrong, and what to do.
#[derive(Debug, PartialEq, Eq)]
pub struct OptionError {
    pub message: String,
    pub help: Option<String>,
}

/// The words for `map`, whose keys must be among `shapes` or `extra`
/// (options the caller reads itself); `what` names the call for messages.
pub fn words(map: &Map, keys: Keys, extra: &[&str], what: &str) -> Result<String, OptionError> {
    let mut out = Vec::new();
    for (key, value) in map {
        let key = key.as_str();
        if extra.contains(&key) {
            continue;
        }
        let Some(form) = keys.form(key) else {
            return Err(unknown(key, &keys, extra, what));
        };
        if let Some(text) = word_of(key, value, form)? {
            out.push(text);
        }
    }
    Ok(out.join(" "))
}

fn word_of(key: &str, value: &Dynamic, form: Form) -> Result<Option<String>, OptionError> {
    let Form::Option(kw, form) = form else { return Ok(Some(plain(key, value, true)?)) };
    let text = match form {
        RhaiForm::Keyed => Some(format!("{kw} {}", plain(key, value, false)?)),
        RhaiForm::Flag => flag(key, value)?.then(|| kw.to_string()),
        RhaiForm::ValueOrFlag => match value.as_bool() {
            Ok(set) => set.then(|| kw.to_string()),
            Err(_) => Some(format!("{kw} {}", plain(key, value, false)?)),
        },
        RhaiForm::List => Some(format!("{kw} {}", list(key, value)?)),
        RhaiForm::Quoted => Some(format!("{kw} {}", quoted(key, value)?)),
        RhaiForm::Millis => match value.as_int() {
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
    Ok(crate::lang::print::quote(&text))
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

fn unknown(key: &str, keys: &Keys, extra: &[&str], what: &str) -> OptionError {
    let names: Vec<&str> = keys.names().into_iter().chain(extra.iter().copied()).collect();
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
