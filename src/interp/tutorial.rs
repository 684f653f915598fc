//! `tutorial`: a lesson's steps (`examples/lessons/`), one at a time: what
//! the step is for, the lvsh command and the seed's ipvsadm command, run on
//! Enter, then what changed in the kernel.

use std::io::{BufRead, Write};

use super::{Failure, Interpreter};
use crate::lab::lessons::{self, Lesson};
use crate::lab::tutorial::Step;
use crate::lang::ast::{Script, TutorialStmt};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::{Source, Span};
use crate::render::tutorial as render;

/// What the learner answered before a step.
enum Answer {
    Run,
    Skip,
    Quit,
}

impl Interpreter {
    pub(super) fn tutorial(&mut self, source: &Source, span: Span, t: &TutorialStmt) -> Result<(), Failure> {
        let lesson = match &t.lesson {
            None if t.list && self.json => return self.write(&render::lessons_json(lessons::all())),
            None if t.list => return self.write(&render::lessons(lessons::all())),
            None => &lessons::all()[0],
            Some(word) => lessons::find(&word.value).ok_or_else(|| {
                let d = Diagnostic::error(
                    "lvs::tutorial::lesson",
                    format!("there is no lesson `{}`", word.value),
                    word.span,
                    "no such lesson",
                )
                .with_help(format!(
                    "the lessons: {} (`tutorial --list` says what each teaches)",
                    render::names()
                ));
                Failure::script(source, d)
            })?,
        };
        let all = lesson.steps();
        if t.list {
            return self.write(&if self.json {
                render::steps_json(lesson, &all)
            } else {
                render::steps(lesson, &all)
            });
        }
        let first = t.start.unwrap_or(1);
        if first > all.len() {
            let d = Diagnostic::error(
                "lvs::tutorial::step",
                format!("lesson {} has {} steps; there is no step {first}", lesson.name, all.len()),
                span,
                "no such step",
            )
            .with_help(format!("`tutorial {} --list` shows them", lesson.name));
            return Err(Failure::script(source, d));
        }
        self.walk(lesson, &all, first, t.yes)
    }

    /// Runs a lesson's steps from `first`, asking before each unless `yes`.
    fn walk(&mut self, lesson: &Lesson, all: &[Step], first: usize, yes: bool) -> Result<(), Failure> {
        let script_source = Source::new(lesson.path(), lesson.text);
        let (script, diagnostics) = crate::lang::parse(&script_source, crate::lab::Lab::is_node);
        if let Some(d) = diagnostics.into_iter().find(Diagnostic::is_error) {
            return Err(Failure::script(&script_source, d));
        }
        self.write(&render::opening(lesson))?;
        let total = all.len();
        for (index, step) in all.iter().enumerate().skip(first - 1) {
            let number = index + 1;
            self.write(&render::header(number, total, step))?;
            let answer = if yes { Answer::Run } else { self.ask()? };
            match answer {
                Answer::Quit => return self.write(&render::stopped(lesson, number)),
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
            self.write(&render::step_done(number, &before, &after, self.failures.len() - failed_before))?;
        }
        self.write(&render::closing(lesson, lessons::next(lesson)))
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
