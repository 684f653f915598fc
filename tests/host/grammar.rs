//! `grammar/lvs.ebnf` documents every production the parser implements: each
//! `` `name := ...` `` in a doc comment of `src/lang/parse/` is defined there.

use crate::support::{files_with_ext, relative, root};

/// The production names the doc comments of one source text define.
fn productions_in_docs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_start)
        .filter_map(|l| l.strip_prefix("///").or_else(|| l.strip_prefix("//!")))
        .filter_map(|doc| {
            let (before, _) = doc.split_once(":=")?;
            let name = before.rsplit('`').next()?.trim();
            let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            valid.then(|| name.to_string())
        })
        .collect()
}

/// The production names `grammar/lvs.ebnf` defines (`name := ...` at the start of a line).
fn productions_in_grammar(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(":="))
        .map(|(name, _)| name.trim().to_string())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect()
}

#[test]
fn every_production_of_the_parser_is_in_the_grammar() {
    let grammar = std::fs::read_to_string(root().join("grammar/lvs.ebnf")).expect("grammar/lvs.ebnf");
    let defined = productions_in_grammar(&grammar);
    let mut documented = Vec::new();
    let mut missing = Vec::new();
    for file in files_with_ext(&root().join("src/lang/parse"), "rs") {
        let text = std::fs::read_to_string(&file).expect("a parser source");
        for name in productions_in_docs(&text) {
            if !defined.contains(&name) {
                missing.push(format!("{name} (from {})", relative(&file)));
            }
            documented.push(name);
        }
    }
    assert!(documented.len() >= 18, "found only {documented:?} in the parser's doc comments");
    assert!(missing.is_empty(), "productions missing from grammar/lvs.ebnf: {missing:?}");
}

#[test]
fn the_grammar_defines_each_statement_and_the_lexemes() {
    let grammar = std::fs::read_to_string(root().join("grammar/lvs.ebnf")).expect("grammar/lvs.ebnf");
    let defined = productions_in_grammar(&grammar);
    let expected = [
        "script",
        "stmt",
        "service-decl",
        "svc-addr",
        "svc-ref",
        "svc-option",
        "backend-stmt",
        "block-backend",
        "backend-option",
        "set",
        "del",
        "flush",
        "zero",
        "timeouts",
        "daemon",
        "show",
        "save",
        "restore",
        "source",
        "echo",
        "sleep",
        "ipvsadm",
        "word",
        "endpoint",
        "number",
        "string",
        "duration",
        "path",
    ];
    let missing: Vec<&str> = expected.into_iter().filter(|n| !defined.iter().any(|d| d == n)).collect();
    assert!(missing.is_empty(), "grammar/lvs.ebnf lacks {missing:?}");
}

#[test]
fn doc_comment_productions_are_read_from_backticks() {
    let text =
        "//! The parser: `script := { stmt }`, one a line.\n/// `set := \"set\" ...`\n// `not := doc`\n";
    assert_eq!(productions_in_docs(text), ["script", "set"]);
}
