//! [`CalendarDate`]: a date without a time, stored as a `YYYY-MM-DD` string.
//!
//! Service dates and due dates are calendar dates in the service's local
//! sense, not instants, so they are strings rather than timestamps.

use std::fmt;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler, reconcile::NoKey};

use super::syntax::parse_calendar_date;

/// A valid calendar date, stored as a scalar string `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarDate(String);

impl CalendarDate {
    /// Parses `YYYY-MM-DD`; None unless it is a real date.
    pub fn parse(s: &str) -> Option<Self> {
        parse_calendar_date(s).map(|_| Self(s.to_owned()))
    }

    /// Builds a date from its parts; None unless it is a real date.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Self> {
        Self::parse(&format!("{year:04}-{month:02}-{day:02}"))
    }

    /// The UTC calendar date holding `ms` since the epoch; None outside
    /// the years 1–9999.
    pub fn of_utc_millis(ms: i64) -> Option<Self> {
        let (y, m, d) = crate::time::civil_from_days(ms.div_euclid(crate::time::DAY_MS));
        Self::from_ymd(
            u16::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
    }

    /// The `YYYY-MM-DD` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&CalendarDate> for automerge::ScalarValue {
    fn from(d: &CalendarDate) -> Self {
        automerge::ScalarValue::Str(d.0.as_str().into())
    }
}

impl Hydrate for CalendarDate {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Self::parse(s)
            .ok_or_else(|| HydrateError::unexpected("a date YYYY-MM-DD", format!("{s:?}")))
    }

    // JavaScript clients write plain strings as Text.
    fn hydrate_text<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, HydrateError> {
        Self::hydrate_string(&doc.text(obj)?)
    }
}

impl Reconcile for CalendarDate {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(
            CalendarDate::from_ymd(2024, 2, 29)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2024-02-29")
        );
        assert!(CalendarDate::from_ymd(2023, 2, 29).is_none());
        assert!(CalendarDate::parse("24-02-29").is_none());
    }

    #[test]
    fn the_date_of_an_instant_is_its_utc_day() {
        let of = |ms| CalendarDate::of_utc_millis(ms).map(|d| d.to_string());
        assert_eq!(of(0).as_deref(), Some("1970-01-01"));
        let ms = crate::time::millis_from_civil(2024, 2, 29, 23, 59, 59);
        assert_eq!(of(ms).as_deref(), Some("2024-02-29"));
        assert_eq!(of(ms + 1000).as_deref(), Some("2024-03-01"));
        assert_eq!(of(-1).as_deref(), Some("1969-12-31"));
        // Year 0 and year 10000 have no `YYYY-MM-DD`.
        assert_eq!(of(crate::time::millis_from_civil(0, 6, 1, 0, 0, 0)), None);
        assert_eq!(of(253_402_300_800_000), None);
    }
}
