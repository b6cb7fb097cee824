//! The change feed's query (`docs/sync-protocol.md`): which documents were appended to
//! since a cursor, read in one snapshot together with the cursor to resume
//! from. See `migrations/*_change_feed.sql` for why a cursor is a snapshot
//! xmin.

use uuid::Uuid;

use super::access::DocumentAccessRow;
use super::{Db, DbError};

/// Documents changed since a cursor, as one snapshot saw them.
#[derive(Debug, Clone)]
pub struct ChangeListing {
    /// This database's epoch (`sync_epoch`).
    pub epoch: Uuid,
    /// Every transaction below this had finished when the listing was read:
    /// the cursor to resume from.
    pub xmin: u64,
    /// The first transaction id not yet assigned when the listing was read;
    /// a cursor above it cannot have come from this database's history.
    pub xmax: u64,
    /// The documents changed at or after the cursor asked for, with their
    /// access rows (`None`: a document without one). Empty when no cursor
    /// was given.
    pub documents: Vec<(Uuid, Option<DocumentAccessRow>)>,
    /// More documents changed than `limit`; the listing stopped there.
    pub truncated: bool,
}

/// A changed document and its access row's columns, as selected.
type ChangedRow = (Uuid, Option<String>, Option<Uuid>, Option<Uuid>);

fn xid(text: &str) -> Result<u64, DbError> {
    text.parse()
        .map_err(|_| DbError::Query(format!("unexpected transaction id {text:?}")))
}

impl Db {
    /// The documents appended to by transactions with ids at or above
    /// `since` (none when `since` is `None`: the caller only wants a first
    /// cursor), at most `limit` of them, and the cursor to resume from.
    pub async fn changes_since(
        &self,
        since: Option<u64>,
        limit: usize,
    ) -> Result<ChangeListing, DbError> {
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let (epoch, xmin, xmax): (Uuid, String, String) = sqlx::query_as(
            "SELECT epoch,
                    pg_snapshot_xmin(pg_current_snapshot())::text,
                    pg_snapshot_xmax(pg_current_snapshot())::text
             FROM sync_epoch",
        )
        .fetch_one(&mut *tx)
        .await?;
        let mut documents = Vec::new();
        let mut truncated = false;
        if let Some(since) = since {
            let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
            let rows: Vec<ChangedRow> = sqlx::query_as(
                "SELECT d.id, a.kind, a.owner_id, a.participant
                 FROM documents d LEFT JOIN document_access a ON a.document_id = d.id
                 WHERE d.changed_xid >= $1::text::xid8
                 ORDER BY d.changed_xid, d.id
                 LIMIT $2",
            )
            .bind(since.to_string())
            .bind(fetch)
            .fetch_all(&mut *tx)
            .await?;
            truncated = rows.len() > limit;
            documents = rows
                .into_iter()
                .take(limit)
                .map(|(id, kind, owner, participant)| {
                    let access = kind.map(|kind| DocumentAccessRow {
                        document: id,
                        kind,
                        owner,
                        participant,
                    });
                    (id, access)
                })
                .collect();
        }
        tx.commit().await?;
        Ok(ChangeListing {
            epoch,
            xmin: xid(&xmin)?,
            xmax: xid(&xmax)?,
            documents,
            truncated,
        })
    }
}
