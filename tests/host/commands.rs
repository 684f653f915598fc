//! The command table (`lang::command`) against the parser: every command
//! the parser knows has help, and every example in the help parses.

use lvsh::lang::command::COMMAND_HELP;
use lvsh::lang::parse::COMMANDS;

use crate::support::diagnostics;

#[test]
fn every_parser_command_has_a_help_entry() {
    let missing: Vec<&str> =
        COMMANDS.iter().copied().filter(|c| lvsh::lang::command::find(c).is_none()).collect();
    assert!(
        missing.is_empty(),
        "commands without an entry in src/lang/command.rs (name, group, syntax, summary, example): {missing:?}"
    );
}

#[test]
fn every_help_entry_is_a_parser_command() {
    let unknown: Vec<&str> =
        COMMAND_HELP.iter().map(|c| c.name).filter(|name| !COMMANDS.contains(name)).collect();
    assert!(unknown.is_empty(), "help entries the parser does not know: {unknown:?}");
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
