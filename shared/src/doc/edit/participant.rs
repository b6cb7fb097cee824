//! Edits of an `alongside/participant` document: create it, add goals,
//! notes and reviews, set note and goal fields, submit (sign) a note.
//!
//! Each helper touches only the entry it is about. Text fields are edited
//! with [`super::text`] and [`super::ParticipantText`].

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue};
use uuid::Uuid;

use super::fresh::Fresh;
use super::{delete_key, insert_entry, map_at, put_scalar, require_empty};
use crate::doc::date::CalendarDate;
use crate::doc::error::DocError;
use crate::doc::participant::{Goal, Note, Participant, Profile, Review};
use crate::doc::path::DocPath;
use crate::doc::timestamp::Timestamp;
use crate::doc::vocab::{GoalStatus, NoteStatus, Setting};

fn entry_path(collection: &str, id: Uuid) -> DocPath {
    DocPath::from([collection]).key(id.to_string())
}

/// Writes a new participant record into an empty document: the envelope,
/// `profile` and empty `goals`, `notes`, `reviews`. An absent
/// `preferred_name` is created as empty text (see [`super`]).
pub fn create_participant(doc: &mut AutoCommit, profile: &Profile) -> Result<(), DocError> {
    require_empty(doc)?;
    autosurgeon::reconcile(doc, Participant::new(profile.fresh()))?;
    Ok(())
}

/// Adds goal `id`. Returns the goal's object id.
pub fn add_goal(doc: &mut AutoCommit, id: Uuid, goal: &Goal) -> Result<ObjId, DocError> {
    insert_entry(
        doc,
        &DocPath::from(["goals"]),
        &id.to_string(),
        &goal.fresh(),
    )
}

/// Sets the status of goal `id`.
pub fn set_goal_status(doc: &mut AutoCommit, id: Uuid, status: GoalStatus) -> Result<(), DocError> {
    put_scalar(doc, &entry_path("goals", id), "status", status)
}

/// Adds progress note `id`. An absent `participant_comment` is created as
/// empty text so that later comments from any device land in one object.
/// Returns the note's object id.
pub fn add_note(doc: &mut AutoCommit, id: Uuid, note: &Note) -> Result<ObjId, DocError> {
    insert_entry(
        doc,
        &DocPath::from(["notes"]),
        &id.to_string(),
        &note.fresh(),
    )
}

/// A scalar field of a progress note, with its new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteField {
    /// `serviceDate`.
    ServiceDate(CalendarDate),
    /// `encounterAt`.
    EncounterAt(Timestamp),
    /// `encounterEndAt`.
    EncounterEndAt(Timestamp),
    /// `setting`: from the vocabulary, so a write that sets it always
    /// obeys the rule (older free text is only ever read).
    Setting(Setting),
    /// `serviceCode`.
    ServiceCode(String),
    /// `status` (use [`submit_note`] to submit with a signature).
    Status(NoteStatus),
    /// `authorName`.
    AuthorName(String),
    /// `credentials`.
    Credentials(String),
    /// `part2`.
    Part2(bool),
    /// `accompanimentId`.
    AccompanimentId(String),
    /// `updatedAt`.
    UpdatedAt(Timestamp),
}

impl NoteField {
    /// The key of this field in the note map.
    pub const fn key(&self) -> &'static str {
        match self {
            NoteField::ServiceDate(_) => "serviceDate",
            NoteField::EncounterAt(_) => "encounterAt",
            NoteField::EncounterEndAt(_) => "encounterEndAt",
            NoteField::Setting(_) => "setting",
            NoteField::ServiceCode(_) => "serviceCode",
            NoteField::Status(_) => "status",
            NoteField::AuthorName(_) => "authorName",
            NoteField::Credentials(_) => "credentials",
            NoteField::Part2(_) => "part2",
            NoteField::AccompanimentId(_) => "accompanimentId",
            NoteField::UpdatedAt(_) => "updatedAt",
        }
    }

    fn value(&self) -> ScalarValue {
        match self {
            NoteField::ServiceDate(d) => d.into(),
            NoteField::EncounterAt(t) | NoteField::EncounterEndAt(t) | NoteField::UpdatedAt(t) => {
                (*t).into()
            }
            NoteField::Setting(s) => (*s).into(),
            NoteField::ServiceCode(s)
            | NoteField::AuthorName(s)
            | NoteField::Credentials(s)
            | NoteField::AccompanimentId(s) => s.as_str().into(),
            NoteField::Status(s) => (*s).into(),
            NoteField::Part2(b) => (*b).into(),
        }
    }
}

/// Sets one scalar field of note `id`.
pub fn set_note_field(doc: &mut AutoCommit, id: Uuid, field: NoteField) -> Result<(), DocError> {
    put_scalar(doc, &entry_path("notes", id), field.key(), field.value())
}

/// Links note `note` to goal `goal` (`goalIds.<goal> = true`). The goal
/// must exist.
pub fn link_goal(doc: &mut AutoCommit, note: Uuid, goal: Uuid) -> Result<(), DocError> {
    map_at(doc, &entry_path("goals", goal))?;
    put_scalar(
        doc,
        &entry_path("notes", note).key("goalIds"),
        &goal.to_string(),
        true,
    )
}

/// Removes the link from note `note` to goal `goal`; true if it was linked.
pub fn unlink_goal(doc: &mut AutoCommit, note: Uuid, goal: Uuid) -> Result<bool, DocError> {
    delete_key(
        doc,
        &entry_path("notes", note).key("goalIds"),
        &goal.to_string(),
    )
}

/// Who signs a note, when, and over which document heads.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// User id of the signer.
    pub by: &'a str,
    /// When.
    pub at: Timestamp,
    /// The heads the signer saw, usually `doc.get_heads()` just before.
    pub heads: &'a [ChangeHash],
}

/// Submits note `id`: `status = "submitted"`, `submittedAt` and a new
/// `signature` map (a whole new object, so concurrent signatures never mix).
pub fn submit_note(doc: &mut AutoCommit, id: Uuid, signing: Signing<'_>) -> Result<(), DocError> {
    let note = map_at(doc, &entry_path("notes", id))?;
    doc.put(&note, "status", NoteStatus::Submitted)?;
    doc.put(&note, "submittedAt", signing.at)?;
    let sig = doc.put_object(&note, "signature", ObjType::Map)?;
    doc.put(&sig, "by", signing.by)?;
    doc.put(&sig, "at", signing.at)?;
    put_heads(doc, &sig, signing.heads)?;
    Ok(())
}

/// Writes `heads` as a new list of hex strings under `obj.heads`.
fn put_heads(doc: &mut AutoCommit, obj: &ObjId, heads: &[ChangeHash]) -> Result<(), DocError> {
    let list = doc.put_object(obj, "heads", ObjType::List)?;
    for (i, head) in heads.iter().enumerate() {
        doc.insert(&list, i, head.to_string())?;
    }
    Ok(())
}

/// Adds review `id` of the note `review.note_id`, which must exist.
/// Returns the review's object id.
pub fn add_review(doc: &mut AutoCommit, id: Uuid, review: &Review) -> Result<ObjId, DocError> {
    map_at(doc, &entry_path("notes", review.note_id))?;
    insert_entry(
        doc,
        &DocPath::from(["reviews"]),
        &id.to_string(),
        &review.fresh(),
    )
}

/// The ids of the notes in the document, without reading the notes (keys
/// that are not UUIDs are skipped).
pub fn note_ids<D: ReadDoc>(doc: &D) -> Result<Vec<Uuid>, DocError> {
    let notes = map_at(doc, &DocPath::from(["notes"]))?;
    Ok(doc
        .keys(&notes)
        .filter_map(|k| Uuid::parse_str(&k).ok())
        .collect())
}
