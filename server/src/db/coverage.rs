//! Covering colleagues: peers allowed to write a participant record besides
//! the peer it is assigned to (table `coverage`). A change is announced on
//! the access channel as an accounts change (`*`), on which every node
//! reloads users, teams and coverage together, and it bumps the record and
//! its logs in the change feed.

use uuid::Uuid;

use super::access::{bump_record, notify_access};
use super::{Db, DbError};

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
    /// assigned peer. Refused for a document that is not a participant
    /// record and for the assigned peer themself.
    pub async fn grant_cover(&self, participant: Uuid, peer: Uuid) -> Result<Cover, DbError> {
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
        let inserted = sqlx::query(
            "INSERT INTO coverage (participant, peer_id) VALUES ($1, $2)
             ON CONFLICT (participant, peer_id) DO NOTHING",
        )
        .bind(participant)
        .bind(peer)
        .execute(&mut *tx)
        .await?;
        let granted = inserted.rows_affected() > 0;
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
