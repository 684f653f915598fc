//! A forgiving lexer over `.lvs` text for the interactive tools: words,
//! strings, comments and the marks between statements, each with its byte
//! range. Unlike the parser it never fails: a line being typed is mostly
//! unfinished.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// A `"..."` string; `closed` is false while the quote is still open.
    Str {
        closed: bool,
    },
    /// `#` to the end of the line.
    Comment,
    /// `;` or a newline: the end of a statement.
    End,
    Open,
    Close,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
}

/// Splits text into tokens; blanks and `\`-newlines separate words.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b'\n' | b';' => {
                i += 1;
                TokenKind::End
            }
            b'{' => {
                i += 1;
                TokenKind::Open
            }
            b'}' => {
                i += 1;
                TokenKind::Close
            }
            b'#' => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                TokenKind::Comment
            }
            b'"' => {
                let (end, closed) = string_end(bytes, i);
                i = end;
                TokenKind::Str { closed }
            }
            _ => {
                while i < bytes.len() && !is_delimiter(bytes[i]) {
                    i += 1;
                }
                TokenKind::Word
            }
        };
        out.push(Token { kind, span: start..i });
    }
    out
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' | b'#' | b'"')
}

/// The end of a string opened at `start`, and whether it was closed on its line.
fn string_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() && bytes[i + 1] != b'\n' => i += 2,
            b'"' => return (i + 1, true),
            b'\n' => return (i, false),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// The words of a text (strings kept with their quotes), for the shape walker.
pub fn words(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Str { .. }))
        .map(|t| text[t.span].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text).into_iter().map(|t| (t.kind, &text[t.span])).collect()
    }

    #[test]
    fn words_strings_comments_and_marks() {
        use TokenKind::*;
        assert_eq!(
            kinds("service web tcp 1.2.3.4:80 { # hi\n backend \"a b\"; }"),
            [
                (Word, "service"),
                (Word, "web"),
                (Word, "tcp"),
                (Word, "1.2.3.4:80"),
                (Open, "{"),
                (Comment, "# hi"),
                (End, "\n"),
                (Word, "backend"),
                (Str { closed: true }, "\"a b\""),
                (End, ";"),
                (Close, "}"),
            ]
        );
    }

    #[test]
    fn an_open_string_runs_to_the_end_of_its_line() {
        assert_eq!(
            kinds("echo \"ab\\\"c"),
            [(TokenKind::Word, "echo"), (TokenKind::Str { closed: false }, "\"ab\\\"c")]
        );
    }

    #[test]
    fn a_backslash_newline_continues_the_statement() {
        assert_eq!(words("show \\\n --stats"), ["show", "--stats"]);
    }
}
