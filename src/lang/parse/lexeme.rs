//! Words, numbers, strings, addresses, and the ends of statements.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use nom::bytes::complete::{take_till, take_while1};
use nom::character::complete::char;
use nom::Parser;

use super::error::PError;
use super::{In, PResult};
use crate::lang::diagnostic::suggest;
use crate::lang::source::{Span, Spanned};

/// Characters that end a word besides blanks.
const DELIMITERS: &str = "{};#\"";

/// Skips blanks within a line (a `\` at the end of a line continues it).
#[inline(always)]
pub fn blank(i: In<'_>) -> PResult<'_, ()> {
    // Bytes: blanks are ASCII, and a file is lexed a word at a time.
    let text = i.fragment().as_bytes();
    let mut n = 0;
    loop {
        while matches!(text.get(n), Some(b' ' | b'\t' | b'\r')) {
            n += 1;
        }
        if text.get(n..n + 2) != Some(b"\\\n".as_slice()) {
            return Ok((advance(i, n), ()));
        }
        n += 2;
    }
}

/// `i` without its first `n` bytes (`n` ends on a character boundary).
#[inline(always)]
fn advance(i: In<'_>, n: usize) -> In<'_> {
    match n {
        0 => i,
        n => nom::Input::take_from(&i, n),
    }
}

/// Skips blanks, newlines, `;` and comments between statements.
pub fn gap(i: In<'_>) -> PResult<'_, ()> {
    let text = *i.fragment();
    let mut n = 0;
    loop {
        n += spaces_and_semicolons(&text[n..]);
        let after = &text.as_bytes()[n..];
        if after.first() == Some(&b'#') {
            n += after.iter().position(|&b| b == b'\n').unwrap_or(after.len());
        } else if after.starts_with(b"\\\n") {
            n += 2;
        } else {
            return Ok((advance(i, n), ()));
        }
    }
}

/// How many bytes of whitespace (Unicode's, as `char::is_whitespace` has
/// it) and `;` start `text`: by bytes while they are ASCII.
fn spaces_and_semicolons(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut n = 0;
    while let Some(&b) = bytes.get(n) {
        if b.is_ascii() {
            if !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b';') {
                break;
            }
            n += 1;
        } else {
            match text[n..].chars().next() {
                Some(c) if c.is_whitespace() => n += c.len_utf8(),
                _ => break,
            }
        }
    }
    n
}

/// Whether the statement ends here: end of line, `;`, a comment, `{`, `}` or the end.
pub fn at_end(i: In<'_>) -> bool {
    matches!(i.fragment().chars().next(), None | Some('\n' | ';' | '#' | '{' | '}'))
}

/// Whether each byte may be part of an ASCII word: ASCII, neither a blank
/// (ASCII whitespace as `char::is_whitespace` has it: with U+000B) nor one
/// of the [`DELIMITERS`].
const WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] =
            !matches!(b as u8, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'{' | b'}' | b';' | b'#' | b'"');
        b += 1;
    }
    table
};

/// The next word, or `None` at the end of the statement.
#[inline(always)]
pub fn next_word(i: In<'_>) -> PResult<'_, Option<Spanned<&str>>> {
    let (i, _) = blank(i)?;
    // Nearly every word is ASCII and starts with a word byte: then it is
    // not the end, a string or a stray character, and ends at the first
    // byte that is no word byte.
    let text = i.fragment().as_bytes();
    let n = text.iter().position(|&b| !WORD_BYTE[b as usize]).unwrap_or(text.len());
    if n > 0 && text.get(n).is_none_or(u8::is_ascii) {
        let start = i.location_offset();
        let (rest, w) = nom::Input::take_split(&i, n);
        return Ok((rest, Some(Spanned::new(*w.fragment(), Span::new(start, start + n)))));
    }
    if at_end(i) {
        return Ok((i, None));
    }
    if i.fragment().starts_with('"') {
        let at = i.location_offset();
        return Err(nom::Err::Failure(PError::new(
            "lvs::parse::unexpected-string",
            Span::new(at, at + 1),
            "a quoted string is not allowed here",
            "expected a word",
        )));
    }
    let start = i.location_offset();
    if let Some(c) = i.fragment().chars().next().filter(|c| c.is_whitespace()) {
        return Err(nom::Err::Failure(
            PError::new(
                "lvs::parse::syntax",
                Span::new(start, start + c.len_utf8()),
                format!("unexpected character U+{:04X}", c as u32),
                "expected a word",
            )
            .help("separate words with spaces or tabs"),
        ));
    }
    // A word with other characters than ASCII is read a character at a time.
    let (rest, w) = take_while1(|c: char| !c.is_whitespace() && !DELIMITERS.contains(c)).parse(i)?;
    Ok((rest, Some(Spanned::new(*w.fragment(), Span::new(start, rest.location_offset())))))
}

/// The next word, which must be there.
#[inline(always)]
pub fn word<'a>(i: In<'a>, expected: &str) -> PResult<'a, Spanned<&'a str>> {
    let (rest, w) = next_word(i)?;
    match w {
        Some(w) => Ok((rest, w)),
        None => Err(missing(rest, expected)),
    }
}

/// A failure: something required is missing at the end of the statement.
pub fn missing<'a>(at: In<'a>, expected: &str) -> nom::Err<PError> {
    let (at, _) = blank(at).unwrap_or((at, ()));
    let o = at.location_offset();
    let end = if at.fragment().is_empty() { o } else { o + 1 };
    nom::Err::Failure(PError::new(
        "lvs::parse::missing",
        Span::new(o, end),
        format!("expected {expected}"),
        format!("expected {expected} here"),
    ))
}

/// A failure at a word: `message`, with `expected` under the caret.
pub fn bad(w: &Spanned<&str>, code: &'static str, message: String, expected: &str) -> nom::Err<PError> {
    nom::Err::Failure(PError::new(code, w.span, message, expected))
}

/// A failure at an unknown word, suggesting the nearest of `choices`.
pub fn unknown(w: &Spanned<&str>, what: &str, choices: &[&str]) -> nom::Err<PError> {
    let expected = format!("expected {}", one_of(choices));
    let mut err =
        PError::new("lvs::parse::unknown-word", w.span, format!("unknown {what} `{}`", w.value), expected);
    if let Some(near) = suggest(w.value, choices.iter().copied()) {
        err = err.help(format!("did you mean `{near}`?"));
    }
    nom::Err::Failure(err)
}

/// "`a`, `b`, or `c`".
pub fn one_of(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

/// A number in a range.
pub fn number<'a, T>(i: In<'a>, what: &str, range: std::ops::RangeInclusive<u64>) -> PResult<'a, Spanned<T>>
where
    T: TryFrom<u64>,
{
    let (rest, w) = word(i, what)?;
    let value = w.value.parse::<u64>().ok().filter(|n| range.contains(n)).and_then(|n| T::try_from(n).ok());
    match value {
        Some(v) => Ok((rest, Spanned::new(v, w.span))),
        None => Err(bad(
            &w,
            "lvs::parse::bad-number",
            format!("`{}` is not a valid {what}", w.value),
            &format!("expected a number from {} to {}", range.start(), range.end()),
        )),
    }
}

/// `ADDR:PORT`, IPv6 as `[ADDR]:PORT`.
pub fn endpoint(i: In<'_>) -> PResult<'_, Spanned<SocketAddr>> {
    let (rest, w) = word(i, "an address:port like 111.111.0.1:80")?;
    match socket_addr(w.value) {
        Some(addr) => Ok((rest, Spanned::new(addr, w.span))),
        None => {
            let mut err = PError::new(
                "lvs::parse::bad-address",
                w.span,
                format!("`{}` is not an address:port", w.value),
                "expected an address:port like 111.111.0.1:80 or [2001:db8::1]:80",
            );
            if w.value.parse::<std::net::IpAddr>().is_ok() {
                err = err.help(format!("add the port: `{}:80`", bracket(w.value)));
            }
            Err(nom::Err::Failure(err))
        }
    }
}

/// `ADDR:PORT` as the standard library reads a `SocketAddr`: an IPv4 one
/// in its usual spelling by bytes (a file of many services holds one on
/// each line), anything else by the standard library.
pub fn socket_addr(text: &str) -> Option<SocketAddr> {
    match plain_ipv4_endpoint(text.as_bytes()) {
        Some(addr) => Some(SocketAddr::V4(addr)),
        None => text.parse().ok(),
    }
}

/// `A.B.C.D:PORT` in decimal without leading zeros; `None` for anything
/// else, including what the standard library would still read.
fn plain_ipv4_endpoint(text: &[u8]) -> Option<SocketAddrV4> {
    let mut octets = [0u8; 4];
    // Which part is being read (the four octets, then the port), its value
    // so far and how many digits it has.
    let (mut part, mut value, mut digits) = (0, 0u32, 0);
    for &b in text {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            // A leading zero (`01`), or more digits than any part has.
            if (digits == 1 && value == 0) || digits == 5 {
                return None;
            }
            value = value * 10 + u32::from(digit);
            digits += 1;
            continue;
        }
        let separator = if part == 3 { b':' } else { b'.' };
        if b != separator || part == 4 || digits == 0 {
            return None;
        }
        octets[part] = u8::try_from(value).ok()?;
        (part, value, digits) = (part + 1, 0, 0);
    }
    let port = u16::try_from(value).ok().filter(|_| part == 4 && digits > 0)?;
    Some(SocketAddrV4::new(Ipv4Addr::from(octets), port))
}

fn bracket(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_string()
    }
}

/// A file path: a word or a quoted string.
pub fn path(i: In<'_>) -> PResult<'_, Spanned<String>> {
    word_or_string(i, "a file name")
}

/// A node: a lab node's name, or a network namespace's name or path.
pub fn node(i: In<'_>) -> PResult<'_, Spanned<String>> {
    word_or_string(i, "a node: a lab node's name or a network namespace")
}

/// A word or a quoted string; `expected` says what, when neither is there.
pub fn word_or_string<'a>(i: In<'a>, expected: &str) -> PResult<'a, Spanned<String>> {
    let (i, _) = blank(i)?;
    if i.fragment().starts_with('"') {
        return string(i);
    }
    let (rest, w) = word(i, expected)?;
    Ok((rest, Spanned::new(w.value.to_string(), w.span)))
}

/// A double-quoted string with `\"`, `\\`, `\n` and `\t` escapes.
pub fn string(i: In<'_>) -> PResult<'_, Spanned<String>> {
    let start = i.location_offset();
    let (mut rest, _) = char('"').parse(i)?;
    let mut text = String::new();
    loop {
        let mut chars = rest.fragment().chars();
        let (consumed, c) = match chars.next() {
            None | Some('\n') => {
                let o = rest.location_offset();
                return Err(nom::Err::Failure(
                    PError::new(
                        "lvs::parse::unclosed-string",
                        Span::new(start, o),
                        "this string is not closed",
                        "expected a closing `\"`",
                    )
                    .help("close it with `\"` on the same line"),
                ));
            }
            Some('"') => {
                let (rest, _) = nom::bytes::complete::take(1usize).parse(rest)?;
                return Ok((rest, Spanned::new(text, Span::new(start, rest.location_offset()))));
            }
            Some('\\') => match chars.next() {
                Some('n') => (2, '\n'),
                Some('t') => (2, '\t'),
                Some(c @ ('"' | '\\')) => (2, c),
                _ => (1, '\\'),
            },
            // `take` counts characters, not bytes.
            Some(c) => (1usize, c),
        };
        text.push(c);
        rest = nom::bytes::complete::take(consumed).parse(rest)?.0;
    }
}

/// The rest of the line (up to a newline, `;` or `#`), trimmed.
pub fn rest_of_line(i: In<'_>) -> PResult<'_, Spanned<&str>> {
    let (i, _) = blank(i)?;
    let start = i.location_offset();
    let (rest, text) = take_till(|c| c == '\n' || c == ';' || c == '#').parse(i)?;
    let trimmed = text.fragment().trim_end();
    Ok((rest, Spanned::new(trimmed, Span::new(start, start + trimmed.len()))))
}

/// A duration written alone (a command-line value), as [`duration`] reads it.
pub fn duration_text(text: &str) -> Option<Duration> {
    match duration(In::new(text)) {
        Ok((rest, d)) if rest.fragment().trim().is_empty() => Some(d.value),
        _ => None,
    }
}

/// `500ms`, `2s`, `1.5s`, `1m`, or a plain number of seconds.
pub fn duration(i: In<'_>) -> PResult<'_, Spanned<Duration>> {
    let (rest, w) = word(i, "a duration like 500ms, 2s or 1m")?;
    let (digits, unit) =
        w.value.split_at(w.value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(w.value.len()));
    let factor = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        _ => f64::NAN,
    };
    match digits.parse::<f64>().map(|n| n * factor) {
        Ok(secs) if secs.is_finite() && (0.0..=86_400.0).contains(&secs) => {
            Ok((rest, Spanned::new(Duration::from_secs_f64(secs), w.span)))
        }
        _ => Err(bad(
            &w,
            "lvs::parse::bad-duration",
            format!("`{}` is not a duration", w.value),
            "expected a duration like 500ms, 2s or 1m",
        )),
    }
}

#[cfg(test)]
mod byte_lexing {
    use nom::bytes::complete::take_while;
    use proptest::prelude::*;

    use super::*;

    /// The character-by-character reading the byte scans replaced.
    fn by_chars(i: In<'_>) -> PResult<'_, &str> {
        let (i, _) = take_while(|c| c == ' ' || c == '\t' || c == '\r').parse(i)?;
        let (rest, w) = take_while1(|c: char| !c.is_whitespace() && !DELIMITERS.contains(c)).parse(i)?;
        Ok((rest, *w.fragment()))
    }

    /// `gap` as it was, a character at a time.
    fn gap_by_chars(i: In<'_>) -> PResult<'_, ()> {
        let mut rest = i;
        loop {
            let (r, _) = take_while(|c: char| c.is_whitespace() || c == ';').parse(rest)?;
            if r.fragment().starts_with('#') {
                let (r, _) = take_till(|c| c == '\n').parse(r)?;
                rest = r;
            } else if r.fragment().starts_with("\\\n") {
                rest = nom::bytes::complete::take(2usize).parse(r)?.0;
            } else {
                return Ok((r, ()));
            }
        }
    }

    /// `next_word` as it was before its table of word bytes.
    fn next_word_checked_first(i: In<'_>) -> PResult<'_, Option<Spanned<&str>>> {
        let (i, _) = blank(i)?;
        if at_end(i) {
            return Ok((i, None));
        }
        if i.fragment().starts_with('"') {
            let at = i.location_offset();
            let e = PError::new("lvs::parse::unexpected-string", Span::new(at, at + 1), "", "");
            return Err(nom::Err::Failure(e));
        }
        let start = i.location_offset();
        if let Some(c) = i.fragment().chars().next().filter(|c| c.is_whitespace()) {
            let e = PError::new("lvs::parse::syntax", Span::new(start, start + c.len_utf8()), "", "");
            return Err(nom::Err::Failure(e));
        }
        let (rest, w) = by_chars(i)?;
        Ok((rest, Some(Spanned::new(w, Span::new(start, rest.location_offset())))))
    }

    #[test]
    fn usual_ipv4_endpoints_are_read_by_bytes() {
        for text in ["172.16.0.1:8080", "0.0.0.0:0", "255.255.255.255:65535", "10.0.0.1:80"] {
            assert_eq!(plain_ipv4_endpoint(text.as_bytes()).map(SocketAddr::V4), text.parse().ok(), "{text}");
        }
        for text in ["01.0.0.1:80", "1.2.3.4:080", "256.0.0.1:80", "1.2.3.4:65536", "1.2.3:80", "1.2.3.4"] {
            assert_eq!(plain_ipv4_endpoint(text.as_bytes()), None, "{text}");
        }
    }

    const TEXT: &str = "[ \t\r\x0b\x0ca-z0-9:.\\{};#\"\u{1}\u{85}\u{a0}\u{3000}é\n]{0,12}";

    proptest! {
        #[test]
        fn words_and_blanks_read_by_bytes_as_by_characters(text in TEXT) {
            let i = In::new(&text);
            let (rest, _) = blank(i).unwrap();
            let plain = !rest.fragment().starts_with("\\\n");
            if plain && !at_end(rest) && !rest.fragment().starts_with('"') && !rest.fragment().starts_with(char::is_whitespace) {
                let (new_rest, word) = next_word(i).unwrap();
                let (old_rest, old_word) = by_chars(i).unwrap();
                prop_assert_eq!(word.map(|w| w.value), Some(old_word));
                prop_assert_eq!(new_rest.location_offset(), old_rest.location_offset());
            }
        }

        #[test]
        fn the_table_of_word_bytes_reads_as_the_checks_did(text in TEXT) {
            let i = In::new(&text);
            let new = next_word(i).map(|(rest, w)| (rest.location_offset(), w));
            let old = next_word_checked_first(i).map(|(rest, w)| (rest.location_offset(), w));
            match (new, old) {
                (Ok(new), Ok(old)) => prop_assert_eq!(new, old),
                (Err(nom::Err::Failure(new)), Err(nom::Err::Failure(old))) => {
                    prop_assert_eq!((new.code, new.span), (old.code, old.span));
                }
                (new, old) => prop_assert!(false, "{:?} against {:?}", new, old),
            }
        }

        #[test]
        fn endpoints_read_by_bytes_as_the_standard_library_reads_them(
            text in "(0|1|9|00|01|10|25[0-9]|256|99|199|[0-9]{1,4})([.:](0|1|00|01|80|255|256|65535|65536|[0-9]{1,6})){0,5}|\\[::1\\]:80|[0-9.:a-f]{0,12}"
        ) {
            prop_assert_eq!(socket_addr(&text), text.parse::<SocketAddr>().ok(), "{}", text);
        }

        #[test]
        fn gaps_read_by_bytes_as_by_characters(text in TEXT) {
            let i = In::new(&text);
            prop_assert_eq!(gap(i).unwrap().0, gap_by_chars(i).unwrap().0);
        }
    }
}
