//! `help`: the commands by purpose, and one command's syntax, meaning,
//! the names its syntax uses, and an example. All from `lang::command`.

use colored::Colorize;

use crate::lang::command::{self, CommandHelp, Group, COMMAND_HELP};
use crate::lang::parse::options::OptDoc;

/// Every command, grouped by purpose, one line each.
pub fn overview() -> String {
    let width = COMMAND_HELP.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::from("Commands (`help COMMAND` shows one, with an example):\n");
    for group in Group::ALL {
        let commands: Vec<&CommandHelp> = COMMAND_HELP.iter().filter(|c| c.group == group).collect();
        if commands.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", group.title().bold()));
        for c in commands {
            out.push_str(&format!("  {:<width$}  {}\n", c.name.bold(), c.summary));
        }
    }
    out.push_str(concat!(
        "\nIn the interactive shell: Tab completes (kernel objects too), the right arrow\n",
        "accepts the grey hint, Ctrl-R searches the history, Ctrl-C cancels the line,\n",
        "Ctrl-D leaves. A `{` continues on the next lines until its `}`.\n",
        "\n`describe` lists the schedulers, forwarding methods, flags and persistence;\n",
        "`describe mh` says what one does and when to choose it.\n",
        "\nFrom the command line, over files of declarations: `lvsh plan FILE` (what would\n",
        "change), `lvsh apply FILE` (make it so; --prune, --drain 30s, --confirm 2m),\n",
        "`lvsh history`, `lvsh rollback [N]`, `lvsh export` (`lvsh --help` for all).\n",
    ));
    out
}

/// `help --json`: every command by group (schema/help.schema.json).
pub fn overview_json() -> String {
    let groups: Vec<serde_json::Value> = Group::ALL
        .iter()
        .filter_map(|group| {
            let commands: Vec<serde_json::Value> =
                COMMAND_HELP.iter().filter(|c| c.group == *group).map(command_value).collect();
            (!commands.is_empty())
                .then(|| serde_json::json!({ "group": group.title(), "commands": commands }))
        })
        .collect();
    format!("{:#}\n", serde_json::json!({ "groups": groups }))
}

/// `help COMMAND --json`: the command, and the options of each option
/// table its syntax names (schema/help-command.schema.json).
pub fn command_json(c: &CommandHelp) -> String {
    let mut value = command_value(c);
    let options: Vec<serde_json::Value> = names_in(c.syntax)
        .into_iter()
        .filter_map(|name| Some((name, command::options(name)?)))
        .flat_map(|(name, table)| {
            table.options.iter().map(move |o| {
                serde_json::json!({
                    "part": name, "syntax": o.syntax, "help": o.help, "default": o.default,
                    "range": o.range.map(|(min, max)| serde_json::json!({ "min": min, "max": max })),
                })
            })
        })
        .collect();
    value["options"] = serde_json::Value::Array(options);
    format!("{:#}\n", value)
}

fn command_value(c: &CommandHelp) -> serde_json::Value {
    serde_json::json!({
        "name": c.name, "aliases": c.aliases, "group": c.group.title(), "syntax": c.syntax,
        "summary": c.summary, "example": c.example,
    })
}

/// One command: syntax, meaning, the names its syntax uses, an example.
pub fn command(c: &CommandHelp) -> String {
    let mut out = format!("{}\n", c.syntax.bold());
    if !c.aliases.is_empty() {
        out.push_str(&format!("  (also written `{}`)\n", c.aliases.join("`, `")));
    }
    out.push_str(&format!("\n  {}\n", c.summary));
    let names = names_in(c.syntax);
    if !names.is_empty() {
        out.push_str(&format!("\n{}\n", "where".bold()));
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        for name in names {
            if let Some(table) = command::options(name) {
                out.push_str(&format!("  {name:<width$}  one of:\n"));
                out.push_str(&options(&table.options));
                continue;
            }
            let meaning = command::fragment(name)
                .map(|pattern| pattern.split_whitespace().collect::<Vec<_>>().join(" "))
                .or_else(|| command::placeholder(name).map(|(_, meaning)| meaning.to_string()))
                .unwrap_or_default();
            out.push_str(&format!("  {name:<width$}  {meaning}\n"));
        }
    }
    out.push_str(&format!("\n{}\n  {}\n", "example".bold(), c.example));
    out
}

/// A statement's options, one a line: syntax, help, default.
fn options(options: &[OptDoc]) -> String {
    let width = options.iter().map(|o| o.syntax.len()).max().unwrap_or(0);
    let mut out = String::new();
    for o in options {
        let range = o.range.map(|(min, max)| format!("{min} to {max}"));
        let default = o.default.map(|d| format!("default {d}"));
        let notes: Vec<String> = range.into_iter().chain(default).collect();
        let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
        out.push_str(&format!("    {:<width$}  {}{notes}\n", o.syntax, o.help));
    }
    out
}

/// `help rhai`: each function and property lvsh gives Rhai, with an example.
pub fn rhai(functions: &[super::fn_doc::FnDoc]) -> String {
    let mut out =
        String::from("lvsh's Rhai API (in `script { }`, .rhai files, and `=` lines of the shell):\n");
    for f in functions {
        out.push_str(&format!("\n  {}\n      {}\n      e.g. {}\n", f.signature.bold(), f.line(), f.example));
    }
    out
}

/// The UPPERCASE names a syntax uses, through its fragments, first use first.
pub(crate) fn names_in(syntax: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    collect(syntax, &mut out);
    out
}

fn collect(syntax: &'static str, out: &mut Vec<&'static str>) {
    let words = syntax.split(|c: char| c.is_whitespace() || "[]()|".contains(c));
    for word in words.map(|w| w.trim_end_matches('.')) {
        if !word.starts_with(|c: char| c.is_ascii_uppercase()) || out.contains(&word) {
            continue;
        }
        out.push(word);
        if let Some(pattern) = command::fragment(word) {
            collect(pattern, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_lists_every_command_under_its_group() {
        colored::control::set_override(false);
        let text = overview();
        for c in COMMAND_HELP {
            assert!(text.contains(&format!("  {:<8}  {}", c.name, c.summary)), "{}", c.name);
        }
        assert!(text.contains("\nServices and backends\n  service "));
    }

    #[test]
    fn a_command_shows_syntax_meaning_names_and_example() {
        colored::control::set_override(false);
        let del = command::find("delete").unwrap();
        assert_eq!(
            command(del),
            "del (service SERVICE | backend SERVICE BACKEND)
  (also written `delete`)

  delete a service (with its backends) or one backend

where
  SERVICE  NAME | (tcp | udp | sctp) VIP | fwmark MARK [ipv6]
  NAME     a service's name
  VIP      the virtual ADDR:PORT, IPv6 as [ADDR]:PORT
  MARK     a firewall mark, 1 to 4294967295
  BACKEND  a backend's ADDR:PORT, IPv6 as [ADDR]:PORT

example
  del backend web 10.10.0.3:8000
"
        );
    }
}
