//! `describe`: the topics by kind, one line each, and one topic in full.
//! The facts are `lang::describe`'s.

use colored::Colorize;

use crate::lang::describe::{Kind, Topic, TOPICS};

/// Every topic, grouped by kind, one line each.
pub fn overview() -> String {
    let width = TOPICS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let mut out = String::from("Topics (`describe TOPIC` says what one does and when to choose it):\n");
    for kind in Kind::ALL {
        out.push_str(&format!("\n{}\n", kind.title().bold()));
        for t in TOPICS.iter().filter(|t| t.kind == kind) {
            out.push_str(&format!("  {:<width$}  {}\n", t.name.bold(), t.summary));
        }
    }
    out
}

/// One topic: what it does, when to choose it and when not, its kernel
/// module, its ipvsadm spelling and an example.
pub fn topic(t: &Topic) -> String {
    let mut out = format!("{}: {}\n", t.name.bold(), t.summary);
    if !t.aliases.is_empty() {
        out.push_str(&format!("  (also written `{}`)\n", t.aliases.join("`, `")));
    }
    out.push_str(&format!("\n{}\n", wrap(t.what, "  ")));
    let parts =
        [("choose it", t.choose), ("not when", t.avoid), ("module", t.module), ("ipvsadm", t.ipvsadm)];
    let width = parts.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    out.push('\n');
    for (label, text) in parts {
        let indent = " ".repeat(width + 4);
        let body = wrap(text, &indent);
        out.push_str(&format!("  {:<width$}  {}\n", label.bold(), body.trim_start()));
    }
    out.push_str(&format!("\n{}\n  {}\n", "example".bold(), t.example));
    out
}

/// `describe --json` (schema/describe.schema.json): every topic, whole.
pub fn overview_json() -> String {
    let by_kind = Kind::ALL.iter().flat_map(|kind| TOPICS.iter().filter(move |t| t.kind == *kind));
    let topics: Vec<serde_json::Value> = by_kind.map(topic_value).collect();
    format!("{:#}\n", serde_json::json!({ "topics": topics }))
}

/// `describe TOPIC --json` (schema/describe-topic.schema.json).
pub fn topic_json(t: &Topic) -> String {
    format!("{:#}\n", topic_value(t))
}

fn topic_value(t: &Topic) -> serde_json::Value {
    let kind = match t.kind {
        Kind::Scheduler => "scheduler",
        Kind::Forwarding => "forwarding",
        Kind::Flag => "flag",
        Kind::Persistence => "persistence",
    };
    serde_json::json!({
        "name": t.name, "aliases": t.aliases, "kind": kind, "summary": t.summary, "what": t.what,
        "choose": t.choose, "avoid": t.avoid, "module": t.module, "ipvsadm": t.ipvsadm, "example": t.example,
    })
}

/// Text wrapped at 80 columns, each line starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > 80 {
            lines.push(std::mem::replace(&mut line, String::from(indent)));
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_lists_every_topic_under_its_kind() {
        colored::control::set_override(false);
        let text = overview();
        for t in TOPICS {
            assert!(text.contains(&format!("  {:<11}  {}\n", t.name, t.summary)), "{}", t.name);
        }
        assert!(text.contains("\nSchedulers (who gets a new connection)\n  rr "), "{text}");
        assert!(text.contains("\nPersistence\n  persistent "), "{text}");
    }

    #[test]
    fn a_topic_says_what_when_module_ipvsadm_and_example() {
        colored::control::set_override(false);
        let sh = crate::lang::describe::find("sh-port").map(topic).unwrap_or_default();
        assert_eq!(
            sh,
            "sh-port: sh: hash the client's port too

  Flag 2 read by sh: the hash covers the source port as well as the address, so
  one client's connections spread over the backends.

  choose it  Many clients behind one NAT address.
  not when   When a client's connections must reach one backend.
  module     ip_vs_sh (since Linux 3.11)
  ipvsadm    -b sh-port (only with -s sh)

example
  service web tcp 111.111.0.1:80 sh flags sh-fallback,sh-port
"
        );
    }

    #[test]
    fn lines_wrap_at_80_columns() {
        let text = wrap(&"word ".repeat(40), "    ");
        assert!(text.lines().all(|l| l.len() <= 80 && l.starts_with("    word")), "{text}");
    }
}
