//! Where a script's code is in its source, and where a Rhai position falls
//! in it: errors point at the word in the `.lvs` or `.rhai` file, not at a
//! line of the code alone.

use std::rc::Rc;

use rhai::Position;

use crate::lang::source::{Source, Span};

/// A script's code in its source. Cheap to clone: every registered function holds one.
#[derive(Clone)]
pub struct Place {
    source: Rc<Source>,
    /// Where the Rhai code is in the source (a `script { }` block's inside, or a whole `.rhai` file).
    code: Span,
}

impl Place {
    /// The code at `code` in `source`.
    pub fn new(source: &Source, code: Span) -> Place {
        Place { source: Rc::new(source.clone()), code }
    }

    /// The source the code is in.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The span in the source of a Rhai position: the word that starts there.
    pub fn span_at(&self, pos: Position) -> Span {
        let start = self.code.start as usize;
        let Some(line) = pos.line() else { return Span::new(start, start) };
        let code = &self.source.text[self.code.range()];
        let line_start: usize = code.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let rest = &code[line_start.min(code.len())..];
        let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let column = pos.position().unwrap_or(1).saturating_sub(1);
        let at = rest.char_indices().nth(column).map_or(rest.len(), |(i, _)| i);
        let word = rest[at..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len() - at);
        let at = start + line_start + at;
        Span::new(at, at + word.max(1).min(self.source.text.len().saturating_sub(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(text: &str, code: Span) -> Place {
        Place::new(&Source::new("t.lvs", text), code)
    }

    #[test]
    fn a_rhai_position_is_placed_in_the_file_after_the_blocks_start() {
        let text = "show\nscript { let x = 1;\n  boom(x); }\n";
        let start = text.find('{').unwrap() + 1;
        let p = place(text, Span::new(start, text.len() - 2));
        let span = p.span_at(Position::new(2, 3));
        assert_eq!(&text[span.range()], "boom");
        assert_eq!(p.source().line_col(span.start as usize), (3, 3));
        let first = p.span_at(Position::new(1, 2));
        assert_eq!(&text[first.range()], "let");
    }

    #[test]
    fn a_position_past_the_line_stays_on_it() {
        let text = "ab\ncd";
        let span = place(text, Span::new(0, text.len())).span_at(Position::new(1, 40));
        assert_eq!(span.start, 2);
    }
}
