//! Time in one place: the wall clock, and the UTC calendar arithmetic and
//! formats the server, the console, the audit log and the device library
//! print.
//!
//! Instants are integers since the Unix epoch (milliseconds, or
//! microseconds for the audit log); days are counted from 1970-01-01 and
//! may be negative. The calendar is the proleptic Gregorian one, converted
//! with H. Hinnant's `days_from_civil` / `civil_from_days` algorithms, so
//! no calendar library is needed.
//!
//! # The clock is for drivers
//!
//! [`now_ms`] and [`now_micros`] read the system clock: they are the only
//! I/O in this crate. The sans-IO core ([`crate::sync`], [`crate::doc`],
//! [`crate::wire`]) never calls them; its drivers read the clock here and
//! pass the time in (`Event::Tick`, edit timestamps), so tests and
//! simulations keep fixing time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The system clock's distance from the epoch: `Ok` at or after it, `Err`
/// before it.
fn since_epoch() -> Result<Duration, Duration> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.duration())
}

/// Now, in milliseconds since the Unix epoch; 0 if the system clock is set
/// before 1970, so never negative (`.unsigned_abs()` is the hub's `u64`).
pub fn now_ms() -> i64 {
    since_epoch().map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Now, in microseconds since the Unix epoch; negative if the system clock
/// is set before 1970 (the audit log records what the clock said).
pub fn now_micros() -> i64 {
    match since_epoch() {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(d) => -i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
    }
}

/// (year, month 1–12, day 1–31) of day `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=12 and 1..=31).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Days since 1970-01-01 of (year, month, day). Out-of-range months and
/// days are not checked: callers validate first, or round-trip through
/// [`civil_from_days`] to refuse `2026-02-31`.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds since the epoch of `year-month-day hour:minute:second` UTC.
pub fn millis_from_civil(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> i64 {
    let days = days_from_civil(year, month, day);
    ((days * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60_000 + i64::from(second) * 1000
}

/// `YYYY-MM-DD` (UTC) of `ms`.
pub fn date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM` (UTC) of `ms`.
pub fn clock(ms: i64) -> String {
    let minutes = ms.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `YYYY-MM-DD HH:MM` (UTC) of `ms`.
pub fn date_time(ms: i64) -> String {
    format!("{} {}", date(ms), clock(ms))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` of `micros` since the epoch (UTC).
pub fn rfc3339_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Parses `YYYY-MM-DD` into ms at 00:00 UTC.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1900..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Refuse 2026-02-31 and the like: it must come back as written.
    (civil_from_days(days) == (y, m, d)).then_some(days * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_is_day_zero() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date_time(0), "1970-01-01 00:00");
        assert_eq!(clock(0), "00:00");
    }

    #[test]
    fn leap_years_follow_the_gregorian_rules() {
        // Divisible by 4: leap; by 100 but not 400: not; by 400: leap.
        for (year, leap) in [
            (2024, true),
            (2023, false),
            (1900, false),
            (2100, false),
            (2000, true),
        ] {
            let after_feb_28 = civil_from_days(days_from_civil(year, 2, 28) + 1);
            let expected = if leap { (year, 2, 29) } else { (year, 3, 1) };
            assert_eq!(after_feb_28, expected, "{year}");
            let length = days_from_civil(year + 1, 1, 1) - days_from_civil(year, 1, 1);
            assert_eq!(length, if leap { 366 } else { 365 }, "{year}");
        }
    }

    #[test]
    fn days_before_the_epoch_and_far_dates() {
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        assert_eq!(civil_from_days(-719_469), (0, 2, 29));
        assert_eq!(days_from_civil(-1, 12, 31), -719_529);
        assert_eq!(civil_from_days(2_932_896), (9999, 12, 31));
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date_time(-60_000), "1969-12-31 23:59");
        assert_eq!(date(253_402_300_799_999), "9999-12-31");
        assert_eq!(date(253_402_300_800_000), "10000-01-01");
    }

    #[test]
    fn every_day_round_trips() {
        let mut previous = civil_from_days(-800_000);
        for days in -800_000..3_000_000 {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && (1..=31).contains(&d), "{days}");
            assert_eq!(days_from_civil(y, m, d), days);
            if days > -800_000 {
                assert!((y, m, d) > previous, "{days}");
            }
            previous = (y, m, d);
        }
    }

    #[test]
    fn times_of_day() {
        let ms = millis_from_civil(2024, 2, 29, 23, 59, 59);
        assert_eq!(date(ms), "2024-02-29");
        assert_eq!(date(ms + 1000), "2024-03-01");
        assert_eq!(date_time(ms), "2024-02-29 23:59");
        assert_eq!(clock(millis_from_civil(2026, 11, 22, 8, 40, 0)), "08:40");
        assert_eq!(millis_from_civil(1970, 1, 2, 0, 0, 1), DAY_MS + 1000);
    }

    #[test]
    fn times_print_as_rfc3339_with_microseconds() {
        assert_eq!(rfc3339_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            rfc3339_micros(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(
            rfc3339_micros(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(rfc3339_micros(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn the_clock_reads_after_the_epoch() {
        let (ms, micros) = (now_ms(), now_micros());
        assert!(ms > 1_700_000_000_000);
        assert!(micros / 1000 >= ms);
    }
}
