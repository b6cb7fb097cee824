//! Strict application of the changes carried by a sync message.
//!
//! `Automerge::load_incremental` accepts a partially valid input and keeps
//! what it could parse. A sync server must not: a message whose changes do
//! not all decode is refused whole and nothing of it is merged. Change chunks
//! are parsed (which verifies their checksums) before any is applied;
//! document and bundle chunks are loaded strictly on their own first.

use automerge::{AutoCommit, Change, ChangeHash, LoadOptions, OnPartialLoad, VerificationMode};

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
const CHUNK_TYPE_DOCUMENT: u8 = 0;
const CHUNK_TYPE_CHANGE: u8 = 1;
const CHUNK_TYPE_COMPRESSED_CHANGE: u8 = 2;

fn strict() -> LoadOptions<'static> {
    LoadOptions::new()
        .on_partial_load(OnPartialLoad::Error)
        .verification_mode(VerificationMode::Check)
}

/// Splits one entry of a sync message into its chunks. An entry is usually
/// one chunk, but a saved document is followed by any changes it could not
/// yet apply, so entries may hold several.
fn split_chunks(mut entry: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut chunks = Vec::new();
    while !entry.is_empty() {
        if entry.len() < 10 || entry[..4] != MAGIC {
            return Err("not an automerge chunk".into());
        }
        let (len, leb_bytes) = read_uleb(&entry[9..]).ok_or("bad chunk length")?;
        let total = usize::try_from(len)
            .ok()
            .and_then(|len| len.checked_add(9 + leb_bytes))
            .filter(|total| *total <= entry.len())
            .ok_or("chunk length exceeds the data")?;
        chunks.push(&entry[..total]);
        entry = &entry[total..];
    }
    Ok(chunks)
}

/// Reads an unsigned LEB128 number; returns it and how many bytes it took.
fn read_uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f).checked_shl(7 * u32::try_from(i).ok()?)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The heads a document chunk declares: after the chunk header come the
/// actor table and then the heads.
fn document_heads(chunk: &[u8]) -> Option<Vec<ChangeHash>> {
    let (_, header_len) = read_uleb(&chunk[9..])?;
    let mut at = 9 + header_len;
    let (actors, n) = read_uleb(chunk.get(at..)?)?;
    at += n;
    for _ in 0..actors {
        let (len, n) = read_uleb(chunk.get(at..)?)?;
        at = at.checked_add(n)?.checked_add(usize::try_from(len).ok()?)?;
    }
    let (count, n) = read_uleb(chunk.get(at..)?)?;
    at += n;
    let mut heads = Vec::new();
    for _ in 0..count {
        let bytes: [u8; 32] = chunk.get(at..at.checked_add(32)?)?.try_into().ok()?;
        heads.push(ChangeHash(bytes));
        at += 32;
    }
    Some(heads)
}

/// Applies every chunk to `doc`, refusing the message if any chunk is
/// invalid.
///
/// Change chunks are all parsed before anything is applied. A document chunk
/// (automerge sends a whole saved document when the peer lacks over a third
/// of it) is merged with `load_incremental`, which reconstructs its changes
/// without building a second document; it applies all of the chunk or
/// nothing, and success is confirmed by finding the heads the chunk declares.
/// Into an empty document, a document chunk is loaded strictly instead.
///
/// Returns the change chunks automerge holds back instead of applying
/// (their dependencies have not arrived, as when a peer's Bloom filter
/// wrongly says a change is present): they become part of the document
/// later, when a message brings what they depend on, and whoever persists
/// that message must persist these bytes too.
pub(crate) fn apply_chunks<'a>(
    doc: &mut AutoCommit,
    entries: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Result<Vec<(ChangeHash, &'a [u8])>, ApplyError> {
    let mut changes = Vec::with_capacity(entries.len());
    let mut received = Vec::with_capacity(entries.len());
    let mut documents = Vec::new();
    for (index, entry) in entries.enumerate() {
        let bad = |reason: String| ApplyError::BadChunk { index, reason };
        for chunk in split_chunks(entry).map_err(bad)? {
            match chunk[8] {
                CHUNK_TYPE_CHANGE | CHUNK_TYPE_COMPRESSED_CHANGE => {
                    let change =
                        Change::from_bytes(chunk.to_vec()).map_err(|e| bad(e.to_string()))?;
                    received.push((change.hash(), chunk));
                    changes.push(change);
                }
                CHUNK_TYPE_DOCUMENT => documents.push((index, chunk)),
                other => return Err(bad(format!("unexpected chunk type {other}"))),
            }
        }
    }
    for (index, chunk) in documents {
        let bad = |reason: String| ApplyError::BadChunk { index, reason };
        if doc.is_empty() {
            let actor = doc.get_actor().clone();
            let loaded =
                AutoCommit::load_with_options(chunk, strict()).map_err(|e| bad(e.to_string()))?;
            *doc = loaded.with_actor(actor);
            continue;
        }
        let heads = document_heads(chunk).ok_or_else(|| bad("malformed document header".into()))?;
        doc.load_incremental(chunk)
            .map_err(|e| bad(e.to_string()))?;
        if heads
            .iter()
            .any(|h| doc.get_change_meta_by_hash(h).is_none())
        {
            return Err(bad("document chunk does not load".into()));
        }
    }
    if !changes.is_empty() {
        doc.apply_changes(changes)
            .map_err(|e| ApplyError::Apply(e.to_string()))?;
    }
    received.retain(|(hash, _)| doc.get_change_meta_by_hash(hash).is_none());
    Ok(received)
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
        let result = apply_chunks(
            &mut target,
            [good.as_slice(), corrupt.as_slice()].into_iter(),
        );
        assert!(matches!(result, Err(ApplyError::BadChunk { index: 1, .. })));
        assert!(target.get_heads().is_empty(), "nothing was merged");
        let garbage = apply_chunks(&mut target, [&b"hello world"[..]].into_iter());
        assert!(matches!(
            garbage,
            Err(ApplyError::BadChunk { index: 0, .. })
        ));
        let mut truncated = good.clone();
        truncated.truncate(good.len() - 3);
        let short = apply_chunks(&mut target, [truncated.as_slice()].into_iter());
        assert!(matches!(short, Err(ApplyError::BadChunk { index: 0, .. })));
    }

    #[test]
    fn a_saved_document_followed_by_changes_applies() {
        let (source, change) = doc_with_change();
        let mut later = source.fork();
        let mut tx = later.transaction();
        let _ = tx.put(automerge::ROOT, "k2", "v2");
        tx.commit();
        let mut entry = source.save();
        entry.extend(later.save_after(&source.get_heads()));
        let mut target = AutoCommit::new();
        apply_chunks(&mut target, [entry.as_slice()].into_iter()).expect("both chunks apply");
        assert_eq!(target.get_heads(), later.get_heads());
        drop(change);
    }
}
