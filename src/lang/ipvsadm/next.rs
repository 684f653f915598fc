//! What may come next in an ipvsadm line, for the REPL's completion: the
//! value an option waits for, or the options the line's command still
//! accepts (ipvsadm's legality matrix decides which).

use super::options::{by_long, by_short, Arg, Col, Tag, FLAGS};
use super::popt::{PoptErrorKind, Scanner};

/// What may follow the words of an ipvsadm line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// The option (long name) whose value comes next, if one does.
    pub value_of: Option<&'static str>,
    /// Otherwise, the options that may come next: `-X` where there is a
    /// short form, `--long` otherwise, or always `--long` when asked.
    pub options: Vec<String>,
    /// The service the line names (`-t`, `-u`, `--sctp-service`, `-f`), as
    /// (long option name, value), for the backends that may follow `-r`.
    pub service: Option<(&'static str, String)>,
}

/// What may follow `words` (complete words after `ipvsadm`); `long` asks
/// for long option names (the word being typed starts with `--`).
pub fn next<S: AsRef<str>>(words: &[S], long: bool) -> Next {
    let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    let mut scanner = Scanner::new(&words);
    let mut command = None;
    let mut seen = Vec::new();
    let mut service = None;
    let mut value_of = None;
    loop {
        match scanner.next_option() {
            Ok(Some(found)) => {
                if let Tag::Command(cmd) = found.flag.tag {
                    command.get_or_insert(cmd);
                }
                if matches!(found.flag.tag, Tag::Service(_) | Tag::Fwmark) {
                    service = found.value.map(|(v, _)| (found.flag.long, v.to_string()));
                }
                seen.extend(found.flag.col);
            }
            Ok(None) => break,
            Err(e) if e.kind == PoptErrorKind::MissingArgument && e.word + 1 == words.len() => {
                value_of = waiting_option(words[e.word]);
                break;
            }
            Err(_) => break,
        }
    }
    if value_of.is_some() {
        return Next { value_of, options: Vec::new(), service };
    }
    let allowed = |flag: &&super::options::Flag| match (command, flag.tag) {
        (None, Tag::Command(_)) => true,
        (None, _) | (Some(_), Tag::Command(_)) => false,
        (Some(cmd), _) => {
            flag.col.is_none_or(|col: Col| cmd.legality()[col.index()] != b'x' && !seen.contains(&col))
        }
    };
    let mut options: Vec<String> = Vec::new();
    for flag in FLAGS.iter().filter(allowed) {
        let name = match (flag.short, long) {
            (Some(c), false) => format!("-{c}"),
            _ => format!("--{}", flag.long),
        };
        if !options.contains(&name) {
            options.push(name);
        }
    }
    Next { value_of: None, options, service }
}

/// The option at the end of a word that still waits for its value.
fn waiting_option(word: &str) -> Option<&'static str> {
    let flag = match word.strip_prefix("--") {
        Some(name) => by_long(name),
        None => word.chars().last().and_then(by_short),
    }?;
    (flag.arg == Arg::Required).then_some(flag.long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_starts_with_a_command() {
        let n = next::<&str>(&[], false);
        assert!(n.options.contains(&"-A".to_string()) && n.options.contains(&"--set".to_string()));
        assert!(!n.options.contains(&"-t".to_string()));
    }

    #[test]
    fn an_option_waits_for_its_value_and_the_service_is_remembered() {
        assert_eq!(next(&["-A", "-t"], false).value_of, Some("tcp-service"));
        let n = next(&["-a", "-t", "1.2.3.4:80", "-r"], false);
        assert_eq!(n.value_of, Some("real-server"));
        assert_eq!(n.service, Some(("tcp-service", "1.2.3.4:80".to_string())));
        assert_eq!(next(&["-Lnt"], false).value_of, Some("tcp-service"));
    }

    #[test]
    fn only_the_options_a_command_accepts_and_has_not_had_are_offered() {
        let n = next(&["-a", "-t", "1.2.3.4:80"], false);
        for offered in ["-r", "-m", "-g", "-i", "-w", "-x", "-y", "--tun-type"] {
            assert!(n.options.contains(&offered.to_string()), "{offered} in {:?}", n.options);
        }
        for refused in ["-t", "-s", "-p", "-A"] {
            assert!(!n.options.contains(&refused.to_string()), "{refused} in {:?}", n.options);
        }
        assert!(next(&["-A"], true).options.contains(&"--scheduler".to_string()));
    }
}
