//! Typed reads: a whole document, or one entry of a collection.
//!
//! Reading one note of a participant with thousands hydrates only that
//! note. These do not validate; run [`super::validate()`] first on untrusted
//! documents, or handle the [`DocError::Hydrate`] a mismatch produces.

use autosurgeon::Hydrate;
use uuid::Uuid;

use super::accompaniment::{Accompaniment, FollowUp};
use super::caseload::CaseloadIndex;
use super::edit::map_at;
use super::error::DocError;
use super::participant::{Goal, Note, Participant, Review};
use super::path::DocPath;

/// The whole participant record (reads every note: prefer [`read_note`]).
pub fn read_participant<D>(doc: &D) -> Result<Participant, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    Ok(autosurgeon::hydrate(doc)?)
}

/// The whole accompaniment log.
pub fn read_accompaniment<D>(doc: &D) -> Result<Accompaniment, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    Ok(autosurgeon::hydrate(doc)?)
}

/// The whole caseload index.
pub fn read_caseload_index<D>(doc: &D) -> Result<CaseloadIndex, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    Ok(autosurgeon::hydrate(doc)?)
}

fn read_entry<D, T>(doc: &D, collection: &str, id: Uuid) -> Result<T, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
    T: Hydrate,
{
    let key = id.to_string();
    let coll = map_at(doc, &DocPath::from([collection]))?;
    if automerge::ReadDoc::get(doc, &coll, key.as_str())?.is_none() {
        return Err(DocError::NotFound {
            path: DocPath::from([collection]).key(key),
        });
    }
    Ok(autosurgeon::hydrate_prop(doc, &coll, key.as_str())?)
}

/// Progress note `id`.
pub fn read_note<D>(doc: &D, id: Uuid) -> Result<Note, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    read_entry(doc, "notes", id)
}

/// Goal `id`.
pub fn read_goal<D>(doc: &D, id: Uuid) -> Result<Goal, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    read_entry(doc, "goals", id)
}

/// Review `id`.
pub fn read_review<D>(doc: &D, id: Uuid) -> Result<Review, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    read_entry(doc, "reviews", id)
}

/// Follow-up `id` of an accompaniment.
pub fn read_follow_up<D>(doc: &D, id: Uuid) -> Result<FollowUp, DocError>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    read_entry(doc, "followUps", id)
}
