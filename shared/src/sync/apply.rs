//! Strict application of the changes carried by a sync message.
//!
//! `Automerge::load_incremental` accepts a partially valid input and keeps
//! what it could parse. A sync server must not: a message whose changes do
//! not all decode is refused whole and nothing of it is merged. Change chunks
//! are parsed (which verifies their checksums) before any is applied;
//! document and bundle chunks are loaded strictly on their own first.

use automerge::{AutoCommit, Change, LoadOptions, OnPartialLoad, VerificationMode};

/// Why the changes of a sync message were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// A chunk could not be parsed.
    #[error("chunk {index} does not decode: {reason}")]
    BadChunk {
        /// Position of the chunk in the message.
        index: usize,
        /// What automerge said.
        reason: String,
    },
    /// The parsed changes could not be applied.
    #[error("changes could not be applied: {0}")]
    Apply(String),
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_TYPE_CHANGE: u8 = 1;
const CHUNK_TYPE_COMPRESSED_CHANGE: u8 = 2;

fn strict() -> LoadOptions<'static> {
    LoadOptions::new()
        .on_partial_load(OnPartialLoad::Error)
        .verification_mode(VerificationMode::Check)
}

/// Applies every chunk to `doc`, or nothing if any chunk is invalid.
pub(crate) fn apply_chunks<'a>(
    doc: &mut AutoCommit,
    chunks: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Result<(), ApplyError> {
    let mut changes = Vec::with_capacity(chunks.len());
    let mut documents = Vec::new();
    for (index, chunk) in chunks.enumerate() {
        let bad = |reason: String| ApplyError::BadChunk { index, reason };
        if chunk.len() < 9 || chunk[..4] != MAGIC {
            return Err(bad("not an automerge chunk".into()));
        }
        match chunk[8] {
            CHUNK_TYPE_CHANGE | CHUNK_TYPE_COMPRESSED_CHANGE => {
                changes.push(Change::from_bytes(chunk.to_vec()).map_err(|e| bad(e.to_string()))?);
            }
            _ => {
                documents.push(
                    AutoCommit::load_with_options(chunk, strict()).map_err(|e| bad(e.to_string()))?,
                );
            }
        }
    }
    for mut other in documents {
        if doc.is_empty() {
            let actor = doc.get_actor().clone();
            *doc = other.with_actor(actor);
        } else {
            doc.merge(&mut other)
                .map_err(|e| ApplyError::Apply(e.to_string()))?;
        }
    }
    if !changes.is_empty() {
        doc.apply_changes(changes)
            .map_err(|e| ApplyError::Apply(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{Automerge, transaction::Transactable};

    fn doc_with_change() -> (Automerge, Vec<u8>) {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let _ = tx.put(automerge::ROOT, "k", "v");
        tx.commit();
        let bytes = doc.save_after(&[]);
        (doc, bytes)
    }

    #[test]
    fn valid_change_and_document_chunks_apply() {
        let (source, change) = doc_with_change();
        let mut target = AutoCommit::new();
        apply_chunks(&mut target, [change.as_slice()].into_iter()).expect("change applies");
        assert_eq!(target.get_heads(), source.get_heads());

        let saved = source.save();
        let mut fresh = AutoCommit::new();
        apply_chunks(&mut fresh, [saved.as_slice()].into_iter()).expect("document applies");
        assert_eq!(fresh.get_heads(), source.get_heads());
    }

    #[test]
    fn a_corrupt_chunk_refuses_the_whole_message() {
        let (_, good) = doc_with_change();
        let mut other = Automerge::new();
        let mut tx = other.transaction();
        let _ = tx.put(automerge::ROOT, "x", 1);
        tx.commit();
        let mut corrupt = other.save_after(&[]);
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        let mut target = AutoCommit::new();
        let result = apply_chunks(&mut target, [good.as_slice(), corrupt.as_slice()].into_iter());
        assert!(matches!(result, Err(ApplyError::BadChunk { index: 1, .. })));
        assert!(target.get_heads().is_empty(), "nothing was merged");
        let garbage = apply_chunks(&mut target, [&b"hello world"[..]].into_iter());
        assert!(matches!(garbage, Err(ApplyError::BadChunk { index: 0, .. })));
    }
}
