//! Dates and times as the console shows them: UTC, minutes, ISO order
//! (`2026-11-22 08:40`), from milliseconds since the Unix epoch. The
//! calendar arithmetic and the clock are [`alongside_shared::time`]'s; this
//! adds what only the console needs (weeks, durations, the date filter).

pub use alongside_shared::time::{DAY_MS, date, date_time, now_ms, parse_date};

/// A duration as `1 h 05 min` or `40 min`.
pub fn duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// The Monday (00:00 UTC) of the week holding `ms`, in ms.
pub fn week_start(ms: i64) -> i64 {
    let days = ms.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: Monday is 3 days before.
    let since_monday = (days + 3).rem_euclid(7);
    (days - since_monday) * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_weeks_start_on_monday() {
        assert_eq!(date_time(0), "1970-01-01 00:00");
        // 2026-11-22 is a Sunday.
        let sunday = parse_date("2026-11-22").unwrap_or_default() + 8 * 3_600_000 + 40 * 60_000;
        assert_eq!(date_time(sunday), "2026-11-22 08:40");
        assert_eq!(date(week_start(sunday)), "2026-11-16");
        let monday = parse_date("2026-11-16").unwrap_or_default();
        assert_eq!(week_start(monday), monday);
        assert_eq!(
            date(parse_date("2024-02-29").unwrap_or_default()),
            "2024-02-29"
        );
        assert_eq!(parse_date("2026-02-31"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(duration(65 * 60_000), "1 h 05 min");
        assert_eq!(duration(40 * 60_000), "40 min");
    }
}
