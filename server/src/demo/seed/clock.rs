//! The demo's times: everything is written relative to `now`, the week's
//! accompaniments relative to an anchor that keeps them in one week and
//! none in the future.

use alongside_shared::doc::Timestamp;

use crate::console::time::week_start;

pub(super) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

pub(super) const HOUR: i64 = 3_600_000;

/// How far back the week's accompaniments reach from their anchor: the
/// earliest is planned 94 hours before it.
const WEEK_SPAN: i64 = 96 * HOUR;

/// When the demo's accompaniments of "this week" happened: now, once this
/// week has run long enough to hold them all; before that, the end of last
/// week. Either way they share one week (early in a week the console shows
/// them one "previous week" link away) and none lies in the future.
pub(super) fn accompaniment_anchor(now: i64) -> i64 {
    let monday = week_start(now);
    if now - monday >= WEEK_SPAN {
        now
    } else {
        monday - 60_000
    }
}

#[cfg(test)]
mod tests {
    use alongside_shared::time::{DAY_MS, date};

    use super::*;

    #[test]
    fn the_weeks_accompaniments_share_one_week_and_none_is_in_the_future() {
        // Every quarter hour of two weeks, from a Monday (2026-11-16).
        let monday = 1_794_787_200_000;
        assert_eq!(date(monday), "2026-11-16");
        let mut late_in_the_week = 0;
        for step in 0..(14 * 24 * 4) {
            let now = monday + step * 15 * 60_000;
            let anchor = accompaniment_anchor(now);
            assert!(anchor <= now);
            // The earliest created_at the demo writes (70 h trip, planned a
            // day before) is in the anchor's week.
            assert_eq!(week_start(anchor - 94 * HOUR), week_start(anchor), "{now}");
            // Never older than last week.
            assert!(week_start(now) - week_start(anchor) <= 7 * DAY_MS);
            if anchor == now {
                late_in_the_week += 1;
            }
        }
        // From Friday 00:00 on, they are this week's.
        assert_eq!(late_in_the_week, 2 * (3 * 24 * 4));
    }
}
