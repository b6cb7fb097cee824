//! Lexical checks for the string formats the schema uses.
//!
//! Pure functions, no allocation: canonical UUID strings (map keys and
//! references), calendar dates `YYYY-MM-DD`, and hex change hashes. The
//! validator and the editing helpers both use them, so a key the helpers
//! write is always a key the validator accepts.

/// True if `s` is a UUID in canonical form: lowercase hex, hyphenated
/// 8-4-4-4-12, 36 characters (what `uuid::Uuid::to_string` produces). Any
/// version or variant is accepted.
pub fn is_canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => is_lower_hex(c),
        })
}

/// True if `s` is a real calendar date written `YYYY-MM-DD` (proleptic
/// Gregorian, year 0001–9999, leap years honoured).
pub fn is_calendar_date(s: &str) -> bool {
    parse_calendar_date(s).is_some()
}

/// Parses `YYYY-MM-DD` into (year, month, day) if it is a real date.
pub fn parse_calendar_date(s: &str) -> Option<(u16, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if year == 0 || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > days_in_month {
        return None;
    }
    Some((year as u16, month as u8, day as u8))
}

/// True if `s` is an Automerge change hash as lowercase hex (64 characters).
pub fn is_change_hash_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(is_lower_hex)
}

fn is_lower_hex(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert!(is_canonical_uuid("1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
        assert!(!is_canonical_uuid("1B4E28BA-2FA1-11D2-883F-0016D3CCA427"));
        assert!(!is_canonical_uuid("1b4e28ba2fa111d2883f0016d3cca427"));
        assert!(!is_canonical_uuid("{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"));
        assert!(!is_canonical_uuid("1b4e28ba-2fa1-11d2-883f-0016d3cca42g"));
        assert!(!is_canonical_uuid(""));
        let u = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert!(is_canonical_uuid(&u.to_string()));
    }

    #[test]
    fn dates() {
        assert!(is_calendar_date("2024-02-29"));
        assert!(is_calendar_date("2000-02-29"));
        assert!(!is_calendar_date("1900-02-29"));
        assert!(!is_calendar_date("2023-02-29"));
        assert!(!is_calendar_date("2024-04-31"));
        assert!(!is_calendar_date("2024-13-01"));
        assert!(!is_calendar_date("2024-00-10"));
        assert!(!is_calendar_date("0000-01-01"));
        assert!(!is_calendar_date("2024-1-01"));
        assert!(!is_calendar_date("2024-01-01T00:00"));
        assert!(!is_calendar_date("２０２４-01-01"));
        assert_eq!(parse_calendar_date("2024-12-31"), Some((2024, 12, 31)));
    }

    #[test]
    fn change_hashes() {
        assert!(is_change_hash_hex(&"ab".repeat(32)));
        assert!(!is_change_hash_hex(&"AB".repeat(32)));
        assert!(!is_change_hash_hex(&"ab".repeat(31)));
    }
}
