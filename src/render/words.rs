//! Words that agree with a count, for every message that counts things.

/// `1 change`, `3 changes`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
