//! Covering colleagues: peers allowed to write a participant record besides
//! the peer it is assigned to (table `coverage`), until ended by hand or
//! until their end time (see `access::cover_expiry`). A change is announced on
//! the access channel as an accounts change (`*`), on which every node
//! reloads users, teams and coverage together, and it bumps the record and
//! its logs in the change feed.

use uuid::Uuid;

use super::access::{bump_record, notify_access};
use super::{Db, DbError};
use crate::audit::AuditRecord;

/// What granting a cover found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cover {
    /// The peer the record is assigned to.
    pub owner: Uuid,
    /// Whether the cover is new (false: it was already granted).
    pub granted: bool,
}

impl Db {
    /// Lets `peer` write participant record `participant` besides its
    /// assigned peer, until `ends_at` (milliseconds since the epoch; `None`:
    /// until ended). Granting an existing cover again sets its end. Refused
    /// for a document that is not a participant record and for the
    /// assigned peer themself.
    pub async fn grant_cover(
        &self,
        participant: Uuid,
        peer: Uuid,
        ends_at: Option<i64>,
    ) -> Result<Cover, DbError> {
        let mut tx = self.begin().await?;
        let row: Option<(String, Option<Uuid>)> = sqlx::query_as(
            "SELECT kind, owner_id FROM document_access WHERE document_id = $1 FOR UPDATE",
        )
        .bind(participant)
        .fetch_optional(&mut *tx)
        .await?;
        let owner = match row {
            Some((kind, Some(owner))) if kind == "participant" => owner,
            Some(_) => return Err(DbError::Refused("not a participant record".into())),
            None => return Err(DbError::Refused("no such participant record".into())),
        };
        if owner == peer {
            return Err(DbError::Refused(
                "the record is assigned to this peer already".into(),
            ));
        }
        // `xmax = 0` tells an inserted row from an updated one.
        let (granted,): (bool,) = sqlx::query_as(
            "INSERT INTO coverage (participant, peer_id, ends_at)
             VALUES ($1, $2, to_timestamp($3::float8 / 1000))
             ON CONFLICT (participant, peer_id) DO UPDATE SET ends_at = EXCLUDED.ends_at
             RETURNING xmax = 0",
        )
        .bind(participant)
        .bind(peer)
        .bind(ends_at.map(|ms| ms as f64))
        .fetch_one(&mut *tx)
        .await?;
        if granted {
            bump_record(&mut tx, participant).await?;
            notify_access(&mut tx, "*").await?;
        }
        tx.commit().await?;
        Ok(Cover { owner, granted })
    }

    /// Ends `peer`'s cover of `participant`; whether there was one.
    pub async fn end_cover(&self, participant: Uuid, peer: Uuid) -> Result<bool, DbError> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM coverage WHERE participant = $1 AND peer_id = $2")
            .bind(participant)
            .bind(peer)
            .execute(&mut *tx)
            .await?;
        let ended = deleted.rows_affected() > 0;
        if ended {
            bump_record(&mut tx, participant).await?;
            notify_access(&mut tx, "*").await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// Ends `peer`'s cover of `participant` if its end has passed (not if
    /// it was extended meanwhile), writing `audit` in the same
    /// transaction; whether it ended.
    pub async fn end_expired_cover(
        &self,
        participant: Uuid,
        peer: Uuid,
        audit: &AuditRecord,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query(
            "DELETE FROM coverage WHERE participant = $1 AND peer_id = $2 AND ends_at <= now()",
        )
        .bind(participant)
        .bind(peer)
        .execute(&mut *tx)
        .await?;
        let ended = deleted.rows_affected() > 0;
        if ended {
            bump_record(&mut tx, participant).await?;
            notify_access(&mut tx, "*").await?;
            // Last: the audit chain's head stays locked until the commit.
            super::audit::append(&mut tx, std::slice::from_ref(audit)).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// Covers whose end has passed: (participant record, peer).
    pub async fn expired_covers(&self) -> Result<Vec<(Uuid, Uuid)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT participant, peer_id FROM coverage
             WHERE ends_at <= now() ORDER BY ends_at, participant, peer_id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// The peers covering `participant`.
    pub async fn covering(&self, participant: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT peer_id FROM coverage WHERE participant = $1 ORDER BY granted_at, peer_id",
        )
        .bind(participant)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }
}
