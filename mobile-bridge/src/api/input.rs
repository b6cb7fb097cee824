//! What the app passes in, and the checks every input goes through.

use alongside_shared::doc::CalendarDate;
use alongside_shared::doc::edit::NarrativePart;

use super::error::ApiError;

/// Longest free text accepted in one field, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Longest name, code or short label accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// A new progress note. Absent fields take defaults: the start's local
/// date, start and end now, setting `community`, code `H0038`, UTC. It is
/// checked by `alongside_shared::doc::rules::note_input` before anything
/// is written: the service date is the start's local date at
/// `utc_offset_minutes`, the end is not before the start, the setting is
/// one of community, home, clinic, telehealth, hospital, other.
#[derive(Debug, Clone, Default)]
pub struct NewNote {
    /// Date of service, `YYYY-MM-DD`.
    pub service_date: Option<String>,
    /// Start of the encounter (ms).
    pub start: Option<i64>,
    /// End of the encounter (ms).
    pub end: Option<i64>,
    /// Place of service.
    pub setting: Option<String>,
    /// Service or billing code.
    pub service_code: Option<String>,
    /// What the peer specialist did.
    pub intervention: String,
    /// Why.
    pub purpose: String,
    /// The participant's response.
    pub response: String,
    /// Plan and next steps.
    pub plan: String,
    /// 42 CFR Part 2 content.
    pub part2: bool,
    /// The writer's UTC offset at the start, in minutes east of UTC
    /// (absent: UTC).
    pub utc_offset_minutes: Option<i32>,
}

/// A text field of a note that the worker edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteText {
    /// One of the four narrative parts.
    Narrative(NarrativePart),
    /// The participant's own comment.
    ParticipantComment,
}

impl NoteText {
    /// Parses `intervention`, `purpose`, `response`, `plan` or
    /// `participant-comment`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "intervention" => Self::Narrative(NarrativePart::Intervention),
            "purpose" => Self::Narrative(NarrativePart::Purpose),
            "response" => Self::Narrative(NarrativePart::Response),
            "plan" => Self::Narrative(NarrativePart::Plan),
            "participant-comment" | "comment" => Self::ParticipantComment,
            other => {
                return Err(ApiError::invalid(
                    "field",
                    format!(
                        "{other:?}: expected intervention, purpose, response, plan or participant-comment"
                    ),
                ));
            }
        })
    }
}

/// A change to a text field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextEdit {
    /// The whole new text; only the difference is applied.
    Replace(String),
    /// Delete `delete` UTF-16 code units at UTF-16 offset `at`, then insert.
    Splice {
        /// Offset in UTF-16 code units.
        at: usize,
        /// Code units to delete.
        delete: usize,
        /// Text to insert.
        insert: String,
    },
}

/// An accompanied appointment about to start.
#[derive(Debug, Clone, Default)]
pub struct NewAccompaniment {
    /// Kind of appointment (`medical`, `housing`, ...; default `other`).
    pub kind: Option<String>,
    /// Where.
    pub place: String,
    /// With whom.
    pub provider: String,
    /// Why the participant is going.
    pub purpose: String,
    /// When it is booked for (ms).
    pub scheduled_at: Option<i64>,
    /// How they travel (`walk`, `public-transport`, `car`, `taxi`, `other`).
    pub transport: Option<String>,
}

/// Checks a free-text input.
pub(crate) fn text(field: &'static str, value: &str) -> Result<(), ApiError> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    if value.contains('\0') {
        return Err(ApiError::invalid(field, "contains a NUL character"));
    }
    Ok(())
}

/// Checks a required short label (a name, a code) and returns it trimmed.
pub(crate) fn label(field: &'static str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > MAX_LABEL_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("longer than {MAX_LABEL_CHARS} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "contains control characters"));
    }
    Ok(v.to_owned())
}

/// Parses a calendar date.
pub(crate) fn date(field: &'static str, value: &str) -> Result<CalendarDate, ApiError> {
    CalendarDate::parse(value.trim())
        .ok_or_else(|| ApiError::invalid(field, format!("{value:?} is not a date YYYY-MM-DD")))
}

/// Parses a closed-vocabulary value.
pub(crate) fn vocab<T>(
    field: &'static str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    values: &[&str],
) -> Result<T, ApiError> {
    parse(value.trim()).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("{value:?}: expected one of {}", values.join(", ")),
        )
    })
}
