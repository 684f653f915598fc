//! `tutorial`: the steps of `examples/lab.lvs`, one at a time: what the
//! step is for, the lvsh command and the seed's ipvsadm command, run on
//! Enter, then what changed in the kernel.

use std::io::{BufRead, Write};

use super::{Failure, Interpreter};
use crate::lab::tutorial::{steps, Step, SCRIPT, SCRIPT_NAME};
use crate::lang::ast::{Script, TutorialStmt};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};

/// What the learner answered before a step.
enum Answer {
    Run,
    Skip,
    Quit,
}

impl Interpreter {
    pub(super) fn tutorial(&mut self, source: &Source, span: Span, t: &TutorialStmt) -> Result<(), Failure> {
        let all = steps(SCRIPT);
        if t.list {
            let text: String =
                all.iter().enumerate().map(|(i, s)| format!("{:>2}. {}\n", i + 1, s.title)).collect();
            return self.write(&text);
        }
        let first = t.start.unwrap_or(1);
        if first > all.len() {
            let d = Diagnostic::error(
                "lvs::tutorial::step",
                format!("the tutorial has {} steps; there is no step {first}", all.len()),
                span,
                "no such step",
            )
            .with_help("`tutorial --list` shows them");
            return Err(Failure::script(source, d));
        }
        let script_source = Source::new(SCRIPT_NAME, SCRIPT);
        let (script, diagnostics) = crate::lang::parse(&script_source, crate::lab::Lab::is_node);
        if let Some(d) = diagnostics.into_iter().find(Diagnostic::is_error) {
            return Err(Failure::script(&script_source, d));
        }
        let total = all.len();
        for (index, step) in all.iter().enumerate().skip(first - 1) {
            let number = index + 1;
            self.write(&header(number, total, step))?;
            let answer = if t.yes { Answer::Run } else { self.ask()? };
            match answer {
                Answer::Quit => {
                    return self
                        .write(&format!("stopped before step {number}; `tutorial {number}` resumes here\n"))
                }
                Answer::Skip => continue,
                Answer::Run => {}
            }
            let stmts =
                script.stmts.iter().filter(|s| step.range.contains(&(s.span.start as usize))).cloned();
            let part = Script { stmts: stmts.collect() };
            let before = self.listing_text();
            let failed_before = self.failures.len();
            self.run_stmts(&script_source, &part)?;
            let after = self.listing_text();
            let mut text = kernel_diff(&before, &after);
            text += &match self.failures.len() - failed_before {
                0 => format!("step {number} done\n"),
                n => format!(
                    "step {number}: {} did not hold (see above)\n",
                    crate::render::words::plural(n, "expectation")
                ),
            };
            self.write(&text)?;
        }
        self.write("the tutorial is over: `lab status` shows the lab, `lab down` removes it\n")
    }

    /// Waits for Enter (run), `s` (skip) or `q` (quit); the end of input quits.
    fn ask(&mut self) -> Result<Answer, Failure> {
        self.write("[Enter] run it, s skip, q quit > ")?;
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let answer = match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => Answer::Quit,
            Ok(_) => match line.trim() {
                "q" | "quit" => Answer::Quit,
                "s" | "skip" => Answer::Skip,
                _ => Answer::Run,
            },
        };
        Ok(answer)
    }

    /// The table as `ipvsadm -L -n` shows it, or nothing when it cannot be read.
    fn listing_text(&mut self) -> String {
        match self.table() {
            Ok(table) => crate::render::ipvsadm::list(&table, &Default::default()),
            Err(_) => String::new(),
        }
    }
}

/// A step's heading: title, explanation, the lvsh and ipvsadm commands.
fn header(number: usize, total: usize, step: &Step) -> String {
    let mut out = format!("\n== step {number}/{total}: {} ==\n", step.title);
    for line in &step.explain {
        out += &format!("  {line}\n");
    }
    for line in &step.code {
        out += &format!("  lvsh:    {line}\n");
    }
    for line in &step.equivalent {
        out += &format!("  ipvsadm: {line}\n");
    }
    out
}

/// What changed in the listing, line by line (`+` new, `-` gone).
fn kernel_diff(before: &str, after: &str) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let changed: Vec<String> = diff
        .iter_all_changes()
        .filter_map(|change| match change.tag() {
            similar::ChangeTag::Insert => Some(format!("  + {}", change.value().trim_end())),
            similar::ChangeTag::Delete => Some(format!("  - {}", change.value().trim_end())),
            similar::ChangeTag::Equal => None,
        })
        .collect();
    match changed.is_empty() {
        true => "kernel: no change to the table\n".to_string(),
        false => format!("kernel: the table changed\n{}\n", changed.join("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_diff_shows_added_and_removed_lines() {
        let before = "TCP  111.111.0.1:80 rr\n";
        let after = "TCP  111.111.0.1:80 rr\n  -> 10.10.0.2:8000 Masq 1 0 0\n";
        assert_eq!(
            kernel_diff(before, after),
            "kernel: the table changed\n  +   -> 10.10.0.2:8000 Masq 1 0 0\n"
        );
        assert_eq!(kernel_diff(after, after), "kernel: no change to the table\n");
    }
}
