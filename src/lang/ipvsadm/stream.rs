//! Standard input as `ipvsadm -R` reads it, one invocation at a time
//! (ipvsadm's `config_stream_read`), quirks included, for the drop-in
//! `ipvsadm`. (`restore` reads whole files with [`super::read_restore`],
//! which refuses what this reader would silently drop.)
//!
//! Each call reads up to the next newline: words are split on blanks, tabs
//! and carriage returns, every word `ipvsadm` is dropped, a word longer
//! than 4096 bytes is cut into several. A line with no word is an empty
//! invocation, which `-R` skips. At the end of the input, a last line
//! without a newline still counts, unless it ends in two or more blanks:
//! ipvsadm meets the end while skipping them and forgets the line.

/// How much of a word ipvsadm's `fscanf` takes at once (`%4096[^ \t\n\r]`).
const WORD_MAX: usize = 4096;

/// What separates words (the newline also ends the invocation).
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Reads `input` from `*at`: the next invocation's words, or `None` when
/// `-R` stops reading. Words that are not UTF-8 are read lossily.
pub fn next_invocation(input: &[u8], at: &mut usize) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut counted = 0;
    while let Some(&byte) = input.get(*at) {
        if is_blank(byte) {
            // No word here: skip blanks up to the newline or the next word.
            loop {
                let byte = *input.get(*at)?;
                *at += 1;
                match byte {
                    b'\n' => return Some(words),
                    b' ' | b'\t' | b'\r' => {}
                    _ => {
                        *at -= 1;
                        break;
                    }
                }
            }
            continue;
        }
        let start = *at;
        while input.get(*at).is_some_and(|b| !is_blank(*b)) && *at - start < WORD_MAX {
            *at += 1;
        }
        let word = String::from_utf8_lossy(&input[start..*at]).into_owned();
        let newline = input.get(*at).is_some_and(|b| is_blank(*b)) && {
            *at += 1;
            input[*at - 1] == b'\n'
        };
        if word != "ipvsadm" {
            counted += 1;
            words.push(word);
        }
        if newline {
            return Some(words);
        }
    }
    (counted > 0).then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every invocation `-R` reads from `text`.
    fn all(text: &str) -> Vec<Vec<String>> {
        let mut at = 0;
        std::iter::from_fn(|| next_invocation(text.as_bytes(), &mut at)).collect()
    }

    fn words(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter().map(|line| line.iter().map(|w| w.to_string()).collect()).collect()
    }

    #[test]
    fn lines_split_on_blanks_and_drop_the_word_ipvsadm() {
        assert_eq!(
            all("ipvsadm -A\t-t 1.2.3.4:80 \r\n\n  -C\n"),
            words(&[&["-A", "-t", "1.2.3.4:80"], &[], &["-C"]])
        );
        assert_eq!(all("-a ipvsadm -m\n"), words(&[&["-a", "-m"]]));
    }

    #[test]
    fn a_last_line_without_newline_counts_unless_it_ends_in_two_blanks() {
        assert_eq!(all("-C\n-Z"), words(&[&["-C"], &["-Z"]]));
        assert_eq!(all("-C\n-Z "), words(&[&["-C"], &["-Z"]]));
        assert_eq!(all("-C\n-Z  "), words(&[&["-C"]]));
        assert_eq!(all("-C\n-Z \r"), words(&[&["-C"]]));
        assert_eq!(all("-C\n   "), words(&[&["-C"]]));
        assert_eq!(all("-C\nipvsadm"), words(&[&["-C"]]));
    }

    #[test]
    fn long_words_are_cut_at_4096_bytes() {
        let long = "x".repeat(5000);
        let got = all(&format!("-A {long}\n"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].iter().map(String::len).collect::<Vec<_>>(), [2, 4096, 904]);
    }

    proptest::proptest! {
        /// Any input is read to its end, in words without blanks, never
        /// `ipvsadm` itself, and never longer than ipvsadm's.
        #[test]
        fn any_input_reads_to_its_end(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut at = 0;
            let mut calls = 0;
            while let Some(words) = next_invocation(&input, &mut at) {
                calls += 1;
                proptest::prop_assert!(calls <= input.len() + 1, "no progress at {}", at);
                for word in words {
                    proptest::prop_assert!(!word.is_empty() && word != "ipvsadm");
                    proptest::prop_assert!(!word.bytes().any(is_blank));
                }
            }
            proptest::prop_assert!(at <= input.len());
        }
    }

    #[test]
    fn empty_input_has_no_invocation() {
        assert!(all("").is_empty());
        assert_eq!(all("\n"), words(&[&[]]));
    }
}
