//! The in-memory copy of each held document, rebuilt from its chunks.

use alongside_shared::doc::DocKind;
use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValue, Value};
use rusqlite::Connection;

use super::crypt::{Cipher, Purpose};
use super::sql_err;
use crate::storage::StorageError;

/// One held document and what the store knows about it.
pub(super) struct Held {
    /// The document, with all of its history.
    pub doc: AutoCommit,
    /// Number of stored chunks (drives compaction).
    pub chunks: usize,
    /// Its kind, once its envelope is there.
    pub kind: Option<DocKind>,
}

/// The kind named by a document's `@type` (a string, or text as
/// JavaScript clients may write it).
pub(super) fn kind_of(doc: &AutoCommit) -> Option<DocKind> {
    let name = match doc.get(ROOT, "@type").ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            _ => return None,
        },
        (Value::Object(automerge::ObjType::Text), id) => doc.text(&id).ok()?,
        _ => return None,
    };
    DocKind::from_type_name(&name)
}

/// Decrypts and loads document `id` from its chunks.
pub(super) fn load(conn: &Connection, cipher: &Cipher, id: &str) -> Result<Held, StorageError> {
    open(cipher, id, &read_sealed(conn, id)?)
}

/// The sealed chunks of document `id`, in order.
pub(super) fn read_sealed(conn: &Connection, id: &str) -> Result<Vec<Vec<u8>>, StorageError> {
    let mut stmt = conn
        .prepare_cached("SELECT sealed FROM chunks WHERE document_id = ?1 ORDER BY seq")
        .map_err(sql_err)?;
    let rows = stmt.query_map([id], |r| r.get(0)).map_err(sql_err)?;
    rows.collect::<Result<_, _>>().map_err(sql_err)
}

/// Decrypts the sealed chunks of document `id` and loads the document (no
/// database needed: opening a store runs this on several threads).
pub(super) fn open(cipher: &Cipher, id: &str, sealed: &[Vec<u8>]) -> Result<Held, StorageError> {
    let mut bytes = Vec::new();
    for chunk in sealed {
        let plain = cipher
            .open(Purpose::Chunk(id), chunk)
            .ok_or_else(|| StorageError::Corrupt(format!("a chunk of {id} does not decrypt")))?;
        bytes.extend_from_slice(&plain);
    }
    let doc = if bytes.is_empty() {
        AutoCommit::new()
    } else {
        AutoCommit::load(&bytes)
            .map_err(|e| StorageError::Corrupt(format!("document {id} does not load: {e}")))?
    };
    let kind = kind_of(&doc);
    Ok(Held {
        doc,
        chunks: sealed.len(),
        kind,
    })
}
