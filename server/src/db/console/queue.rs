//! The review queue: every note of the supervisor's teams with its latest
//! review, and what a note's page shows of its changes (the devices that
//! wrote them, when the server received them).

use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::{PEERS_CTE, ms, safe};
use crate::db::{Db, DbError};

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

impl Db {
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
