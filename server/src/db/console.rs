//! The supervisor console in SQL: its sessions (`console_sessions`), which
//! participants and peers a supervisor may see (the teams they belong to),
//! and the read models of its pages — the review queue, the team overview
//! and the accompaniment logs — read from the projection tables.
//!
//! Scoping is done here, in every query, by the supervisor's id: a page
//! cannot forget to filter. Times are returned as milliseconds since the
//! Unix epoch; idleness and expiry are compared in the database (`now()`).

use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::{Db, DbError};

/// A live console session and its user, after it was touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The user.
    pub user_id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their name as shown.
    pub display_name: String,
    /// Their stored role name (re-checked on every request).
    pub role: String,
    /// Whether the account is disabled.
    pub disabled: bool,
}

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

/// A note of the supervisor's teams, with its latest review.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    /// The participant record.
    pub document: Uuid,
    /// The participant's name.
    pub participant_name: String,
    /// The peer the record is assigned to.
    pub owner_id: Uuid,
    /// The note.
    pub note_id: Uuid,
    /// The note's author (a user id as written in the document).
    pub author_id: String,
    /// The author's name, when the author is a known user.
    pub author_name: Option<String>,
    /// The device it was written on (as written in the document).
    pub device_id: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// 42 CFR Part 2 content.
    pub part2: bool,
    /// Date of service.
    pub service_date: String,
    /// Start of the encounter.
    pub encounter_at: i64,
    /// When it was submitted (or created, for a draft).
    pub submitted_at: i64,
    /// The latest review: state, comment, when, heads seen.
    pub review: Option<ReviewSummary>,
    /// A device sent changes to the record since about the latest review
    /// (a cheap hint: whether this note changed is decided from the
    /// document itself).
    pub changed_since_review: bool,
}

/// The latest review of a note.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSummary {
    /// `approved` or `changes-requested`.
    pub state: String,
    /// The reviewer's comment.
    pub comment: String,
    /// When.
    pub reviewed_at: i64,
    /// The heads the reviewer saw (hex).
    pub heads: Vec<String>,
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
}

/// An accompaniment log of the supervisor's teams.
#[derive(Debug, Clone, PartialEq)]
pub struct AccompanimentLine {
    /// The log's document.
    pub document: Uuid,
    /// The participant record it belongs to.
    pub participant: Uuid,
    /// The participant's name.
    pub participant_name: String,
    /// The peer (user id as written in the log).
    pub peer_id: String,
    /// The peer's name, when known.
    pub peer_name: Option<String>,
    /// Kind of appointment.
    pub kind: String,
    /// Where.
    pub place: String,
    /// With whom.
    pub provider: String,
    /// Lifecycle status.
    pub status: String,
    /// The field timestamps.
    pub scheduled_at: Option<i64>,
    /// Left for the appointment.
    pub departed_at: Option<i64>,
    /// Arrived.
    pub arrived_at: Option<i64>,
    /// Seen.
    pub started_at: Option<i64>,
    /// Appointment over.
    pub ended_at: Option<i64>,
    /// Back.
    pub returned_at: Option<i64>,
    /// Outcome text.
    pub outcome: String,
    /// Created (the log's own timestamp).
    pub created_at: i64,
    /// Follow-ups not done: text and due date.
    pub open_follow_ups: Vec<(String, Option<String>)>,
}

/// Marks SQL built here as safe: only the constants of this module are
/// spliced into it (column expressions, the peers CTE); every value is a
/// bind parameter.
fn safe(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

const MS: &str = "(extract(epoch FROM {}) * 1000)::int8";

fn ms(column: &str) -> String {
    MS.replace("{}", column)
}

/// The peers of the supervisor's teams, as a CTE named `peers`.
const PEERS_CTE: &str = "peers AS (
    SELECT DISTINCT u.id, u.username, u.display_name
    FROM team_members s
    JOIN team_members m ON m.team_id = s.team_id
    JOIN users u ON u.id = m.user_id AND u.role = 'peer'
    WHERE s.user_id = $1
)";

impl Db {
    /// Stores a new session (by the hash of its id) for `user`, living at
    /// most `lifetime_secs`.
    pub async fn create_console_session(
        &self,
        id_hash: &[u8],
        user: Uuid,
        lifetime_secs: i64,
        address: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, user_id, expires_at, address)
             VALUES ($1, $2, now() + make_interval(secs => $3), $4)",
        )
        .bind(id_hash)
        .bind(user)
        .bind(lifetime_secs as f64)
        .bind(address)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The session with this id hash, if it is live — not ended, not past
    /// its lifetime, and used within the last `idle_secs` — and marks it
    /// used now. A session found idle is ended, so it cannot come back.
    pub async fn touch_console_session(
        &self,
        id_hash: &[u8],
        idle_secs: f64,
    ) -> Result<Option<SessionRow>, DbError> {
        let row: Option<(Uuid, String, String, String, bool)> = sqlx::query_as(
            "UPDATE console_sessions s SET last_seen_at = now()
             FROM users u
             WHERE s.id_hash = $1 AND u.id = s.user_id AND s.ended_at IS NULL
               AND s.expires_at > now()
               AND s.last_seen_at > now() - make_interval(secs => $2)
             RETURNING u.id, u.username, u.display_name, u.role, u.disabled_at IS NOT NULL",
        )
        .bind(id_hash)
        .bind(idle_secs)
        .fetch_optional(self.pool())
        .await?;
        if row.is_none() {
            sqlx::query(
                "UPDATE console_sessions SET ended_at = now()
                 WHERE id_hash = $1 AND ended_at IS NULL",
            )
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        }
        Ok(row.map(|r| SessionRow {
            user_id: r.0,
            username: r.1,
            display_name: r.2,
            role: r.3,
            disabled: r.4,
        }))
    }

    /// Ends a session (sign-out); `Ok(false)` if it was not live.
    pub async fn end_console_session(&self, id_hash: &[u8]) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE console_sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL",
        )
        .bind(id_hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

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

    /// Every note of the participant records of `supervisor`'s teams, with
    /// its latest review, oldest (by submission, else creation) first.
    pub async fn console_notes(&self, supervisor: Uuid) -> Result<Vec<QueueRow>, DbError> {
        let sql = format!(
            "WITH {PEERS_CTE}
             SELECT pa.document_id, pa.display_name, da.owner_id, n.note_id, n.author_id,
                    au.display_name, n.device_id, n.status, n.part2, n.service_date::text,
                    {enc}, {sub},
                    r.state, r.comment, {rev}, r.heads,
                    (r.review_id IS NOT NULL AND EXISTS (
                        SELECT 1 FROM changes c
                        WHERE c.document_id = pa.document_id AND c.peer IS NOT NULL
                          AND c.received_at > r.reviewed_at - interval '5 minutes'))
             FROM document_access da
             JOIN peers p ON p.id = da.owner_id
             JOIN participants pa ON pa.document_id = da.document_id
             JOIN notes n ON n.document_id = pa.document_id
             LEFT JOIN users au ON au.id::text = n.author_id
             LEFT JOIN LATERAL (
                SELECT * FROM reviews r
                WHERE r.document_id = n.document_id AND r.note_id = n.note_id
                ORDER BY r.reviewed_at DESC, r.review_id DESC LIMIT 1
             ) r ON true
             WHERE da.kind = 'participant'
             ORDER BY coalesce(n.submitted_at, n.created_at), n.note_id",
            enc = ms("n.encounter_at"),
            sub = ms("coalesce(n.submitted_at, n.created_at)"),
            rev = ms("r.reviewed_at"),
        );
        let rows = sqlx::query(safe(sql))
            .bind(supervisor)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(queue_row).collect()
    }

    /// The names of the enrolled devices among `ids`.
    pub async fn device_names(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError> {
        Ok(
            sqlx::query_as("SELECT id, name FROM devices WHERE id = ANY($1)")
                .bind(ids)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// When the server received each change of `document`: (hash, ms).
    pub async fn change_received_times(
        &self,
        document: Uuid,
    ) -> Result<Vec<(Vec<u8>, i64)>, DbError> {
        Ok(sqlx::query_as(safe(format!(
            "SELECT hash, {} FROM changes WHERE document_id = $1",
            ms("received_at")
        )))
        .bind(document)
        .fetch_all(self.pool())
        .await?)
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
        let rows: Vec<(Uuid, Uuid, String, Option<i64>, bool)> = sqlx::query_as(safe(format!(
            "WITH {PEERS_CTE}
             SELECT d.id, d.user_id, d.name, {seen},
                    (d.last_seen_at IS NULL OR d.last_seen_at < now() - make_interval(hours => $2))
             FROM devices d JOIN peers p ON p.id = d.user_id
             WHERE d.revoked_at IS NULL
             ORDER BY d.last_seen_at ASC NULLS FIRST, d.name",
            seen = ms("d.last_seen_at")
        )))
        .bind(supervisor)
        .bind(i32::try_from(stale_hours).unwrap_or(i32::MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(device_id, peer_id, name, last_seen_at, stale)| DeviceSeen {
                    device_id,
                    peer_id,
                    name,
                    last_seen_at,
                    stale,
                },
            )
            .collect())
    }

    /// Accompaniment logs of the participant records of `supervisor`'s
    /// teams created in `[from_ms, to_ms)`, by `peer` (a user id) when
    /// given, oldest first.
    pub async fn team_accompaniments(
        &self,
        supervisor: Uuid,
        peer: Option<Uuid>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AccompanimentLine>, DbError> {
        let sql = format!(
            "WITH {PEERS_CTE}
             SELECT a.document_id, pda.document_id, pa.display_name, a.peer_id, pu.display_name,
                    a.kind, a.place, a.provider, a.status,
                    {sch}, {dep}, {arr}, {sta}, {end}, {ret},
                    a.outcome, {cre},
                    coalesce(array_agg(f.text ORDER BY f.created_at) FILTER (WHERE f.follow_up_id IS NOT NULL), '{{}}'),
                    coalesce(array_agg(f.due_on::text ORDER BY f.created_at) FILTER (WHERE f.follow_up_id IS NOT NULL), '{{}}')
             FROM accompaniments a
             JOIN document_access ada ON ada.document_id = a.document_id AND ada.kind = 'accompaniment'
             JOIN document_access pda ON pda.document_id = ada.participant AND pda.kind = 'participant'
             JOIN peers p ON p.id = pda.owner_id
             JOIN participants pa ON pa.document_id = pda.document_id
             LEFT JOIN users pu ON pu.id::text = a.peer_id
             LEFT JOIN follow_ups f ON f.document_id = a.document_id AND NOT f.done
             WHERE a.created_at >= to_timestamp($2::float8 / 1000)
               AND a.created_at < to_timestamp($3::float8 / 1000)
               AND ($4::uuid IS NULL OR a.peer_id = $4::uuid::text)
             GROUP BY a.document_id, pda.document_id, pa.display_name, pu.display_name
             ORDER BY a.created_at, a.document_id",
            sch = ms("a.scheduled_at"),
            dep = ms("a.departed_at"),
            arr = ms("a.arrived_at"),
            sta = ms("a.started_at"),
            end = ms("a.ended_at"),
            ret = ms("a.returned_at"),
            cre = ms("a.created_at"),
        );
        let rows = sqlx::query(safe(sql))
            .bind(supervisor)
            .bind(from_ms as f64)
            .bind(to_ms as f64)
            .bind(peer)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(accompaniment_line).collect()
    }
}

fn queue_row(r: &PgRow) -> Result<QueueRow, DbError> {
    let state: Option<String> = r.try_get(12)?;
    let review = match state {
        Some(state) => Some(ReviewSummary {
            state,
            comment: r.try_get(13)?,
            reviewed_at: r.try_get(14)?,
            heads: r.try_get(15)?,
        }),
        None => None,
    };
    Ok(QueueRow {
        document: r.try_get(0)?,
        participant_name: r.try_get(1)?,
        owner_id: r.try_get(2)?,
        note_id: r.try_get(3)?,
        author_id: r.try_get(4)?,
        author_name: r.try_get(5)?,
        device_id: r.try_get(6)?,
        status: r.try_get(7)?,
        part2: r.try_get(8)?,
        service_date: r.try_get(9)?,
        encounter_at: r.try_get(10)?,
        submitted_at: r.try_get(11)?,
        review,
        changed_since_review: r.try_get(16)?,
    })
}

fn accompaniment_line(r: &PgRow) -> Result<AccompanimentLine, DbError> {
    let texts: Vec<String> = r.try_get(17)?;
    let dues: Vec<Option<String>> = r.try_get(18)?;
    Ok(AccompanimentLine {
        document: r.try_get(0)?,
        participant: r.try_get(1)?,
        participant_name: r.try_get(2)?,
        peer_id: r.try_get(3)?,
        peer_name: r.try_get(4)?,
        kind: r.try_get(5)?,
        place: r.try_get(6)?,
        provider: r.try_get(7)?,
        status: r.try_get(8)?,
        scheduled_at: r.try_get(9)?,
        departed_at: r.try_get(10)?,
        arrived_at: r.try_get(11)?,
        started_at: r.try_get(12)?,
        ended_at: r.try_get(13)?,
        returned_at: r.try_get(14)?,
        outcome: r.try_get(15)?,
        created_at: r.try_get(16)?,
        open_follow_ups: texts.into_iter().zip(dues).collect(),
    })
}
