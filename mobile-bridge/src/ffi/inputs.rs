//! What the app passes in: new notes and accompaniments, text edits (UTF-16
//! positions, as Kotlin and Swift count), which note field, which step.
//! Each converts into the typed API's input, which checks it.

use alongside_shared::doc::edit::NarrativePart;

use crate::api::{NewAccompaniment as ApiNewAccompaniment, NewNote as ApiNewNote, NoteText};
use crate::api::{Step, TextEdit as ApiTextEdit};

/// A new progress note. Absent fields take defaults: today's date (UTC),
/// start and end now, setting `community`, code `H0038`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewNote {
    /// Date of service, `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub service_date: Option<String>,
    /// Start of the encounter (ms).
    #[uniffi(default = None)]
    pub start: Option<i64>,
    /// End of the encounter (ms).
    #[uniffi(default = None)]
    pub end: Option<i64>,
    /// Place of service.
    #[uniffi(default = None)]
    pub setting: Option<String>,
    /// Service or billing code.
    #[uniffi(default = None)]
    pub service_code: Option<String>,
    /// What the peer specialist did.
    pub intervention: String,
    /// Why.
    #[uniffi(default = "")]
    pub purpose: String,
    /// The participant's response.
    #[uniffi(default = "")]
    pub response: String,
    /// Plan and next steps.
    #[uniffi(default = "")]
    pub plan: String,
    /// 42 CFR Part 2 (substance-use) content.
    #[uniffi(default = false)]
    pub part2: bool,
    /// The device's UTC offset at the start, minutes east of UTC (e.g.
    /// `TimeZone.getDefault().getOffset(start) / 60000`). The service date
    /// must be the start's local date there; absent: UTC.
    #[uniffi(default = None)]
    pub utc_offset_minutes: Option<i32>,
}

impl From<NewNote> for ApiNewNote {
    fn from(n: NewNote) -> Self {
        Self {
            service_date: n.service_date,
            start: n.start,
            end: n.end,
            setting: n.setting,
            service_code: n.service_code,
            intervention: n.intervention,
            purpose: n.purpose,
            response: n.response,
            plan: n.plan,
            part2: n.part2,
            utc_offset_minutes: n.utc_offset_minutes,
        }
    }
}

/// An accompanied appointment about to start (the worker sets off now).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewAccompaniment {
    /// Kind of appointment (`medical`, `housing`, ...; default `other`).
    #[uniffi(default = None)]
    pub kind: Option<String>,
    /// Where.
    pub place: String,
    /// With whom.
    #[uniffi(default = "")]
    pub provider: String,
    /// Why the participant is going.
    #[uniffi(default = "")]
    pub purpose: String,
    /// When it is booked for (ms).
    #[uniffi(default = None)]
    pub scheduled_at: Option<i64>,
    /// How they travel (`walk`, `public-transport`, `car`, `taxi`, `other`).
    #[uniffi(default = None)]
    pub transport: Option<String>,
}

impl From<NewAccompaniment> for ApiNewAccompaniment {
    fn from(a: NewAccompaniment) -> Self {
        Self {
            kind: a.kind,
            place: a.place,
            provider: a.provider,
            purpose: a.purpose,
            scheduled_at: a.scheduled_at,
            transport: a.transport,
        }
    }
}

/// A text field of a note that the worker edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NoteField {
    /// What the peer specialist did.
    Intervention,
    /// Why.
    Purpose,
    /// The participant's response.
    Response,
    /// Plan and next steps.
    Plan,
    /// The participant's own comment.
    ParticipantComment,
}

impl From<NoteField> for NoteText {
    fn from(f: NoteField) -> Self {
        match f {
            NoteField::Intervention => NoteText::Narrative(NarrativePart::Intervention),
            NoteField::Purpose => NoteText::Narrative(NarrativePart::Purpose),
            NoteField::Response => NoteText::Narrative(NarrativePart::Response),
            NoteField::Plan => NoteText::Narrative(NarrativePart::Plan),
            NoteField::ParticipantComment => NoteText::ParticipantComment,
        }
    }
}

/// A change to a text field. Positions and lengths are UTF-16 code units
/// (Kotlin `String.length`, Swift `String.utf16.count`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TextEdit {
    /// The whole new text; only the difference is applied, so concurrent
    /// edits elsewhere in the text survive.
    Replace {
        /// The new text.
        text: String,
    },
    /// Delete `delete` code units at `at`, then insert `insert` there.
    Splice {
        /// Offset, in UTF-16 code units.
        at: u32,
        /// Code units to delete.
        delete: u32,
        /// Text to insert.
        insert: String,
    },
}

impl From<TextEdit> for ApiTextEdit {
    fn from(e: TextEdit) -> Self {
        match e {
            TextEdit::Replace { text } => ApiTextEdit::Replace(text),
            TextEdit::Splice { at, delete, insert } => ApiTextEdit::Splice {
                at: at as usize,
                delete: delete as usize,
                insert,
            },
        }
    }
}

/// A step of an accompanied appointment (setting off is stamped by
/// [`super::AlongsideDevice::start_accompaniment`]; `Departed` corrects it
/// late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccompanimentStep {
    /// Set off.
    Departed,
    /// Arrived at the appointment.
    Arrived,
    /// The participant was seen.
    Seen,
    /// The appointment ended.
    Ended,
    /// Back from the appointment (completes the log).
    Returned,
}

impl From<AccompanimentStep> for Step {
    fn from(s: AccompanimentStep) -> Self {
        match s {
            AccompanimentStep::Departed => Step::Departed,
            AccompanimentStep::Arrived => Step::Arrived,
            AccompanimentStep::Seen => Step::Seen,
            AccompanimentStep::Ended => Step::Ended,
            AccompanimentStep::Returned => Step::Returned,
        }
    }
}
