//! Splitting a line into words as `ipvsadm -R` does.

use std::ops::Range;

/// Splits a line as `ipvsadm -R` does (spaces, tabs, CR; every token equal
/// to `ipvsadm` dropped), keeping each token's byte range in the line so a
/// caller can point a caret at it.
///
/// There is no quoting and no comment syntax, as in `ipvsadm -R` (a `#`
/// is an ordinary character there). A newline also separates, which `-R`
/// never sees inside a line. ipvsadm's cut of tokens longer than 4096
/// bytes into several is not kept.
pub fn split_line(line: &str) -> Vec<(&str, Range<usize>)> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, byte) in line.bytes().enumerate().chain([(line.len(), b' ')]) {
        let separator = matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(from), true) => {
                start = None;
                if &line[from..i] != "ipvsadm" {
                    tokens.push((&line[from..i], from..i));
                }
            }
            _ => {}
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_spaces_tabs_and_carriage_returns_keeping_ranges() {
        let line = " -A\t-t 1.2.3.4:80 \r";
        let tokens = split_line(line);
        let texts: Vec<&str> = tokens.iter().map(|(t, _)| *t).collect();
        assert_eq!(texts, ["-A", "-t", "1.2.3.4:80"]);
        for (text, range) in &tokens {
            assert_eq!(&line[range.clone()], *text);
        }
    }

    #[test]
    fn drops_every_ipvsadm_token_wherever_it_is() {
        let tokens = split_line("ipvsadm -a -t 9.9.9.2:80 -r 10.10.0.2:80 -m ipvsadm -w 4");
        let texts: Vec<&str> = tokens.iter().map(|(t, _)| *t).collect();
        assert_eq!(texts, ["-a", "-t", "9.9.9.2:80", "-r", "10.10.0.2:80", "-m", "-w", "4"]);
        assert_eq!(tokens[0].1, 8..10);
    }

    #[test]
    fn keeps_words_that_only_contain_ipvsadm() {
        let texts: Vec<&str> = split_line("/sbin/ipvsadm ipvsadm2").into_iter().map(|(t, _)| t).collect();
        assert_eq!(texts, ["/sbin/ipvsadm", "ipvsadm2"]);
    }

    #[test]
    fn blank_lines_have_no_tokens() {
        assert!(split_line(" \t\r").is_empty());
        assert!(split_line("").is_empty());
    }
}
