//! `lvsh import`, which needs no kernel: each `tests/cases/import/*.conf`
//! (keepalived.conf) and `*.rules` (ipvsadm lines) prints exactly its
//! `.lvs`, and that output is declarations `apply` takes; each
//! `tests/cases/import/err/NNN-what.{conf,rules}` is refused with exactly
//! its `.stderr`. `UPDATE_GOLDEN=1` writes the golden files instead of
//! comparing (then read each one before committing it). The guest tests
//! (tests/guest/import.rs) apply the same files to a real kernel.

use std::path::{Path, PathBuf};

use lvsh::converge::import::{import, Format};
use lvsh::lang::source::Source;
use lvsh::render::diagnostic::render;

use crate::lvsh::Lvsh;
use crate::support::{files_with_ext, relative, root};

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

fn read(file: &Path) -> Source {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    Source::new(relative(file), text)
}

/// Every case of a directory, keepalived's and ipvsadm's.
fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = root().join(dir);
    let mut files = files_with_ext(&dir, "conf");
    files.extend(files_with_ext(&dir, "rules"));
    files.sort();
    files
}

/// What `lvsh import FILE` prints for a source, or its rendered errors.
fn imported(source: &Source) -> Result<String, String> {
    match import(source, Format::detect(&source.text)) {
        Ok(imported) => Ok(lvsh::render::import::text(&imported, &source.name)),
        Err(errors) => Err(errors.iter().map(|d| render(d, source, false)).collect()),
    }
}

/// `actual` against the golden file (or written to it): a failure's text, if any.
fn compare(golden: &Path, actual: &str) -> Option<String> {
    if updating() {
        std::fs::write(golden, actual).expect("the golden file is writable");
    }
    match std::fs::read_to_string(golden) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!("{}: expected\n{expected}\nbut got\n{actual}", relative(golden))),
        Err(_) => Some(format!("{}: missing (run with UPDATE_GOLDEN=1)", relative(golden))),
    }
}

#[test]
fn each_file_imports_as_its_golden_declarations() {
    let files = cases("tests/cases/import");
    assert!(files.len() >= 7, "expected at least 7 import cases, found {files:?}");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let source = read(file);
            match imported(&source) {
                Ok(text) => compare(&file.with_extension("lvs"), &text),
                Err(errors) => Some(format!("{}: refused\n{errors}", source.name)),
            }
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn what_import_prints_parses_and_is_declarations_apply_takes() {
    let mut files = cases("tests/cases/import");
    // Every table ipvsadm saved, too.
    files.extend(
        files_with_ext(&root().join("tests/cases/render"), "txt")
            .into_iter()
            .filter(|f| f.to_string_lossy().ends_with("-save.txt")),
    );
    for file in files {
        let source = read(&file);
        let text = imported(&source).unwrap_or_else(|e| panic!("{}: refused\n{e}", source.name));
        let output = Source::new(format!("import of {}", source.name), text.clone());
        let (script, diagnostics) = lvsh::lang::parse(&output, lvsh::lang::parse::no_nodes);
        let errors: Vec<String> = diagnostics.iter().map(|d| render(d, &output, false)).collect();
        assert!(errors.is_empty(), "{text}\n{}", errors.concat());
        let declared = lvsh::converge::desired::desired(&[&script.stmts]);
        assert!(declared.is_ok(), "{text}\n{declared:?}");
    }
}

#[test]
fn each_file_that_cannot_be_imported_is_refused_with_its_golden_diagnostics() {
    let dir = root().join("tests/cases/import/err");
    let files = cases("tests/cases/import/err");
    assert!(files.len() >= 14, "expected at least 14 cases, found {}", files.len());
    let mut failures: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let source = read(file);
            match imported(&source) {
                Ok(text) => Some(format!("{}: imported, none refused:\n{text}", source.name)),
                Err(errors) => compare(&file.with_extension("stderr"), &errors),
            }
        })
        .collect();
    for golden in files_with_ext(&dir, "stderr") {
        if !golden.with_extension("conf").exists() && !golden.with_extension("rules").exists() {
            failures.push(format!("{}: a golden diagnostic without its case", relative(&golden)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn lvsh_import_prints_the_declarations_without_a_kernel() {
    let file = root().join("tests/cases/import/nat.conf");
    let out =
        Lvsh::new().args(["import", "tests/cases/import/nat.conf"]).current_dir(&root()).run().succeeds();
    assert_eq!(out.stdout, std::fs::read_to_string(file.with_extension("lvs")).expect("the golden file"));
    assert_eq!(out.stderr, "");
}

#[test]
fn lvsh_import_refuses_a_file_whole_with_every_error_and_exit_2() {
    let out = Lvsh::new()
        .args(["import", "tests/cases/import/err/011-several.conf"])
        .current_dir(&root())
        .run()
        .exits(2);
    assert_eq!(out.stdout, "");
    let golden =
        std::fs::read_to_string(root().join("tests/cases/import/err/011-several.stderr")).expect("golden");
    assert_eq!(out.stderr, format!("{golden}note: 3 errors; nothing was printed\n"));
}

#[test]
fn from_reads_a_file_as_the_format_it_names() {
    // A keepalived.conf read as ipvsadm lines: ipvsadm's own refusal.
    let out = Lvsh::new()
        .args(["import", "--from", "ipvsadm", "tests/cases/import/legacy.conf"])
        .current_dir(&root())
        .run()
        .exits(2);
    assert!(out.stderr.starts_with("error[lvs::restore::invalid]: "), "{}", out.stderr);
    let out = Lvsh::new()
        .args(["import", "--from", "keepalived", "tests/cases/import/saved.rules"])
        .current_dir(&root())
        .run()
        .succeeds();
    assert!(
        out.stdout
            .contains("# line 2: -A -t 111.111.0.1:80 -s wrr: not imported (not part of the IPVS table)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_file_that_cannot_be_read_is_an_environment_error() {
    let out = Lvsh::new().args(["import", "/nonexistent/keepalived.conf"]).run().exits(4);
    assert!(out.stderr.starts_with("error: cannot read `/nonexistent/keepalived.conf`: "), "{}", out.stderr);
}

#[test]
fn the_docs_list_every_keyword_import_writes_as_a_comment() {
    let docs = std::fs::read_to_string(root().join("docs/import.md")).expect("docs/import.md");
    let (_, not_covered) =
        docs.split_once("### Not covered").expect("docs/import.md has a `Not covered` section");
    let missing: Vec<&str> = lvsh::converge::import::commented()
        .into_iter()
        .filter(|k| !not_covered.contains(&format!("`{k}`")))
        .collect();
    assert!(missing.is_empty(), "docs/import.md's `Not covered` list lacks {missing:?}");
}
