//! What the server has: acknowledged heads, the pending marks they clear,
//! purges, and the status summary the app and CLI show.
//!
//! A document is pending while it has changes the server's acknowledged
//! heads do not cover. Local edits add to the mark in their own
//! transaction; recording new server heads recomputes it exactly from the
//! document's history.

use alongside_shared::doc::DocKind;
use alongside_shared::wire::DocumentId;
use automerge::ChangeHash;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{SqliteStore, sql_err};
use crate::storage::StorageError;

/// Sync state of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentStatus {
    /// Document id (bs58check).
    pub id: String,
    /// Its kind's type name, if known.
    pub kind: Option<String>,
    /// Local changes the server has not acknowledged.
    pub pending_changes: u64,
}

/// What the device holds and what is still to sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    /// Documents held.
    pub documents: usize,
    /// Documents with changes the server has not acknowledged.
    pub pending: Vec<DocumentStatus>,
    /// Total unacknowledged changes.
    pub pending_changes: u64,
    /// When the last sync completed (ms), if ever.
    pub last_sync_at: Option<i64>,
}

impl SqliteStore {
    /// The heads the server last acknowledged for `id`.
    pub(super) fn stored_server_heads(
        &self,
        id: &DocumentId,
    ) -> Result<Vec<ChangeHash>, StorageError> {
        let blob: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT heads FROM server_heads WHERE document_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)?;
        let Some(blob) = blob else {
            return Ok(Vec::new());
        };
        if blob.len() % 32 != 0 {
            return Err(StorageError::Corrupt(format!(
                "server heads of {id} are damaged"
            )));
        }
        blob.chunks_exact(32)
            .map(|c| {
                ChangeHash::try_from(c)
                    .map_err(|_| StorageError::Corrupt(format!("server heads of {id} are damaged")))
            })
            .collect()
    }

    /// Records the server's heads for `id` and recomputes its pending mark,
    /// in one transaction.
    pub(super) fn record_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), StorageError> {
        let Some(held) = self.docs.get_mut(id) else {
            return Err(StorageError::Io(format!("document {id} is not held")));
        };
        let known: Vec<ChangeHash> = heads
            .iter()
            .filter(|h| held.doc.get_change_by_hash(h).is_some())
            .copied()
            .collect();
        let mine = held.doc.get_heads();
        let uncovered = if known.len() == mine.len() && mine.iter().all(|h| known.contains(h)) {
            0
        } else {
            held.doc.get_changes(&known).len()
        };
        let blob: Vec<u8> = heads.iter().flat_map(|h| h.0).collect();
        let text = id.to_string();
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        tx.execute(
            "INSERT INTO server_heads (document_id, heads, acked_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (document_id) DO UPDATE SET heads = excluded.heads, acked_at = excluded.acked_at",
            params![text, blob, now],
        )
        .map_err(sql_err)?;
        if uncovered == 0 {
            tx.execute("DELETE FROM pending WHERE document_id = ?1", [&text])
                .map_err(sql_err)?;
        } else {
            let n = i64::try_from(uncovered).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO pending (document_id, changes, since) VALUES (?1, ?2, ?3)
                 ON CONFLICT (document_id) DO UPDATE SET changes = excluded.changes",
                params![text, n, now],
            )
            .map_err(sql_err)?;
        }
        tx.commit().map_err(sql_err)
    }

    /// Deletes `id` and everything about it, in one transaction.
    pub(super) fn purge_document(&mut self, id: &DocumentId) -> Result<(), StorageError> {
        let text = id.to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        for table in ["chunks", "server_heads", "pending"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE document_id = ?1"),
                [&text],
            )
            .map_err(sql_err)?;
        }
        tx.execute("DELETE FROM documents WHERE id = ?1", [&text])
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        self.docs.remove(id);
        Ok(())
    }

    /// Documents with unacknowledged local changes, in id order.
    pub fn pending(&self) -> Result<Vec<DocumentStatus>, StorageError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.document_id, d.kind, p.changes FROM pending p
                 JOIN documents d ON d.id = p.document_id ORDER BY p.document_id",
            )
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DocumentStatus {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    pending_changes: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                })
            })
            .map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)
    }

    /// Whether `id` has unacknowledged local changes.
    pub fn is_pending(&self, id: &DocumentId) -> Result<bool, StorageError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM pending WHERE document_id = ?1)",
                [id.to_string()],
                |r| r.get(0),
            )
            .map_err(sql_err)
    }

    /// The summary `status` shows.
    pub fn status(&self) -> Result<StoreStatus, StorageError> {
        let pending = self.pending()?;
        Ok(StoreStatus {
            documents: self.docs.len(),
            pending_changes: pending.iter().map(|d| d.pending_changes).sum(),
            pending,
            last_sync_at: self.last_sync_at()?,
        })
    }

    /// Number of held documents of each kind (participants, accompaniments).
    pub fn count_of_kind(&self, kind: DocKind) -> usize {
        self.docs.values().filter(|h| h.kind == Some(kind)).count()
    }
}
