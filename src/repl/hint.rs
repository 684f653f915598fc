//! Hints: the rest of a likely line in dim text after the cursor. From the
//! history first (the newest line that starts with what is typed), else from
//! the grammar: the one way the word being typed can end, or, after a
//! blank, what may come next (shown only: there is nothing to insert).

use super::complete::{complete, Model};
use super::cursor::cursor;
use crate::lang::shape::{walk, Atom};

/// A hint: what is shown, and what the right arrow inserts, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineHint {
    pub display: String,
    pub insert: Option<String>,
}

impl rustyline::hint::Hint for LineHint {
    fn display(&self) -> &str {
        &self.display
    }
    fn completion(&self) -> Option<&str> {
        self.insert.as_deref()
    }
}

/// How many choices a "what comes next" hint names before `...`.
const SHOWN: usize = 4;

/// The hint for `text` (the input up to the cursor, which is at its end);
/// `from_history` is the newest history entry that starts with `text`.
pub fn hint(text: &str, from_history: Option<&str>, model: Model<'_>) -> Option<LineHint> {
    if text.trim().is_empty() {
        return None;
    }
    if let Some(rest) = from_history.and_then(|h| h.strip_prefix(text)).filter(|r| !r.is_empty()) {
        return Some(insertable(rest));
    }
    let c = cursor(text);
    if c.inert {
        return None;
    }
    if !c.partial.is_empty() {
        let (_, candidates) = complete(text, model);
        let common = common_prefix(candidates.iter().map(|c| c.replacement.as_str()))?;
        let rest = common.strip_prefix(c.partial.as_str())?.trim_end();
        return (!rest.is_empty()).then(|| insertable(rest));
    }
    next_items(&super::complete::statement_words(&c)?)
}

fn insertable(rest: &str) -> LineHint {
    LineHint { display: rest.to_string(), insert: Some(rest.to_string()) }
}

/// After a blank: the keywords and values that may come next, for reading.
fn next_items(words: &[String]) -> Option<LineHint> {
    if words.is_empty() {
        return None;
    }
    let mut items: Vec<&str> = Vec::new();
    for e in walk(words, crate::lab::Lab::is_node).expected {
        let item = match e.atom {
            Atom::Word { text, offered: true } => text,
            Atom::Value { name, .. } => name,
            Atom::Word { .. } => continue,
            Atom::Ipvsadm(_) => "OPTION",
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.is_empty() {
        return None;
    }
    let more = if items.len() > SHOWN { " | ..." } else { "" };
    items.truncate(SHOWN);
    Some(LineHint { display: format!("{}{more}", items.join(" | ")), insert: None })
}

/// The longest common prefix of some texts, if there is at least one.
fn common_prefix<'a>(mut texts: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = texts.next()?;
    let mut len = first.len();
    for t in texts {
        len = first.bytes().zip(t.bytes()).take(len).take_while(|(a, b)| a == b).count();
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    Some(first[..len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::ServiceKey;
    use crate::repl::catalog::{Catalog, Names};

    fn hint_for(text: &str, history: Option<&str>) -> Option<LineHint> {
        let web = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        let catalog = Catalog::new(vec![(web, vec!["10.10.0.2:8000".parse().unwrap()])], vec![]);
        let names: Names = vec![("web".into(), web)];
        hint(text, history, Model { catalog: &catalog, names: &names })
    }

    #[test]
    fn history_comes_first_and_is_insertable() {
        let h = hint_for("probe w", Some("probe web count 6 from ext1")).unwrap();
        assert_eq!(h.insert.as_deref(), Some("eb count 6 from ext1"));
    }

    #[test]
    fn the_one_way_a_word_can_end_is_insertable() {
        assert_eq!(hint_for("exp", None), None, "expect and explain share only `exp`");
        assert_eq!(hint_for("expl", None).unwrap().insert.as_deref(), Some("ain"));
        assert_eq!(hint_for("prob", None).unwrap().insert.as_deref(), Some("e"));
        assert_eq!(hint_for("del backend web 10.1", None).unwrap().insert.as_deref(), Some("0.0.2:8000"));
        assert_eq!(hint_for("show --sta", None).unwrap().insert.as_deref(), Some("ts"));
    }

    #[test]
    fn after_a_blank_what_may_come_next_is_shown_not_inserted() {
        let h = hint_for("del ", None).unwrap();
        assert_eq!((h.display.as_str(), h.insert), ("service | backend", None));
        assert_eq!(hint_for("backend web ", None).unwrap().display, "BACKEND");
        assert!(hint_for("service web tcp 1.2.3.4:80 ", None).unwrap().display.ends_with("| ..."));
        assert_eq!(hint_for("flush ", None), None);
        let block = "service web tcp 111.111.0.1:80 rr {\n  backend ";
        assert_eq!(hint_for(block, None).unwrap().display, "BACKEND");
    }

    #[test]
    fn nothing_for_an_empty_line_or_a_comment() {
        assert_eq!(hint_for("  ", None), None);
        assert_eq!(hint_for("show # com", None), None);
    }
}
