//! The statement tables against everything that reads them: for every
//! option of every statement, a line made from the table parses, prints
//! back to itself, is offered by completion where it may stand, is not
//! marked as an error by the shell's highlighting, is suggested when
//! misspelt, is shown by `help`, and (where Rhai takes it) is accepted in
//! Rhai's option map. `grammar/lvs.ebnf` holds each table's production as
//! generated here (`LVSH_BLESS=1 cargo test --test host statements` writes
//! them).

use lvsh::lang::command::{self, OptionFragment, COMMAND_HELP};
use lvsh::lang::parse::options::{OptDoc, RhaiForm};
use lvsh::lang::parse::{no_nodes, parse_script};
use lvsh::lang::print::print_stmts;
use lvsh::lang::source::Source;
use lvsh::repl::catalog::{Catalog, Names};
use lvsh::repl::complete::{complete, Model};
use lvsh::repl::highlight::{styles, Style};
use rhai::{Dynamic, Map};

use crate::support::root;

/// The canonical text of `text`, which must parse as one statement.
fn canonical(text: &str) -> String {
    let (script, diagnostics) = parse_script(&Source::new("t", text), no_nodes);
    assert!(diagnostics.is_empty(), "`{text}` does not parse: {diagnostics:?}");
    assert_eq!(script.stmts.len(), 1, "`{text}` is not one statement");
    print_stmts(&script.stmts)
}

/// Every option of every table, with its table.
fn every_option() -> impl Iterator<Item = (&'static OptionFragment, &'static OptDoc)> {
    command::option_tables().iter().flat_map(|t| t.options.iter().map(move |o| (t, o)))
}

#[test]
fn every_option_parses_and_prints_back_to_itself() {
    for (table, o) in every_option() {
        let line = format!("{} {}", table.sample, o.example);
        let printed = canonical(&line);
        assert!(
            format!("{} ", printed.trim_end()).contains(&format!(" {} ", o.example)),
            "`{line}` prints as `{printed}`, without `{}`",
            o.example
        );
        assert_eq!(canonical(&printed), printed, "the printed form of `{line}` changes when read again");
    }
}

#[test]
fn every_default_is_a_value_the_option_takes() {
    for (table, o) in every_option() {
        if let Some(default) = o.default {
            canonical(&format!("{} {} {default}", table.sample, o.word));
        }
    }
}

#[test]
fn completion_offers_every_option_where_it_may_stand() {
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    for (table, o) in every_option() {
        // After the statement's start, and after another option of it.
        let after_another = format!("{} {} ", table.sample, table.options[0].example);
        let places = [format!("{} ", table.sample)].into_iter().chain(table.repeats.then_some(after_another));
        for before in places {
            let (_, offered) = complete(&before, model);
            assert!(
                offered.iter().any(|c| c.display == o.word),
                "Tab after `{before}` does not offer `{}`: {offered:?}",
                o.word
            );
        }
    }
}

#[test]
fn highlighting_marks_no_option_as_an_error() {
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    for (table, o) in every_option() {
        let line = format!("{} {}", table.sample, o.example);
        let marked = styles("", &line, model);
        assert!(
            !marked.iter().any(|(_, s)| *s == Style::Error),
            "`{line}` is marked as an error: {marked:?}"
        );
    }
}

#[test]
fn a_misspelt_option_is_suggested() {
    for (table, o) in every_option().filter(|(_, o)| o.word.trim_start_matches('-').len() >= 4) {
        // The last two letters swapped (or the last one changed, where they are the same).
        let mut letters: Vec<char> = o.word.chars().collect();
        let n = letters.len();
        match letters[n - 1] == letters[n - 2] {
            true => letters[n - 1] = 'q',
            false => letters.swap(n - 1, n - 2),
        }
        let misspelt: String = letters.into_iter().collect();
        // After another option: a first word of `show` or `watch` may be a service's name.
        let line = match table.repeats {
            true => format!("{} {} {misspelt}", table.sample, table.options[0].example),
            false => format!("{} {misspelt}", table.sample),
        };
        let (_, diagnostics) = parse_script(&Source::new("t", &line), no_nodes);
        let help = diagnostics.first().and_then(|d| d.help.clone()).unwrap_or_default();
        assert_eq!(help, format!("did you mean `{}`?", o.word), "`{line}`: {diagnostics:?}");
    }
}

#[test]
fn help_shows_every_option_with_its_help() {
    colored::control::set_override(false);
    for (table, o) in every_option() {
        let users: Vec<_> = COMMAND_HELP.iter().filter(|c| uses(c.syntax, table.fragment)).collect();
        assert!(!users.is_empty(), "no command's syntax uses {}", table.fragment);
        for c in users {
            let text = lvsh::render::help::command(c);
            assert!(
                text.contains(&o.syntax) && text.contains(o.help),
                "`help {}` lacks `{}`:\n{text}",
                c.name,
                o.syntax
            );
        }
    }
}

/// Whether a syntax line names `fragment`, directly or through other fragments.
fn uses(syntax: &str, fragment: &str) -> bool {
    syntax.split(|c: char| c.is_whitespace() || "[]()|".contains(c)).map(|w| w.trim_end_matches('.')).any(
        |w| {
            w == fragment
                || (w != syntax && command::FRAGMENTS.iter().any(|(n, p)| *n == w && uses(p, fragment)))
        },
    )
}

/// The Rhai value that stands for an option's example.
fn rhai_value(o: &OptDoc) -> Dynamic {
    let value = o.example[o.word.len()..].trim();
    match o.rhai_form {
        RhaiForm::Flag => true.into(),
        RhaiForm::Quoted => value.trim_matches('"').into(),
        RhaiForm::Millis => value.trim_end_matches("ms").parse::<i64>().expect("milliseconds").into(),
        _ => value.parse::<i64>().map(Dynamic::from).unwrap_or_else(|_| value.into()),
    }
}

#[test]
fn rhai_maps_take_every_option_the_table_gives_them() {
    use lvsh::script::options::{words, ALL};
    for (table, o) in every_option() {
        let Some(key) = o.rhai else { continue };
        let keys = ALL.iter().find(|k| k.table == table.fragment);
        let keys =
            keys.unwrap_or_else(|| panic!("{} has Rhai keys but no Rhai call takes them", table.fragment));
        let map: Map = [(key.into(), rhai_value(o))].into_iter().collect();
        let text =
            words(&map, *keys, &[], "a test").unwrap_or_else(|e| panic!("Rhai refuses `{key}`: {e:?}"));
        assert_eq!(
            canonical(&format!("{} {text}", table.sample)),
            canonical(&format!("{} {}", table.sample, o.example))
        );
    }
}

/// A table's production in `grammar/lvs.ebnf`: one alternative a line, with
/// its help, range and default as a comment.
fn production(table: &OptionFragment) -> String {
    // Comments line up after the alternatives, or go on a line of their own
    // after a long one.
    const COLUMN: usize = 34;
    let width = table.options.iter().map(|o| o.ebnf.len() + 2).filter(|w| *w <= COLUMN).max().unwrap_or(0);
    let mut out = String::new();
    for (n, o) in table.options.iter().enumerate() {
        let lead = if n == 0 { format!("{:<16}:= ", table.production) } else { format!("{:<16} | ", "") };
        let range = o.range.map(|(min, max)| format!("; {min} to {max}")).unwrap_or_default();
        let default = o.default.map(|d| format!("; default {d}")).unwrap_or_default();
        let comment = format!("(* {}{range}{default} *)", o.help);
        let alternative = format!("{}{}", o.ebnf, if n + 1 == table.options.len() { " ;" } else { "" });
        match alternative.len() < COLUMN {
            true => out.push_str(&format!("{lead}{alternative:<width$}  {comment}\n")),
            false => out.push_str(&format!(
                "{lead}{alternative}\n{:<w$}{comment}\n",
                "",
                w = lead.len() + width + 2
            )),
        }
    }
    out
}

/// Where the production starting at `start` ends: after the first line whose
/// text before any `(*` comment ends with `;`.
fn production_end(grammar: &str, start: usize) -> usize {
    let mut at = start;
    for line in grammar[start..].split_inclusive('\n') {
        at += line.len();
        let code = line.split("(*").next().unwrap_or_default();
        if code.trim_end().ends_with(';') {
            break;
        }
    }
    at
}

#[test]
fn the_grammar_holds_each_option_table_as_generated() {
    let path = root().join("grammar/lvs.ebnf");
    let mut grammar = std::fs::read_to_string(&path).expect("grammar/lvs.ebnf");
    let bless = std::env::var_os("LVSH_BLESS").is_some();
    let mut stale = Vec::new();
    for table in command::option_tables() {
        let want = production(table);
        if grammar.contains(&want) {
            continue;
        }
        let start = grammar.find(&format!("\n{:<16}:= ", table.production)).map(|at| at + 1);
        match (bless, start) {
            (true, Some(s)) => {
                let stop = production_end(&grammar, s);
                grammar.replace_range(s..stop, &want);
            }
            _ => stale.push(format!("{}:\n{want}", table.production)),
        }
    }
    if bless {
        std::fs::write(&path, &grammar).expect("write grammar/lvs.ebnf");
    }
    assert!(stale.is_empty(), "grammar/lvs.ebnf lacks (LVSH_BLESS=1 writes them):\n{}", stale.join("\n"));
}
