//! Unique prefixes never change a line that is already whole: every
//! example a learner can copy (the files in `examples/`, the ```lvs blocks
//! of the guide and the README, each command's and each option's example)
//! comes back from the expansion as it was, whole and line by line.

use lvsh::lang::abbrev::expand;
use lvsh::lang::command::{option_tables, COMMAND_HELP};

use crate::examples::lvs_blocks;
use crate::support::{files_with_ext, relative, root};

fn lab_nodes(word: &str) -> bool {
    ["ext1", "ext2", "gw", "gw2", "int1", "int2"].contains(&word)
}

/// Every text that should come back unchanged, named.
fn examples() -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for file in files_with_ext(&root().join("examples"), "lvs") {
        texts.push((relative(&file), std::fs::read_to_string(&file).expect("an example is readable")));
    }
    for file in ["grammar/GUIDE.md", "README.md"] {
        let markdown = std::fs::read_to_string(root().join(file)).expect(file);
        for (line, text) in lvs_blocks(&markdown) {
            texts.push((format!("{file} (block at line {line})"), text));
        }
    }
    texts
}

/// The statements of a text that stand on one line, outside any block
/// (alone, a line cannot lean on the text's other lines: its names are unknown).
fn single_lines(text: &str) -> Vec<&str> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for line in text.lines() {
        let opens = line.matches('{').count();
        let closes = line.matches('}').count();
        let continued = line.trim_end().ends_with('\\');
        if depth == 0 && opens == 0 && closes == 0 && !continued && !line.trim().is_empty() {
            out.push(line);
        }
        depth = (depth + opens).saturating_sub(closes);
    }
    out
}

#[test]
fn every_example_comes_back_unchanged_whole_and_line_by_line() {
    let mut changed = Vec::new();
    let mut lines = 0;
    for (name, text) in examples() {
        match expand(&text, lab_nodes, &[]) {
            Ok(full) if full == text => {}
            other => changed.push(format!("{name}: {other:?}")),
        }
        for line in single_lines(&text) {
            lines += 1;
            match expand(line, lab_nodes, &[]) {
                Ok(full) if full == line => {}
                other => changed.push(format!("{name}: `{line}` became {other:?}")),
            }
        }
    }
    assert!(lines >= 200, "only {lines} single lines found in the examples");
    assert!(changed.is_empty(), "expansion changed whole lines:\n{}", changed.join("\n"));
}

#[test]
fn every_command_and_option_example_comes_back_unchanged() {
    let mut texts: Vec<String> = COMMAND_HELP.iter().map(|c| c.example.to_string()).collect();
    for table in option_tables() {
        for option in &table.options {
            texts.push(format!("{} {}", table.sample, option.example));
        }
    }
    let changed: Vec<String> = texts
        .iter()
        .filter_map(|t| match expand(t, lab_nodes, &[]) {
            Ok(full) if full == *t => None,
            other => Some(format!("`{t}` became {other:?}")),
        })
        .collect();
    assert!(changed.is_empty(), "expansion changed whole lines:\n{}", changed.join("\n"));
}

#[test]
fn the_same_lines_with_their_words_cut_short_come_back_whole() {
    for (cut, whole) in [
        ("sh co", "show connections"),
        ("lab u --expl", "lab up --explain"),
        ("pro web cou 6 fr ext1 se \"xxx\"", "probe web count 6 from ext1 send \"xxx\""),
        ("daem sta mas interface eth0", "daemon start master interface eth0"),
        ("tut weights --y", "tutorial weights --yes"),
    ] {
        assert_eq!(expand(cut, lab_nodes, &["web".to_string()]).as_deref(), Ok(whole), "{cut}");
    }
}
