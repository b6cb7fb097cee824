//! Plain values the API returns: what a screen (or the FFI, or the CLI's
//! `--json`) shows. Ids are strings, times milliseconds since the epoch,
//! counts `u64`, dates `YYYY-MM-DD`.
//!
//! All but [`Identity`] are also the FFI's records (`uniffi::Record`),
//! named as Kotlin and Swift see them (`#[uniffi(name = ...)]`): a field
//! added here reaches the bindings when they are regenerated
//! (`mobile-bridge/bindings/generate.sh`), and the drift test
//! (`tests/tests/device_bindings.rs`) fails until they are. [`Identity`]
//! differs at the FFI (no actor, plus the server's address), so
//! `crate::ffi` keeps its own record for it.

use serde::Serialize;

/// Who this device is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The user's id.
    pub user_id: String,
    /// The user's name, as notes are signed.
    pub user_name: Option<String>,
    /// This device's id.
    pub device_id: String,
    /// The device's stable Automerge actor (hex).
    pub actor: String,
    /// The user's caseload index document, once known.
    pub caseload_index: Option<String>,
}

/// One participant in the caseload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct CaseloadEntry {
    /// Participant document id.
    pub id: String,
    /// Name shown in the list.
    pub display_name: String,
    /// Whether the record is on this device (false: listed by the index
    /// but not downloaded yet).
    pub held: bool,
    /// Whether the caseload index lists it (false: created here, not yet
    /// synced).
    pub indexed: bool,
    /// Whether it has local changes not yet acknowledged by the server.
    pub pending: bool,
    /// Number of notes held.
    pub notes: u64,
}

/// A progress note with its supervisor reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
#[uniffi(name = "Note")]
pub struct NoteView {
    /// Note id.
    pub id: String,
    /// Participant document id.
    pub participant_id: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// Where it stands in review: `draft`, `submitted`, `approved`,
    /// `changes-requested`, `amended` (edited after approval) or `revised`
    /// (edited after changes were requested).
    pub review_state: String,
    /// Date of service, `YYYY-MM-DD`.
    pub service_date: String,
    /// Start of the encounter (ms).
    pub start: i64,
    /// End of the encounter (ms).
    pub end: i64,
    /// Billing units of 15 minutes (rounded to the nearest unit).
    pub units: i64,
    /// Place of service.
    pub setting: String,
    /// Service or billing code.
    pub service_code: String,
    /// What the peer specialist did.
    pub intervention: String,
    /// Why.
    pub purpose: String,
    /// The participant's response.
    pub response: String,
    /// Plan and next steps.
    pub plan: String,
    /// The participant's own comment.
    pub participant_comment: String,
    /// Author's user id.
    pub author_id: String,
    /// Author's name.
    pub author_name: Option<String>,
    /// Device it was written on.
    pub device_id: String,
    /// 42 CFR Part 2 content.
    pub part2: bool,
    /// When it was created (ms).
    pub created_at: i64,
    /// When it was submitted (ms).
    pub submitted_at: Option<i64>,
    /// Who signed it.
    pub signed_by: Option<String>,
    /// Supervisor reviews of this note, oldest first.
    pub reviews: Vec<ReviewView>,
}

/// A note in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct NoteSummary {
    /// Note id.
    pub id: String,
    /// Date of service.
    pub service_date: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// Where it stands in review: `draft`, `submitted`, `approved`,
    /// `changes-requested`, `amended` or `revised`.
    pub review_state: String,
    /// The first line of the intervention.
    pub headline: String,
}

/// A supervisor's review of a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
#[uniffi(name = "Review")]
pub struct ReviewView {
    /// Review id.
    pub id: String,
    /// The reviewed note.
    pub note_id: String,
    /// `approved` or `changes-requested`.
    pub state: String,
    /// The supervisor's comment.
    pub comment: String,
    /// Reviewer's user id.
    pub reviewer_id: String,
    /// Reviewer's name.
    pub reviewer_name: Option<String>,
    /// When (ms).
    pub at: i64,
}

/// An accompanied appointment, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
#[uniffi(name = "Accompaniment")]
pub struct AccompanimentView {
    /// Accompaniment document id.
    pub id: String,
    /// Participant document id.
    pub participant_id: String,
    /// Accompanying worker's user id.
    pub peer_id: String,
    /// Kind of appointment.
    pub kind: String,
    /// Where.
    pub place: String,
    /// With whom.
    pub provider: String,
    /// `planned`, `in-progress`, `completed`, `cancelled`.
    pub status: String,
    /// Set off (ms).
    pub departed_at: Option<i64>,
    /// Arrived (ms).
    pub arrived_at: Option<i64>,
    /// Seen (ms).
    pub seen_at: Option<i64>,
    /// Appointment ended (ms).
    pub ended_at: Option<i64>,
    /// Back (ms).
    pub returned_at: Option<i64>,
    /// The steps entered late (missed, then entered with the time they
    /// happened): `departed`, `arrived`, `seen`, `ended`, `returned`.
    pub entered_late: Vec<String>,
    /// Two stamped steps out of order (`arrived after returned`), as
    /// concurrent stamps from two devices can merge; durations across them
    /// mean nothing.
    pub out_of_order: Option<String>,
    /// Why the participant went.
    pub purpose: String,
    /// What came of it.
    pub outcome: String,
    /// Barriers met.
    pub barriers: String,
    /// Follow-ups, oldest first.
    pub follow_ups: Vec<FollowUpView>,
    /// The note documenting it.
    pub note_id: Option<String>,
}

/// A follow-up action of an accompaniment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
#[uniffi(name = "FollowUp")]
pub struct FollowUpView {
    /// Follow-up id.
    pub id: String,
    /// What needs doing.
    pub text: String,
    /// Due date.
    pub due_on: Option<String>,
    /// Done?
    pub done: bool,
    /// When ticked (ms).
    pub done_at: Option<i64>,
}
