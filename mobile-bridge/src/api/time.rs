//! Calendar arithmetic the API needs without a date library: the UTC
//! calendar date of an instant (a note's default service date).

use alongside_shared::doc::CalendarDate;

/// The UTC calendar date containing `ms` since the epoch.
pub fn utc_date(ms: i64) -> Option<CalendarDate> {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    CalendarDate::from_ymd(u16::try_from(y).ok()?, m, d)
}

/// Milliseconds at UTC midnight of `y-m-d` plus `h:mi:s`.
pub fn utc_millis(y: i64, m: u8, d: u8, h: u8, mi: u8, s: u8) -> i64 {
    let days = days_from_civil(y, m, d);
    ((days * 24 + i64::from(h)) * 60 + i64::from(mi)) * 60_000 + i64::from(s) * 1000
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's
/// algorithm, proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(
            utc_date(0).map(|d| d.to_string()).as_deref(),
            Some("1970-01-01")
        );
        let ms = utc_millis(2024, 2, 29, 23, 59, 59);
        assert_eq!(
            utc_date(ms).map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            utc_date(ms + 1000).map(|d| d.to_string()).as_deref(),
            Some("2024-03-01")
        );
    }
}
