//! Conversions between the hub's storage effects and the database's rows.

use alongside_shared::sync::ChangeMeta;
use automerge::AutoCommit;

use crate::db::documents::{NewChange, NewChunk, StoredDocument};

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
    let mut doc = AutoCommit::new();
    for piece in &stored.pieces {
        doc.load_incremental(piece)?;
    }
    Ok(doc)
}

/// Folds stored pieces into one saved document (for compaction).
pub fn fold(pieces: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut doc = AutoCommit::new();
    for piece in pieces {
        doc.load_incremental(piece).map_err(|e| e.to_string())?;
    }
    Ok(doc.save())
}
