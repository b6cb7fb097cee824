//! Edits of an `alongside/accompaniment` document: create it, stamp the
//! steps of the day, set its scalar fields, add and tick follow-ups.
//!
//! Each helper touches only the fields it is about. Text fields are edited
//! with [`super::text`] and [`super::AccompanimentText`].

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ScalarValue};
use uuid::Uuid;

use super::fresh::Fresh;
use super::{delete_key, insert_entry, map_at, put_scalar, require_empty};
use crate::doc::accompaniment::{Accompaniment, FollowUp};
use crate::doc::error::DocError;
use crate::doc::path::DocPath;
use crate::doc::rules;
use crate::doc::timestamp::Timestamp;
use crate::doc::vocab::{AccompanimentStatus, AppointmentKind, Transport};

/// Writes a new accompaniment log into an empty document.
pub fn create_accompaniment(doc: &mut AutoCommit, log: &Accompaniment) -> Result<(), DocError> {
    require_empty(doc)?;
    autosurgeon::reconcile(doc, log.fresh())?;
    Ok(())
}

/// A step of an accompanied appointment, stamped with a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Set off (`departedAt`).
    Departed,
    /// Arrived (`arrivedAt`).
    Arrived,
    /// Seen (`startedAt`).
    Started,
    /// Appointment over (`endedAt`).
    Ended,
    /// Back (`returnedAt`).
    Returned,
}

impl Step {
    /// Every step, in the order they happen.
    pub const ALL: [Step; 5] = [
        Step::Departed,
        Step::Arrived,
        Step::Started,
        Step::Ended,
        Step::Returned,
    ];

    /// Where this step comes in the day: 0 (departed) to 4 (returned).
    pub const fn index(self) -> usize {
        match self {
            Step::Departed => 0,
            Step::Arrived => 1,
            Step::Started => 2,
            Step::Ended => 3,
            Step::Returned => 4,
        }
    }

    /// The step as people name it: `departed`, `arrived`, `seen`, `ended`,
    /// `returned`.
    pub const fn name(self) -> &'static str {
        match self {
            Step::Departed => "departed",
            Step::Arrived => "arrived",
            Step::Started => "seen",
            Step::Ended => "ended",
            Step::Returned => "returned",
        }
    }

    /// The step whose time is stored under root key `key` (`arrivedAt`).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The root key holding when a missed step was entered afterwards.
    pub const fn entered_key(self) -> &'static str {
        match self {
            Step::Departed => "departedEnteredAt",
            Step::Arrived => "arrivedEnteredAt",
            Step::Started => "startedEnteredAt",
            Step::Ended => "endedEnteredAt",
            Step::Returned => "returnedEnteredAt",
        }
    }

    /// The root key naming who stamped this step.
    pub const fn by_key(self) -> &'static str {
        match self {
            Step::Departed => "departedBy",
            Step::Arrived => "arrivedBy",
            Step::Started => "startedBy",
            Step::Ended => "endedBy",
            Step::Returned => "returnedBy",
        }
    }

    /// The root key holding this step's time.
    pub const fn key(self) -> &'static str {
        match self {
            Step::Departed => "departedAt",
            Step::Arrived => "arrivedAt",
            Step::Started => "startedAt",
            Step::Ended => "endedAt",
            Step::Returned => "returnedAt",
        }
    }
}

/// Records when `step` happened and who stamped it (user id `by`), as it
/// happens. Does not check the order of the steps: a client stamping what
/// a person tapped uses [`record_step`], which does.
pub fn stamp_step(
    doc: &mut AutoCommit,
    step: Step,
    at: Timestamp,
    by: &str,
) -> Result<(), DocError> {
    put_scalar(doc, &DocPath::root(), step.key(), at)?;
    put_scalar(doc, &DocPath::root(), step.by_key(), by)?;
    delete_key(doc, &DocPath::root(), step.entered_key())?;
    Ok(())
}

/// Records `step` if the steps stay in order ([`rules::steps`]): stamped
/// now (`stamp.at == stamp.now`, not late), or a missed step entered
/// afterwards with the time it happened (`late`: marked with
/// `<step>EnteredAt = now`). Refused with [`DocError::StepOrder`], having
/// written nothing, when the order would break.
pub fn record_step(doc: &mut AutoCommit, step: Step, stamp: StepStamp<'_>) -> Result<(), DocError> {
    let times = rules::steps::StepTimes::read(doc)?;
    rules::steps::check_stamp(&times, step, stamp.at, stamp.late, stamp.now)?;
    if stamp.late {
        put_scalar(doc, &DocPath::root(), step.key(), stamp.at)?;
        put_scalar(doc, &DocPath::root(), step.by_key(), stamp.by)?;
        put_scalar(doc, &DocPath::root(), step.entered_key(), stamp.now)
    } else {
        stamp_step(doc, step, stamp.at, stamp.by)
    }
}

/// How a step is recorded by [`record_step`].
#[derive(Debug, Clone, Copy)]
pub struct StepStamp<'a> {
    /// When the step happened (`now` unless `late`).
    pub at: Timestamp,
    /// The writer's clock now.
    pub now: Timestamp,
    /// Whether the step is entered afterwards with the time it happened.
    pub late: bool,
    /// User id of whoever records it.
    pub by: &'a str,
}

/// Removes a step's time, who stamped it and its "entered late" mark (a
/// mistaken tap); true if it was set.
pub fn clear_step(doc: &mut AutoCommit, step: Step) -> Result<bool, DocError> {
    delete_key(doc, &DocPath::root(), step.by_key())?;
    delete_key(doc, &DocPath::root(), step.entered_key())?;
    delete_key(doc, &DocPath::root(), step.key())
}

/// Sets the lifecycle status.
pub fn set_status(doc: &mut AutoCommit, status: AccompanimentStatus) -> Result<(), DocError> {
    put_scalar(doc, &DocPath::root(), "status", status)
}

/// A scalar field of an accompaniment, with its new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccompanimentField {
    /// `appointment.kind`.
    Kind(AppointmentKind),
    /// `appointment.provider`.
    Provider(String),
    /// `appointment.scheduledAt`.
    ScheduledAt(Timestamp),
    /// `transport`.
    Transport(Transport),
    /// `noteId`: the progress note documenting this appointment.
    NoteId(String),
}

impl AccompanimentField {
    /// The map holding the field and its key there.
    fn location(&self) -> (DocPath, &'static str) {
        match self {
            AccompanimentField::Kind(_) => (DocPath::from(["appointment"]), "kind"),
            AccompanimentField::Provider(_) => (DocPath::from(["appointment"]), "provider"),
            AccompanimentField::ScheduledAt(_) => (DocPath::from(["appointment"]), "scheduledAt"),
            AccompanimentField::Transport(_) => (DocPath::root(), "transport"),
            AccompanimentField::NoteId(_) => (DocPath::root(), "noteId"),
        }
    }

    fn value(&self) -> ScalarValue {
        match self {
            AccompanimentField::Kind(k) => (*k).into(),
            AccompanimentField::Provider(s) | AccompanimentField::NoteId(s) => s.as_str().into(),
            AccompanimentField::ScheduledAt(t) => (*t).into(),
            AccompanimentField::Transport(t) => (*t).into(),
        }
    }
}

/// Sets one scalar field.
pub fn set_field(doc: &mut AutoCommit, field: AccompanimentField) -> Result<(), DocError> {
    let (parent, key) = field.location();
    put_scalar(doc, &parent, key, field.value())
}

fn follow_up_path(id: Uuid) -> DocPath {
    DocPath::from(["followUps"]).key(id.to_string())
}

/// Adds follow-up `id`. Returns its object id.
pub fn add_follow_up(
    doc: &mut AutoCommit,
    id: Uuid,
    follow_up: &FollowUp,
) -> Result<ObjId, DocError> {
    insert_entry(
        doc,
        &DocPath::from(["followUps"]),
        &id.to_string(),
        &follow_up.fresh(),
    )
}

/// Ticks follow-up `id` done at `at` by user `by`. Concurrent ticks
/// converge: `done` is true on every replica, and one `doneAt` and its
/// `doneBy` (set together, so they win together) win everywhere.
pub fn tick_follow_up(
    doc: &mut AutoCommit,
    id: Uuid,
    at: Timestamp,
    by: &str,
) -> Result<(), DocError> {
    let path = follow_up_path(id);
    let obj = map_at(doc, &path)?;
    doc.put(&obj, "done", true)?;
    doc.put(&obj, "doneAt", at)?;
    doc.put(&obj, "doneBy", by)?;
    Ok(())
}

/// Unticks follow-up `id`: `done = false`, `doneAt` and `doneBy` removed.
/// If this races a tick, they may survive; they mean something only while
/// `done`.
pub fn untick_follow_up(doc: &mut AutoCommit, id: Uuid) -> Result<(), DocError> {
    let path = follow_up_path(id);
    put_scalar(doc, &path, "done", false)?;
    delete_key(doc, &path, "doneAt")?;
    delete_key(doc, &path, "doneBy")?;
    Ok(())
}
