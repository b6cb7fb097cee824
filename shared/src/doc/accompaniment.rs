//! Typed view of an `alongside/accompaniment` document.
//!
//! Field names follow [`super::schema::ACCOMPANIMENT`] (a test checks they
//! agree). For edits that must merge well under concurrency use
//! [`super::edit`], which touches only the fields it changes.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use super::date::CalendarDate;
use super::schema::{DocKind, SCHEMA_VERSION};
use super::timestamp::Timestamp;
use super::vocab::{AccompanimentStatus, AppointmentKind, Transport};

/// One accompanied appointment: the root of an `alongside/accompaniment`
/// document.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Accompaniment {
    /// Always `alongside/accompaniment`.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "@type")]
    pub doc_type: String,
    /// Schema version.
    pub schema: i64,
    /// Document id of the participant record.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "participantId")]
    pub participant_id: String,
    /// User id of the accompanying worker.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "peerId")]
    pub peer_id: String,
    /// The appointment.
    pub appointment: Appointment,
    /// When they set off.
    #[autosurgeon(rename = "departedAt", missing = "Default::default")]
    pub departed_at: Option<Timestamp>,
    /// User id of whoever stamped `departedAt`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "departedBy",
        missing = "Default::default"
    )]
    pub departed_by: Option<String>,
    /// When `departedAt` was entered afterwards (a missed step entered late);
    /// `None` when it was stamped as it happened.
    #[autosurgeon(rename = "departedEnteredAt", missing = "Default::default")]
    pub departed_entered_at: Option<Timestamp>,
    /// When they arrived.
    #[autosurgeon(rename = "arrivedAt", missing = "Default::default")]
    pub arrived_at: Option<Timestamp>,
    /// User id of whoever stamped `arrivedAt`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "arrivedBy",
        missing = "Default::default"
    )]
    pub arrived_by: Option<String>,
    /// When `arrivedAt` was entered afterwards (a missed step entered late);
    /// `None` when it was stamped as it happened.
    #[autosurgeon(rename = "arrivedEnteredAt", missing = "Default::default")]
    pub arrived_entered_at: Option<Timestamp>,
    /// When the participant was seen.
    #[autosurgeon(rename = "startedAt", missing = "Default::default")]
    pub started_at: Option<Timestamp>,
    /// User id of whoever stamped `startedAt`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "startedBy",
        missing = "Default::default"
    )]
    pub started_by: Option<String>,
    /// When `startedAt` was entered afterwards (a missed step entered late);
    /// `None` when it was stamped as it happened.
    #[autosurgeon(rename = "startedEnteredAt", missing = "Default::default")]
    pub started_entered_at: Option<Timestamp>,
    /// When the appointment ended.
    #[autosurgeon(rename = "endedAt", missing = "Default::default")]
    pub ended_at: Option<Timestamp>,
    /// User id of whoever stamped `endedAt`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "endedBy",
        missing = "Default::default"
    )]
    pub ended_by: Option<String>,
    /// When `endedAt` was entered afterwards (a missed step entered late);
    /// `None` when it was stamped as it happened.
    #[autosurgeon(rename = "endedEnteredAt", missing = "Default::default")]
    pub ended_entered_at: Option<Timestamp>,
    /// When they got back.
    #[autosurgeon(rename = "returnedAt", missing = "Default::default")]
    pub returned_at: Option<Timestamp>,
    /// User id of whoever stamped `returnedAt`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "returnedBy",
        missing = "Default::default"
    )]
    pub returned_by: Option<String>,
    /// When `returnedAt` was entered afterwards (a missed step entered late);
    /// `None` when it was stamped as it happened.
    #[autosurgeon(rename = "returnedEnteredAt", missing = "Default::default")]
    pub returned_entered_at: Option<Timestamp>,
    /// How they travelled.
    #[autosurgeon(missing = "Default::default")]
    pub transport: Option<Transport>,
    /// Why the participant is going.
    pub purpose: Text,
    /// What came of it.
    pub outcome: Text,
    /// Barriers met.
    pub barriers: Text,
    /// Follow-up actions, by id.
    #[autosurgeon(rename = "followUps", with = "autosurgeon::map_with_parseable_keys")]
    pub follow_ups: BTreeMap<Uuid, FollowUp>,
    /// Lifecycle status.
    pub status: AccompanimentStatus,
    /// Id of the progress note that documents it.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "noteId",
        missing = "Default::default"
    )]
    pub note_id: Option<String>,
    /// When the log was created.
    #[autosurgeon(rename = "createdAt")]
    pub created_at: Timestamp,
}

impl Accompaniment {
    /// A planned accompaniment with empty texts and no follow-ups.
    pub fn planned(
        participant_id: &str,
        peer_id: &str,
        appointment: Appointment,
        created_at: Timestamp,
    ) -> Self {
        Self {
            doc_type: DocKind::Accompaniment.type_name().to_owned(),
            schema: SCHEMA_VERSION,
            participant_id: participant_id.to_owned(),
            peer_id: peer_id.to_owned(),
            appointment,
            departed_at: None,
            arrived_at: None,
            started_at: None,
            ended_at: None,
            returned_at: None,
            departed_by: None,
            arrived_by: None,
            started_by: None,
            ended_by: None,
            returned_by: None,
            departed_entered_at: None,
            arrived_entered_at: None,
            started_entered_at: None,
            ended_entered_at: None,
            returned_entered_at: None,
            transport: None,
            purpose: Text::default(),
            outcome: Text::default(),
            barriers: Text::default(),
            follow_ups: BTreeMap::new(),
            status: AccompanimentStatus::Planned,
            note_id: None,
            created_at,
        }
    }
}

/// The appointment being accompanied.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Appointment {
    /// Kind of appointment.
    pub kind: AppointmentKind,
    /// Where it is.
    pub place: Text,
    /// Who it is with.
    #[autosurgeon(hydrate = "crate::doc::lenient::string")]
    pub provider: String,
    /// When it is booked for.
    #[autosurgeon(rename = "scheduledAt", missing = "Default::default")]
    pub scheduled_at: Option<Timestamp>,
}

/// A follow-up action.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct FollowUp {
    /// What needs doing.
    pub text: Text,
    /// Due date.
    #[autosurgeon(rename = "dueOn", missing = "Default::default")]
    pub due_on: Option<CalendarDate>,
    /// Whether it is done.
    pub done: bool,
    /// When it was ticked done; meaningful only while `done` is true.
    #[autosurgeon(rename = "doneAt", missing = "Default::default")]
    pub done_at: Option<Timestamp>,
    /// User id of whoever ticked it done; meaningful only while `done`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "doneBy",
        missing = "Default::default"
    )]
    pub done_by: Option<String>,
    /// When it was added.
    #[autosurgeon(rename = "createdAt")]
    pub created_at: Timestamp,
    /// User id of whoever added it.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "createdBy",
        missing = "Default::default"
    )]
    pub created_by: Option<String>,
}
