//! Conversions between UTF-16 code-unit positions and character positions.
//!
//! The mobile apps (Kotlin, Swift via the FFI) count text positions in
//! UTF-16 code units; Rust strings and the text helpers in
//! [`super::edit::text`] count Unicode scalar values (`char`s). A position
//! that falls between the two halves of a surrogate pair has no character
//! equivalent and converts to `None`, as does one past the end.

/// The character index at UTF-16 offset `utf16` of `s`, or None if it is past
/// the end or inside a surrogate pair.
pub fn utf16_to_char_index(s: &str, utf16: usize) -> Option<usize> {
    let mut units = 0;
    for (chars, c) in s.chars().enumerate() {
        if units == utf16 {
            return Some(chars);
        }
        if units > utf16 {
            return None;
        }
        units += c.len_utf16();
    }
    (units == utf16).then(|| s.chars().count())
}

/// The UTF-16 offset of character index `chars` of `s`, or None if it is
/// past the end.
pub fn char_to_utf16_index(s: &str, chars: usize) -> Option<usize> {
    let mut units = 0;
    let mut iter = s.chars();
    for _ in 0..chars {
        units += iter.next()?.len_utf16();
    }
    Some(units)
}

/// The length of `s` in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        assert_eq!(utf16_to_char_index("hello", 3), Some(3));
        assert_eq!(utf16_to_char_index("hello", 5), Some(5));
        assert_eq!(utf16_to_char_index("hello", 6), None);
        assert_eq!(char_to_utf16_index("hello", 5), Some(5));
        assert_eq!(char_to_utf16_index("hello", 6), None);
    }

    #[test]
    fn surrogate_pairs() {
        // "a😀b": 😀 is two UTF-16 units, one char.
        let s = "a\u{1F600}b";
        assert_eq!(utf16_len(s), 4);
        assert_eq!(utf16_to_char_index(s, 1), Some(1));
        assert_eq!(utf16_to_char_index(s, 2), None);
        assert_eq!(utf16_to_char_index(s, 3), Some(2));
        assert_eq!(utf16_to_char_index(s, 4), Some(3));
        assert_eq!(char_to_utf16_index(s, 2), Some(3));
        assert_eq!(char_to_utf16_index(s, 3), Some(4));
    }

    #[test]
    fn bmp_non_ascii_is_one_unit() {
        let s = "café";
        assert_eq!(utf16_to_char_index(s, 4), Some(4));
        assert_eq!(char_to_utf16_index(s, 4), Some(4));
    }

    #[test]
    fn round_trip_every_boundary() {
        let s = "x\u{1F469}\u{200D}\u{1F4BB} é\u{10348}";
        for i in 0..=s.chars().count() {
            let u = char_to_utf16_index(s, i).expect("in range");
            assert_eq!(utf16_to_char_index(s, u), Some(i));
        }
    }
}
