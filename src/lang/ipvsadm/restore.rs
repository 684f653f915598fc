//! The lines `ipvsadm -R` reads, all read before any runs. `restore FILE`
//! and `ipvsadm -R` (standard input) both come here, so a line that cannot
//! be restored is reported, at file:line:col, before anything in the file
//! reaches the kernel.
//!
//! As ipvsadm 1.31 reads them (docs/ipvsadm-format.md, "Restoring"): a line
//! ends at `\n`; its words are split on blanks, tabs and `\r`; every word
//! `ipvsadm` is dropped; a line with no word left is skipped; any other
//! line is one whole ipvsadm invocation. lvsh restores each line that
//! changes the table, and refuses every other: a listing or save (which
//! ipvsadm would print), `-R`, `-h`, `-v`, a `#` comment (ipvsadm stops
//! there with its usage message), and any line ipvsadm refuses.

use std::ops::Range;

use super::{parse_ipvsadm, split_line, IpvsadmCommand, IpvsadmError, EXIT_USAGE};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};

/// The diagnostic code of a line that cannot be restored.
pub const INVALID: &str = "lvs::restore::invalid";

/// The commands a restore line may hold, for help texts.
const RESTORABLE: &str =
    "a restore line changes the table: -A, -E, -D, -C, -a, -e, -d, -Z, --set, --start-daemon or --stop-daemon";

/// What separates words, and what a line's ends are trimmed of.
const BLANKS: [char; 4] = [' ', '\t', '\r', '\n'];

/// One line of a restore file: the change it asks for, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreLine {
    /// The line, without its leading and trailing blanks.
    pub span: Span,
    pub command: IpvsadmCommand,
}

/// Reads every line of `file` as `ipvsadm -R` does: the changes, in order,
/// or a diagnostic pointing into `file` at the first line that is not one.
pub fn read_restore(file: &Source) -> Result<Vec<RestoreLine>, Box<Diagnostic>> {
    let text = file.text.as_str();
    // Each line is read alone, so a big file is read in two halves at once
    // (a restore of thousands of lines spent a fifth of its time here).
    let middle = match text.len() >= PARALLEL_FROM {
        true => text[text.len() / 2..].find('\n').map(|at| text.len() / 2 + at + 1),
        false => None,
    };
    let Some(middle) = middle else { return read_lines(text, 0) };
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| read_lines(&text[middle..], middle));
        let first = read_lines(&text[..middle], 0);
        (first, second.join())
    });
    // The first line that is not a change, in file order.
    let mut lines = first?;
    let second = second.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    lines.extend(second);
    Ok(lines)
}

/// From this many bytes on (about a thousand lines), a file is read in two
/// halves at once.
const PARALLEL_FROM: usize = 64 * 1024;

/// [`read_restore`] of `text`, a run of whole lines that starts `base`
/// bytes into the file.
fn read_lines(text: &str, base: usize) -> Result<Vec<RestoreLine>, Box<Diagnostic>> {
    let mut lines = Vec::new();
    let mut start = base;
    for text in text.split_inclusive('\n') {
        let at = start;
        start += text.len();
        let words = split_line(text);
        if words.is_empty() {
            continue;
        }
        let content = text.trim_end_matches(BLANKS);
        let line =
            Span::new(at + content.len() - content.trim_start_matches(BLANKS).len(), at + content.len());
        let word_span = |range: &Range<usize>| Span::new(at + range.start, at + range.end);
        let (first, first_range) = &words[0];
        if first.starts_with('#') {
            return Err(Box::new(comment(line)));
        }
        let args: Vec<&str> = words.iter().map(|(word, _)| *word).collect();
        let command = parse_ipvsadm(&args).map_err(|e| {
            let span = e.arg.and_then(|n| words.get(n)).map_or(line, |(_, range)| word_span(range));
            Box::new(refused(&e, span))
        })?;
        if let Some(does) = not_a_change(&command) {
            return Err(Box::new(not_restorable(first, does, word_span(first_range))));
        }
        if !text.ends_with('\n') && ends_in_two_blanks(text) {
            return Err(Box::new(skipped_last_line(line)));
        }
        lines.push(RestoreLine { span: line, command });
    }
    Ok(lines)
}

/// Whether a line ends in two blanks or more, which ipvsadm's reader
/// (`config_stream_read`) drops the line for when the file ends there: it
/// meets the end of the file while skipping blanks, and forgets the line.
fn ends_in_two_blanks(text: &str) -> bool {
    text.len() - text.trim_end_matches(BLANKS).len() >= 2
}

/// What a command that does not change the table does instead; `None`
/// for a change.
fn not_a_change(command: &IpvsadmCommand) -> Option<&'static str> {
    match command {
        IpvsadmCommand::List { .. } => Some("lists the table"),
        IpvsadmCommand::Save => Some("prints the table"),
        IpvsadmCommand::Restore => Some("reads standard input again"),
        IpvsadmCommand::Help => Some("prints ipvsadm's usage"),
        IpvsadmCommand::Version => Some("prints ipvsadm's version"),
        IpvsadmCommand::AddService(_)
        | IpvsadmCommand::EditService(_)
        | IpvsadmCommand::DelService(_)
        | IpvsadmCommand::Flush
        | IpvsadmCommand::AddServer { .. }
        | IpvsadmCommand::EditServer { .. }
        | IpvsadmCommand::DelServer { .. }
        | IpvsadmCommand::Zero(_)
        | IpvsadmCommand::SetTimeouts(_)
        | IpvsadmCommand::StartDaemon(_)
        | IpvsadmCommand::StopDaemon(_) => None,
    }
}

/// A line ipvsadm refuses, with ipvsadm's own message.
fn refused(e: &IpvsadmError, span: Span) -> Diagnostic {
    let help = match e.exit_code == EXIT_USAGE && e.message.starts_with("Try") {
        true => RESTORABLE,
        false => "this line uses ipvsadm's own option syntax; see `help ipvsadm`",
    };
    Diagnostic::error(INVALID, e.message.trim_end(), span, "ipvsadm refuses this").with_help(help)
}

/// A line ipvsadm would run but that changes nothing (`-L`, `-S`, `-R`, `-h`, `-v`).
fn not_restorable(word: &str, does: &str, span: Span) -> Diagnostic {
    Diagnostic::error(INVALID, format!("`{word}` {does}: only changes can be restored"), span, "not a change")
        .with_help(format!("{RESTORABLE}; run this one outside the file"))
}

/// A last line `ipvsadm -R` would skip without a word.
fn skipped_last_line(span: Span) -> Diagnostic {
    Diagnostic::error(
        INVALID,
        "`ipvsadm -R` skips this line: it is the last, and ends in blanks with no newline after them",
        span,
        "ipvsadm never runs this line",
    )
    .with_help("end the line with a newline, or delete the blanks after its last word")
}

/// A `#` line, which `ipvsadm -R` has no notion of.
fn comment(span: Span) -> Diagnostic {
    Diagnostic::error(
        INVALID,
        "`ipvsadm -R` has no comments: ipvsadm stops at this line with its usage message",
        span,
        "a comment",
    )
    .with_help("delete the line (ipvsadm's `ipvsadm-restore` script deletes the lines starting with `#` before it runs `ipvsadm -R`)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::ServiceKey;

    fn read(text: &str) -> Result<Vec<RestoreLine>, Box<Diagnostic>> {
        read_restore(&Source::new("rules", text))
    }

    /// The refused line's diagnostic: its message and the text it points at.
    fn refusal(text: &str) -> (String, String) {
        let d = read(text).expect_err("a line should be refused");
        assert_eq!(d.code, INVALID);
        (d.message, text[d.primary.span.range()].to_string())
    }

    fn vip() -> ServiceKey {
        ServiceKey::tcp("10.1.0.1:80".parse().unwrap())
    }

    /// A file big enough to be read in two halves, with `odd` as line `at`.
    fn big(at: usize, odd: &str) -> String {
        let mut lines: Vec<String> =
            (0..4000).map(|i| format!("-A -t 10.{}.{}.1:80 -s rr", i / 250, i % 250)).collect();
        lines[at] = odd.to_string();
        lines.join("\n") + "\n"
    }

    #[test]
    fn a_big_file_read_in_two_halves_reads_as_one_line_after_another() {
        let text = big(2999, "  ipvsadm -D -t 10.1.0.1:80  ");
        assert!(text.len() >= PARALLEL_FROM);
        let whole = read(&text).unwrap();
        assert_eq!(whole, read_lines(&text, 0).unwrap());
        assert_eq!(whole.len(), 4000);
        assert_eq!(&text[whole[2999].span.range()], "ipvsadm -D -t 10.1.0.1:80");
        // The first line that is not a change, wherever the halves meet.
        for at in [10, 1999, 2000, 2001, 3990] {
            let text = big(at, "-L -n");
            let (parallel, alone) = (read(&text).unwrap_err(), read_lines(&text, 0).unwrap_err());
            assert_eq!(parallel, alone, "line {at}");
            assert_eq!(&text[parallel.primary.span.range()], "-L", "line {at}");
        }
        let mut two = big(3500, "-L -n");
        two = two.replacen("-A -t 10.0.20.1:80 -s rr", "# a comment", 1);
        assert_eq!(read(&two).unwrap_err(), read_lines(&two, 0).unwrap_err(), "the first of two");
        assert!(read(&two).unwrap_err().message.contains("comment"));
    }

    #[test]
    fn blank_lines_and_lines_of_only_ipvsadm_are_skipped() {
        let lines = read("\n  \t\r\nipvsadm\n-D -t 10.1.0.1:80\n\nipvsadm -C").unwrap();
        let commands: Vec<_> = lines.iter().map(|l| l.command.clone()).collect();
        assert_eq!(commands, [IpvsadmCommand::DelService(vip()), IpvsadmCommand::Flush]);
    }

    #[test]
    fn each_line_points_at_its_words_without_blanks_or_line_end() {
        let text = "-C\r\n  ipvsadm  -Z -t 10.1.0.1:80 \t\n";
        let spans: Vec<&str> = read(text).unwrap().iter().map(|l| &text[l.span.range()]).collect();
        assert_eq!(spans, ["-C", "ipvsadm  -Z -t 10.1.0.1:80"]);
    }

    #[test]
    fn every_change_ipvsadm_knows_is_restored_in_any_spelling() {
        let text = "\
-A -t 10.1.0.1:80 -s rr
--edit-service --tcp-service=10.1.0.1:80 -s wrr
-At 10.1.0.2:80
-a -t 10.1.0.1:80 -r 10.2.0.1:80 -m
-e -t 10.1.0.1:80 -r 10.2.0.1:80 -m -w 3
--delete-server -t 10.1.0.1:80 -r 10.2.0.1:80
-Z
--zero -t 10.1.0.1:80
--set 10 20 30
--start-daemon master --mcast-interface lo
--stop-daemon=master
-D -t 10.1.0.1:80
--clear
";
        let lines = read(text).unwrap();
        assert_eq!(lines.len(), text.lines().count());
        assert!(matches!(lines[1].command, IpvsadmCommand::EditService(_)));
        assert!(matches!(lines[2].command, IpvsadmCommand::AddService(_)));
        assert!(matches!(lines[5].command, IpvsadmCommand::DelServer { .. }));
        assert_eq!(lines[7].command, IpvsadmCommand::Zero(Some(vip())));
        assert!(matches!(lines[10].command, IpvsadmCommand::StopDaemon(_)));
        assert_eq!(lines[12].command, IpvsadmCommand::Flush);
    }

    #[test]
    fn lines_that_change_nothing_are_refused_at_their_command() {
        for (line, message) in [
            ("-L -n", "`-L` lists the table: only changes can be restored"),
            ("-Ln", "`-Ln` lists the table: only changes can be restored"),
            ("--list -t 10.1.0.1:80", "`--list` lists the table: only changes can be restored"),
            ("-S -n", "`-S` prints the table: only changes can be restored"),
            ("-R", "`-R` reads standard input again: only changes can be restored"),
            ("-h", "`-h` prints ipvsadm's usage: only changes can be restored"),
            ("--version", "`--version` prints ipvsadm's version: only changes can be restored"),
        ] {
            let text = format!("-C\n{line}\n");
            let word = line.split(' ').next().unwrap();
            assert_eq!(refusal(&text), (message.to_string(), word.to_string()), "{line}");
        }
    }

    #[test]
    fn a_line_ipvsadm_would_not_run_is_refused_with_its_reason_at_its_word() {
        for (text, message, at) in [
            (
                "-C\n  # the web service\n-C\n",
                "`ipvsadm -R` has no comments: ipvsadm stops at this line with its usage message",
                "# the web service",
            ),
            (
                "#-A -t 10.1.0.1:80\n",
                "`ipvsadm -R` has no comments: ipvsadm stops at this line with its usage message",
                "#-A -t 10.1.0.1:80",
            ),
            ("-C\n-A -t 10.1.0.1:80 -s rr # web\n", "unexpected argument #", "#"),
            ("-a -t 10.1.0.1:80 -z\n", "-z: unknown option", "-z"),
            ("-A -t 10.1.0.1 -s rr\n", "Zero port specified for non-persistent service", "10.1.0.1"),
            ("garbage here\n", "Try `ipvsadm -h' or 'ipvsadm --help' for more information.", "garbage here"),
            (
                "-C\n-Z  ",
                "`ipvsadm -R` skips this line: it is the last, and ends in blanks with no newline after them",
                "-Z",
            ),
            (
                "-C\n-Z \r",
                "`ipvsadm -R` skips this line: it is the last, and ends in blanks with no newline after them",
                "-Z",
            ),
        ] {
            assert_eq!(refusal(text), (message.to_string(), at.to_string()), "{text:?}");
        }
    }

    #[test]
    fn a_last_line_is_run_unless_it_ends_in_two_blanks_without_a_newline() {
        for runs in ["-C\n-Z", "-C\n-Z ", "-C\n-Z\r", "-C\n-Z  \n", "-Z  \n-C"] {
            assert_eq!(read(runs).map(|lines| lines.len()), Ok(2), "{runs:?}");
        }
    }

    #[test]
    fn the_first_bad_line_is_reported_even_after_good_ones() {
        let text = "-A -t 10.1.0.1:80 -s rr\n-a -t 10.1.0.1:80 -r 10.2.0.1:80 -m\n-L\n-x\n";
        let d = read(text).unwrap_err();
        assert_eq!(Source::new("rules", text).line_col(d.primary.span.start as usize), (3, 1));
    }
}
