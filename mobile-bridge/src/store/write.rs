//! Writing documents: local creation and edits, chunks from the server,
//! and compaction. Each is one SQLite transaction.
//!
//! The in-memory copy changes first (that is where Automerge computes the
//! new chunk) and the chunk is then committed; if the commit fails, the
//! in-memory copy is rebuilt from what is stored, so memory never claims
//! more than the disk has.

use alongside_shared::doc::DocKind;
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use rusqlite::{Connection, TransactionBehavior, params};

use super::crypt::{Cipher, Purpose};
use super::held::{self, Held};
use super::{SqliteStore, sql_err};
use crate::storage::StorageError;

/// Why a local edit did not happen. Nothing was stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum EditError<E> {
    /// The edit itself refused (invalid input, unknown note, ...).
    #[error(transparent)]
    Rejected(E),
    /// No such document is held.
    #[error("document {0} is not held on this device")]
    NotHeld(DocumentId),
    /// A document with this id is already held.
    #[error("document {0} already exists")]
    AlreadyHeld(DocumentId),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Everything a chunk write needs to know.
struct ChunkWrite<'a> {
    id: &'a str,
    kind: Option<DocKind>,
    data: &'a [u8],
    /// Local changes the chunk adds (0 for chunks from the server).
    local_changes: usize,
    now: i64,
}

impl SqliteStore {
    /// Creates document `id` of `kind` by running `build` on an empty
    /// document, and stores it in one transaction (marked pending).
    pub fn create<R, E>(
        &mut self,
        id: DocumentId,
        build: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, EditError<E>> {
        if self.docs.contains_key(&id) {
            return Err(EditError::AlreadyHeld(id));
        }
        let mut doc = AutoCommit::new();
        if let Some(actor) = &self.actor {
            doc.set_actor(actor.clone());
        }
        let out = build(&mut doc).map_err(EditError::Rejected)?;
        doc.commit();
        let data = doc.save();
        let kind = held::kind_of(&doc);
        let changes = doc.get_changes(&[]).len();
        let text = id.to_string();
        write_chunk(
            &mut self.conn,
            &self.cipher,
            ChunkWrite {
                id: &text,
                kind,
                data: &data,
                local_changes: changes,
                now: self.clock.now_ms(),
            },
        )?;
        self.docs.insert(
            id,
            Held {
                doc,
                chunks: 1,
                kind,
            },
        );
        self.touched.insert(id);
        Ok(out)
    }

    /// Runs `change` on held document `id` and stores what it changed in
    /// one transaction, marking the document pending. A refused edit (an
    /// `Err` from `change`) leaves the document as it was.
    pub fn edit<R, E>(
        &mut self,
        id: &DocumentId,
        change: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, EditError<E>> {
        let actor = self.actor.clone();
        let held = self.docs.get_mut(id).ok_or(EditError::NotHeld(*id))?;
        if let Some(actor) = actor {
            held.doc.set_actor(actor);
        }
        let before = held.doc.get_heads();
        let out = match change(&mut held.doc) {
            Ok(out) => out,
            Err(e) => {
                held.doc.rollback();
                if held.doc.get_heads() != before {
                    self.reload(id)?;
                }
                return Err(EditError::Rejected(e));
            }
        };
        held.doc.commit();
        if held.doc.get_heads() == before {
            return Ok(out);
        }
        let data = held.doc.save_after(&before);
        let changes = held.doc.get_changes(&before).len();
        let kind = held.kind.or_else(|| held::kind_of(&held.doc));
        held.kind = kind;
        let text = id.to_string();
        let written = write_chunk(
            &mut self.conn,
            &self.cipher,
            ChunkWrite {
                id: &text,
                kind,
                data: &data,
                local_changes: changes,
                now: self.clock.now_ms(),
            },
        );
        if let Err(e) = written {
            self.reload(id)?;
            return Err(e.into());
        }
        held.chunks += 1;
        self.touched.insert(*id);
        self.maybe_compact(id);
        Ok(out)
    }

    /// Adds changes received from the server to `id` (creating it) in one
    /// transaction. They are loaded first; what is stored is Automerge's
    /// own encoding of the changes that were new, so a stored chunk always
    /// loads. Bytes that add nothing (already held, or not Automerge)
    /// store nothing.
    pub(super) fn append_chunk(
        &mut self,
        id: &DocumentId,
        bytes: &[u8],
    ) -> Result<(), StorageError> {
        let is_new = !self.docs.contains_key(id);
        let held = self.docs.entry(*id).or_insert_with(|| Held {
            doc: AutoCommit::new(),
            chunks: 0,
            kind: None,
        });
        let before = held.doc.get_heads();
        if let Err(e) = held.doc.load_incremental(bytes) {
            self.reload(id)?;
            return Err(StorageError::Corrupt(format!(
                "changes for {id} do not load: {e}"
            )));
        }
        if held.doc.get_heads() == before {
            if is_new {
                self.docs.remove(id);
            }
            return Ok(());
        }
        held.kind = held.kind.or_else(|| held::kind_of(&held.doc));
        let data = held.doc.save_after(&before);
        let kind = held.kind;
        let text = id.to_string();
        let written = write_chunk(
            &mut self.conn,
            &self.cipher,
            ChunkWrite {
                id: &text,
                kind,
                data: &data,
                local_changes: 0,
                now: self.clock.now_ms(),
            },
        );
        if let Err(e) = written {
            self.reload(id)?;
            return Err(e);
        }
        held.chunks += 1;
        self.maybe_compact(id);
        Ok(())
    }

    /// Folds every chunk of `id` into one sealed snapshot, in one
    /// transaction. Returns whether it compacted.
    pub fn compact(&mut self, id: &DocumentId) -> Result<bool, StorageError> {
        let Some(held) = self.docs.get_mut(id) else {
            return Ok(false);
        };
        if held.chunks < 2 {
            return Ok(false);
        }
        let text = id.to_string();
        let sealed = self.cipher.seal(Purpose::Chunk(&text), &held.doc.save())?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        tx.execute("DELETE FROM chunks WHERE document_id = ?1", [&text])
            .map_err(sql_err)?;
        tx.execute(
            "INSERT INTO chunks (document_id, snapshot, sealed) VALUES (?1, 1, ?2)",
            params![text, sealed],
        )
        .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        held.chunks = 1;
        Ok(true)
    }

    /// Compacts `id` if it has reached the threshold. A failure is not the
    /// edit's failure (that already committed); it is retried next time.
    fn maybe_compact(&mut self, id: &DocumentId) {
        if self.chunk_count(id) >= self.compact_after {
            let _ = self.compact(id);
        }
    }

    /// Rebuilds the in-memory copy of `id` from the stored chunks (or
    /// forgets it if nothing is stored).
    pub(super) fn reload(&mut self, id: &DocumentId) -> Result<(), StorageError> {
        let text = id.to_string();
        let stored: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1)",
                [&text],
                |r| r.get(0),
            )
            .map_err(sql_err)?;
        if stored {
            let mut fresh = held::load(&self.conn, &self.cipher, &text)?;
            if let Some(actor) = &self.actor {
                fresh.doc.set_actor(actor.clone());
            }
            self.docs.insert(*id, fresh);
        } else {
            self.docs.remove(id);
        }
        Ok(())
    }

    /// Heads of held document `id` (empty if not held).
    pub fn heads(&mut self, id: &DocumentId) -> Vec<ChangeHash> {
        self.docs
            .get_mut(id)
            .map(|h| h.doc.get_heads())
            .unwrap_or_default()
    }
}

/// One transaction: the documents row, the sealed chunk, the pending mark.
fn write_chunk(
    conn: &mut Connection,
    cipher: &Cipher,
    w: ChunkWrite<'_>,
) -> Result<(), StorageError> {
    let sealed = cipher.seal(Purpose::Chunk(w.id), w.data)?;
    let kind = w.kind.map(DocKind::type_name);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err)?;
    tx.execute(
        "INSERT INTO documents (id, kind, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET
             kind = coalesce(documents.kind, excluded.kind),
             updated_at = excluded.updated_at",
        params![w.id, kind, w.now],
    )
    .map_err(sql_err)?;
    tx.execute(
        "INSERT INTO chunks (document_id, sealed) VALUES (?1, ?2)",
        params![w.id, sealed],
    )
    .map_err(sql_err)?;
    if w.local_changes > 0 {
        let n = i64::try_from(w.local_changes).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO pending (document_id, changes, since) VALUES (?1, ?2, ?3)
             ON CONFLICT (document_id) DO UPDATE SET changes = pending.changes + excluded.changes",
            params![w.id, n, w.now],
        )
        .map_err(sql_err)?;
    }
    tx.commit().map_err(sql_err)
}
