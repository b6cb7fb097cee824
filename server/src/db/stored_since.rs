//! What a node's copy of a document lacks of what is stored: the chunks
//! committed after the last one it has merged, read in one snapshot.
//!
//! Per document, chunk ids grow in commit order: a persist takes the
//! document's row lock (its upsert of `documents`) before it inserts its
//! first chunk and keeps it until it commits. So "the last chunk merged" is
//! a cursor, and every chunk after it is one the copy may lack, whichever
//! node wrote it and whether or not its notice arrived. A compaction that
//! folded chunks after the cursor (`compacted_through`) hides them; then the
//! snapshot is read too.

use uuid::Uuid;

use super::{Db, DbError};

/// What a copy of a document lacks, as [`Db::stored_since`] found it.
#[derive(Debug, Clone)]
pub struct StoredSince {
    /// Pieces to merge, in load order: the snapshot first when a compaction
    /// folded chunks after the cursor, then the chunks after it.
    pub pieces: Vec<Vec<u8>>,
    /// The cursor to continue from: the last chunk these cover.
    pub through: i64,
}

impl Db {
    /// The pieces of `document` stored after chunk `after`, leaving out
    /// the data of chunks in `skip` (the reader's own commits, which its
    /// copy holds). `None` if the document was never stored.
    pub async fn stored_since(
        &self,
        document: Uuid,
        after: i64,
        skip: &[i64],
    ) -> Result<Option<StoredSince>, DbError> {
        let mut tx = self.begin_snapshot().await?;
        let row: Option<(Option<Vec<u8>>, i64)> = sqlx::query_as(
            "SELECT CASE WHEN compacted_through > $2 THEN snapshot END, compacted_through
             FROM documents WHERE id = $1",
        )
        .bind(document)
        .bind(after)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((snapshot, compacted_through)) = row else {
            return Ok(None);
        };
        let chunks: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT id, CASE WHEN id = ANY($3) THEN NULL ELSE data END
             FROM document_chunks WHERE document_id = $1 AND id > $2 ORDER BY id",
        )
        .bind(document)
        .bind(after)
        .bind(skip)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let through = chunks
            .last()
            .map_or(after, |(id, _)| *id)
            .max(compacted_through)
            .max(after);
        let pieces = snapshot
            .into_iter()
            .chain(chunks.into_iter().filter_map(|(_, data)| data))
            .collect();
        Ok(Some(StoredSince { pieces, through }))
    }
}
