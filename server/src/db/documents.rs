//! Documents as stored: a compacted snapshot, the chunks received since, and
//! one row per change (hash, actor, seq, deps, which peer sent it, when).
//!
//! A persist appends, in one transaction, the chunks of one or more merges
//! and their change rows, and notifies the other server nodes; compaction
//! folds a document's chunks into its snapshot without losing history.

use std::collections::HashSet;

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::rows::Projection;
use super::{Db, DbError};

/// The channel on which commits are announced to other server nodes.
pub const CHANNEL: &str = "alongside_documents";

/// One change as the store records it.
#[derive(Debug, Clone)]
pub struct NewChange {
    /// The change hash (32 bytes).
    pub hash: Vec<u8>,
    /// The authoring actor.
    pub actor: Vec<u8>,
    /// The actor's sequence number.
    pub seq: i64,
    /// The dependencies' hashes, concatenated.
    pub deps: Vec<u8>,
}

/// What one merge adds to a document.
#[derive(Debug, Clone)]
pub struct NewChunk {
    /// The document.
    pub document: Uuid,
    /// Its `@type`, when known.
    pub kind: Option<String>,
    /// Automerge chunk bytes.
    pub data: Vec<u8>,
    /// The peer (connection) that sent it; `None` for server-side edits.
    pub peer: Option<String>,
    /// The changes it made part of the document.
    pub changes: Vec<NewChange>,
}

/// The projection a writer computed, and what to do when it is stale.
#[derive(Clone, Copy)]
pub struct Projected<'a> {
    /// The document's rows as the writer's copy has them after the write.
    pub rows: &'a Projection,
    /// The heads of that copy (32-byte hashes).
    pub heads: &'a [[u8; 32]],
    /// Projects the stored pieces (snapshot, then chunks) instead, when
    /// another writer's changes are stored that the copy lacks. The caller
    /// owns Automerge, as with [`Db::compact`]'s fold.
    pub from_stored: fn(&[Vec<u8>]) -> Result<Projection, String>,
}

/// What a persist committed.
#[derive(Debug, Clone)]
pub struct Committed {
    /// Ids of the chunks written, in order.
    pub chunks: Vec<i64>,
    /// Id of the last chunk written.
    pub last_chunk: i64,
    /// Chunks the document now has beyond its snapshot.
    pub pending_chunks: i64,
    /// The writer's projection was stale and the stored document was
    /// projected instead.
    pub reprojected: bool,
}

/// The stored heads after adding `added` (hash, concatenated deps) to a
/// causally closed set whose heads were `heads`: a new change is a head
/// until a change depending on it is stored.
fn advance_heads(heads: Vec<Vec<u8>>, added: &[(Vec<u8>, Vec<u8>)]) -> Vec<Vec<u8>> {
    let covered: HashSet<&[u8]> = added.iter().flat_map(|(_, deps)| deps.chunks(32)).collect();
    let mut next: Vec<Vec<u8>> = heads
        .into_iter()
        .chain(added.iter().map(|(hash, _)| hash.clone()))
        .filter(|hash| !covered.contains(hash.as_slice()))
        .collect();
    next.sort();
    next.dedup();
    next
}

/// A document as stored: snapshot first (if any), then chunks in order.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// The pieces to load, in order.
    pub pieces: Vec<Vec<u8>>,
    /// The last chunk the pieces cover (folded into the snapshot or read):
    /// where a reader continues with [`Db::stored_since`].
    pub through: i64,
}

/// A document's snapshot (if any) and chunks, in load order, as `tx` sees
/// them.
async fn pieces_in(
    tx: &mut Transaction<'static, Postgres>,
    document: Uuid,
) -> Result<Vec<Vec<u8>>, DbError> {
    let snapshot: Option<(Option<Vec<u8>>,)> =
        sqlx::query_as("SELECT snapshot FROM documents WHERE id = $1")
            .bind(document)
            .fetch_optional(&mut **tx)
            .await?;
    let chunks: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT data FROM document_chunks WHERE document_id = $1 ORDER BY id")
            .bind(document)
            .fetch_all(&mut **tx)
            .await?;
    Ok(snapshot
        .and_then(|(s,)| s)
        .into_iter()
        .chain(chunks.into_iter().map(|(d,)| d))
        .collect())
}

impl Db {
    /// Appends the chunks of one document in one transaction and announces
    /// the commit on [`CHANNEL`] as `node:document:chunk`.
    /// `projection` is the document's projection after these chunks; it
    /// replaces the document's rows in the same transaction. The stored
    /// heads are advanced under the document's row lock; when they are not
    /// the heads the projection was computed from (another writer's changes
    /// are stored that the writer's copy lacks), the stored document is
    /// projected instead, so the rows always show every stored change.
    ///
    /// `guard` is checked first, in the same transaction: a claim on a new
    /// document and the actor bindings of every change. If it fails,
    /// nothing is written and the error is [`DbError::Refused`].
    pub async fn persist(
        &self,
        node: &str,
        chunks: &[NewChunk],
        projection: Option<Projected<'_>>,
        guard: &super::access::WriteGuard,
    ) -> Result<Committed, DbError> {
        let Some(first) = chunks.first() else {
            return Err(DbError::Query("nothing to persist".into()));
        };
        let document = first.document;
        let mut tx = self.begin().await?;
        super::access::establish(&mut tx, document, guard).await?;
        sqlx::query(
            "INSERT INTO documents (id, kind) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE
             SET updated_at = now(), changed_xid = pg_current_xact_id(),
                 kind = COALESCE(documents.kind, EXCLUDED.kind)",
        )
        .bind(document)
        .bind(chunks.iter().find_map(|c| c.kind.clone()))
        .execute(&mut *tx)
        .await?;
        let mut last_chunk = 0;
        let mut written = Vec::with_capacity(chunks.len());
        let mut added: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for chunk in chunks {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO document_chunks (document_id, data, peer) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(document)
            .bind(&chunk.data)
            .bind(&chunk.peer)
            .fetch_one(&mut *tx)
            .await?;
            last_chunk = id;
            written.push(id);
            if chunk.changes.is_empty() {
                continue;
            }
            let hashes: Vec<&[u8]> = chunk.changes.iter().map(|c| c.hash.as_slice()).collect();
            let actors: Vec<&[u8]> = chunk.changes.iter().map(|c| c.actor.as_slice()).collect();
            let seqs: Vec<i64> = chunk.changes.iter().map(|c| c.seq).collect();
            let deps: Vec<&[u8]> = chunk.changes.iter().map(|c| c.deps.as_slice()).collect();
            let inserted: Vec<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
                "INSERT INTO changes (document_id, hash, actor, seq, deps, peer)
                 SELECT $1, h, a, s, d, $6
                 FROM UNNEST($2::bytea[], $3::bytea[], $4::int8[], $5::bytea[]) AS t (h, a, s, d)
                 ON CONFLICT (document_id, hash) DO NOTHING
                 RETURNING hash, deps",
            )
            .bind(document)
            .bind(&hashes)
            .bind(&actors)
            .bind(&seqs)
            .bind(&deps)
            .bind(&chunk.peer)
            .fetch_all(&mut *tx)
            .await?;
            added.extend(inserted);
        }
        // The row is locked by the upsert above: these are the heads every
        // earlier writer committed.
        let (stored_heads,): (Vec<Vec<u8>>,) =
            sqlx::query_as("SELECT heads FROM documents WHERE id = $1")
                .bind(document)
                .fetch_one(&mut *tx)
                .await?;
        let heads = advance_heads(stored_heads, &added);
        sqlx::query("UPDATE documents SET heads = $2 WHERE id = $1")
            .bind(document)
            .bind(&heads)
            .execute(&mut *tx)
            .await?;
        let mut reprojected = false;
        if let Some(projection) = projection {
            let mut seen: Vec<&[u8]> = projection.heads.iter().map(<[u8; 32]>::as_slice).collect();
            seen.sort_unstable();
            if seen.iter().copied().eq(heads.iter().map(Vec::as_slice)) {
                super::projection::write(&mut tx, document, projection.rows).await?;
            } else {
                let pieces = pieces_in(&mut tx, document).await?;
                let rows = (projection.from_stored)(&pieces).map_err(DbError::Corrupt)?;
                super::projection::write(&mut tx, document, &rows).await?;
                reprojected = true;
            }
        }
        let (pending_chunks,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM document_chunks WHERE document_id = $1")
                .bind(document)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{node}:{document}:{last_chunk}"))
            .execute(&mut *tx)
            .await?;
        // Last: the audit chain's head stays locked until the commit.
        if !guard.audit.is_empty() {
            super::audit::append(&mut tx, &guard.audit).await?;
        }
        tx.commit().await?;
        Ok(Committed {
            chunks: written,
            last_chunk,
            pending_chunks,
            reprojected,
        })
    }

    /// Loads a document's snapshot and chunks; `None` if it was never stored.
    /// Both are read in one snapshot of the database, so that a compaction
    /// committing in between cannot hide the chunks it folded.
    pub async fn load(&self, document: Uuid) -> Result<Option<StoredDocument>, DbError> {
        let mut tx = self.begin_snapshot().await?;
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT compacted_through FROM documents WHERE id = $1")
                .bind(document)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((compacted_through,)) = row else {
            return Ok(None);
        };
        let pieces = pieces_in(&mut tx, document).await?;
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT max(id) FROM document_chunks WHERE document_id = $1")
                .bind(document)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Some(StoredDocument {
            pieces,
            through: last.unwrap_or(0).max(compacted_through),
        }))
    }

    /// Folds a document's chunks into its snapshot. `fold` turns the stored
    /// pieces into one saved document (the caller owns Automerge); rows of
    /// the chunks folded are deleted in the same transaction, chunks that
    /// arrive meanwhile are kept.
    pub async fn compact(
        &self,
        document: Uuid,
        fold: impl FnOnce(&[Vec<u8>]) -> Result<Vec<u8>, String>,
    ) -> Result<usize, DbError> {
        let mut tx = self.begin().await?;
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT snapshot FROM documents WHERE id = $1 FOR UPDATE")
                .bind(document)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((snapshot,)) = row else {
            return Ok(0);
        };
        let chunks: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, data FROM document_chunks WHERE document_id = $1 ORDER BY id",
        )
        .bind(document)
        .fetch_all(&mut *tx)
        .await?;
        if chunks.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = chunks.iter().map(|(id, _)| *id).collect();
        let pieces: Vec<Vec<u8>> = snapshot
            .into_iter()
            .chain(chunks.into_iter().map(|(_, d)| d))
            .collect();
        let saved = fold(&pieces).map_err(DbError::Corrupt)?;
        sqlx::query(
            "UPDATE documents SET snapshot = $2, compacted_at = now(), compacted_through = $3
             WHERE id = $1",
        )
        .bind(document)
        .bind(&saved)
        .bind(ids.iter().max().copied().unwrap_or(0))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM document_chunks WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Whether a document has a snapshot, and how many chunks wait beyond it.
    pub async fn storage_shape(&self, document: Uuid) -> Result<(bool, i64), DbError> {
        let (snapshot, chunks): (bool, i64) = sqlx::query_as(
            "SELECT d.snapshot IS NOT NULL,
                    (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id)
             FROM documents d WHERE d.id = $1",
        )
        .bind(document)
        .fetch_one(self.pool())
        .await?;
        Ok((snapshot, chunks))
    }

    /// Every stored document id (for rebuilds and checks).
    pub async fn document_ids(&self) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM documents ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The heads the persists recorded for a document (sorted), or `None`
    /// if it was never stored.
    pub async fn recorded_heads(&self, document: Uuid) -> Result<Option<Vec<Vec<u8>>>, DbError> {
        let row: Option<(Vec<Vec<u8>>,)> =
            sqlx::query_as("SELECT heads FROM documents WHERE id = $1")
                .bind(document)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(h,)| h))
    }

    /// Hashes of every change stored for a document.
    pub async fn change_hashes(&self, document: Uuid) -> Result<Vec<Vec<u8>>, DbError> {
        let rows: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT hash FROM changes WHERE document_id = $1")
                .bind(document)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::advance_heads;

    fn h(n: u8) -> Vec<u8> {
        vec![n; 32]
    }

    /// A change and the changes it depends on.
    fn change(n: u8, deps: &[u8]) -> (Vec<u8>, Vec<u8>) {
        (h(n), deps.iter().flat_map(|d| h(*d)).collect())
    }

    #[test]
    fn heads_follow_chains_branches_and_merges() {
        let heads = advance_heads(Vec::new(), &[change(1, &[]), change(2, &[1])]);
        assert_eq!(heads, vec![h(2)]);
        // Two writers branch from 2.
        let heads = advance_heads(heads, &[change(3, &[2])]);
        let heads = advance_heads(heads, &[change(4, &[2])]);
        assert_eq!(heads, vec![h(3), h(4)]);
        // A merge covers both.
        let heads = advance_heads(heads, &[change(5, &[3, 4])]);
        assert_eq!(heads, vec![h(5)]);
        // Nothing new: nothing moves.
        assert_eq!(advance_heads(heads.clone(), &[]), heads);
    }
}
