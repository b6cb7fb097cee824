//! The accompaniment logs of the supervisor's teams, by week and peer,
//! with their open follow-ups.

use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::{PEERS_CTE, ms, safe};
use crate::db::{Db, DbError};

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

impl Db {
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
