//! What `restore FILE` and `ipvsadm -R` read, before any kernel: each
//! `tests/cases/restore/err/NNN-what.rules` is refused with exactly its
//! `NNN-what.stderr`, and no `.stderr` is without its case (`UPDATE_GOLDEN=1`
//! writes them instead; read each one before committing it); each
//! `tests/cases/restore/ok/*.rules` reads whole; and every table ipvsadm
//! saved (`tests/cases/render/*-save.txt`) reads back as its own lines.

use std::path::{Path, PathBuf};

use lvsh::lang::ipvsadm::{read_restore, IpvsadmCommand};
use lvsh::lang::source::Source;
use lvsh::render::diagnostic::render;

use crate::support::{files_with_ext, relative, root};

fn read(file: &Path) -> Source {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    Source::new(relative(file), text)
}

#[test]
fn each_line_that_cannot_be_restored_is_refused_with_its_golden_diagnostic() {
    let dir = root().join("tests/cases/restore/err");
    let files = files_with_ext(&dir, "rules");
    assert!(files.len() >= 18, "expected at least 18 cases, found {}", files.len());
    let updating = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let check = |file: &PathBuf| -> Option<String> {
        let source = read(file);
        let golden = file.with_extension("stderr");
        let actual = match read_restore(&source) {
            Ok(lines) => {
                return Some(format!("{}: read as {} lines, none refused", source.name, lines.len()))
            }
            Err(d) => render(&d, &source, false),
        };
        if updating {
            std::fs::write(&golden, &actual).expect("the golden file is writable");
        }
        let expected = read(&golden).text;
        (expected != actual).then(|| format!("{}: expected\n{expected}\nbut got\n{actual}", source.name))
    };
    let orphan = |golden: PathBuf| {
        let case = golden.with_extension("rules");
        (!case.exists()).then(|| format!("{}: a golden diagnostic without its case", relative(&golden)))
    };
    let failures: Vec<String> = files
        .iter()
        .filter_map(check)
        .chain(files_with_ext(&dir, "stderr").into_iter().filter_map(orphan))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_file_of_every_change_in_several_spellings_reads_whole() {
    for file in files_with_ext(&root().join("tests/cases/restore/ok"), "rules") {
        let source = read(&file);
        let lines = read_restore(&source).unwrap_or_else(|d| panic!("{}", render(&d, &source, false)));
        let with_words =
            source.text.lines().filter(|l| !l.trim().is_empty() && l.trim() != "ipvsadm").count();
        assert_eq!(lines.len(), with_words, "{}", source.name);
    }
}

#[test]
fn every_table_ipvsadm_saved_reads_back_as_its_services_and_backends() {
    let saves: Vec<_> = files_with_ext(&root().join("tests/cases/render"), "txt")
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with("-save.txt"))
        .collect();
    assert!(saves.len() >= 4, "expected ipvsadm's saves in tests/cases/render, found {saves:?}");
    for file in saves {
        let source = read(&file);
        let lines = read_restore(&source).unwrap_or_else(|d| panic!("{}", render(&d, &source, false)));
        assert_eq!(lines.len(), source.text.lines().count(), "{}", source.name);
        for (line, text) in lines.iter().zip(source.text.lines()) {
            let kind_matches = match &line.command {
                IpvsadmCommand::AddService(_) => text.starts_with("-A "),
                IpvsadmCommand::AddServer { .. } => text.starts_with("-a "),
                _ => false,
            };
            assert!(kind_matches, "{}: {text} read as {:?}", source.name, line.command);
            assert_eq!(&source.text[line.span.range()], text);
        }
    }
}
