//! The projection's rows as the database stores them: one participant
//! record with its notes and reviews, or one accompaniment log with its
//! follow-ups. [`crate::projection`] derives them from a document;
//! [`super::projection`] writes them. Plain data, so that the database
//! layer needs nothing from the layers above it.

use uuid::Uuid;

/// The rows of one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    /// A participant record.
    Participant(ParticipantRows),
    /// An accompaniment log.
    Accompaniment(Box<AccompanimentRows>),
    /// Nothing to project (another kind, or unreadable).
    Nothing,
}

/// A participant and its notes and reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRows {
    /// Name shown in the caseload.
    pub display_name: String,
    /// Pronouns.
    pub pronouns: Option<String>,
    /// Progress notes.
    pub notes: Vec<NoteRow>,
    /// Supervisor reviews.
    pub reviews: Vec<ReviewRow>,
}

/// One progress note. Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct NoteRow {
    pub note_id: Uuid,
    pub author_id: String,
    pub device_id: String,
    pub service_date: String,
    pub encounter_at: i64,
    pub encounter_end_at: i64,
    pub billing_units: i32,
    pub setting: String,
    pub service_code: String,
    pub status: String,
    pub part2: bool,
    pub intervention: String,
    pub purpose: String,
    pub response: String,
    pub plan: String,
    pub participant_comment: Option<String>,
    pub accompaniment_id: Option<String>,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub updated_at: Option<i64>,
}

/// One supervisor review.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct ReviewRow {
    pub review_id: Uuid,
    pub note_id: Uuid,
    pub state: String,
    pub comment: String,
    pub reviewer_id: String,
    pub reviewed_at: i64,
    pub heads: Vec<String>,
}

/// An accompaniment log and its follow-ups.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct AccompanimentRows {
    pub participant_id: String,
    pub peer_id: String,
    pub kind: String,
    pub place: String,
    pub provider: String,
    pub scheduled_at: Option<i64>,
    pub departed_at: Option<i64>,
    pub arrived_at: Option<i64>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub transport: Option<String>,
    pub purpose: String,
    pub outcome: String,
    pub barriers: String,
    pub status: String,
    pub note_id: Option<String>,
    pub created_at: i64,
    pub follow_ups: Vec<FollowUpRow>,
}

/// One follow-up of an accompaniment.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct FollowUpRow {
    pub follow_up_id: Uuid,
    pub text: String,
    pub due_on: Option<String>,
    pub done: bool,
    pub done_at: Option<i64>,
    pub created_at: i64,
}
