//! Targeted, merge-friendly edits of the domain documents.
//!
//! Every helper changes only the objects it is about — it never hydrates
//! and reconciles a whole document, so adding the 1,000th note costs the
//! same as adding the first, and concurrent edits elsewhere are untouched.
//! Helpers take `&mut automerge::AutoCommit`; ids (`uuid::Uuid`) and
//! timestamps are passed in, nothing here reads a clock or a random source.
//!
//! How intent survives concurrency:
//! - new entries go under a caller-chosen UUID key, so concurrent creation
//!   on several devices never collides;
//! - text is edited by diff ([`text::replace_text`]) or by splice
//!   ([`text::splice_text`]), never overwritten, so concurrent typing merges
//!   by character;
//! - optional text fields (a note's `participantComment`, a profile's
//!   `preferredName`) are created empty with their parent, so two devices
//!   that start typing into them edit the same Text object instead of
//!   racing to create two (one of which would lose);
//! - a signature is written as a fresh map, so two concurrent signatures
//!   resolve to one whole signature, never a mixture.
//!
//! Malformed documents produce a [`DocError`], never a panic.

pub mod accompaniment;
pub mod caseload;
mod fresh;
pub mod locate;
pub mod participant;
pub mod text;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::Reconcile;

use super::error::DocError;
use super::path::{DocPath, PathSeg};
use super::validate::kind_of;

pub use locate::{AccompanimentText, NarrativePart, ParticipantText};

/// The map at `path`, which must exist and be a map all the way down.
pub(crate) fn map_at<D: ReadDoc>(doc: &D, path: &DocPath) -> Result<ObjId, DocError> {
    let mut obj = ROOT;
    let mut here = DocPath::root();
    for seg in path.segments() {
        here.push(seg.clone());
        let PathSeg::Key(key) = seg else {
            return Err(DocError::NotFound { path: here });
        };
        obj = match doc.get(&obj, key.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            Some((value, _)) => {
                return Err(DocError::WrongType {
                    path: here,
                    expected: "map",
                    found: kind_of(&value),
                });
            }
            None => return Err(DocError::NotFound { path: here }),
        };
    }
    Ok(obj)
}

/// Puts a scalar under `key` of the map at `parent`.
pub(crate) fn put_scalar(
    doc: &mut AutoCommit,
    parent: &DocPath,
    key: &str,
    value: impl Into<ScalarValue>,
) -> Result<(), DocError> {
    let obj = map_at(doc, parent)?;
    doc.put(&obj, key, value)?;
    Ok(())
}

/// Deletes `key` of the map at `parent`; true if it was there.
pub(crate) fn delete_key(
    doc: &mut AutoCommit,
    parent: &DocPath,
    key: &str,
) -> Result<bool, DocError> {
    let obj = map_at(doc, parent)?;
    if doc.get(&obj, key)?.is_none() {
        return Ok(false);
    }
    doc.delete(&obj, key)?;
    Ok(true)
}

/// Writes `value` as a new entry `key` of the collection map at
/// `collection`; the key must be fresh. Returns the new entry's object id.
pub(crate) fn insert_entry<V: Reconcile>(
    doc: &mut AutoCommit,
    collection: &DocPath,
    key: &str,
    value: &V,
) -> Result<ObjId, DocError> {
    let coll = map_at(doc, collection)?;
    let path = collection.clone().key(key);
    if doc.get(&coll, key)?.is_some() {
        return Err(DocError::AlreadyExists { path });
    }
    autosurgeon::reconcile_prop(doc, &coll, key, value)?;
    match doc.get(&coll, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::NotFound { path }),
    }
}

/// Fails with [`DocError::NotEmpty`] unless the document root has no keys.
pub(crate) fn require_empty(doc: &AutoCommit) -> Result<(), DocError> {
    if doc.length(ROOT) == 0 {
        Ok(())
    } else {
        Err(DocError::NotEmpty)
    }
}
