//! Diagnostics to text: the message, a `path:line:col` locator, the source
//! line with a caret under the fault, and the hints (just's layout).

use colored::Colorize;

use crate::lang::diagnostic::{Diagnostic, Label, Severity};
use crate::lang::source::Source;

/// `lvsh check --json`: one diagnostic with its places as 1-based lines
/// and columns (in characters; `end_column` is one past the last), its
/// related places, help and notes (schema/check-files.schema.json).
pub fn json(diagnostic: &Diagnostic, source: &Source) -> serde_json::Value {
    let place = |label: &Label| {
        let (line, column) = source.line_col(label.span.start as usize);
        let (end_line, end_column) = source.line_col(label.span.end as usize);
        serde_json::json!({
            "line": line, "column": column, "end_line": end_line, "end_column": end_column, "label": label.text,
        })
    };
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    serde_json::json!({
        "severity": severity,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "at": place(&diagnostic.primary),
        "related": diagnostic.secondary.iter().map(place).collect::<Vec<_>>(),
        "help": diagnostic.help,
        "notes": diagnostic.notes,
    })
}

/// Renders one diagnostic against its source; colored when `color` is set.
pub fn render(diagnostic: &Diagnostic, source: &Source, color: bool) -> String {
    let paint = Paint { color };
    let (line_no, col) = source.line_col(diagnostic.primary.span.start as usize);
    let gutter = " ".repeat(digits(line_no.max(last_line(diagnostic, source))));
    let mut out = String::new();
    let head = match diagnostic.severity {
        Severity::Error => paint.red("error"),
        Severity::Warning => paint.yellow("warning"),
    };
    out.push_str(&format!("{head}[{}]: {}\n", diagnostic.code, paint.bold(&diagnostic.message)));
    out.push_str(&format!("{gutter}{} {}:{line_no}:{col}\n", paint.blue("-->"), source.name));
    out.push_str(&format!("{gutter} {}\n", paint.blue("|")));
    let mut labels: Vec<(&Label, bool)> = diagnostic.secondary.iter().map(|l| (l, false)).collect();
    labels.push((&diagnostic.primary, true));
    labels.sort_by_key(|(l, _)| l.span.start);
    // Labels on one line share its text: the line once, then a mark per label.
    let mut shown_line = None;
    for (label, primary) in labels {
        let line = source.line_col(label.span.start as usize).0;
        out.push_str(&snippet(source, label, primary, &gutter, paint, shown_line != Some(line)));
        shown_line = Some(line);
    }
    out.push_str(&format!("{gutter} {}\n", paint.blue("|")));
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("{gutter} {} {}: {help}\n", paint.blue("="), paint.bold("help")));
    }
    for note in &diagnostic.notes {
        out.push_str(&format!("{gutter} {} {}: {note}\n", paint.blue("="), paint.bold("note")));
    }
    out
}

/// Renders a warning that has no place in a source.
pub fn render_warning(message: &str, help: Option<&str>, color: bool) -> String {
    let paint = Paint { color };
    let mut out = format!("{}: {}\n", paint.yellow("warning"), paint.bold(message));
    if let Some(help) = help {
        out.push_str(&format!("{}: {help}\n", paint.bold("help")));
    }
    out
}

/// Renders an error that has no place in a source (the environment, a file).
pub fn render_plain(message: &str, help: Option<&str>, color: bool) -> String {
    let paint = Paint { color };
    let mut out = format!("{}: {}\n", paint.red("error"), paint.bold(message));
    if let Some(help) = help {
        out.push_str(&format!("{}: {help}\n", paint.bold("help")));
    }
    out
}

/// The marks under a label, after its source line unless that was just shown.
fn snippet(
    source: &Source,
    label: &Label,
    primary: bool,
    gutter: &str,
    paint: Paint,
    with_line: bool,
) -> String {
    let start = label.span.start as usize;
    let (line_start, text) = source.line_at(start);
    let (line_no, _) = source.line_col(start);
    let lead: usize = text[..start.saturating_sub(line_start).min(text.len())].chars().count();
    let end = (label.span.end as usize).clamp(start, line_start + text.len());
    let width = source.text.get(start..end).map_or(1, |s| s.chars().count()).max(1);
    let mark = if primary { "^" } else { "-" }.repeat(width);
    let mark = if primary { paint.red(&mark) } else { paint.blue(&mark) };
    let pad = " ".repeat(digits(line_no).max(gutter.len()) - digits(line_no));
    let mut out = match with_line {
        true => {
            format!("{}{pad} {} {}\n", paint.blue(&line_no.to_string()), paint.blue("|"), text.trim_end())
        }
        false => String::new(),
    };
    let label_text = if label.text.is_empty() { String::new() } else { format!(" {}", label.text) };
    out.push_str(&format!("{gutter} {} {}{mark}{label_text}\n", paint.blue("|"), " ".repeat(lead)));
    out
}

fn last_line(diagnostic: &Diagnostic, source: &Source) -> usize {
    diagnostic.secondary.iter().map(|l| source.line_col(l.span.start as usize).0).max().unwrap_or(0)
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Colors when asked, plain text otherwise.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn red(self, s: &str) -> String {
        self.apply(s, |s| s.red().bold().to_string())
    }
    fn yellow(self, s: &str) -> String {
        self.apply(s, |s| s.yellow().bold().to_string())
    }
    fn blue(self, s: &str) -> String {
        self.apply(s, |s| s.blue().bold().to_string())
    }
    fn bold(self, s: &str) -> String {
        self.apply(s, |s| s.bold().to_string())
    }
    fn apply(self, s: &str, f: impl Fn(&str) -> String) -> String {
        if self.color {
            f(s)
        } else {
            s.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::source::Span;

    #[test]
    fn an_unknown_option_points_at_the_word_with_a_hint() {
        let text = "service web tcp 111.111.0.1:80 rr {\n    backend 10.10.0.2:8000 masq\n    backend 10.10.0.3:8000 masq wieght 2\n}\n";
        let source = Source::new("examples/lab.lvs", text);
        let at = text.find("wieght").unwrap();
        let d = Diagnostic::error(
            "lvs::parse::unknown-word",
            "unknown backend option `wieght`",
            Span::new(at, at + 6),
            "expected `weight`",
        )
        .with_help("did you mean `weight`?")
        .with_secondary(Span::new(8, 11), "in service `web`")
        .with_note("lvsh changed nothing in the kernel");
        assert_eq!(
            render(&d, &source, false),
            "error[lvs::parse::unknown-word]: unknown backend option `wieght`
 --> examples/lab.lvs:3:33
  |
1 | service web tcp 111.111.0.1:80 rr {
  |         --- in service `web`
3 |     backend 10.10.0.3:8000 masq wieght 2
  |                                 ^^^^^^ expected `weight`
  |
  = help: did you mean `weight`?
  = note: lvsh changed nothing in the kernel
"
        );
    }
}
