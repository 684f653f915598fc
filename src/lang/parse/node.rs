//! The lab statements: lab, on (and a lab node's name as a command), jobs,
//! stop, serve, use and tutorial.

use super::error::PError;
use super::lexeme::{at_end, bad, blank, next_word, node, number, unknown, word, word_or_string};
use super::options::{self, Kind, Opt, Options, Val};
use super::{In, PResult};
use crate::lang::ast::{BackendMethod, LabAction, LabStmt, NodeCommand, ServeStmt, StmtKind, TutorialStmt};
use crate::lang::diagnostic::suggest;
use crate::lang::source::{Span, Spanned};
use crate::node::serve::ServeKind;

/// `lab`'s options.
pub static LAB: Options<LabStmt> = Options {
    fragment: "LAB-OPTION",
    production: "lab-option",
    what: "lab option",
    sample: "lab status",
    list: &[
        Opt {
            word: "--explain",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "print each `ip` command as it runs",
            example: "",
            rhai: None,
            set: |l, _| l.explain = true,
            get: |l| l.explain.then_some(Val::Flag),
        },
        Opt {
            word: "ha",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "the high-availability lab: a second director gw2, keepalived's VRRP and the sync daemons",
            example: "",
            rhai: None,
            set: |l, _| l.ha = true,
            get: |l| l.ha.then_some(Val::Flag),
        },
        Opt {
            word: "prefix",
            alias: None,
            kind: Kind::Word {
                placeholder: "PREFIX",
                what: "a namespace name prefix, e.g. clab-mod3-2ext2int-",
            },
            default: None,
            help: "the namespaces' name prefix (a containerlab deployment's)",
            example: "clab-mod3-2ext2int-",
            rhai: None,
            set: |l, v| l.prefix = Some(v.value.text()),
            get: |l| l.prefix.clone().map(Val::Text),
        },
        Opt::json("print `lab status` as JSON", |l, _| l.json = true, |l| l.json.then_some(Val::Flag)),
    ],
};

/// `lab := "lab" ( "up" | "down" | "status" | "backends" backend-method ) { lab-option }`
pub fn lab_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, action) = word(i, "`up`, `down`, `status`, `failover` or `backends`")?;
    let (i, action) = match action.value {
        "up" => (i, LabAction::Up),
        "down" => (i, LabAction::Down),
        "status" => (i, LabAction::Status),
        "failover" => (i, LabAction::Failover),
        "backends" => backend_method(i)?,
        _ => return Err(unknown(&action, "lab action", &["up", "down", "status", "failover", "backends"])),
    };
    let mut lab = LabStmt { action, explain: false, prefix: None, ha: false, json: false };
    let (i, ()) = options::read(i, &LAB, &mut lab, &mut options::none)?;
    Ok((i, StmtKind::Lab(lab)))
}

/// `backend-method := "masq" | "route" | "tunnel"`: what `lab backends` sets the backends up for.
fn backend_method(i: In<'_>) -> PResult<'_, LabAction> {
    let (i, w) = word(i, "a forwarding method: `masq`, `route` or `tunnel`")?;
    match BackendMethod::ALL.into_iter().find(|m| m.word() == w.value) {
        Some(method) => Ok((i, LabAction::Backends(method))),
        None => Err(unknown(&w, "forwarding method", &BackendMethod::ALL.map(BackendMethod::word))),
    }
}

/// `on := "on" node command-line`
pub fn on_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, node) = node(i)?;
    node_command(i, node)
}

/// `node-command := lab-node command-line`: the tutorial's `int1 nc -l -p 8000 -k &`.
pub fn node_command(i: In<'_>, node: Spanned<String>) -> PResult<'_, StmtKind> {
    let (rest, line) = command_line(i)?;
    let (text, background) = match line.value.strip_suffix('&') {
        Some(text) if !text.ends_with('&') => (text.trim_end(), true),
        _ => (line.value, false),
    };
    let argv = shlex::split(text).unwrap_or_default();
    if argv.is_empty() {
        // The caret goes under the next character, or at the end of the text.
        let at = line.span.start as usize;
        let end = if rest.fragment().is_empty() { at } else { at + 1 };
        let err = PError::new(
            "lvs::parse::missing",
            Span::new(at, end),
            "a command to run is missing",
            "expected a command",
        )
        .help(format!("e.g. `on {} ip addr`", node.value));
        return Err(nom::Err::Failure(err));
    }
    Ok((rest, StmtKind::OnNode(NodeCommand { node, text: text.to_string(), argv, background })))
}

/// The rest of the statement as a shell would see it: up to a newline,
/// `;` or `#` outside quotes, with quotes kept for `shlex` to split.
fn command_line(i: In<'_>) -> PResult<'_, Spanned<&str>> {
    let (i, ()) = blank(i)?;
    let text = i.fragment();
    let start = i.location_offset();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut end = text.len();
    let mut previous = ' ';
    for (at, c) in text.char_indices() {
        let was_escaped = escaped;
        escaped = c == '\\' && quote != Some('\'') && !was_escaped;
        match (quote, c) {
            (_, '\n') => {
                if let Some(q) = quote {
                    let err = PError::new(
                        "lvs::parse::unclosed-string",
                        Span::new(start, start + at),
                        format!("this command line has an unclosed {q}"),
                        "the quote is not closed on its line",
                    )
                    .help(format!("close it with {q}"));
                    return Err(nom::Err::Failure(err));
                }
                end = at;
                break;
            }
            (Some(q), _) if c == q && !(q == '"' && was_escaped) => quote = None,
            (None, '\'' | '"') if !was_escaped => quote = Some(c),
            (None, ';') if !was_escaped => {
                end = at;
                break;
            }
            (None, '#') if !was_escaped && previous.is_whitespace() => {
                end = at;
                break;
            }
            _ => {}
        }
        previous = c;
    }
    if let (Some(q), true) = (quote, end == text.len()) {
        let err = PError::new(
            "lvs::parse::unclosed-string",
            Span::new(start, start + end),
            format!("this command line has an unclosed {q}"),
            "the quote is not closed",
        )
        .help(format!("close it with {q}"));
        return Err(nom::Err::Failure(err));
    }
    let value = text[..end].trim_end();
    // `take_from` counts bytes, as `end` does.
    let rest = nom::Input::take_from(&i, end);
    Ok((rest, Spanned::new(value, Span::new(start, start + value.len()))))
}

/// `jobs := "jobs" [ number | node ]`
pub fn jobs_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (rest, w) = next_word(i)?;
    match w {
        None => Ok((rest, StmtKind::Jobs(None))),
        Some(w) => Ok((rest, StmtKind::Jobs(Some(Spanned::new(w.value.to_string(), w.span))))),
    }
}

/// `stop := "stop" ( number | node )`
pub fn stop_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, ()) = blank(i)?;
    if i.fragment().starts_with(|c: char| c.is_ascii_digit()) {
        let (i, n) = number::<usize>(i, "job number (see `jobs`)", 1..=u32::MAX as u64)?;
        return Ok((i, StmtKind::Stop(Spanned::new(n.value.to_string(), n.span))));
    }
    let (i, node) = word_or_string(i, "a job number or a node (`jobs` lists them)")?;
    Ok((i, StmtKind::Stop(node)))
}

/// `serve`'s options.
pub static SERVE: Options<ServeStmt> = Options {
    fragment: "SERVE-OPTION",
    production: "serve-option",
    what: "serve option",
    sample: "serve int1 8000",
    list: &[
        Opt {
            word: "tcp",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "answer TCP connections (the default)",
            example: "",
            rhai: None,
            set: |s, _| s.kind = ServeKind::Tcp,
            get: |s| (s.kind == ServeKind::Tcp).then_some(Val::Flag),
        },
        Opt {
            word: "udp",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "answer UDP datagrams",
            example: "",
            rhai: None,
            set: |s, _| s.kind = ServeKind::Udp,
            get: |s| (s.kind == ServeKind::Udp).then_some(Val::Flag),
        },
        Opt {
            word: "http",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "answer HTTP requests",
            example: "",
            rhai: None,
            set: |s, _| s.kind = ServeKind::Http,
            get: |s| (s.kind == ServeKind::Http).then_some(Val::Flag),
        },
        Opt {
            word: "echo",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "keep each TCP connection open, answering every line with `NODE: LINE`",
            example: "",
            rhai: None,
            set: |s, _| s.kind = ServeKind::Echo,
            get: |s| (s.kind == ServeKind::Echo).then_some(Val::Flag),
        },
        Opt {
            word: "reply",
            alias: None,
            kind: Kind::Text { what: "the text to reply, e.g. \"hello\"" },
            default: None,
            help: "the answer instead of the node's name",
            example: "\"hello\"",
            rhai: None,
            set: |s, v| s.reply = Some(v.value.text()),
            get: |s| s.reply.clone().map(Val::Text),
        },
    ],
};

/// `serve := "serve" node port { serve-option }`
pub fn serve_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (i, node) = node(i)?;
    let (i, port) = number::<u16>(i, "port", 1..=65_535)?;
    let mut serve = ServeStmt { node, port: port.value, kind: ServeKind::Tcp, reply: None };
    let (i, ()) = options::read(i, &SERVE, &mut serve, &mut options::none)?;
    Ok((i, StmtKind::Serve(serve)))
}

/// `use := "use" node`
pub fn use_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let (mut i, first) = node(i)?;
    let mut nodes = vec![first];
    loop {
        let (rest, ()) = blank(i)?;
        if at_end(rest) {
            break;
        }
        let (rest, next) = node(rest)?;
        nodes.push(next);
        i = rest;
    }
    Ok((i, StmtKind::Use(nodes)))
}

/// `tutorial`'s options (besides a step number).
pub static TUTORIAL: Options<TutorialStmt> = Options {
    fragment: "TUTORIAL-OPTION",
    production: "tutorial-option",
    what: "tutorial option",
    sample: "tutorial",
    list: &[
        Opt {
            word: "--list",
            alias: None,
            kind: Kind::Flag,
            default: None,
            help: "only list the lessons, or the lesson's steps",
            example: "",
            rhai: None,
            set: |t, _| t.list = true,
            get: |t| t.list.then_some(Val::Flag),
        },
        Opt {
            word: "--yes",
            alias: Some("-y"),
            kind: Kind::Flag,
            default: None,
            help: "run every step without waiting for Enter",
            example: "",
            rhai: None,
            set: |t, _| t.yes = true,
            get: |t| t.yes.then_some(Val::Flag),
        },
    ],
};

/// `tutorial := "tutorial" [ lesson [ number ] ] { tutorial-option }`
pub fn tutorial_stmt(i: In<'_>) -> PResult<'_, StmtKind> {
    let mut t = TutorialStmt::default();
    let (i, ()) = options::read(i, &TUTORIAL, &mut t, &mut |t, w, _, rest, _| {
        let option = w.value.starts_with('-');
        let refused = match (option, &t.lesson, t.start, w.value.parse::<usize>()) {
            (true, ..) => format!("unknown tutorial option `{}`", w.value),
            (false, None, _, Ok(0)) => "the lessons are numbered from 1".to_string(),
            (false, None, _, _) => {
                t.lesson = Some(Spanned::new(w.value.to_string(), w.span));
                return Some(Ok(rest));
            }
            (false, Some(_), None, Ok(step)) if step >= 1 => {
                t.start = Some(step);
                return Some(Ok(rest));
            }
            (false, Some(_), None, Ok(_)) => "a lesson's steps start at 1".to_string(),
            (false, Some(_), None, Err(_)) => format!("`{}` is not a step number", w.value),
            (false, Some(_), Some(_), _) => format!("unexpected `{}` after the lesson and its step", w.value),
        };
        let err = bad(
            w,
            "lvs::parse::unknown-word",
            refused,
            "expected a lesson, then a step number, `--list` or `--yes`",
        );
        let near = suggest(w.value, TUTORIAL.words());
        Some(Err(err.map(|e| match near {
            Some(near) if option => e.help(format!("did you mean `{near}`?")),
            _ => e.help("`tutorial --list` lists the lessons"),
        })))
    })?;
    Ok((i, StmtKind::Tutorial(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(text: &str) -> NodeCommand {
        match node_command(In::new(text), Spanned::new("int1".into(), Span::default())) {
            Ok((_, StmtKind::OnNode(c))) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_command_line_splits_like_a_shell_and_keeps_its_text() {
        let c = cmd(" bash -c 'echo \"xxx\" | nc -N -w 2 -v 111.111.0.1 80'\n");
        assert_eq!(c.argv, ["bash", "-c", "echo \"xxx\" | nc -N -w 2 -v 111.111.0.1 80"]);
        assert_eq!(c.text, "bash -c 'echo \"xxx\" | nc -N -w 2 -v 111.111.0.1 80'");
        assert!(!c.background);
    }

    #[test]
    fn an_ampersand_sends_it_to_the_background() {
        let c = cmd(" nc -l -p 8000 -v -k &");
        assert_eq!((c.argv.len(), c.background, c.text.as_str()), (6, true, "nc -l -p 8000 -v -k"));
        assert!(!cmd(" sh -c 'a && b'").background);
    }

    #[test]
    fn semicolons_and_comments_end_it_outside_quotes_only() {
        assert_eq!(cmd(" echo 'a;b' ; show").argv, ["echo", "a;b"]);
        assert_eq!(cmd(" echo a # note").argv, ["echo", "a"]);
        assert_eq!(cmd(" echo a#b").argv, ["echo", "a#b"]);
    }

    #[test]
    fn an_unclosed_quote_is_an_error_not_a_panic() {
        let err = node_command(In::new(" echo 'oops\nshow"), Spanned::new("x".into(), Span::default()));
        assert!(matches!(err, Err(nom::Err::Failure(_))));
    }
}
