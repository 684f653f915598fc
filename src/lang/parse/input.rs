//! The parser's input: the text still to read, and where it starts in the
//! source. It is what `nom_locate`'s span was to this parser, without the
//! line count that span kept up to date on every slice (diagnostics find
//! their line from the byte offset, [`crate::lang::source::Source::line_col`]):
//! counting the newlines of each consumed piece was a sixth of the
//! instructions of parsing a file.

use nom::Needed;

/// Text that knows its byte offset in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct In<'a> {
    text: &'a str,
    offset: usize,
}

impl<'a> In<'a> {
    /// The whole of a text, at offset 0.
    pub fn new(text: &'a str) -> In<'a> {
        In { text, offset: 0 }
    }

    /// The text still to read.
    pub fn fragment(&self) -> &&'a str {
        &self.text
    }

    /// Where that text starts in the source, in bytes.
    pub fn location_offset(&self) -> usize {
        self.offset
    }
}

impl<'a> nom::Input for In<'a> {
    type Item = char;
    type Iter = std::str::Chars<'a>;
    type IterIndices = std::str::CharIndices<'a>;

    fn input_len(&self) -> usize {
        self.text.len()
    }

    #[inline]
    fn take(&self, index: usize) -> Self {
        In { text: &self.text[..index], offset: self.offset }
    }

    #[inline]
    fn take_from(&self, index: usize) -> Self {
        In { text: &self.text[index..], offset: self.offset + index }
    }

    #[inline]
    fn take_split(&self, index: usize) -> (Self, Self) {
        (self.take_from(index), self.take(index))
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.text.find(predicate)
    }

    fn iter_elements(&self) -> Self::Iter {
        self.text.chars()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.text.char_indices()
    }

    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        nom::Input::slice_index(&self.text, count)
    }
}

#[cfg(test)]
mod tests {
    use nom::bytes::complete::{take, take_till, take_while1};
    use nom::Parser;

    use super::*;
    use crate::lang::parse::PError;

    #[test]
    fn slices_keep_their_offset_in_the_source() {
        let i = In::new("ab cé d");
        let (rest, word) = take_while1::<_, _, PError>(|c: char| c != ' ').parse(i).unwrap();
        assert_eq!((*word.fragment(), word.location_offset()), ("ab", 0));
        assert_eq!((*rest.fragment(), rest.location_offset()), (" cé d", 2));
        // `take` counts characters: `é` is one, of two bytes.
        let (rest, taken) = take::<_, _, PError>(3usize).parse(rest).unwrap();
        assert_eq!((*taken.fragment(), *rest.fragment(), rest.location_offset()), (" cé", " d", 6));
        let (rest, _) = take_till::<_, _, PError>(|c| c == '\n').parse(rest).unwrap();
        assert_eq!((*rest.fragment(), rest.location_offset()), ("", 8));
    }
}
