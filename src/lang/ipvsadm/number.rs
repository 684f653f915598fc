//! Numbers read the way ipvsadm reads them with C's `strtol` and `atoi`, so
//! that lvsh accepts and refuses exactly the same words (`+80`, ` 80` and
//! `080` are 80; `80x` is refused).

/// C's `isspace` in the C locale.
pub(super) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What `strtol(text, &end, 10)` gives.
struct Strtol {
    /// The value, saturated at the `i64` bounds as strtol saturates.
    value: i64,
    /// Bytes consumed; 0 when no digit was found (strtol then consumes nothing).
    end: usize,
    /// strtol's ERANGE.
    overflow: bool,
}

fn strtol(text: &str) -> Strtol {
    let bytes = text.as_bytes();
    let mut i = bytes.iter().take_while(|b| is_c_space(**b)).count();
    let negative = bytes.get(i) == Some(&b'-');
    if matches!(bytes.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let start = i;
    let mut magnitude: i128 = 0;
    while let Some(digit) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        magnitude = (magnitude * 10 + i128::from(digit - b'0')).min(i128::from(u64::MAX));
        i += 1;
    }
    if i == start {
        return Strtol { value: 0, end: 0, overflow: false };
    }
    let signed = if negative { -magnitude } else { magnitude };
    let value = signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    Strtol { value: value as i64, end: i, overflow: value != signed }
}

/// ipvsadm's `string_to_number`: the whole word is a decimal number in `min..=max`.
pub(super) fn number_in(text: &str, min: i64, max: i64) -> Option<i64> {
    let parsed = strtol(text);
    let whole = parsed.end != 0 && parsed.end == text.len();
    (whole && !parsed.overflow && (min..=max).contains(&parsed.value)).then_some(parsed.value)
}

/// ipvsadm's `parse_fwmark`: a whole decimal word in 1..=4294967295 (a
/// negative number wraps to a huge unsigned one and is refused too).
pub(super) fn fwmark(text: &str) -> Option<u32> {
    let parsed = strtol(text);
    let whole = parsed.end != 0 && parsed.end == text.len();
    let mark = u32::try_from(parsed.value).ok().filter(|mark| *mark != 0);
    mark.filter(|_| whole && !parsed.overflow)
}

/// C's `atoi`: leading digits only, 0 when there are none; a value beyond
/// `int` wraps as the C cast from `long` does.
pub(super) fn atoi(text: &str) -> i32 {
    strtol(text).value as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_what_strtol_accepts() {
        assert_eq!(number_in("80", 0, 65535), Some(80));
        assert_eq!(number_in("080", 0, 65535), Some(80));
        assert_eq!(number_in("+80", 0, 65535), Some(80));
        assert_eq!(number_in(" \t80", 0, 65535), Some(80));
        assert_eq!(number_in("-0", 0, 65535), Some(0));
    }

    #[test]
    fn numbers_refuse_trailing_text_empty_words_and_out_of_range() {
        for text in ["", " ", "+", "80x", "80 ", "0x50", "65536", "-1", "99999999999999999999999"] {
            assert_eq!(number_in(text, 0, 65535), None, "{text:?}");
        }
    }

    #[test]
    fn fwmarks_are_one_to_u32_max() {
        assert_eq!(fwmark("1"), Some(1));
        assert_eq!(fwmark("4294967295"), Some(u32::MAX));
        for text in ["0", "-1", "4294967296", "abc", "", "1x"] {
            assert_eq!(fwmark(text), None, "{text:?}");
        }
    }

    #[test]
    fn atoi_reads_leading_digits_and_wraps_like_c() {
        assert_eq!(atoi("64"), 64);
        assert_eq!(atoi("64abc"), 64);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(" -3"), -3);
        assert_eq!(atoi("4294967360"), 64);
    }
}
