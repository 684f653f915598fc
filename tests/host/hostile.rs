//! Inputs meant to break lvsh: each must end in a diagnostic, never a
//! crash or a stack overflow.

use lvsh::lab::Lab;
use lvsh::lang::parse::parse_script;
use lvsh::lang::source::Source;
use lvsh::repl::catalog::{Catalog, Names};
use lvsh::repl::complete::{complete, Model};
use lvsh::repl::highlight::styles;

use crate::lvsh::Lvsh;

/// `explain` nested 5,000 deep: once a stack overflow.
fn deep_explain() -> String {
    format!("{}flush", "explain ".repeat(5_000))
}

#[test]
fn explain_nested_thousands_deep_is_an_error_not_a_stack_overflow() {
    let (_, found) = parse_script(&Source::new("deep", deep_explain()), Lab::is_node);
    assert_eq!(found.iter().map(|d| d.code).collect::<Vec<_>>(), ["lvs::parse::too-deep"]);
    let dir = std::env::temp_dir().join(format!("lvsh-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = dir.join("deep.lvs");
    std::fs::write(&file, deep_explain()).expect("write the file");
    let out = Lvsh::new().arg("check").arg(&file).run().exits(2);
    assert!(out.stderr.contains("lvs::parse::too-deep"), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_shell_completes_and_colors_a_line_of_thousands_of_explains() {
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    let line = deep_explain();
    let (_, offered) = complete(&line[..line.len() - "flush".len()], model);
    assert!(offered.is_empty(), "nothing fits that deep: {offered:?}");
    assert!(!styles("", &line, model).is_empty());
}
