//! One list of diagnostic codes: `lvsh::lang::codes::CODES` names every code
//! written in `src/`, each listed code is used, and `grammar/GUIDE.md`
//! documents each one with the same meaning.

use std::path::{Path, PathBuf};

use lvsh::lang::codes::CODES;

use crate::support::{relative, root};

/// The file that holds the list: its literals do not count as uses.
const LIST: &str = "src/lang/codes.rs";

/// Every `.rs` file under `dir`, at any depth, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The `"lvs::..."` string literals in a source text.
fn code_literals(text: &str) -> Vec<String> {
    text.split("\"lvs::")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(tail, _)| format!("lvs::{tail}"))
        .collect()
}

/// Each code literal in `src/` (outside the list) with the file it is in.
fn codes_in_sources() -> Vec<(String, String)> {
    rust_files(&root().join("src"))
        .into_iter()
        .filter(|file| relative(file) != LIST)
        .flat_map(|file| {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let name = relative(&file);
            code_literals(&text).into_iter().map(move |code| (code, name.clone()))
        })
        .collect()
}

/// The rows `| `code` | meaning |` of `grammar/GUIDE.md`.
fn codes_in_guide() -> Vec<(String, String)> {
    let guide = std::fs::read_to_string(root().join("grammar/GUIDE.md")).expect("grammar/GUIDE.md");
    guide
        .lines()
        .filter_map(|line| line.strip_prefix("| `lvs::"))
        .filter_map(|row| {
            let (code, rest) = row.split_once("` | ")?;
            let meaning = rest.strip_suffix(" |")?;
            Some((format!("lvs::{code}"), meaning.to_string()))
        })
        .collect()
}

fn listed(code: &str) -> bool {
    CODES.iter().any(|(listed, _)| *listed == code)
}

#[test]
fn every_code_in_the_sources_is_listed() {
    let unlisted: Vec<String> = codes_in_sources()
        .into_iter()
        .filter(|(code, _)| !listed(code))
        .map(|(code, file)| format!("{code} ({file})"))
        .collect();
    assert!(unlisted.is_empty(), "codes missing from {LIST}: {unlisted:#?}");
}

#[test]
fn every_listed_code_is_used_in_the_sources() {
    let used = codes_in_sources();
    let unused: Vec<&str> =
        CODES.iter().map(|(code, _)| *code).filter(|code| !used.iter().any(|(u, _)| u == code)).collect();
    assert!(unused.is_empty(), "codes listed in {LIST} but used nowhere in src/: {unused:?}");
}

#[test]
fn each_code_is_listed_once_with_a_meaning() {
    for (i, (code, meaning)) in CODES.iter().enumerate() {
        assert!(!meaning.trim().is_empty(), "{code} has no meaning");
        assert!(!CODES[..i].iter().any(|(earlier, _)| earlier == code), "{code} is listed twice");
    }
}

#[test]
fn the_guide_documents_every_code_as_the_list_does() {
    let guide = codes_in_guide();
    for (code, meaning) in CODES {
        match guide.iter().find(|(documented, _)| documented == code) {
            None => panic!("grammar/GUIDE.md's diagnostic codes do not document {code}"),
            Some((_, documented)) => {
                assert_eq!(documented, meaning, "grammar/GUIDE.md and {LIST} disagree on {code}")
            }
        }
    }
    let stale: Vec<&str> = guide.iter().map(|(code, _)| code.as_str()).filter(|code| !listed(code)).collect();
    assert!(stale.is_empty(), "grammar/GUIDE.md documents codes lvsh no longer has: {stale:?}");
}

#[test]
fn code_literals_are_read_between_quotes() {
    let text = r#"Diagnostic::error("lvs::parse::missing", "x"); let y = "error[lvs::io::file]";"#;
    assert_eq!(code_literals(text), vec!["lvs::parse::missing".to_string()]);
}
