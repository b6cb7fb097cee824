//! Edits of an `alongside/caseload-index` document (server side only:
//! devices treat the index as read-only).
//!
//! Entries are keyed by document id (bs58check), must be non-empty, and are
//! written whole; every change also stamps `updatedAt`.

use automerge::AutoCommit;

use super::{delete_key, map_at, put_scalar, require_empty};
use crate::doc::caseload::{
    CaseloadAccompaniment, CaseloadIndex, CaseloadParticipant, PurgedDocument,
};
use crate::doc::error::DocError;
use crate::doc::path::DocPath;
use crate::doc::timestamp::Timestamp;

/// Writes a new, empty index for `user_id` into an empty document.
pub fn create_caseload_index(
    doc: &mut AutoCommit,
    user_id: &str,
    at: Timestamp,
) -> Result<(), DocError> {
    require_empty(doc)?;
    autosurgeon::reconcile(doc, CaseloadIndex::new(user_id, at))?;
    Ok(())
}

fn put_entry<V: autosurgeon::Reconcile>(
    doc: &mut AutoCommit,
    collection: &str,
    doc_id: &str,
    entry: &V,
    at: Timestamp,
) -> Result<(), DocError> {
    let path = DocPath::from([collection]);
    if doc_id.is_empty() {
        return Err(DocError::InvalidKey {
            path: path.key(doc_id),
        });
    }
    let coll = map_at(doc, &path)?;
    autosurgeon::reconcile_prop(doc, &coll, doc_id, entry)?;
    put_scalar(doc, &DocPath::root(), "updatedAt", at)
}

fn remove_entry(
    doc: &mut AutoCommit,
    collection: &str,
    doc_id: &str,
    at: Timestamp,
) -> Result<bool, DocError> {
    let removed = delete_key(doc, &DocPath::from([collection]), doc_id)?;
    if removed {
        put_scalar(doc, &DocPath::root(), "updatedAt", at)?;
    }
    Ok(removed)
}

/// Adds or updates participant document `doc_id` in the index (and takes
/// it off the purge list, for a participant assigned back).
pub fn put_participant(
    doc: &mut AutoCommit,
    doc_id: &str,
    entry: &CaseloadParticipant,
    at: Timestamp,
) -> Result<(), DocError> {
    delete_key(doc, &DocPath::from(["purge"]), doc_id)?;
    put_entry(doc, "participants", doc_id, entry, at)
}

/// Tells the user's devices to delete document `doc_id`: removes it from
/// the participants or accompaniments and lists it under `purge`.
pub fn purge(
    doc: &mut AutoCommit,
    doc_id: &str,
    reason: &str,
    at: Timestamp,
) -> Result<(), DocError> {
    delete_key(doc, &DocPath::from(["participants"]), doc_id)?;
    delete_key(doc, &DocPath::from(["accompaniments"]), doc_id)?;
    let entry = PurgedDocument {
        purged_at: at,
        reason: reason.to_owned(),
    };
    put_entry(doc, "purge", doc_id, &entry, at)
}

/// Removes participant document `doc_id`; true if it was listed.
pub fn remove_participant(
    doc: &mut AutoCommit,
    doc_id: &str,
    at: Timestamp,
) -> Result<bool, DocError> {
    remove_entry(doc, "participants", doc_id, at)
}

/// Adds or updates accompaniment document `doc_id` in the index.
pub fn put_accompaniment(
    doc: &mut AutoCommit,
    doc_id: &str,
    entry: &CaseloadAccompaniment,
    at: Timestamp,
) -> Result<(), DocError> {
    delete_key(doc, &DocPath::from(["purge"]), doc_id)?;
    put_entry(doc, "accompaniments", doc_id, entry, at)
}

/// Removes accompaniment document `doc_id`; true if it was listed.
pub fn remove_accompaniment(
    doc: &mut AutoCommit,
    doc_id: &str,
    at: Timestamp,
) -> Result<bool, DocError> {
    remove_entry(doc, "accompaniments", doc_id, at)
}
