//! The supervisor's teams: their peers, whether a participant record is
//! one of theirs, and the team overview's caseloads, accompaniments this
//! week and devices (with the app version each last reported).

use uuid::Uuid;

use super::{PEERS_CTE, ms, safe};
use crate::db::{Db, DbError};

/// A peer of one of the supervisor's teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRow {
    /// The peer's user id.
    pub id: Uuid,
    /// Sign-in name.
    pub username: String,
    /// Name as shown.
    pub display_name: String,
}

/// One peer's line of the team overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLoad {
    /// The peer.
    pub peer: PeerRow,
    /// Participant records assigned to them.
    pub caseload: i64,
    /// Their accompaniments created since the start of this week (UTC,
    /// Monday).
    pub accompaniments_this_week: i64,
}

/// A device of one of the supervisor's peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSeen {
    /// The device.
    pub device_id: Uuid,
    /// Its owner.
    pub peer_id: Uuid,
    /// Its name.
    pub name: String,
    /// When it last connected, if ever.
    pub last_seen_at: Option<i64>,
    /// Silent for more than the threshold (or never seen).
    pub stale: bool,
    /// The app version it last reported, if any.
    pub app_version: Option<String>,
    /// When it last reported it.
    pub app_version_seen_at: Option<i64>,
}

impl Db {
    /// The peers of the teams `supervisor` belongs to, by name.
    pub async fn supervised_peers(&self, supervisor: Uuid) -> Result<Vec<PeerRow>, DbError> {
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(safe(format!(
            "WITH {PEERS_CTE} SELECT id, username, display_name FROM peers ORDER BY display_name, username"
        )))
        .bind(supervisor)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, display_name)| PeerRow {
                id,
                username,
                display_name,
            })
            .collect())
    }

    /// Whether `document` is a participant record assigned to a peer of
    /// one of `supervisor`'s teams. Anything else — another team's record,
    /// an accompaniment log, a document that does not exist — is `false`.
    pub async fn supervisor_sees_participant(
        &self,
        supervisor: Uuid,
        document: Uuid,
    ) -> Result<bool, DbError> {
        let found: Option<(i32,)> = sqlx::query_as(safe(format!(
            "WITH {PEERS_CTE}
             SELECT 1 FROM document_access da JOIN peers p ON p.id = da.owner_id
             WHERE da.document_id = $2 AND da.kind = 'participant'"
        )))
        .bind(supervisor)
        .bind(document)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Caseload sizes and this week's accompaniments of each peer of
    /// `supervisor`'s teams.
    pub async fn team_load(&self, supervisor: Uuid) -> Result<Vec<PeerLoad>, DbError> {
        let rows: Vec<(Uuid, String, String, i64, i64)> = sqlx::query_as(safe(format!(
            "WITH {PEERS_CTE}
             SELECT p.id, p.username, p.display_name,
                (SELECT count(*) FROM document_access da
                  WHERE da.kind = 'participant' AND da.owner_id = p.id),
                (SELECT count(*) FROM accompaniments a
                  WHERE a.peer_id = p.id::text
                    AND a.created_at >= date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
             FROM peers p ORDER BY p.display_name, p.username"
        )))
        .bind(supervisor)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, display_name, caseload, week)| PeerLoad {
                peer: PeerRow {
                    id,
                    username,
                    display_name,
                },
                caseload,
                accompaniments_this_week: week,
            })
            .collect())
    }

    /// The live (not revoked) devices of `supervisor`'s peers; `stale` when
    /// silent for more than `stale_hours` or never seen.
    pub async fn team_devices(
        &self,
        supervisor: Uuid,
        stale_hours: i64,
    ) -> Result<Vec<DeviceSeen>, DbError> {
        type Row = (
            Uuid,
            Uuid,
            String,
            Option<i64>,
            bool,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(safe(format!(
            "WITH {PEERS_CTE}
             SELECT d.id, d.user_id, d.name, {seen},
                    (d.last_seen_at IS NULL OR d.last_seen_at < now() - make_interval(hours => $2)),
                    d.app_version, {version_seen}
             FROM devices d JOIN peers p ON p.id = d.user_id
             WHERE d.revoked_at IS NULL
             ORDER BY d.last_seen_at ASC NULLS FIRST, d.name",
            seen = ms("d.last_seen_at"),
            version_seen = ms("d.app_version_seen_at"),
        )))
        .bind(supervisor)
        .bind(i32::try_from(stale_hours).unwrap_or(i32::MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(device_id, peer_id, name, last_seen_at, stale, app_version, version_seen)| {
                    DeviceSeen {
                        device_id,
                        peer_id,
                        name,
                        last_seen_at,
                        stale,
                        app_version,
                        app_version_seen_at: version_seen,
                    }
                },
            )
            .collect())
    }
}
