//! The command table (`lang::command`) against the parser and the printer:
//! the table is what the parser dispatches on, so every command's example
//! must parse into a statement that prints under the same command name.

use lvsh::lab::Lab;
use lvsh::lang::command::{self, COMMAND_HELP};
use lvsh::lang::parse::parse_script;
use lvsh::lang::print::print_stmt;
use lvsh::lang::source::Source;

use crate::support::diagnostics;

#[test]
fn every_example_parses_as_its_own_command_and_prints_under_its_name() {
    for c in COMMAND_HELP {
        let (script, found) = parse_script(&Source::new("example", c.example), Lab::is_node);
        assert!(found.is_empty(), "the example of `{}` does not parse: {found:?}", c.name);
        let printed = print_stmt(&script.stmts[0].kind);
        let first = printed.split_whitespace().next().unwrap_or_default();
        assert!(first == c.name || c.aliases.contains(&first), "`{}` prints as `{printed}`", c.example);
        let of = command::of(&script.stmts[0].kind).map(|e| e.name);
        assert_eq!(of, Some(c.name), "the statement of `{}` is not found as its command", c.example);
    }
}

#[test]
fn every_command_is_offered_by_tab_and_its_example_is_not_marked_red() {
    use lvsh::repl::catalog::{Catalog, Names};
    use lvsh::repl::complete::{complete, Model};
    use lvsh::repl::highlight::{styles, Style};
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    let (_, offered) = complete("", model);
    for c in COMMAND_HELP {
        assert!(
            offered.iter().any(|o| o.display == c.name),
            "Tab on an empty line does not offer `{}`",
            c.name
        );
        let marked = styles("", c.example, model);
        assert!(!marked.iter().any(|(_, s)| *s == Style::Error), "`{}` is marked as an error", c.example);
    }
}

#[test]
fn command_names_and_aliases_are_unique() {
    let mut all: Vec<&str> =
        COMMAND_HELP.iter().flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied())).collect();
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), count, "a command name or alias is given twice");
    assert_eq!(command::names().len(), COMMAND_HELP.len());
}

#[test]
fn every_help_example_parses_and_checks() {
    for c in COMMAND_HELP {
        // A name needs its declaration first, as in a script.
        let text = format!("service web tcp 111.111.0.1:80 rr\n{}\n", c.example);
        let (_, found) = diagnostics(&format!("help {}", c.name), &text);
        assert!(found.is_empty(), "the example of `{}` does not check: {found:?}", c.name);
    }
}
