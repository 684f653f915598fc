//! The plainest line of a service block, read by bytes: `backend
//! ADDR:PORT`, an IPv4 address, then at most a method (`masq`, `route`,
//! `local`) and `weight`, `upper` and `lower`, each once, up to the end of
//! the line. A file of many services is mostly such lines, and the general
//! parser ([`super::backend::block_backend`]) reads them several times
//! slower, a word at a time through its option table.
//!
//! Anything else (another form, a continued line, a mistake) is left to the
//! general parser: this path decides no error, and a proptest holds it to
//! the general parser's result for every line it takes.

use std::net::SocketAddr;

use super::lexeme::socket_addr;
use super::In;
use crate::ipvs::Forward;
use crate::lang::ast::BackendDecl;
use crate::lang::source::{Span, Spanned};

/// The backend at the start of `i` and the input after it (after the blanks
/// that follow it, as the general parser leaves it); `None` if the line is
/// not one this path reads.
pub fn block_backend(i: In<'_>) -> Option<(In<'_>, Spanned<BackendDecl>)> {
    let mut line = Line { text: i.fragment(), at: 0, last_end: 0 };
    let start = i.location_offset();
    let span = |(from, to): (usize, usize)| Span::new(start + from, start + to);
    if line.word()? != (0, "backend".len()) {
        return None;
    }
    let addr = line.word()?;
    let addr = Spanned::new(SocketAddr::V4(plain_v4(line.text(addr))?), span(addr));
    let mut decl = BackendDecl { service: None, addr, forward: None, weight: None, upper: None, lower: None };
    loop {
        line.blanks();
        if line.at_end()? {
            break;
        }
        let word = line.word()?;
        let forward = match line.text(word) {
            "masq" => Forward::Masq,
            "route" => Forward::Route,
            "local" => Forward::Local,
            "weight" => {
                decl.weight = Some(line.count(span(word), span, decl.weight.is_some())?);
                continue;
            }
            "upper" => {
                decl.upper = Some(line.count(span(word), span, decl.upper.is_some())?);
                continue;
            }
            "lower" => {
                decl.lower = Some(line.count(span(word), span, decl.lower.is_some())?);
                continue;
            }
            _ => return None,
        };
        if decl.forward.is_some() {
            return None;
        }
        decl.forward = Some(Spanned::new(forward, span(word)));
    }
    // The last word read ends the declaration (its last option's value, or its address).
    let end = start + line.last_end;
    let rest = nom::Input::take_from(&i, line.at);
    Some((rest, Spanned::new(decl, Span::new(start, end))))
}

/// An IPv4 `ADDR:PORT`, as the general parser reads it.
fn plain_v4(text: &str) -> Option<std::net::SocketAddrV4> {
    match socket_addr(text)? {
        SocketAddr::V4(addr) => Some(addr),
        SocketAddr::V6(_) => None,
    }
}

/// A line and how far it is read.
struct Line<'a> {
    text: &'a str,
    at: usize,
    /// Where the last word read ends.
    last_end: usize,
}

impl<'a> Line<'a> {
    /// Skips spaces, tabs and carriage returns.
    fn blanks(&mut self) {
        while matches!(self.text.as_bytes().get(self.at), Some(b' ' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    /// After the blanks: whether the statement ends here (`Some(true)`),
    /// a word follows (`Some(false)`), or something this path leaves to
    /// the general parser (`None`).
    fn at_end(&self) -> Option<bool> {
        match self.text.as_bytes().get(self.at) {
            None | Some(b'\n' | b'}' | b';' | b'#') => Some(true),
            Some(b) if b.is_ascii_alphanumeric() => Some(false),
            _ => None,
        }
    }

    /// The next word, after blanks: letters, digits, `.`, `:` and `-`,
    /// ending at a blank or the end of the statement.
    fn word(&mut self) -> Option<(usize, usize)> {
        self.blanks();
        let bytes = self.text.as_bytes();
        let from = self.at;
        while bytes.get(self.at).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-'))
        {
            self.at += 1;
        }
        let ends =
            matches!(bytes.get(self.at), None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'}' | b';' | b'#'));
        if self.at == from || !ends {
            return None;
        }
        self.last_end = self.at;
        Some((from, self.at))
    }

    /// A word's text (it ends and starts at ASCII bytes).
    fn text(&self, (from, to): (usize, usize)) -> &'a str {
        &self.text[from..to]
    }

    /// A connection count or weight after its keyword (at `kw`), 0 to
    /// 2147483647 in plain digits; `None` if it was already given.
    fn count(
        &mut self,
        kw: Span,
        span: impl Fn((usize, usize)) -> Span,
        given: bool,
    ) -> Option<Spanned<u32>> {
        let word = self.word()?;
        let digits = self.text(word).as_bytes();
        if given || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits.iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        let n = u32::try_from(n).ok().filter(|n| *n <= i32::MAX as u32)?;
        Some(Spanned::new(n, kw.to(span(word))))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn general(text: &str) -> Option<(usize, Spanned<BackendDecl>)> {
        let (rest, decl) = super::super::backend::block_backend(In::new(text)).ok()?;
        Some((rest.location_offset(), decl))
    }

    fn plain(text: &str) -> Option<(usize, Spanned<BackendDecl>)> {
        let (rest, decl) = block_backend(In::new(text))?;
        Some((rest.location_offset(), decl))
    }

    #[test]
    fn the_lines_of_a_generated_table_take_this_path() {
        for text in [
            "backend 172.16.0.1:8080 masq weight 1\n",
            "backend 172.16.0.4:8080 masq weight 1 }\n",
            "backend 10.10.0.2:8000\tmasq\r\n",
            "backend 10.0.0.1:80 weight 0 upper 2147483647 lower 5 route",
            "backend 10.0.0.1:80 local; flush",
        ] {
            assert!(plain(text).is_some(), "{text:?}");
            assert_eq!(plain(text), general(text), "{text:?}");
        }
    }

    #[test]
    fn other_lines_are_left_to_the_general_parser() {
        for text in [
            "backend [2001:db8::1]:80 masq",
            "backend 10.0.0.1:80 tunnel gre",
            "backend 10.0.0.1:80 masq route",
            "backend 10.0.0.1:80 weight 1 weight 2",
            "backend 10.0.0.1:80 weight +1",
            "backend 10.0.0.1:80 weight 2147483648",
            "backend 10.0.0.1:80 weight",
            "backend 10.0.0.1:80 masq \\\n weight 2",
            "backend 10.0.0.1:80 masq {",
            "backends 10.0.0.1:80",
            "backend 010.0.0.1:80",
        ] {
            assert_eq!(plain(text), None, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn a_line_it_takes_reads_as_the_general_parser_reads_it(
            head in "backend |backend  |backend\t|backends |backend|backend\\\\\n",
            addr in "10\\.0\\.0\\.1:80|1\\.2\\.3\\.4:0|255\\.255\\.255\\.255:65535|256\\.0\\.0\\.1:80|01\\.2\\.3\\.4:80|1\\.2\\.3\\.4:080|\\[::1\\]:80|10\\.0\\.0\\.1|1\\.2\\.3\\.4:65536",
            words in prop::collection::vec(
                "masq|route|local|tunnel|gre|weight|upper|lower|wieght|0|1|07|\\+2|2147483647|2147483648|99999999999|x-y|1\\.5|é|backend",
                0..7,
            ),
            blanks in prop::collection::vec(" | | |  |\t|\r| \t|\\\\\n|\"|;|\\{|#|\n|}", 7),
            end in "|\n|\n}|}|;|#c|\\{|\\\\\n|\"x\"|\r\n| ",
        ) {
            let mut text = format!("{head}{addr}");
            for (blank, word) in blanks.iter().zip(&words) {
                text += blank;
                text += word;
            }
            text += &end;
            if let Some(taken) = plain(&text) {
                prop_assert_eq!(Some(taken), general(&text), "{:?}", text);
            }
        }
    }
}
