//! Stored pieces and documents, both ways: the rows a write appends (a
//! chunk and one row per change), a document rebuilt from its stored
//! pieces, pieces folded into one snapshot (compaction), and a document's
//! projection computed from its pieces.

use alongside_shared::sync::ChangeMeta;
use automerge::{AutoCommit, ChangeHash};

use crate::db::documents::{NewChange, NewChunk, StoredDocument};
use crate::projection::{self, Projection};

/// The rows for one persist effect.
pub fn chunk(
    document: uuid::Uuid,
    kind: Option<String>,
    data: Vec<u8>,
    changes: &[ChangeMeta],
    peer: Option<String>,
) -> NewChunk {
    NewChunk {
        document,
        kind,
        data,
        peer,
        changes: changes
            .iter()
            .map(|c| NewChange {
                hash: c.hash.0.to_vec(),
                actor: c.actor.to_bytes().to_vec(),
                seq: i64::try_from(c.seq).unwrap_or(i64::MAX),
                deps: c.deps.iter().flat_map(|d| d.0).collect(),
            })
            .collect(),
    }
}

/// Rebuilds a document from its stored pieces.
pub fn load(stored: &StoredDocument) -> Result<AutoCommit, automerge::AutomergeError> {
    rebuild(&stored.pieces)
}

fn rebuild(pieces: &[Vec<u8>]) -> Result<AutoCommit, automerge::AutomergeError> {
    let mut doc = AutoCommit::new();
    for piece in pieces {
        doc.load_incremental(piece)?;
    }
    Ok(doc)
}

/// Folds stored pieces into one saved document (for compaction).
pub fn fold(pieces: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    Ok(rebuild(pieces).map_err(|e| e.to_string())?.save())
}

/// Projects a document from its stored pieces: what a persist falls back
/// to when the writer's copy lacks another writer's changes.
pub fn project_stored(pieces: &[Vec<u8>]) -> Result<Projection, String> {
    Ok(projection::project(
        &rebuild(pieces).map_err(|e| e.to_string())?,
    ))
}

/// Heads as the store records them.
pub fn head_bytes(heads: &[ChangeHash]) -> Vec<[u8; 32]> {
    heads.iter().map(|h| h.0).collect()
}
