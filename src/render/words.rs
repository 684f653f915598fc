//! Words that agree with a count, for every message that counts things.

/// `1 change`, `3 changes`.
/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "change"), "1 change");
        assert_eq!(plural(0, "change"), "0 changes");
        assert_eq!(plural(3, "served connection"), "3 served connections");
    }
}
