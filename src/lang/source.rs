//! Source text and positions in it.

use std::fmt;
use std::ops::Range;

/// A named text: a file, `<repl>`, or `-c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Why a script's bytes are not a source.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read at all.
    Io(std::io::Error),
    /// The bytes are not UTF-8 text: the first bad byte, and its line.
    NotUtf8 { offset: usize, line: usize },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotUtf8 { offset, line } => {
                write!(f, "it is not UTF-8 text: byte {offset} (on line {line}) is not part of a character")
            }
        }
    }
}

impl Source {
    /// A source from its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source { name: name.into(), text: text.into() }
    }

    /// A file read as a source, named as given.
    pub fn read(path: &std::path::Path) -> Result<Source, ReadError> {
        let bytes = std::fs::read(path).map_err(ReadError::Io)?;
        Source::from_bytes(path.display().to_string(), bytes)
    }

    /// Bytes as a source, if they are UTF-8 text.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Result<Source, ReadError> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(name, text)),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1;
                Err(ReadError::NotUtf8 { offset, line })
            }
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The whole line holding a byte offset, without its newline, and where it starts.
    pub fn line_at(&self, offset: usize) -> (usize, &str) {
        let offset = floor_char_boundary(&self.text, offset);
        let start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[offset..].find('\n').map_or(self.text.len(), |i| offset + i);
        (start, &self.text[start..end])
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A byte range in a [`Source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end.max(start) as u32 }
    }

    /// The span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// As a range of byte offsets.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    /// A value at a span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }

    /// The value changed, at the same span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned { value: f(self.value), span: self.span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let src = Source::new("t", "ab\nçd ef\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        assert_eq!(src.line_col(src.text.find("ef").unwrap()), (2, 4));
        assert_eq!(src.line_at(5), (3, "çd ef"));
    }

    #[test]
    fn bytes_that_are_not_utf8_name_the_first_bad_byte_and_its_line() {
        let err = Source::from_bytes("t", b"echo a\necho \xff\n".to_vec()).unwrap_err();
        assert!(matches!(err, ReadError::NotUtf8 { offset: 12, line: 2 }), "{err:?}");
        assert_eq!(err.to_string(), "it is not UTF-8 text: byte 12 (on line 2) is not part of a character");
        assert_eq!(Source::from_bytes("t", b"ok".to_vec()).map(|s| s.text).ok(), Some("ok".into()));
    }

    #[test]
    fn offsets_past_the_end_or_inside_a_character_are_clamped() {
        let src = Source::new("t", "é");
        assert_eq!(src.line_col(1), (1, 1));
        assert_eq!(src.line_col(99), (1, 2));
    }
}
