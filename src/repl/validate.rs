//! Whether an input is whole: a `{` still open (a service block, a Rhai
//! `script { }`), or a `\` at the end of the last line, continues it on the
//! next line.

use crate::lang::token::{tokens, TokenKind};

/// Whether `text` needs more lines before it can run.
pub fn is_incomplete(text: &str) -> bool {
    text.trim_end_matches([' ', '\t', '\r', '\n']).ends_with('\\') || depth(text) > 0
}

/// How many `{` are open at the end of `text`. Inside `script {` the text
/// is Rhai, whose strings, comments and `#{` maps are skipped as Rhai reads
/// them.
fn depth(text: &str) -> usize {
    let mut depth = 0usize;
    let mut last_word: Option<&str> = None;
    let mut at = 0;
    while at < text.len() {
        let Some(t) = tokens(&text[at..]).into_iter().next() else { break };
        let span = at + t.span.start..at + t.span.end;
        match t.kind {
            TokenKind::Open if last_word == Some("script") => {
                let (end, open) = rhai_block(&text[span.end..]);
                if open {
                    return depth + 1;
                }
                at = span.end + end;
                last_word = None;
                continue;
            }
            TokenKind::Open => depth += 1,
            TokenKind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        last_word = (t.kind == TokenKind::Word).then(|| &text[span.clone()]);
        at = span.end;
    }
    depth
}

/// Reads Rhai after a `script {`: the byte offset just past its closing
/// `}`, or whether it is still open at the end.
fn rhai_block(code: &str) -> (usize, bool) {
    let bytes = code.as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' | b'\'' => i = skip_quoted(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = code[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = code[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return (i, false);
                }
            }
            _ => i += 1,
        }
    }
    (bytes.len(), true)
}

/// Past a quoted Rhai string (or back-ticked template) that opens at `start`.
fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_service_block_continues() {
        assert!(is_incomplete("service web tcp 1.2.3.4:80 rr {"));
        assert!(is_incomplete("service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80"));
        assert!(!is_incomplete("service web tcp 1.2.3.4:80 rr {\n  backend 10.0.0.1:80\n}"));
        assert!(!is_incomplete("show"));
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        assert!(!is_incomplete("echo \"{\" # {"));
    }

    #[test]
    fn a_trailing_backslash_continues() {
        assert!(is_incomplete("service web tcp 1.2.3.4:80 \\"));
    }

    #[test]
    fn a_script_block_is_read_as_rhai() {
        assert!(is_incomplete("script {\n  let m = #{ a: 1,"));
        assert!(!is_incomplete("script {\n  let m = #{ a: 1 };\n  print(\"}\"); // }\n}"));
        assert!(is_incomplete("script {\n  if x {\n    print(`${x}`);"));
        assert!(!is_incomplete("script { print(1) }\nshow"));
    }
}
