//! What each fuzz target runs on one input and asserts, one function per
//! target. The host tests run the same functions on every crash found
//! and on the committed corpus (tests/host/fuzz_regressions.rs).
// Each target binary uses one of these.
#![allow(dead_code)]

use lvsh::lang::diagnostic::Diagnostic;
use lvsh::lang::ipvsadm::{parse_ipvsadm, split_line};
use lvsh::lang::source::Source;

/// The `.lvs` parser and checker as `lvsh check` and `lvsh run` read a
/// file (parse, check, compile every Rhai block), then the parser alone
/// with the lab's node names.
pub fn lvs_parse(bytes: &[u8]) {
    let Some(source) = parse_file("fuzz.lvs", bytes) else { return };
    let (_, diagnostics) = lvsh::lang::parse::parse_script(&source, lvsh::lab::Lab::is_node);
    assert_inside(&source, &diagnostics);
}

/// A `.rhai` file compiled as `lvsh run x.rhai` does before it runs anything.
pub fn rhai_compile(bytes: &[u8]) {
    parse_file("fuzz.rhai", bytes);
}

/// A line split as `ipvsadm -R` splits it, each word's range being that
/// word in the line, then read as ipvsadm's options.
pub fn ipvsadm_parse(bytes: &[u8]) {
    let Ok(line) = std::str::from_utf8(bytes) else { return };
    let tokens = split_line(line);
    for (word, range) in &tokens {
        assert_eq!(line.get(range.clone()), Some(*word), "word {word:?} at {range:?}");
    }
    let words: Vec<&str> = tokens.iter().map(|(word, _)| *word).collect();
    if let Err(error) = parse_ipvsadm(&words) {
        // The message is what the user sees; building it must not panic either.
        let _ = error.to_string();
    }
}

/// Every netlink reply decoder over the bytes, as a received buffer and as
/// one message's attributes: a value or an error, never a panic.
pub fn netlink_decode(bytes: &[u8]) {
    lvsh::ipvs::netlink::decode_every_way(bytes);
}

/// The bytes as a file named `name` (its extension picks `.lvs` or Rhai),
/// parsed, checked and compiled; `None` when they are not UTF-8, which
/// `Source::read` refuses before any parser sees them.
fn parse_file(name: &str, bytes: &[u8]) -> Option<Source> {
    let source = Source::new(name, std::str::from_utf8(bytes).ok()?);
    let (_, diagnostics) = lvsh::script::parse(&source);
    assert_inside(&source, &diagnostics);
    Some(source)
}

/// Every place a diagnostic points at lies inside the text, and the
/// diagnostic renders (rendering slices the text at those places).
fn assert_inside(source: &Source, diagnostics: &[Diagnostic]) {
    let len = source.text.len();
    for d in diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(start <= end && end <= len, "{} at {start}..{end} in {len} bytes: {d:?}", d.code);
        }
        lvsh::render::diagnostic::render(d, source, false);
    }
}
