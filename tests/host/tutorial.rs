//! The tutorial's lessons, read without a kernel: `tutorial --list` lists
//! every file of `examples/lessons/` with what its first line says it
//! teaches, `tutorial NAME --list` its `## ` steps, and an unknown lesson
//! is an error that lists them. (Running them is the guest's: tests/guest/lessons.rs.)

use crate::lvsh::Lvsh;
use crate::support::{diagnostics, files_with_ext, relative, rendered, root};

/// Each lesson file: its number, name, first line and step titles, read
/// straight from the folder.
fn lesson_files() -> Vec<(usize, String, String, Vec<String>)> {
    let files = files_with_ext(&root().join("examples/lessons"), "lvs");
    assert!(files.len() >= 7, "expected at least 7 lessons, found {}", files.len());
    files
        .iter()
        .map(|file| {
            let stem = file.file_stem().and_then(|s| s.to_str()).expect("a file name");
            let (number, name) = stem.split_once('-').expect("NN-name.lvs");
            let text = std::fs::read_to_string(file).expect("a lesson is readable");
            let first = text.lines().next().unwrap_or_default().trim_start_matches('#').trim().to_string();
            let steps =
                text.lines().filter_map(|l| l.strip_prefix("## ")).map(|t| t.trim().to_string()).collect();
            (number.parse().expect("NN is a number"), name.to_string(), first, steps)
        })
        .collect()
}

#[test]
fn tutorial_list_shows_each_lesson_file_with_its_first_line_and_needs_no_kernel() {
    // Even on a namespace that does not exist: listing needs no IPVS.
    let out = Lvsh::new().netns("lvsh-nowhere").commands("tutorial --list").run().succeeds();
    let files = lesson_files();
    let width = files.iter().map(|(_, name, _, _)| name.len()).max().unwrap_or(0);
    let mut expected: String = files
        .iter()
        .enumerate()
        .map(|(i, (number, name, first, _))| {
            assert_eq!(*number, i + 1, "the lessons are numbered 1, 2, ... in order");
            format!("{number:>2}. {name:<width$}  {first}\n")
        })
        .collect();
    expected += "`tutorial NAME` (or its number) walks through one; `tutorial` alone, the first\n";
    assert_eq!(out.stdout, expected);
    assert!(out.stdout.starts_with(" 1. seed "), "the seed comes first: {}", out.stdout);
}

#[test]
fn a_lessons_list_shows_its_steps_by_name_or_by_number() {
    let files = lesson_files();
    for (number, name, first, steps) in &files {
        let by_name = Lvsh::new().commands(&format!("tutorial {name} --list")).run().succeeds();
        let mut expected = format!("lesson {number}/{}, {name}: {first}\n", files.len());
        for (i, title) in steps.iter().enumerate() {
            expected += &format!("{:>2}. {title}\n", i + 1);
        }
        assert_eq!(by_name.stdout, expected);
        let by_number = Lvsh::new().commands(&format!("tutorial {number} --list")).run().succeeds();
        assert_eq!(by_number.stdout, expected);
    }
}

#[test]
fn an_unknown_lesson_is_an_error_that_lists_the_lessons() {
    let out = Lvsh::new().commands("tutorial nosuch --list").run().exits(2);
    let names: Vec<String> = lesson_files().iter().map(|(n, name, _, _)| format!("{n} {name}")).collect();
    assert!(
        out.stderr.starts_with("error[lvs::tutorial::lesson]: there is no lesson `nosuch`\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!("= help: the lessons: {} (", names.join(", "))), "{}", out.stderr);
    let out = Lvsh::new().commands("tutorial 99 --list").run().exits(2);
    assert!(out.stderr.contains("there is no lesson `99`"), "{}", out.stderr);
}

#[test]
fn every_lesson_parses_without_diagnostics_and_each_step_explains_and_runs_something() {
    let mut failures = String::new();
    for file in files_with_ext(&root().join("examples/lessons"), "lvs") {
        let text = std::fs::read_to_string(&file).expect("a lesson is readable");
        let (source, found) = diagnostics(&relative(&file), &text);
        failures.push_str(&rendered(&source, &found));
        let steps = lvsh::lab::tutorial::steps(&text);
        assert!(steps.len() >= 4, "{}: {steps:#?}", relative(&file));
        for step in steps {
            assert!(!step.explain.is_empty() && !step.code.is_empty(), "{}: {step:#?}", relative(&file));
        }
    }
    assert!(failures.is_empty(), "lessons with diagnostics:\n{failures}");
}

#[test]
fn the_built_in_lessons_are_the_files() {
    let files = lesson_files();
    let built = lvsh::lab::lessons::all();
    assert_eq!(built.len(), files.len());
    for (lesson, (number, name, _, _)) in built.iter().zip(&files) {
        let text =
            std::fs::read_to_string(root().join("examples/lessons").join(lesson.file)).expect("the file");
        assert_eq!((lesson.number, lesson.name, lesson.text), (*number, name.as_str(), text.as_str()));
    }
}

#[test]
fn the_readmes_list_of_lessons_is_what_tutorial_list_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = "$ lvsh -c 'tutorial --list'\n";
    let at = readme.find(start).expect("the README shows `tutorial --list`") + start.len();
    let shown = &readme[at..at + readme[at..].find("```").expect("the block ends")];
    let out = Lvsh::new().commands("tutorial --list").run().succeeds();
    assert_eq!(shown, out.stdout);
}
