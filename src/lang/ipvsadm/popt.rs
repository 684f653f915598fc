//! Splitting ipvsadm's words into options the way popt does, so the same
//! words mean the same options: `-Lnc` groups, `-t1.2.3.4:80` and
//! `-t=1.2.3.4:80`, `--tcp-service=X` and `--tcp-service X`, a required
//! value taken from the next word even if it starts with `-` (`-w -1`),
//! words that are not options kept aside as positional, `--` ending the
//! options.
//!
//! popt's `!#:+` argument expansion and its aliases are not emulated (ipvsadm
//! defines no aliases).

use super::options::{by_long, by_short, Arg, Flag};

/// One option found in the words.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found<'a> {
    pub flag: &'static Flag,
    /// The word the option's name is in.
    pub word: usize,
    /// The value and the word it is in, when the option has one.
    pub value: Option<(&'a str, usize)>,
    /// The last word read so far; popt names it in its messages.
    pub last: usize,
}

/// What popt refuses, with popt's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PoptErrorKind {
    UnknownOption,
    MissingArgument,
    UnwantedArgument,
}

impl PoptErrorKind {
    /// popt's `poptStrerror` text.
    pub fn text(self) -> &'static str {
        match self {
            PoptErrorKind::UnknownOption => "unknown option",
            PoptErrorKind::MissingArgument => "missing argument",
            PoptErrorKind::UnwantedArgument => "option does not take an argument",
        }
    }
}

/// A popt refusal and the word it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PoptError {
    pub kind: PoptErrorKind,
    pub word: usize,
}

/// Reads options one at a time, as `poptGetNextOpt` does.
pub(super) struct Scanner<'a> {
    words: &'a [&'a str],
    next: usize,
    /// Inside a group of short options: the word and the byte offset of the next letter.
    group: Option<(usize, usize)>,
    /// After `--` every word is positional.
    rest_positional: bool,
    positional: Vec<usize>,
}

impl<'a> Scanner<'a> {
    pub fn new(words: &'a [&'a str]) -> Scanner<'a> {
        Scanner { words, next: 0, group: None, rest_positional: false, positional: Vec::new() }
    }

    /// Indices of the words that were not options, in order.
    pub fn positional(&self) -> &[usize] {
        &self.positional
    }

    /// The next option; `Ok(None)` when the words are used up.
    pub fn next_option(&mut self) -> Result<Option<Found<'a>>, PoptError> {
        if let Some((word, offset)) = self.group {
            return self.short(word, offset).map(Some);
        }
        while self.next < self.words.len() {
            let index = self.next;
            let text = self.words[index];
            self.next += 1;
            if self.rest_positional || !text.starts_with('-') || text == "-" {
                self.positional.push(index);
            } else if text == "--" {
                self.rest_positional = true;
            } else if let Some(long) = text.strip_prefix("--") {
                return self.long(index, long).map(Some);
            } else {
                return self.short(index, 1).map(Some);
            }
        }
        Ok(None)
    }

    /// `--name` or `--name=value` in word `index`.
    fn long(&mut self, index: usize, text: &'a str) -> Result<Found<'a>, PoptError> {
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        let flag = by_long(name).ok_or(self.error(PoptErrorKind::UnknownOption))?;
        match (flag.arg, inline) {
            (Arg::None, Some(_)) => Err(self.error(PoptErrorKind::UnwantedArgument)),
            (Arg::None, None) => Ok(self.found(flag, index, None)),
            (_, Some(value)) => Ok(self.found(flag, index, Some((value, index)))),
            (_, None) => self.value_from_next_word(flag, index),
        }
    }

    /// The letter at byte `offset` of the short-option group in word `index`.
    fn short(&mut self, index: usize, offset: usize) -> Result<Found<'a>, PoptError> {
        self.group = None;
        let text = self.words[index];
        let letter = text[offset..].chars().next().ok_or(self.error(PoptErrorKind::UnknownOption))?;
        let flag = by_short(letter).ok_or(self.error(PoptErrorKind::UnknownOption))?;
        let rest = &text[offset + letter.len_utf8()..];
        match (flag.arg, rest.is_empty()) {
            (Arg::None, _) if rest.starts_with('=') => Err(self.error(PoptErrorKind::UnwantedArgument)),
            (Arg::None, false) => {
                self.group = Some((index, text.len() - rest.len()));
                Ok(self.found(flag, index, None))
            }
            (Arg::None, true) => Ok(self.found(flag, index, None)),
            (_, false) => {
                let value = rest.strip_prefix('=').unwrap_or(rest);
                Ok(self.found(flag, index, Some((value, index))))
            }
            (_, true) => self.value_from_next_word(flag, index),
        }
    }

    /// A value from the word after the option's; an optional value is not
    /// taken from a word that starts with `-`.
    fn value_from_next_word(&mut self, flag: &'static Flag, index: usize) -> Result<Found<'a>, PoptError> {
        let Some(text) = self.words.get(self.next).copied() else {
            return match flag.arg {
                Arg::Optional => Ok(self.found(flag, index, None)),
                _ => Err(self.error(PoptErrorKind::MissingArgument)),
            };
        };
        if flag.arg == Arg::Optional && text.starts_with('-') {
            return Ok(self.found(flag, index, None));
        }
        let value_word = self.next;
        self.next += 1;
        Ok(self.found(flag, index, Some((text, value_word))))
    }

    fn found(&self, flag: &'static Flag, word: usize, value: Option<(&'a str, usize)>) -> Found<'a> {
        Found { flag, word, value, last: self.next - 1 }
    }

    fn error(&self, kind: PoptErrorKind) -> PoptError {
        PoptError { kind, word: self.next - 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(long name, value)` of each option, or the error.
    fn scan(words: &[&str]) -> Result<Vec<(&'static str, Option<String>)>, PoptError> {
        let mut scanner = Scanner::new(words);
        let mut out = Vec::new();
        while let Some(found) = scanner.next_option()? {
            out.push((found.flag.long, found.value.map(|(v, _)| v.to_string())));
        }
        Ok(out)
    }

    fn names(words: &[&str]) -> Vec<&'static str> {
        scan(words).map(|v| v.into_iter().map(|(n, _)| n).collect()).unwrap_or_default()
    }

    #[test]
    fn short_options_combine() {
        assert_eq!(names(&["-Lnc"]), ["list", "numeric", "connection"]);
    }

    #[test]
    fn values_come_from_the_group_rest_an_equals_sign_or_the_next_word() {
        let want = Some("1.2.3.4:80".to_string());
        for words in
            [&["-t1.2.3.4:80"][..], &["-t=1.2.3.4:80"], &["-t", "1.2.3.4:80"], &["--tcp-service=1.2.3.4:80"]]
        {
            assert_eq!(scan(words), Ok(vec![("tcp-service", want.clone())]), "{words:?}");
        }
        assert_eq!(scan(&["-At", "1.2.3.4:80"]).map(|v| v.len()), Ok(2));
    }

    #[test]
    fn a_required_value_may_start_with_a_dash() {
        assert_eq!(scan(&["-w", "-1"]), Ok(vec![("weight", Some("-1".into()))]));
    }

    #[test]
    fn an_optional_value_never_starts_with_a_dash() {
        assert_eq!(scan(&["-p", "-n"]), Ok(vec![("persistent", None), ("numeric", None)]));
        assert_eq!(scan(&["-p", "60"]), Ok(vec![("persistent", Some("60".into()))]));
        assert_eq!(scan(&["-p"]), Ok(vec![("persistent", None)]));
    }

    #[test]
    fn non_options_and_words_after_double_dash_are_positional() {
        let words = ["--set", "1", "-", "--", "-n"];
        let mut scanner = Scanner::new(&words);
        while let Ok(Some(_)) = scanner.next_option() {}
        assert_eq!(scanner.positional(), [1, 2, 4]);
    }

    #[test]
    fn popt_errors_name_the_last_word_read() {
        let err = |words: &[&str]| scan(words).err();
        assert_eq!(err(&["-L", "--bogus"]), Some(PoptError { kind: PoptErrorKind::UnknownOption, word: 1 }));
        assert_eq!(err(&["-Lz"]), Some(PoptError { kind: PoptErrorKind::UnknownOption, word: 0 }));
        assert_eq!(err(&["-L", "-s"]), Some(PoptError { kind: PoptErrorKind::MissingArgument, word: 1 }));
        assert_eq!(err(&["--ops=1"]), Some(PoptError { kind: PoptErrorKind::UnwantedArgument, word: 0 }));
        assert_eq!(err(&["-Ln="]), Some(PoptError { kind: PoptErrorKind::UnwantedArgument, word: 0 }));
        assert_eq!(err(&["-list"]), None, "-l -i -s with value t");
    }
}
