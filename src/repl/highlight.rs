//! Highlighting as you type: commands, keywords, addresses, numbers,
//! strings and comments each in their color, and the part of the line the
//! parser refuses in red, before Enter.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;

use colored::Colorize;

use super::complete::{complete, Model};
use crate::lang::shape::{command_keywords, is_command};
use crate::lang::source::Source;
use crate::lang::token::{tokens, TokenKind};

/// What a stretch of the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Command,
    Keyword,
    Address,
    Number,
    Str,
    Comment,
    /// The parser refuses the line from here.
    Error,
}

/// The styled stretches of `line`, whose block started in `before` (the
/// earlier lines of a `{ }` still open; empty otherwise). Ranges are byte
/// ranges in `line`, in order, not overlapping.
pub fn styles(before: &str, line: &str, model: Model<'_>) -> Vec<(Range<usize>, Style)> {
    let text = format!("{before}{line}");
    let base = before.len();
    let mut out = Vec::new();
    let mut command: Option<String> = None;
    let mut error = refused_from(&text, base, model);
    for t in tokens(&text) {
        let style = match t.kind {
            TokenKind::End | TokenKind::Open | TokenKind::Close => {
                command = None;
                None
            }
            TokenKind::Comment => Some(Style::Comment),
            TokenKind::Str { .. } => Some(Style::Str),
            TokenKind::Word => {
                let word = &text[t.span.clone()];
                match &command {
                    None => {
                        command = Some(word.to_string());
                        is_command(word).then_some(Style::Command)
                    }
                    Some(cmd) => word_style(cmd, word),
                }
            }
        };
        if t.span.end <= base {
            continue;
        }
        let span = t.span.start.max(base) - base..t.span.end - base;
        if let Some(at) = error.filter(|at| span.end > *at) {
            // One red stretch from the refused word to the end of its line.
            let end = line[at..].find('\n').map_or(line.len(), |n| at + n);
            out.push((at..end, Style::Error));
            error = None;
            if span.end <= end {
                continue;
            }
        }
        if let Some(style) = style {
            if out.last().is_none_or(|(r, _)| r.end <= span.start) {
                out.push((span, style));
            }
        }
    }
    out
}

/// A word after the command: a keyword of that command, an address, a number.
fn word_style(command: &str, word: &str) -> Option<Style> {
    let keyword = command_keywords(command).is_some_and(|k| k.contains(word));
    if keyword || (command == "ipvsadm" && word.starts_with('-') && word.len() > 1) {
        return Some(Style::Keyword);
    }
    if word.parse::<SocketAddr>().is_ok() || word.parse::<IpAddr>().is_ok() {
        return Some(Style::Address);
    }
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    (!digits.is_empty() && digits.parse::<f64>().is_ok()).then_some(Style::Number)
}

/// Where in the line (bytes from `base`) the parser refuses it, if it does.
/// An unclosed block is not refused (Enter continues it), nor is a word
/// still being typed at the end that can become a valid one.
fn refused_from(text: &str, base: usize, model: Model<'_>) -> Option<usize> {
    let (_, diagnostics) =
        crate::lang::parse::parse_script(&Source::new("<repl>", text), crate::lab::Lab::is_node);
    let d = diagnostics.into_iter().find(|d| d.is_error() && d.code != "lvs::parse::unclosed-block")?;
    let span = d.primary.span;
    let (start, end) = (span.start as usize, span.end as usize);
    if start < base || start >= text.len() {
        return None;
    }
    if end >= text.len() && text[start..].trim_end() == &text[start..] {
        let (_, candidates) = complete(text, model);
        if !candidates.is_empty() {
            return None;
        }
    }
    Some(start - base)
}

/// The line with its styles as ANSI colors (none when colors are off).
pub fn paint(line: &str, styles: &[(Range<usize>, Style)]) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut at = 0;
    for (range, style) in styles {
        let (Some(plain), Some(part)) = (line.get(at..range.start), line.get(range.clone())) else {
            continue;
        };
        out.push_str(plain);
        let painted = match style {
            Style::Command => part.green().bold(),
            Style::Keyword => part.cyan(),
            Style::Address => part.yellow(),
            Style::Number => part.magenta(),
            Style::Str => part.green(),
            Style::Comment => part.bright_black(),
            Style::Error => part.red().bold(),
        };
        out.push_str(&painted.to_string());
        at = range.end;
    }
    out.push_str(line.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::catalog::{Catalog, Names};

    fn styled(before: &str, line: &str) -> Vec<(&'static str, String)> {
        let (catalog, names) = (Catalog::default(), Names::new());
        let all = styles(before, line, Model { catalog: &catalog, names: &names });
        all.into_iter()
            .map(|(r, s)| {
                let name = match s {
                    Style::Command => "command",
                    Style::Keyword => "keyword",
                    Style::Address => "address",
                    Style::Number => "number",
                    Style::Str => "string",
                    Style::Comment => "comment",
                    Style::Error => "error",
                };
                (name, line[r].to_string())
            })
            .collect()
    }

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(a, b)| (*a, b.to_string())).collect()
    }

    #[test]
    fn each_kind_of_word_has_its_style() {
        assert_eq!(
            styled("", "backend web 10.10.0.2:8000 masq weight 2 # two"),
            pairs(&[
                ("command", "backend"),
                ("address", "10.10.0.2:8000"),
                ("keyword", "masq"),
                ("keyword", "weight"),
                ("number", "2"),
                ("comment", "# two"),
            ])
        );
        assert_eq!(
            styled("", "probe web send \"xxx\" timeout 500ms"),
            pairs(&[
                ("command", "probe"),
                ("keyword", "send"),
                ("string", "\"xxx\""),
                ("keyword", "timeout"),
                ("number", "500ms"),
            ])
        );
        assert_eq!(
            styled("", "ipvsadm -A -t 1.2.3.4:80"),
            pairs(&[("command", "ipvsadm"), ("keyword", "-A"), ("keyword", "-t"), ("address", "1.2.3.4:80")])
        );
    }

    #[test]
    fn the_refused_part_is_red_to_the_end_of_the_line() {
        assert_eq!(
            styled("", "backend web 10.10.0.2:8000 wieght 2"),
            pairs(&[("command", "backend"), ("address", "10.10.0.2:8000"), ("error", "wieght 2")])
        );
        assert_eq!(styled("", "frobnicate now"), pairs(&[("error", "frobnicate now")]));
    }

    #[test]
    fn an_unfinished_line_is_not_red() {
        assert_eq!(styled("", "del serv"), pairs(&[("command", "del")]));
        assert_eq!(styled("", "del service"), pairs(&[("command", "del"), ("keyword", "service")]));
        assert_eq!(
            styled("", "service web tcp 1.2.3.4:80 rr {"),
            pairs(&[("command", "service"), ("keyword", "tcp"), ("address", "1.2.3.4:80")])
        );
    }

    #[test]
    fn a_block_line_is_read_in_its_block() {
        let before = "service web tcp 1.2.3.4:80 rr {\n";
        assert_eq!(
            styled(before, "  backend 10.0.0.1:80 masq"),
            pairs(&[("command", "backend"), ("address", "10.0.0.1:80"), ("keyword", "masq")])
        );
        assert_eq!(styled(before, "  bakend 10.0.0.1:80").first().map(|p| p.0), Some("error"));
    }
}
