//! The tutorial's words: the list of lessons, a lesson's steps, each step's
//! heading and what it changed in the kernel, and where to go next.

use super::words::plural;
use crate::lab::lessons::{self, Lesson};
use crate::lab::tutorial::Step;

/// `tutorial --list`: each lesson's number, name and what it teaches.
pub fn lessons(all: &[Lesson]) -> String {
    let width = all.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut out: String =
        all.iter().map(|l| format!("{:>2}. {:<width$}  {}\n", l.number, l.name, l.summary())).collect();
    out += "`tutorial NAME` (or its number) walks through one; `tutorial` alone, the first\n";
    out
}

/// `tutorial --list --json` (schema/lessons.schema.json): each lesson's
/// number, name, file, what it teaches and its steps' titles.
pub fn lessons_json(all: &[Lesson]) -> String {
    let lessons: Vec<serde_json::Value> = all.iter().map(|l| lesson_value(l, &l.steps())).collect();
    format!("{:#}\n", serde_json::json!({ "lessons": lessons }))
}

/// `tutorial NAME --list --json` (schema/lesson.schema.json): the lesson,
/// and each step whole: its explanation, lvsh lines and ipvsadm equivalents.
pub fn steps_json(lesson: &Lesson, steps: &[Step]) -> String {
    let mut value = lesson_value(lesson, steps);
    value["steps"] = steps
        .iter()
        .map(|s| {
            serde_json::json!({ "title": s.title, "explain": s.explain, "code": s.code, "ipvsadm": s.equivalent })
        })
        .collect();
    format!("{value:#}\n")
}

fn lesson_value(l: &Lesson, steps: &[Step]) -> serde_json::Value {
    let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
    serde_json::json!({ "number": l.number, "name": l.name, "file": l.file, "summary": l.summary(), "steps": titles })
}

/// The lessons as an error lists them: `1 seed, 2 weights, ...`.
pub fn names() -> String {
    let names: Vec<String> = lessons::all().iter().map(|l| format!("{} {}", l.number, l.name)).collect();
    names.join(", ")
}

/// `tutorial NAME --list`: the lesson and its steps.
pub fn steps(lesson: &Lesson, steps: &[Step]) -> String {
    let mut out = opening(lesson);
    for (i, s) in steps.iter().enumerate() {
        out += &format!("{:>2}. {}\n", i + 1, s.title);
    }
    out
}

/// Before a lesson's first step.
pub fn opening(lesson: &Lesson) -> String {
    format!("lesson {}/{}, {}: {}\n", lesson.number, lessons::all().len(), lesson.name, lesson.summary())
}

/// A step's heading: title, explanation, the lvsh and ipvsadm commands.
pub fn header(number: usize, total: usize, step: &Step) -> String {
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

/// After a step ran: what changed in the listing, and whether its
/// expectations held (`failed` did not).
pub fn step_done(number: usize, before: &str, after: &str, failed: usize) -> String {
    let verdict = match failed {
        0 => format!("step {number} done\n"),
        n => format!("step {number}: {} did not hold (see above)\n", plural(n, "expectation")),
    };
    kernel_diff(before, after) + verdict.as_str()
}

/// When the learner quits before step `number`.
pub fn stopped(lesson: &Lesson, number: usize) -> String {
    format!("stopped before step {number}; `tutorial {} {number}` resumes here\n", lesson.name)
}

/// After a lesson's last step: the next lesson, if there is one.
pub fn closing(lesson: &Lesson, next: Option<&Lesson>) -> String {
    let lab = "`lab status` shows the lab, `lab down` removes it";
    match next {
        Some(next) => format!(
            "lesson {} is over; next, `tutorial {}`: {}\n{lab}\n",
            lesson.name,
            next.name,
            next.summary()
        ),
        None => format!("lesson {} is over, and with it the tutorial: {lab}\n", lesson.name),
    }
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

    #[test]
    fn the_list_names_every_lesson_with_its_summary_in_columns() {
        let all = lessons::all();
        let text = lessons(all);
        let width = all.iter().map(|l| l.name.len()).max().unwrap_or(0);
        assert!(text.starts_with(&format!(" 1. {:<width$}  NAT and round robin", "seed")), "{text}");
        assert_eq!(text.lines().count(), all.len() + 1, "{text}");
        assert!(names().starts_with("1 seed, 2 weights"), "{}", names());
    }

    #[test]
    fn a_lesson_ends_by_naming_the_next_one() {
        let all = lessons::all();
        assert!(closing(&all[0], all.get(1)).starts_with("lesson seed is over; next, `tutorial weights`: "));
        let last = all.last().unwrap();
        assert!(closing(last, None).contains("and with it the tutorial"));
        assert_eq!(stopped(&all[1], 3), "stopped before step 3; `tutorial weights 3` resumes here\n");
    }
}
