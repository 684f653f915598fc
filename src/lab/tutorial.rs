//! A lesson's steps, read from its script itself ([`super::lessons`]), so
//! the walk and the script can never disagree. A step starts at a
//! `## Title` comment; its `# ` comments explain it, `# ipvsadm: ...`
//! comments give the equivalent commands, and its statements run it.

use std::ops::Range;

/// One step of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    /// The explanation, one line per comment line.
    pub explain: Vec<String>,
    /// The seed tutorial's commands for the same step.
    pub equivalent: Vec<String>,
    /// The statements' lines, as written.
    pub code: Vec<String>,
    /// The byte range of the step in the script: statements starting in it
    /// belong to it.
    pub range: Range<usize>,
}

/// The steps of `text`, in order; text before the first `## ` is not a step.
pub fn steps(text: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if let Some(title) = trimmed.strip_prefix("## ") {
            if let Some(last) = steps.last_mut() {
                last.range.end = start;
            }
            steps.push(Step {
                title: title.trim().to_string(),
                explain: Vec::new(),
                equivalent: Vec::new(),
                code: Vec::new(),
                range: start..text.len(),
            });
            continue;
        }
        let Some(step) = steps.last_mut() else { continue };
        if let Some(equivalent) = trimmed.strip_prefix("# ipvsadm:") {
            step.equivalent.push(equivalent.trim().to_string());
        } else if let Some(comment) = trimmed.strip_prefix('#') {
            step.explain.push(comment.strip_prefix(' ').unwrap_or(comment).to_string());
        } else if !trimmed.is_empty() {
            step.code.push(trimmed.to_string());
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_split_at_titles_with_their_explanations_equivalents_and_code() {
        let text = "# preamble\nlab up\n## One\n# Why one.\n# ipvsadm: ipvsadm -A -t 1.1.1.1:80\nservice web tcp 1.1.1.1:80\n\n## Two\nshow\n";
        let s = steps(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].title, "One");
        assert_eq!(s[0].explain, ["Why one."]);
        assert_eq!(s[0].equivalent, ["ipvsadm -A -t 1.1.1.1:80"]);
        assert_eq!(s[0].code, ["service web tcp 1.1.1.1:80"]);
        assert_eq!(&text[s[1].range.clone()], "## Two\nshow\n");
        assert_eq!(s[0].range.end, s[1].range.start);
    }

    #[test]
    fn the_seed_lesson_has_its_steps() {
        let s = super::super::lessons::all()[0].steps();
        assert!(s.len() >= 6, "{s:#?}");
        assert_eq!(s[0].title, "Build the lab");
    }
}
