//! lvs(5), the `.lvs` language's manual page: `grammar/GUIDE.md` turned
//! into roff, then a reference of every statement generated from the
//! statement tables (`lang::command`), as `help` shows them. lvsh(1) comes
//! from the command line's definition (`app::manpages`).
//!
//! The Markdown is the guide's own small subset: `#` headings, paragraphs,
//! `- ` lists, fenced code blocks, `|` tables, `` `code` `` and `**bold**`.

use crate::lang::command::{self, Group, COMMAND_HELP};

/// The guide, built in.
const GUIDE: &str = include_str!("../../grammar/GUIDE.md");

/// lvs(5): the guide, then the statement reference.
pub fn lvs5(version: &str) -> String {
    let mut out = format!(
        ".TH LVS 5 \"\" \"lvsh {}\" \"File Formats\"\n\
         .SH NAME\nlvs \\- the lvsh language for Linux IPVS: declarations, checks and the lab\n\
         .SH SYNOPSIS\n.B lvsh run\n.I FILE.lvs\n.br\n.B lvsh apply\n.I FILE.lvs\n",
        escape(version)
    );
    out += &markdown(GUIDE);
    out += &statements();
    out += ".SH SEE ALSO\n.BR lvsh (1),\n.BR ipvsadm (8),\n.BR keepalived (8)\n";
    out
}

/// Each statement: its syntax, what it does, the names its syntax uses,
/// each option with its meaning, and an example that runs.
fn statements() -> String {
    let mut out = String::from(".SH STATEMENTS\nEvery statement, as `help` shows it, by purpose.\n");
    for group in Group::ALL {
        let commands: Vec<_> = COMMAND_HELP.iter().filter(|c| c.group == group).collect();
        if commands.is_empty() {
            continue;
        }
        out += &format!(".SS {}\n", escape(group.title()));
        for c in commands {
            out += &format!(".TP\n.B {}\n{}\n", escape(c.syntax), inline(c.summary));
            if !c.aliases.is_empty() {
                out += &format!("Also written {}.\n", inline(&format!("`{}`", c.aliases.join("`, `"))));
            }
            for name in super::help::names_in(c.syntax) {
                match command::options(name) {
                    Some(table) => {
                        out += &format!(".RS\n.PP\n\\fI{}\\fR is one of:\n", escape(name));
                        for o in &table.options {
                            out += &format!(".TP\n.B {}\n{}\n", escape(&o.syntax), inline(o.help));
                            if let Some(d) = o.default {
                                out += &format!("Default {}.\n", escape(d));
                            }
                        }
                        out += ".RE\n";
                    }
                    None => {
                        let meaning = command::fragment(name)
                            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                            .or_else(|| command::placeholder(name).map(|(_, m)| m.to_string()))
                            .unwrap_or_default();
                        out += &format!(".RS\n.PP\n\\fI{}\\fR: {}\n.RE\n", escape(name), inline(&meaning));
                    }
                }
            }
            out += &format!(".RS\n.PP\nExample:\n.EX\n{}\n.EE\n.RE\n", code_line(c.example));
        }
    }
    out
}

/// The guide's Markdown as roff.
fn markdown(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut paragraph: Vec<String> = Vec::new();
    let flush = |paragraph: &mut Vec<String>, out: &mut String| {
        if !paragraph.is_empty() {
            *out += &format!(".PP\n{}\n", inline(&paragraph.join(" ")));
            paragraph.clear();
        }
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim_end();
        if let Some(title) = trimmed.strip_prefix("# ") {
            flush(&mut paragraph, &mut out);
            out += &format!(".SH DESCRIPTION\n.PP\n\\fB{}\\fR\n", plain(title));
        } else if let Some(title) = trimmed.strip_prefix("## ") {
            flush(&mut paragraph, &mut out);
            out += &format!(".SH \"{}\"\n", plain(title).to_uppercase().replace('"', "'"));
        } else if let Some(title) = trimmed.strip_prefix("### ") {
            flush(&mut paragraph, &mut out);
            out += &format!(".SS \"{}\"\n", plain(title).replace('"', "'"));
        } else if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut out);
            out += ".PP\n.EX\n";
            for code in lines.by_ref() {
                if code.trim_end().starts_with("```") {
                    break;
                }
                out += &format!("{}\n", code_line(code));
            }
            out += ".EE\n";
        } else if trimmed.starts_with('|') {
            flush(&mut paragraph, &mut out);
            out += ".PP\n.nf\n";
            let mut row = Some(trimmed);
            while let Some(r) = row {
                // The `|---|` line only underlines the head in Markdown.
                if !r.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
                    let cells: Vec<String> =
                        r.trim_matches('|').split(" | ").map(|c| plain(c.trim())).collect();
                    out += &format!("{}\n", escape_line(&cells.join("  \\(em  ")));
                }
                row = lines.next_if(|l| l.trim_start().starts_with('|')).map(str::trim_end);
            }
            out += ".fi\n";
        } else if let Some(item) = trimmed.strip_prefix("- ").or_else(|| numbered(trimmed)) {
            flush(&mut paragraph, &mut out);
            let mut text = vec![item.to_string()];
            while let Some(more) = lines.next_if(|l| l.starts_with("  ") && !l.trim().is_empty()) {
                text.push(more.trim().to_string());
            }
            out += &format!(".IP \\(bu 2\n{}\n", inline(&text.join(" ")));
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
        } else {
            paragraph.push(trimmed.trim_start().to_string());
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

/// A list item numbered `1. `.
fn numbered(line: &str) -> Option<&str> {
    let (n, rest) = line.split_once(". ")?;
    n.bytes().all(|b| b.is_ascii_digit()).then_some(rest).filter(|_| !n.is_empty())
}

/// Text with `code` and **bold** in bold, the rest escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = [rest.find('`'), rest.find("**")].into_iter().flatten().min();
        let Some(at) = next else {
            out += &escape(rest);
            break;
        };
        out += &escape(&rest[..at]);
        let (mark, after) = match rest[at..].starts_with("**") {
            true => ("**", &rest[at + 2..]),
            false => {
                // ```` ``a`b`` ````: as many backticks close as opened.
                let ticks = rest[at..].len() - rest[at..].trim_start_matches('`').len();
                (&rest[at..at + ticks], &rest[at + ticks..])
            }
        };
        match after.find(mark) {
            Some(end) => {
                out += &format!("\\fB{}\\fR", escape(after[..end].trim_matches(' ')));
                rest = &after[end + mark.len()..];
            }
            None => {
                out += &escape(&rest[at..]);
                break;
            }
        }
    }
    escape_line(&out)
}

/// Markdown's marks dropped: a heading's or a table cell's text.
fn plain(text: &str) -> String {
    escape(&text.replace("**", "").replace('`', ""))
}

/// A line of code, kept as written.
fn code_line(line: &str) -> String {
    escape_line(&escape(line))
}

/// roff's own characters in text: the backslash, the hyphen of options,
/// and anything beyond ASCII as groff's `\[uXXXX]` (troff reads bytes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// A line that would start with `.` or `'` is a request to roff: not so.
fn escape_line(line: &str) -> String {
    match line.starts_with(['.', '\'']) {
        true => format!("\\&{line}"),
        false => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_roff_with_code_bold_lists_and_tables() {
        let md = "## `service`: declare\n\nA **run** is `one` thing.\n\n- one\n  more\n\n```lvs\n.x -y \\\n```\n\n| a | b |\n|---|---|\n| `c` | d |\n";
        let roff = markdown(md);
        assert!(roff.contains(".SH \"SERVICE: DECLARE\"\n"), "{roff}");
        assert!(roff.contains(".PP\nA \\fBrun\\fR is \\fBone\\fR thing.\n"), "{roff}");
        assert!(roff.contains(".IP \\(bu 2\none more\n"), "{roff}");
        assert!(roff.contains(".EX\n\\&.x \\-y \\e\n.EE\n"), "{roff}");
        assert!(roff.contains(".nf\na  \\(em  b\nc  \\(em  d\n.fi\n"), "{roff}");
        assert_eq!(escape("a→b"), "a\\[u2192]b");
    }

    #[test]
    fn every_statement_is_in_the_page() {
        let page = lvs5("0.1.0");
        for c in COMMAND_HELP {
            assert!(page.contains(&format!(".B {}\n", escape(c.syntax))), "{}", c.name);
        }
    }
}
