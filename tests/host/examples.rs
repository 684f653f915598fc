//! Every example a learner can copy parses: the files in `examples/` and the
//! ```lvs blocks of `grammar/GUIDE.md` and `README.md`.

use crate::support::{diagnostics, files_with_ext, relative, rendered, root};

#[test]
fn every_example_file_parses_without_diagnostics() {
    let files = files_with_ext(&root().join("examples"), "lvs");
    assert!(files.len() >= 7, "expected at least 7 examples, found {}", files.len());
    let mut failures = String::new();
    for file in &files {
        let name = relative(file);
        let text = std::fs::read_to_string(file).expect("an example is readable");
        let (source, found) = diagnostics(&name, &text);
        failures.push_str(&rendered(&source, &found));
    }
    assert!(failures.is_empty(), "examples with diagnostics:\n{failures}");
}

/// The ```lvs blocks of a markdown text, with the line each starts on.
pub fn lvs_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match current.as_mut() {
            None if line.trim_start().starts_with("```lvs") => current = Some((n + 2, String::new())),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an ```lvs block is never closed");
    blocks
}

#[test]
fn every_lvs_block_of_the_guide_and_the_readme_parses_without_diagnostics() {
    for (file, at_least) in [("grammar/GUIDE.md", 15), ("README.md", 2)] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        let blocks = lvs_blocks(&text);
        assert!(
            blocks.len() >= at_least,
            "expected {at_least} ```lvs blocks in {file}, found {}",
            blocks.len()
        );
        let mut failures = String::new();
        for (line, text) in &blocks {
            let (source, found) = diagnostics(&format!("{file} (block at line {line})"), text);
            failures.push_str(&rendered(&source, &found));
        }
        assert!(failures.is_empty(), "{file} blocks with diagnostics:\n{failures}");
    }
}

#[test]
fn lvs_blocks_are_found_with_their_first_line() {
    let blocks = lvs_blocks("text\n```lvs\nflush\n```\n```sh\nls\n```\n```lvs\nshow\nsave\n```\n");
    assert_eq!(blocks, [(3, "flush\n".to_string()), (9, "show\nsave\n".to_string())]);
}

#[test]
fn every_rhai_example_compiles_in_the_sandbox() {
    let files = files_with_ext(&root().join("examples"), "rhai");
    let names: Vec<String> = files.iter().map(|f| relative(f)).collect();
    for expected in ["examples/drain.rhai", "examples/generate.rhai", "examples/lab.rhai"] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    let mut failures = String::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("an example is readable");
        let source = lvsh::lang::source::Source::new(relative(file), text);
        let found = lvsh::script::check(&source, &lvsh::script::rhai_file(&source));
        failures.push_str(&rendered(&source, &found));
    }
    assert!(failures.is_empty(), "Rhai examples that do not compile:\n{failures}");
}
