//! The parser's corpus: `tests/cases/parse/ok/*.lvs` parse with no
//! diagnostics; each `tests/cases/parse/err/NNN-what.lvs` renders exactly
//! its `NNN-what.stderr`. `UPDATE_GOLDEN=1` writes the `.stderr` files
//! instead of comparing (then read every one before committing it).

use std::path::Path;

use crate::support::{diagnostics, files_with_ext, relative, rendered, root};

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()))
}

#[test]
fn ok_cases_parse_without_diagnostics() {
    let files = files_with_ext(&root().join("tests/cases/parse/ok"), "lvs");
    assert!(files.len() >= 31, "expected at least 31 ok cases, found {}", files.len());
    let mut failures = String::new();
    for file in &files {
        let (source, found) = diagnostics(&relative(file), &read(file));
        failures.push_str(&rendered(&source, &found));
    }
    assert!(failures.is_empty(), "ok cases with diagnostics:\n{failures}");
}

#[test]
fn err_cases_render_their_golden_diagnostics() {
    let files = files_with_ext(&root().join("tests/cases/parse/err"), "lvs");
    assert!(files.len() >= 212, "expected at least 212 err cases, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = relative(file);
        let (source, found) = diagnostics(&name, &read(file));
        let actual = rendered(&source, &found);
        let golden = file.with_extension("stderr");
        if found.is_empty() {
            failures.push(format!("{name}: parsed without a diagnostic"));
        } else if updating() {
            std::fs::write(&golden, &actual).expect("the golden file is writable");
        } else if !golden.exists() {
            failures.push(format!("{name}: no {} (run with UPDATE_GOLDEN=1)", relative(&golden)));
        } else if read(&golden) != actual {
            failures.push(format!("{name}: expected\n{}\nbut got\n{actual}", read(&golden)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} err cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_file_has_its_case() {
    let dir = root().join("tests/cases/parse/err");
    let orphans: Vec<String> = files_with_ext(&dir, "stderr")
        .into_iter()
        .filter(|g| !g.with_extension("lvs").exists())
        .map(|g| relative(&g))
        .collect();
    assert!(orphans.is_empty(), "golden files without a case: {orphans:?}");
}
