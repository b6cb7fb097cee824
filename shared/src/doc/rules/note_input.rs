//! The checked inputs of a progress note: the service date agrees with the
//! start, the end is not before the start, and the setting comes from the
//! vocabulary ([`Setting`]).
//!
//! The service date is a calendar date in the writer's local sense, the
//! start an instant. The device knows its zone, so [`Zone::Offset`] checks
//! that the date is the start's local date at the writer's UTC offset; the
//! server does not, so [`Zone::Unknown`] accepts any date the start has
//! somewhere in the span of real zones, UTC−12:00 to UTC+14:00.
//!
//! An encounter of no length (end equal to start) is allowed: it records a
//! contact with no billable time. An end before the start is refused.

use std::fmt;

use crate::doc::date::CalendarDate;
use crate::doc::timestamp::Timestamp;
use crate::doc::vocab::Setting;
use crate::time::DAY_MS;

/// The westernmost real UTC offset, in minutes (UTC−12:00).
pub const MIN_OFFSET_MINUTES: i32 = -12 * 60;
/// The easternmost real UTC offset, in minutes (UTC+14:00).
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// Where the writer was, as far as the checker knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The writer's UTC offset at the start, in minutes east of UTC
    /// (`60` for UTC+01:00, `-300` for UTC−05:00).
    Offset(i32),
    /// Not known (the server): any real zone.
    Unknown,
}

/// The fields of a note these rules look at.
#[derive(Debug, Clone, Copy)]
pub struct NoteInput<'a> {
    /// `serviceDate`, `YYYY-MM-DD` (a string that is no date is refused).
    pub service_date: &'a str,
    /// `encounterAt`.
    pub start: Timestamp,
    /// `encounterEndAt`.
    pub end: Timestamp,
    /// `setting`.
    pub setting: &'a str,
}

/// What is wrong with a note input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteProblem {
    /// `serviceDate` is not the start's local date.
    DateDisagreesWithStart,
    /// `serviceDate` is not a date `YYYY-MM-DD`.
    NotADate,
    /// `encounterEndAt` is before `encounterAt`.
    EndBeforeStart,
    /// `setting` is not one of [`Setting::VALUES`].
    NotInVocabulary,
    /// The zone's offset is not a real one (−12:00 to +14:00).
    OffsetOutOfRange,
}

impl NoteProblem {
    /// The code used in `docs/schema/rule-cases.json`.
    pub const fn code(self) -> &'static str {
        match self {
            NoteProblem::DateDisagreesWithStart => "date-disagrees-with-start",
            NoteProblem::NotADate => "not-a-date",
            NoteProblem::EndBeforeStart => "end-before-start",
            NoteProblem::NotInVocabulary => "not-in-vocabulary",
            NoteProblem::OffsetOutOfRange => "offset-out-of-range",
        }
    }
}

/// A refused note input: the field (its key in the note) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NoteInputError {
    /// `serviceDate`, `encounterEndAt`, `setting` or `utcOffset`.
    pub field: &'static str,
    /// What is wrong.
    pub problem: NoteProblem,
}

impl fmt::Display for NoteInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field)?;
        f.write_str(": ")?;
        match self.problem {
            NoteProblem::DateDisagreesWithStart => {
                f.write_str("the service date must be the date the encounter started")
            }
            NoteProblem::NotADate => f.write_str("expected a date YYYY-MM-DD"),
            NoteProblem::EndBeforeStart => f.write_str("the end must not be before the start"),
            NoteProblem::NotInVocabulary => {
                write!(f, "expected one of {}", Setting::VALUES.join(", "))
            }
            NoteProblem::OffsetOutOfRange => {
                f.write_str("the UTC offset must be between -12:00 and +14:00")
            }
        }
    }
}

/// Every problem of `input` in `zone` (empty: acceptable), in field order:
/// UTC offset (when it is no real zone's, the date is not judged), service
/// date, end, setting.
pub fn check_note_input(input: &NoteInput<'_>, zone: Zone) -> Vec<NoteInputError> {
    let mut out = Vec::new();
    let mut refuse = |field, problem| out.push(NoteInputError { field, problem });
    let real = match zone {
        Zone::Offset(m) => (MIN_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&m),
        Zone::Unknown => true,
    };
    if !real {
        // The date cannot be judged against a zone that does not exist.
        refuse("utcOffset", NoteProblem::OffsetOutOfRange);
    } else if let Some(problem) = service_date_problem(input.service_date, input.start, zone) {
        refuse("serviceDate", problem);
    }
    if input.end < input.start {
        refuse("encounterEndAt", NoteProblem::EndBeforeStart);
    }
    if Setting::parse(input.setting).is_none() {
        refuse("setting", NoteProblem::NotInVocabulary);
    }
    out
}

/// Whether `service_date` fits `start` in `zone` (None: it does).
pub fn service_date_problem(
    service_date: &str,
    start: Timestamp,
    zone: Zone,
) -> Option<NoteProblem> {
    let Some(date) = CalendarDate::parse(service_date) else {
        return Some(NoteProblem::NotADate);
    };
    let minute = 60_000_i64;
    let (west, east) = match zone {
        Zone::Offset(m) => (i64::from(m), i64::from(m)),
        Zone::Unknown => (i64::from(MIN_OFFSET_MINUTES), i64::from(MAX_OFFSET_MINUTES)),
    };
    let day = |offset: i64| {
        start
            .millis()
            .saturating_add(offset * minute)
            .div_euclid(DAY_MS)
    };
    let Some(service_day) = crate::time::parse_date(date.as_str()).map(|ms| ms.div_euclid(DAY_MS))
    else {
        return Some(NoteProblem::NotADate);
    };
    (!(day(west)..=day(east)).contains(&service_day)).then_some(NoteProblem::DateDisagreesWithStart)
}

/// The local calendar date of `at` at UTC offset `offset_minutes`.
pub fn local_date(at: Timestamp, offset_minutes: i32) -> Option<CalendarDate> {
    CalendarDate::of_utc_millis(
        at.millis()
            .saturating_add(i64::from(offset_minutes) * 60_000),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_795_000_000_000; // 2026-11-18 11:06:40 UTC

    fn input(date: &str) -> NoteInput<'_> {
        NoteInput {
            service_date: date,
            start: Timestamp(START),
            end: Timestamp(START + 3_600_000),
            setting: "home",
        }
    }

    #[test]
    fn the_date_is_the_local_date_of_the_start() {
        assert_eq!(
            check_note_input(&input("2026-11-18"), Zone::Offset(0)),
            vec![]
        );
        // At UTC+14:00 it is already the 19th.
        assert_eq!(
            check_note_input(&input("2026-11-19"), Zone::Offset(840)),
            vec![]
        );
        let e = check_note_input(&input("2026-11-19"), Zone::Offset(0));
        assert_eq!(e[0].field, "serviceDate");
        // The server, not knowing the zone, accepts both days.
        assert!(check_note_input(&input("2026-11-19"), Zone::Unknown).is_empty());
        assert!(!check_note_input(&input("2026-11-20"), Zone::Unknown).is_empty());
    }
}
