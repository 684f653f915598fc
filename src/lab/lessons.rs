//! The tutorial's lessons: each is a file `examples/lessons/NN-name.lvs`,
//! built into lvsh (build.rs lists the folder, so a new lesson is one new
//! file). A lesson's first line, a comment, says what it teaches; its steps
//! are read as [`super::tutorial::steps`] reads them.

use std::sync::OnceLock;

use super::tutorial::{steps, Step};

/// The files build.rs found: `FILES`, each name and text, in order.
mod built {
    include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
}

/// Where the lessons are in the source tree.
pub const FOLDER: &str = "examples/lessons";

/// One lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Its number, from its file name (`02-weights.lvs` is 2).
    pub number: usize,
    /// Its name, from its file name (`weights`).
    pub name: &'static str,
    /// Its file's name (`02-weights.lvs`).
    pub file: &'static str,
    /// The script.
    pub text: &'static str,
}

impl Lesson {
    /// The lesson from a file named `NN-name.lvs`; `None` for any other name.
    fn from_file(file: &'static str, text: &'static str) -> Option<Lesson> {
        let (number, rest) = file.strip_suffix(".lvs")?.split_once('-')?;
        let number = number.parse().ok()?;
        (!rest.is_empty()).then_some(Lesson { number, name: rest, file, text })
    }

    /// What it teaches: its first line, a comment.
    pub fn summary(&self) -> &'static str {
        let first = self.text.lines().next().unwrap_or_default().trim();
        first.strip_prefix('#').map_or("", str::trim)
    }

    /// Its path as errors in it name it: `examples/lessons/02-weights.lvs`.
    pub fn path(&self) -> String {
        format!("{FOLDER}/{}", self.file)
    }

    /// Its steps, in order.
    pub fn steps(&self) -> Vec<Step> {
        steps(self.text)
    }
}

/// Every lesson, in order: the seed's first.
pub fn all() -> &'static [Lesson] {
    static ALL: OnceLock<Vec<Lesson>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Lesson> =
            built::FILES.iter().filter_map(|(file, text)| Lesson::from_file(file, text)).collect();
        all.sort_by_key(|l| l.number);
        all
    })
}

/// The lesson a word names: its name, or its number.
pub fn find(word: &str) -> Option<&'static Lesson> {
    let number = word.parse::<usize>().ok();
    all().iter().find(|l| l.name == word || Some(l.number) == number)
}

/// The lesson after this one, if any.
pub fn next(lesson: &Lesson) -> Option<&'static Lesson> {
    all().iter().find(|l| l.number > lesson.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_folder_is_a_lesson_numbered_from_1_in_order() {
        assert_eq!(all().len(), built::FILES.len(), "a file of {FOLDER} is not named NN-name.lvs");
        for (i, lesson) in all().iter().enumerate() {
            assert_eq!(lesson.number, i + 1, "{} is out of sequence", lesson.file);
        }
        assert_eq!(all()[0].name, "seed");
    }

    #[test]
    fn names_are_unique_words_and_each_summary_is_one_line() {
        for lesson in all() {
            assert!(lesson.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", lesson.name);
            assert_eq!(all().iter().filter(|l| l.name == lesson.name).count(), 1, "{}", lesson.name);
            assert!(!lesson.summary().is_empty() && lesson.summary().len() <= 80, "{}", lesson.file);
        }
    }

    #[test]
    fn every_lesson_has_steps_each_with_an_explanation_and_code() {
        for lesson in all() {
            let steps = lesson.steps();
            assert!(steps.len() >= 4, "{}: {steps:#?}", lesson.file);
            for step in &steps {
                assert!(!step.code.is_empty() && !step.explain.is_empty(), "{}: {step:#?}", lesson.file);
            }
        }
    }

    #[test]
    fn a_lesson_is_found_by_its_name_or_its_number() {
        assert_eq!(find("seed").map(|l| l.number), Some(1));
        assert_eq!(find("1").map(|l| l.name), Some("seed"));
        assert_eq!(find("2").map(|l| l.name), Some("weights"));
        assert!(find("0").is_none() && find("nope").is_none() && find("").is_none());
        assert_eq!(next(&all()[0]).map(|l| l.number), Some(2));
        assert!(next(all().last().unwrap()).is_none());
    }

    #[test]
    fn file_names_give_the_number_and_the_name() {
        let l = Lesson::from_file("04-direct-routing.lvs", "# DR\n").unwrap();
        assert_eq!((l.number, l.name, l.summary()), (4, "direct-routing", "DR"));
        assert!(Lesson::from_file("notes.lvs", "").is_none());
        assert!(Lesson::from_file("x-y.lvs", "").is_none());
        assert!(Lesson::from_file("05-.lvs", "").is_none());
    }
}
