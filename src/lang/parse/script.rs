//! `script { ... }`: a block of Rhai code. The parser only finds where the
//! block ends; `crate::script` compiles and runs the code.

use super::error::PError;
use super::lexeme::blank;
use super::{In, PResult};
use crate::lang::ast::{ScriptBlock, StmtKind};
use crate::lang::source::{Span, Spanned};

/// `script-block := "script" "{" rhai-code "}"`
pub fn script_block(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, ()) = blank(i)?;
    let at = i.location_offset();
    if !i.fragment().starts_with('{') {
        let err = PError::new(
            "lvs::parse::missing",
            Span::new(at, at + i.fragment().chars().next().map_or(0, char::len_utf8)),
            "expected `{` after `script`",
            "expected `{` here",
        )
        .help("write the Rhai code in a block: `script { print(\"hi\"); }`");
        return Err(nom::Err::Failure(err));
    }
    let code_start = at + 1;
    let body = &i.fragment()[1..];
    let end = rhai_block_end(body).map_err(|why| {
        let err = PError::new("lvs::parse::unclosed-block", Span::new(at, at + 1), why, "opened here")
            .help("close the script block with `}` (braces inside Rhai strings and comments do not count)");
        nom::Err::Failure(err)
    })?;
    let code = Spanned::new(body[..end].to_string(), Span::new(code_start, code_start + end));
    // Past the code and its closing `}`; `take_from` counts bytes.
    let rest = nom::Input::take_from(&i, 1 + end + 1);
    Ok((rest, StmtKind::Script(ScriptBlock { code })))
}

/// Where a Rhai context is in the scan: code (with its open braces), or a
/// back-quoted string, whose `${ }` holds code again.
enum Frame {
    Code(usize),
    Template,
}

/// The byte offset of the `}` that closes a block whose text starts just
/// after its `{`. Braces inside strings, characters, comments and string
/// interpolations are Rhai's, not the block's.
pub fn rhai_block_end(text: &str) -> Result<usize, &'static str> {
    let bytes = text.as_bytes();
    let mut stack = vec![Frame::Code(0)];
    let mut at = 0;
    while at < bytes.len() {
        let (c, next) = (bytes[at], bytes.get(at + 1).copied());
        match stack.last_mut() {
            None => break,
            Some(Frame::Template) => match c {
                b'`' if next == Some(b'`') => at += 1,
                b'`' => {
                    stack.pop();
                }
                b'$' if next == Some(b'{') => {
                    stack.push(Frame::Code(0));
                    at += 1;
                }
                _ => {}
            },
            Some(Frame::Code(depth)) => match c {
                b'"' | b'\'' => at = skip_quoted(bytes, at, c)?,
                b'`' => stack.push(Frame::Template),
                b'/' if next == Some(b'/') => at = text[at..].find('\n').map_or(bytes.len(), |n| at + n),
                b'/' if next == Some(b'*') => at = skip_block_comment(text, at)?,
                b'{' => *depth += 1,
                b'}' if *depth > 0 => *depth -= 1,
                b'}' if stack.len() == 1 => return Ok(at),
                b'}' => {
                    stack.pop();
                }
                _ => {}
            },
        }
        at += 1;
    }
    Err(match stack.last() {
        Some(Frame::Template) => "a back-quoted string in this script block is never closed",
        _ => "this `{` is never closed",
    })
}

/// The offset of the quote that closes the string or character opened at `start`.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8) -> Result<usize, &'static str> {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            c if c == quote => return Ok(at),
            _ => {}
        }
        at += 1;
    }
    Err("a string in this script block is never closed")
}

/// The offset of the last `/` of a (nestable) `/* */` comment opened at `start`.
fn skip_block_comment(text: &str, start: usize) -> Result<usize, &'static str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = start;
    while at + 1 < bytes.len() {
        match (bytes[at], bytes[at + 1]) {
            (b'/', b'*') => {
                depth += 1;
                at += 1;
            }
            (b'*', b'/') => {
                depth -= 1;
                at += 1;
                if depth == 0 {
                    return Ok(at);
                }
            }
            _ => {}
        }
        at += 1;
    }
    Err("a `/*` comment in this script block is never closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_ends_at_the_matching_brace() {
        let code = " let x = #{ a: 1 }; if x.a > 0 { print(x) } } rest";
        assert_eq!(rhai_block_end(code), Ok(code.len() - "} rest".len()));
    }

    #[test]
    fn braces_in_strings_comments_and_characters_do_not_count() {
        let code = r#" print("}"); let c = '}'; // }
 /* { /* } */ } */ print("\"}") }"#;
        assert_eq!(rhai_block_end(code), Ok(code.len() - 1));
    }

    #[test]
    fn interpolations_hold_code_and_back_quotes_double() {
        let code = " print(`weight ${ #{w: 1}.w } }`` { `); }";
        assert_eq!(rhai_block_end(code), Ok(code.len() - 1));
    }

    #[test]
    fn an_unclosed_block_or_string_says_which() {
        assert_eq!(rhai_block_end(" if x { }"), Err("this `{` is never closed"));
        assert_eq!(rhai_block_end(" print(\"} "), Err("a string in this script block is never closed"));
        assert_eq!(
            rhai_block_end(" `${ } "),
            Err("a back-quoted string in this script block is never closed")
        );
    }

    #[test]
    fn a_script_statement_keeps_its_code_and_where_it_is() {
        let text = "script { print(\"{\") }\nshow";
        let (script, diagnostics) = crate::lang::parse::parse_script(
            &crate::lang::source::Source::new("t", text),
            super::super::no_nodes,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let StmtKind::Script(block) = &script.stmts[0].kind else { panic!("{script:?}") };
        assert_eq!(block.code.value, " print(\"{\") ");
        assert_eq!(&text[block.code.span.range()], block.code.value);
        assert_eq!(script.stmts.len(), 2);
    }
}
