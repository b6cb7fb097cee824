//! Access data: which user owns which document, the actor bindings, the
//! quarantine of refused writes, and assignment of participants. Changes to
//! access are announced on [`ACCESS_CHANNEL`] so that every server node
//! (and the admin CLI's effect on them) takes them up at once.

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::{Db, DbError};

/// Quarantined bytes kept per device unless configured: a day of a
/// worker's notes is well under a megabyte.
pub const DEFAULT_QUARANTINE_QUOTA_BYTES: u64 = 64 * 1024 * 1024;

/// Why a write is refused whose changes use an actor bound to another
/// device (the same words whether memory or the database notices).
pub const SPOOFED_ACTOR: &str =
    "changes are authored under an actor id that belongs to another device";

/// The channel on which access changes are announced: a document's new
/// access row ([`DocumentAccessRow::to_payload`]), or `*` for a change to
/// users or teams.
pub const ACCESS_CHANNEL: &str = "alongside_access";

/// A user, as the access rules need it.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// The user.
    pub id: Uuid,
    /// `peer`, `supervisor` or `admin`.
    pub role: String,
    /// Whether the account is disabled.
    pub disabled: bool,
}

/// One row of `document_access`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAccessRow {
    /// The document.
    pub document: Uuid,
    /// `participant`, `accompaniment` or `caseload-index`.
    pub kind: String,
    /// The assigned peer (participant) or the index's user.
    pub owner: Option<Uuid>,
    /// For an accompaniment log, its participant record.
    pub participant: Option<Uuid>,
}

impl DocumentAccessRow {
    /// The row as an access notice: `document kind owner participant`,
    /// `-` for an absent id, so that listeners need not read it back.
    pub fn to_payload(&self) -> String {
        let id = |v: Option<Uuid>| v.map_or_else(|| "-".to_owned(), |u| u.to_string());
        format!(
            "{} {} {} {}",
            self.document,
            self.kind,
            id(self.owner),
            id(self.participant)
        )
    }

    /// Parses [`DocumentAccessRow::to_payload`].
    pub fn from_payload(payload: &str) -> Option<Self> {
        let mut parts = payload.split(' ');
        let document = parts.next()?.parse().ok()?;
        let kind = parts.next()?.to_owned();
        let id = |text: &str| match text {
            "-" => Some(None),
            text => text.parse().ok().map(Some),
        };
        let owner = id(parts.next()?)?;
        let participant = id(parts.next()?)?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            document,
            kind,
            owner,
            participant,
        })
    }
}

/// Everything the access table is built from.
#[derive(Debug, Clone, Default)]
pub struct AccessSnapshot {
    /// Every user.
    pub users: Vec<UserRow>,
    /// (team, user) memberships.
    pub members: Vec<(Uuid, Uuid)>,
    /// Every document's access row (empty for an accounts-only snapshot).
    pub documents: Vec<DocumentAccessRow>,
    /// (participant record, covering peer): colleagues who may write a
    /// record besides its assigned peer (always loaded).
    pub coverage: Vec<(Uuid, Uuid)>,
    /// Devices revoked or expired: their live connections are closed.
    pub dead_devices: Vec<Uuid>,
}

/// What a persist must also establish, checked in its transaction.
#[derive(Debug, Clone, Default)]
pub struct WriteGuard {
    /// A new document's access row. If the document already has a different
    /// one, the persist is refused.
    pub claim: Option<DocumentAccessRow>,
    /// (actor, device) for every change written; `None` device for the
    /// server's own edits. An actor bound to another device refuses the
    /// persist.
    pub bindings: Vec<(Vec<u8>, Option<Uuid>)>,
    /// Audit events committed with the write (one per writer).
    pub audit: Vec<crate::audit::AuditRecord>,
}

/// A write refused by the access rules, for an administrator.
#[derive(Debug, Clone)]
pub struct QuarantinedWrite {
    /// The document it was meant for.
    pub document: Uuid,
    /// Who sent it.
    pub user: Option<Uuid>,
    /// From which device.
    pub device: Option<Uuid>,
    /// From which address.
    pub address: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The chunks, verbatim.
    pub data: Vec<u8>,
}

type AccessTuple = (Uuid, String, Option<Uuid>, Option<Uuid>);

fn row((document, kind, owner, participant): AccessTuple) -> DocumentAccessRow {
    DocumentAccessRow {
        document,
        kind,
        owner,
        participant,
    }
}

impl Db {
    /// Users, memberships and (if `documents`) every document's access row.
    pub async fn access_snapshot(&self, documents: bool) -> Result<AccessSnapshot, DbError> {
        let users: Vec<(Uuid, String, bool)> =
            sqlx::query_as("SELECT id, role, disabled_at IS NOT NULL FROM users")
                .fetch_all(self.pool())
                .await?;
        let members: Vec<(Uuid, Uuid)> =
            sqlx::query_as("SELECT team_id, user_id FROM team_members")
                .fetch_all(self.pool())
                .await?;
        let documents = if documents {
            let rows: Vec<AccessTuple> = sqlx::query_as(
                "SELECT document_id, kind, owner_id, participant FROM document_access",
            )
            .fetch_all(self.pool())
            .await?;
            rows.into_iter().map(row).collect()
        } else {
            Vec::new()
        };
        let coverage: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT participant, peer_id FROM coverage WHERE ends_at IS NULL OR ends_at > now()",
        )
        .fetch_all(self.pool())
        .await?;
        let dead: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT id FROM devices WHERE revoked_at IS NOT NULL OR expires_at <= now()",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(AccessSnapshot {
            dead_devices: dead.into_iter().map(|(id,)| id).collect(),
            users: users
                .into_iter()
                .map(|(id, role, disabled)| UserRow { id, role, disabled })
                .collect(),
            members,
            documents,
            coverage,
        })
    }

    /// One document's access row.
    pub async fn document_access(
        &self,
        document: Uuid,
    ) -> Result<Option<DocumentAccessRow>, DbError> {
        let found: Option<AccessTuple> = sqlx::query_as(
            "SELECT document_id, kind, owner_id, participant FROM document_access
             WHERE document_id = $1",
        )
        .bind(document)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(row))
    }

    /// The bindings of every actor that wrote to `document`.
    pub async fn actor_bindings_of(
        &self,
        document: Uuid,
    ) -> Result<Vec<(Vec<u8>, Option<Uuid>)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT b.actor, b.device_id FROM actor_bindings b
             WHERE b.actor IN (SELECT DISTINCT actor FROM changes WHERE document_id = $1)",
        )
        .bind(document)
        .fetch_all(self.pool())
        .await?)
    }

    /// Keeps a refused write for an administrator: its row id, or `None`
    /// when it would take the sending device's quarantined bytes past
    /// `quota_bytes` (then nothing is kept). Writes without a device (none
    /// today) are not counted against any quota.
    pub async fn quarantine(
        &self,
        write: &QuarantinedWrite,
        quota_bytes: u64,
    ) -> Result<Option<i64>, DbError> {
        let mut tx = self.begin().await?;
        if let Some(device) = write.device {
            // One writer per device at a time, so that concurrent writes
            // cannot each find room for themselves.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 41))")
                .bind(device)
                .execute(&mut *tx)
                .await?;
            let (used,): (i64,) = sqlx::query_as(
                "SELECT COALESCE(SUM(octet_length(data)), 0)::int8 FROM quarantine WHERE device_id = $1",
            )
            .bind(device)
            .fetch_one(&mut *tx)
            .await?;
            let after = u64::try_from(used)
                .unwrap_or(0)
                .saturating_add(write.data.len() as u64);
            if after > quota_bytes {
                return Ok(None);
            }
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO quarantine (document_id, user_id, device_id, address, reason, data)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(write.document)
        .bind(write.user)
        .bind(write.device)
        .bind(&write.address)
        .bind(&write.reason)
        .bind(&write.data)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The bytes kept in quarantine row `id`.
    pub async fn quarantined_data(&self, id: i64) -> Result<Option<Vec<u8>>, DbError> {
        let found: Option<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM quarantine WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.map(|(data,)| data))
    }

    /// Quarantined writes for a document (id, reason, bytes), oldest first.
    pub async fn quarantined(&self, document: Uuid) -> Result<Vec<(i64, String, usize)>, DbError> {
        let rows: Vec<(i64, String, i32)> = sqlx::query_as(
            "SELECT id, reason, octet_length(data) FROM quarantine WHERE document_id = $1 ORDER BY id",
        )
        .bind(document)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, reason, len)| (id, reason, usize::try_from(len).unwrap_or(0)))
            .collect())
    }

    /// Assigns participant record `participant` to `owner`; returns the
    /// previous owner. Fails if the document is not a participant record.
    /// Announced on [`ACCESS_CHANNEL`].
    pub async fn assign_participant(
        &self,
        participant: Uuid,
        owner: Uuid,
    ) -> Result<Option<Uuid>, DbError> {
        let mut tx = self.begin().await?;
        let previous: Option<(String, Option<Uuid>)> = sqlx::query_as(
            "SELECT kind, owner_id FROM document_access WHERE document_id = $1 FOR UPDATE",
        )
        .bind(participant)
        .fetch_optional(&mut *tx)
        .await?;
        let previous = match previous {
            Some((kind, owner)) if kind == "participant" => owner,
            Some(_) => return Err(DbError::Refused("not a participant record".into())),
            None => {
                let stored: Option<(Uuid,)> =
                    sqlx::query_as("SELECT id FROM documents WHERE id = $1")
                        .bind(participant)
                        .fetch_optional(&mut *tx)
                        .await?;
                if stored.is_none() {
                    return Err(DbError::Refused("no such document".into()));
                }
                None
            }
        };
        sqlx::query(
            "INSERT INTO document_access (document_id, kind, owner_id) VALUES ($1, 'participant', $2)
             ON CONFLICT (document_id) DO UPDATE SET owner_id = $2, assigned_at = now()",
        )
        .bind(participant)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        bump_record(&mut tx, participant).await?;
        let row = DocumentAccessRow {
            document: participant,
            kind: "participant".into(),
            owner: Some(owner),
            participant: None,
        };
        notify_access(&mut tx, &row.to_payload()).await?;
        // The new owner no longer needs to cover the record.
        let uncovered = sqlx::query("DELETE FROM coverage WHERE participant = $1 AND peer_id = $2")
            .bind(participant)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        if uncovered.rows_affected() > 0 {
            notify_access(&mut tx, "*").await?;
        }
        tx.commit().await?;
        Ok(previous)
    }

    /// Accompaniment logs of a participant record.
    pub async fn accompaniments_of(&self, participant: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT document_id FROM document_access WHERE participant = $1 ORDER BY document_id",
        )
        .bind(participant)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// A user's id and role, by username.
    pub async fn user_role_by_name(
        &self,
        username: &str,
    ) -> Result<Option<(Uuid, String)>, DbError> {
        Ok(
            sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// A participant's name as projected, if the record is stored.
    pub async fn participant_name(&self, document: Uuid) -> Result<Option<String>, DbError> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT display_name FROM participants WHERE document_id = $1")
                .bind(document)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(|(n,)| n))
    }

    /// A user's caseload index document.
    pub async fn caseload_index_of(&self, user: Uuid) -> Result<Option<Uuid>, DbError> {
        let found: Option<(Uuid,)> =
            sqlx::query_as("SELECT caseload_index FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.map(|(id,)| id))
    }

    /// Announces a change to users or teams to every node.
    pub async fn announce_accounts_changed(&self) -> Result<(), DbError> {
        sqlx::query("SELECT pg_notify($1, '*')")
            .bind(ACCESS_CHANNEL)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Marks participant record `participant` and its accompaniment logs as
/// changed in the change feed (access to them changed), so that a device
/// that keeps a copy syncs it again.
pub(super) async fn bump_record(
    tx: &mut Transaction<'_, Postgres>,
    participant: Uuid,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE documents SET changed_xid = pg_current_xact_id()
         WHERE id = $1
            OR id IN (SELECT document_id FROM document_access WHERE participant = $1)",
    )
    .bind(participant)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn notify_access(
    tx: &mut Transaction<'_, Postgres>,
    payload: &str,
) -> Result<(), DbError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(ACCESS_CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Establishes a persist's [`WriteGuard`] inside its transaction.
pub(super) async fn establish(
    tx: &mut Transaction<'_, Postgres>,
    document: Uuid,
    guard: &WriteGuard,
) -> Result<(), DbError> {
    if let Some(claim) = &guard.claim {
        sqlx::query(
            "INSERT INTO document_access (document_id, kind, owner_id, participant)
             VALUES ($1, $2, $3, $4) ON CONFLICT (document_id) DO NOTHING",
        )
        .bind(document)
        .bind(&claim.kind)
        .bind(claim.owner)
        .bind(claim.participant)
        .execute(&mut **tx)
        .await?;
        let stored: Option<AccessTuple> = sqlx::query_as(
            "SELECT document_id, kind, owner_id, participant FROM document_access
             WHERE document_id = $1",
        )
        .bind(document)
        .fetch_optional(&mut **tx)
        .await?;
        if stored.map(row).as_ref() != Some(claim) {
            return Err(DbError::Refused(
                "the document already belongs elsewhere".into(),
            ));
        }
        notify_access(tx, &claim.to_payload()).await?;
    }
    if guard.bindings.is_empty() {
        return Ok(());
    }
    let mut bindings = guard.bindings.clone();
    bindings.sort();
    bindings.dedup();
    let actors: Vec<&[u8]> = bindings.iter().map(|(a, _)| a.as_slice()).collect();
    let devices: Vec<Option<Uuid>> = bindings.iter().map(|(_, d)| *d).collect();
    sqlx::query(
        "INSERT INTO actor_bindings (actor, device_id)
         SELECT a, d FROM UNNEST($1::bytea[], $2::uuid[]) AS t (a, d)
         ON CONFLICT (actor) DO NOTHING",
    )
    .bind(&actors)
    .bind(&devices)
    .execute(&mut **tx)
    .await?;
    let (conflicts,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM UNNEST($1::bytea[], $2::uuid[]) AS t (a, d)
         JOIN actor_bindings b ON b.actor = t.a
         WHERE b.device_id IS DISTINCT FROM t.d",
    )
    .bind(&actors)
    .bind(&devices)
    .fetch_one(&mut **tx)
    .await?;
    if conflicts > 0 {
        return Err(DbError::Refused(SPOOFED_ACTOR.to_owned()));
    }
    Ok(())
}
