//! The audit trail as stored (`audit_events`, `audit_head`; see
//! `migrations/…_audit.sql` and [`crate::audit::chain`]).
//!
//! [`append`] chains records onto the head inside a caller's transaction,
//! so a write and its audit row commit together or not at all. It locks the
//! head row (`FOR UPDATE`) until that transaction ends: appends from all
//! server nodes are serialised there, which keeps the chain linear. Call it
//! last in a transaction, just before commit, to hold the lock briefly.

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::{Db, DbError};
use crate::audit::chain::{self, HASH_LEN};
use crate::audit::{AuditEvent, AuditRecord};

/// The end of the chain as `audit_head` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// The last row's seq (0 when the trail is empty).
    pub seq: i64,
    /// The last row's hash ([`chain::GENESIS`] when empty).
    pub hash: Vec<u8>,
}

/// Where an [`append`] put its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Seq of the first record appended (`last + 1` when none were).
    pub first_seq: i64,
    /// Seq of the last record appended; the new head.
    pub last_seq: i64,
    /// The new head's hash.
    pub head_hash: [u8; HASH_LEN],
}

/// Which events [`Db::audit_events`] lists, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events on this document.
    pub document: Option<Uuid>,
    /// Only events by this user.
    pub user: Option<Uuid>,
    /// Only events before this seq (for paging backwards).
    pub before_seq: Option<i64>,
    /// At most this many (1..=10 000; 100 when 0).
    pub limit: i64,
}

/// The columns of an [`AuditEvent`], `at` as integer microseconds (exact:
/// `EXTRACT` returns `numeric`).
type Row = (
    i64,
    i64,
    Option<Uuid>,
    Option<String>,
    Option<Uuid>,
    Option<Uuid>,
    String,
    String,
    String,
    Option<String>,
    Vec<u8>,
    Vec<u8>,
);

fn event(
    (seq, at, user, username, device, document, action, outcome, detail, address, prev, hash): Row,
) -> AuditEvent {
    AuditEvent {
        seq,
        at_micros: at,
        user_id: user,
        username,
        device_id: device,
        document_id: document,
        action,
        outcome,
        detail,
        address,
        prev_hash: prev,
        hash,
    }
}

/// Appends `records`, in order, to the chain inside `tx`: locks the head,
/// computes each row's seq and hash, inserts them in one statement and
/// moves the head. Nothing is visible until `tx` commits; if it rolls back,
/// the head is unchanged and the next append reuses the seqs.
pub async fn append(
    tx: &mut Transaction<'_, Postgres>,
    records: &[AuditRecord],
) -> Result<Appended, DbError> {
    let (head_seq, head_hash): (i64, Vec<u8>) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE singleton FOR UPDATE")
            .fetch_one(&mut **tx)
            .await?;
    let mut prev: [u8; HASH_LEN] = head_hash
        .as_slice()
        .try_into()
        .map_err(|_| DbError::Corrupt(format!("audit head hash has {} bytes", head_hash.len())))?;
    if records.is_empty() {
        return Ok(Appended {
            first_seq: head_seq + 1,
            last_seq: head_seq,
            head_hash: prev,
        });
    }
    let n = records.len();
    let mut seqs = Vec::with_capacity(n);
    let mut ats = Vec::with_capacity(n);
    let mut users = Vec::with_capacity(n);
    let mut usernames = Vec::with_capacity(n);
    let mut devices = Vec::with_capacity(n);
    let mut documents = Vec::with_capacity(n);
    let mut actions = Vec::with_capacity(n);
    let mut outcomes = Vec::with_capacity(n);
    let mut details = Vec::with_capacity(n);
    let mut addresses = Vec::with_capacity(n);
    let mut prevs = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    let mut seq = head_seq;
    for record in records {
        let record = record.normalized();
        seq += 1;
        let hash = chain::chain_hash(&prev, &record.fields(seq));
        seqs.push(seq);
        ats.push(record.at_micros);
        users.push(record.user_id);
        usernames.push(record.username);
        devices.push(record.device_id);
        documents.push(record.document_id);
        actions.push(record.action.as_str());
        outcomes.push(record.outcome.as_str());
        details.push(record.detail);
        addresses.push(record.address);
        prevs.push(prev.to_vec());
        hashes.push(hash.to_vec());
        prev = hash;
    }
    sqlx::query(
        "INSERT INTO audit_events
             (seq, at, user_id, username, device_id, document_id,
              action, outcome, detail, address, prev_hash, hash)
         SELECT s, TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond', u, un, d, doc,
                a, o, det, addr, p, h
         FROM UNNEST($1::int8[], $2::int8[], $3::uuid[], $4::text[], $5::uuid[], $6::uuid[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[], $12::bytea[])
              AS x (s, t, u, un, d, doc, a, o, det, addr, p, h)",
    )
    .bind(&seqs)
    .bind(&ats)
    .bind(&users)
    .bind(&usernames)
    .bind(&devices)
    .bind(&documents)
    .bind(&actions)
    .bind(&outcomes)
    .bind(&details)
    .bind(&addresses)
    .bind(&prevs)
    .bind(&hashes)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE singleton")
        .bind(seq)
        .bind(prev.to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(Appended {
        first_seq: head_seq + 1,
        last_seq: seq,
        head_hash: prev,
    })
}

impl Db {
    /// Appends `records` in a transaction of their own.
    pub async fn append_audit(&self, records: &[AuditRecord]) -> Result<Appended, DbError> {
        let mut tx = self.begin().await?;
        let appended = append(&mut tx, records).await?;
        tx.commit().await?;
        Ok(appended)
    }

    /// The head as `audit_head` records it.
    pub async fn audit_head(&self) -> Result<AuditHead, DbError> {
        let (seq, hash): (i64, Vec<u8>) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE singleton")
                .fetch_one(self.pool())
                .await?;
        Ok(AuditHead { seq, hash })
    }

    /// A consistent, read-only view of the trail for verifying: the head
    /// and every page come from one snapshot, so appends that commit during
    /// a long walk are not mistaken for tampering.
    pub async fn audit_reader(&self) -> Result<AuditReader, DbError> {
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(AuditReader { tx })
    }

    /// Events matching `filter`, newest first.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, DbError> {
        let limit = if filter.limit <= 0 {
            100
        } else {
            filter.limit.min(10_000)
        };
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, (EXTRACT(EPOCH FROM at) * 1000000)::int8, user_id, username,
                    device_id, document_id, action, outcome, detail, address, prev_hash, hash
             FROM audit_events
             WHERE ($1::uuid IS NULL OR document_id = $1)
               AND ($2::uuid IS NULL OR user_id = $2)
               AND ($3::int8 IS NULL OR seq < $3)
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(filter.document)
        .bind(filter.user)
        .bind(filter.before_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }
}

/// One snapshot of the trail ([`Db::audit_reader`]).
#[derive(Debug)]
pub struct AuditReader {
    tx: Transaction<'static, Postgres>,
}

impl AuditReader {
    /// The head in this snapshot.
    pub async fn head(&mut self) -> Result<AuditHead, DbError> {
        let (seq, hash): (i64, Vec<u8>) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE singleton")
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(AuditHead { seq, hash })
    }

    /// Up to `limit` rows with `seq > after`, in seq order.
    pub async fn page(&mut self, after: i64, limit: i64) -> Result<Vec<AuditEvent>, DbError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, (EXTRACT(EPOCH FROM at) * 1000000)::int8, user_id, username,
                    device_id, document_id, action, outcome, detail, address, prev_hash, hash
             FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit.clamp(1, 100_000))
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    /// Ends the snapshot.
    pub async fn close(self) -> Result<(), DbError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
