//! Where the cursor is in the language: the statement being typed, its
//! complete words, the word under the cursor, and the block around it.

pub use crate::lang::shape::block_service;
use crate::lang::token::{tokens, TokenKind};

/// The statement at the end of a text (the text up to the cursor).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The statement's complete words, its command first.
    pub words: Vec<String>,
    /// The word under the cursor (empty after a blank) and its byte offset.
    pub partial: String,
    pub start: usize,
    /// Inside a service's `{ }` block: the words of that `service` line.
    pub block: Option<Vec<String>>,
    /// In a comment or a Rhai `script { }` block: nothing to complete.
    pub inert: bool,
}

/// What a `{` opened.
#[derive(Debug, Clone)]
enum Frame {
    Service(Vec<String>),
    Script,
    Other,
}

/// Reads the text up to the cursor.
pub fn cursor(text: &str) -> Cursor {
    let mut frames: Vec<Frame> = Vec::new();
    let mut words: Vec<(String, usize, usize)> = Vec::new();
    let mut inert = false;
    for t in tokens(text) {
        inert = false;
        match t.kind {
            TokenKind::Word | TokenKind::Str { .. } => {
                words.push((text[t.span.clone()].to_string(), t.span.start, t.span.end))
            }
            TokenKind::End => words.clear(),
            TokenKind::Comment => inert = t.span.end == text.len(),
            TokenKind::Open => {
                let first = words.first().map(|w| w.0.as_str());
                frames.push(match first {
                    Some("service") => Frame::Service(words.iter().map(|w| w.0.clone()).collect()),
                    Some("script") => Frame::Script,
                    _ => Frame::Other,
                });
                words.clear();
            }
            TokenKind::Close => {
                frames.pop();
                words.clear();
            }
        }
    }
    let (partial, start) = match words.last() {
        Some((w, start, end)) if *end == text.len() => {
            let p = (w.clone(), *start);
            words.pop();
            p
        }
        _ => (String::new(), text.len()),
    };
    let block = match frames.last() {
        Some(Frame::Service(words)) => Some(words.clone()),
        Some(Frame::Script) => {
            inert = true;
            None
        }
        _ => None,
    };
    Cursor { words: words.into_iter().map(|w| w.0).collect(), partial, start, block, inert }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor_and_the_words_before_it() {
        let c = cursor("show; del serv");
        assert_eq!((c.words, c.partial.as_str(), c.start), (vec!["del".to_string()], "serv", 10));
        let c = cursor("del service ");
        assert_eq!((c.words.len(), c.partial.as_str(), c.start), (2, "", 12));
    }

    #[test]
    fn a_service_block_is_remembered_and_closed() {
        let c = cursor("service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80\n  back");
        assert_eq!(c.partial, "back");
        assert_eq!(block_service(&c.block.unwrap()), ["tcp", "1.2.3.4:80"]);
        assert_eq!(cursor("service web tcp 1.2.3.4:80 { backend 10.0.0.1:80 }\nsh").block, None);
    }

    #[test]
    fn comments_and_script_blocks_are_inert() {
        assert!(cursor("show # a comm").inert);
        assert!(!cursor("show # a comment\nsh").inert);
        assert!(cursor("script {\n  let x = ").inert);
    }
}
