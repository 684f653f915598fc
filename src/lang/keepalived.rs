//! keepalived.conf as a tree: each statement is a keyword, its words, and
//! the `{ ... }` block after them, every part with where it was written.
//! `lvsh import` reads it (`crate::converge::import` gives it meaning).
//!
//! As keepalived's own reader (lib/parser.c, `decomment`, `read_line`,
//! `alloc_strvec_r`) splits a file: words are separated by blanks; `#` and
//! `!` outside a quoted string start a comment to the end of the line
//! (`\#` and `\!` are the characters themselves); a word that starts with
//! `"` ends at the next `"`, blanks and all; `{` and `}` are words of their
//! own even when written against another; a statement ends at the end of
//! its line, or at a `{` (its block) or `}`; and a `{` alone on the line
//! after a statement opens that statement's block.
//!
//! Where lvsh is stricter, on purpose: keepalived warns about an unclosed
//! `{`, a `}` too many or a `"` never closed and goes on guessing; here
//! each is an error, since `lvsh import` prints all or nothing.

use super::diagnostic::Diagnostic;
use super::source::{Source, Span, Spanned};

/// The diagnostic code of a file whose braces or quotes do not match.
pub const SYNTAX: &str = "lvs::import::syntax";

/// A statement: `keyword word... [{ statement... }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub keyword: Spanned<String>,
    pub args: Vec<Spanned<String>>,
    pub block: Option<Block>,
}

/// A `{ ... }` block: its statements, and where its braces are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub nodes: Vec<Node>,
    pub open: Span,
    pub close: Span,
}

impl Node {
    /// The keyword and its words, without the block.
    pub fn line_span(&self) -> Span {
        self.args.last().map_or(self.keyword.span, |a| self.keyword.span.to(a.span))
    }

    /// The whole statement, to its block's `}`.
    pub fn span(&self) -> Span {
        match &self.block {
            Some(block) => self.line_span().to(block.close),
            None => self.line_span(),
        }
    }

    /// The statements of its block (none without one).
    pub fn children(&self) -> &[Node] {
        self.block.as_ref().map_or(&[], |b| b.nodes.as_slice())
    }

    /// The `n`th word after the keyword.
    pub fn arg(&self, n: usize) -> Option<&Spanned<String>> {
        self.args.get(n)
    }

    /// The keyword and its words as written (a word with blanks in quotes).
    pub fn words(&self) -> String {
        std::iter::once(&self.keyword)
            .chain(&self.args)
            .map(|w| quoted(&w.value))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A word as keepalived would read it back.
fn quoted(word: &str) -> String {
    match word.is_empty() || word.contains([' ', '\t', '#', '!']) {
        true => format!("\"{word}\""),
        false => word.to_string(),
    }
}

/// The statements of a keepalived.conf, or the first place its braces or
/// quotes do not match.
pub fn parse(source: &Source) -> Result<Vec<Node>, Box<Diagnostic>> {
    let tokens = tokens(&source.text)?;
    let mut reader = Reader { tokens: &tokens, at: 0 };
    let nodes = reader.statements(None)?;
    Ok(nodes)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Spanned<String>),
    Open(Span),
    Close(Span),
    Newline,
}

/// The words, braces and line ends of a text, comments left out.
fn tokens(text: &str) -> Result<Vec<Token>, Box<Diagnostic>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => tokens.push(Token::Newline),
            ' ' | '\t' | '\r' => {}
            '#' | '!' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
            '{' => tokens.push(Token::Open(Span::new(at, at + 1))),
            '}' => tokens.push(Token::Close(Span::new(at, at + 1))),
            '"' => {
                let mut word = String::new();
                let end = loop {
                    match chars.next() {
                        Some((end, '"')) => break end + 1,
                        Some((_, '\n')) | None => return Err(Box::new(unclosed_quote(text, at))),
                        Some((_, c)) => word.push(c),
                    }
                };
                tokens.push(Token::Word(Spanned::new(word, Span::new(at, end))));
            }
            _ => {
                let mut word = String::new();
                let mut end = at;
                let mut next = Some((at, c));
                while let Some((i, c)) = next {
                    end = i + c.len_utf8();
                    match (c, chars.peek().map(|(_, n)| *n)) {
                        // `\#` and `\!` are the characters, not a comment.
                        ('\\', Some('#' | '!')) => word.extend(chars.next().map(|(j, n)| {
                            end = j + 1;
                            n
                        })),
                        // A parameter `${NAME}` is one word: its braces open no block.
                        ('$', Some('{')) => {
                            word.push(c);
                            while let Some((j, n)) = chars.next_if(|(_, n)| *n != '\n') {
                                word.push(n);
                                end = j + n.len_utf8();
                                if n == '}' {
                                    break;
                                }
                            }
                        }
                        _ => word.push(c),
                    }
                    next = chars.next_if(|(_, c)| {
                        !matches!(c, ' ' | '\t' | '\r' | '\n' | '"' | '{' | '}' | '#' | '!')
                    });
                }
                tokens.push(Token::Word(Spanned::new(word, Span::new(at, end))));
            }
        }
    }
    Ok(tokens)
}

struct Reader<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Reader<'_> {
    /// Statements up to the `}` of the block opened at `open`, or to the
    /// end of the file when `open` is `None`.
    fn statements(&mut self, open: Option<Span>) -> Result<Vec<Node>, Box<Diagnostic>> {
        let mut nodes = Vec::new();
        loop {
            match self.tokens.get(self.at).cloned() {
                None => {
                    return match open {
                        None => Ok(nodes),
                        Some(open) => Err(Box::new(unclosed_block(open))),
                    }
                }
                Some(Token::Newline) => self.at += 1,
                Some(Token::Close(close)) => {
                    return match open {
                        Some(_) => Ok(nodes),
                        None => Err(Box::new(unmatched_close(close))),
                    }
                }
                Some(Token::Open(at)) => return Err(Box::new(block_without_keyword(at))),
                Some(Token::Word(keyword)) => {
                    self.at += 1;
                    let node = self.statement(keyword)?;
                    nodes.push(node);
                }
            }
        }
    }

    /// The rest of a statement after its keyword: its words, then its block.
    fn statement(&mut self, keyword: Spanned<String>) -> Result<Node, Box<Diagnostic>> {
        let mut args = Vec::new();
        while let Some(Token::Word(word)) = self.tokens.get(self.at) {
            args.push(word.clone());
            self.at += 1;
        }
        // A `{` may stand alone on a following line.
        let mut ahead = self.at;
        while matches!(self.tokens.get(ahead), Some(Token::Newline)) {
            ahead += 1;
        }
        let block = match self.tokens.get(ahead) {
            Some(Token::Open(open)) => {
                let open = *open;
                self.at = ahead + 1;
                let nodes = self.statements(Some(open))?;
                let close = match self.tokens.get(self.at) {
                    Some(Token::Close(close)) => *close,
                    _ => return Err(Box::new(unclosed_block(open))),
                };
                self.at += 1;
                Some(Block { nodes, open, close })
            }
            _ => None,
        };
        Ok(Node { keyword, args, block })
    }
}

fn unclosed_quote(text: &str, at: usize) -> Diagnostic {
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    Diagnostic::error(
        SYNTAX,
        "a `\"` is not closed on its line",
        Span::new(at, end),
        "this string never ends",
    )
    .with_help("close the string with `\"` before the end of the line")
}

fn unclosed_block(open: Span) -> Diagnostic {
    Diagnostic::error(SYNTAX, "a `{` is never closed", open, "this block has no `}`")
        .with_help("add the `}` that ends the block")
}

fn unmatched_close(close: Span) -> Diagnostic {
    Diagnostic::error(SYNTAX, "a `}` closes no block", close, "no `{` is open here")
        .with_help("delete it, or add the `{` it was meant to close")
}

fn block_without_keyword(open: Span) -> Diagnostic {
    Diagnostic::error(SYNTAX, "a `{` opens a block no keyword names", open, "nothing before it on its line")
        .with_help("write the keyword the block belongs to before the `{`, e.g. `real_server 10.0.0.2 80 {`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Vec<Node> {
        parse(&Source::new("k.conf", text)).unwrap_or_else(|d| panic!("{d:?}"))
    }

    /// Each statement as `keyword(words)[children]`, to compare trees at a glance.
    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| {
                let args: Vec<&str> = n.args.iter().map(|a| a.value.as_str()).collect();
                let block = n.block.as_ref().map(|b| format!("[{}]", shape(&b.nodes))).unwrap_or_default();
                format!("{}({}){block}", n.keyword.value, args.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn refusal(text: &str) -> (String, String) {
        let d = parse(&Source::new("k.conf", text)).expect_err("a syntax error");
        assert_eq!(d.code, SYNTAX);
        (d.message, text[d.primary.span.range()].to_string())
    }

    #[test]
    fn statements_nest_in_blocks_with_their_words() {
        let nodes = parse_text(
            "virtual_server 10.0.0.1 80 {\n    lb_algo rr\n    real_server 10.0.1.1 80 {\n        weight 2\n    }\n}\n",
        );
        assert_eq!(
            shape(&nodes),
            "virtual_server(10.0.0.1,80)[lb_algo(rr) real_server(10.0.1.1,80)[weight(2)]]"
        );
    }

    #[test]
    fn comments_start_at_hash_or_bang_anywhere_outside_quotes() {
        let nodes =
            parse_text("! a comment\n# another\nlb_algo rr # trailing\nlb_kind NAT! bang\nname \"a # b\"\n");
        assert_eq!(shape(&nodes), "lb_algo(rr) lb_kind(NAT) name(a # b)");
        assert_eq!(shape(&parse_text("path /a\\#b\n")), "path(/a#b)");
        assert_eq!(shape(&parse_text("ip 10.0.${N}.1 {\n}\n")), "ip(10.0.${N}.1)[]");
    }

    #[test]
    fn braces_are_words_of_their_own_and_a_block_may_open_on_the_next_line() {
        let nodes = parse_text("TCP_CHECK{connect_timeout 3}\nreal_server 10.0.1.1 80\n{\nweight 1 }\n");
        assert_eq!(shape(&nodes), "TCP_CHECK()[connect_timeout(3)] real_server(10.0.1.1,80)[weight(1)]");
    }

    #[test]
    fn spans_point_at_keywords_words_and_whole_statements() {
        let text = "virtual_server 10.0.0.1 80 {\n  delay_loop 6\n}\n";
        let nodes = parse_text(text);
        assert_eq!(&text[nodes[0].line_span().range()], "virtual_server 10.0.0.1 80");
        assert_eq!(&text[nodes[0].span().range()], &text[..text.len() - 1]);
        assert_eq!(&text[nodes[0].children()[0].args[0].span.range()], "6");
        assert_eq!(nodes[0].words(), "virtual_server 10.0.0.1 80");
    }

    #[test]
    fn unmatched_braces_and_quotes_are_refused_where_they_are() {
        assert_eq!(refusal("a {\n b\n"), ("a `{` is never closed".to_string(), "{".to_string()));
        assert_eq!(refusal("a\n}\n"), ("a `}` closes no block".to_string(), "}".to_string()));
        assert_eq!(refusal("{\n}\n"), ("a `{` opens a block no keyword names".to_string(), "{".to_string()));
        assert_eq!(
            refusal("name \"abc\nx\n"),
            ("a `\"` is not closed on its line".to_string(), "\"abc".to_string())
        );
    }
}
