//! Writing the projection: a document's rows are replaced wholesale, inside
//! the transaction of the merge that produced them (or of a rebuild).

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::rows::{AccompanimentRows, ParticipantRows, Projection};
use super::{Db, DbError};

/// Replaces the projection rows of `document`.
pub(crate) async fn write(
    tx: &mut Transaction<'static, Postgres>,
    document: Uuid,
    projection: &Projection,
) -> Result<(), DbError> {
    match projection {
        Projection::Participant(rows) => write_participant(tx, document, rows).await,
        Projection::Accompaniment(rows) => write_accompaniment(tx, document, rows).await,
        Projection::Nothing => Ok(()),
    }
}

async fn write_participant(
    tx: &mut Transaction<'static, Postgres>,
    document: Uuid,
    p: &ParticipantRows,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO participants (document_id, display_name, pronouns) VALUES ($1, $2, $3)
         ON CONFLICT (document_id) DO UPDATE
         SET display_name = EXCLUDED.display_name, pronouns = EXCLUDED.pronouns, projected_at = now()",
    )
    .bind(document)
    .bind(&p.display_name)
    .bind(&p.pronouns)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM notes WHERE document_id = $1")
        .bind(document)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM reviews WHERE document_id = $1")
        .bind(document)
        .execute(&mut **tx)
        .await?;
    let insert_note = "INSERT INTO notes (document_id, note_id, author_id, device_id, service_date,
            encounter_at, encounter_end_at, billing_units, setting, service_code, status, part2,
            intervention, purpose, response, plan, participant_comment, accompaniment_id,
            created_at, submitted_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::date, to_timestamp($6::float8 / 1000), to_timestamp($7::float8 / 1000), $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, to_timestamp($19::float8 / 1000), to_timestamp($20::float8 / 1000), to_timestamp($21::float8 / 1000))";
    for n in &p.notes {
        sqlx::query(insert_note)
            .bind(document)
            .bind(n.note_id)
            .bind(&n.author_id)
            .bind(&n.device_id)
            .bind(&n.service_date)
            .bind(n.encounter_at)
            .bind(n.encounter_end_at)
            .bind(n.billing_units)
            .bind(&n.setting)
            .bind(&n.service_code)
            .bind(&n.status)
            .bind(n.part2)
            .bind(&n.intervention)
            .bind(&n.purpose)
            .bind(&n.response)
            .bind(&n.plan)
            .bind(&n.participant_comment)
            .bind(&n.accompaniment_id)
            .bind(n.created_at)
            .bind(n.submitted_at)
            .bind(n.updated_at)
            .execute(&mut **tx)
            .await?;
    }
    let insert_review =
        "INSERT INTO reviews (document_id, review_id, note_id, state, comment, reviewer_id,
            reviewed_at, heads)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::float8 / 1000), $8)";
    for r in &p.reviews {
        sqlx::query(insert_review)
            .bind(document)
            .bind(r.review_id)
            .bind(r.note_id)
            .bind(&r.state)
            .bind(&r.comment)
            .bind(&r.reviewer_id)
            .bind(r.reviewed_at)
            .bind(&r.heads)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn write_accompaniment(
    tx: &mut Transaction<'static, Postgres>,
    document: Uuid,
    a: &AccompanimentRows,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM accompaniments WHERE document_id = $1")
        .bind(document)
        .execute(&mut **tx)
        .await?;
    let insert = "INSERT INTO accompaniments (document_id, participant_id, peer_id, kind, place, provider,
            scheduled_at, departed_at, arrived_at, started_at, ended_at, returned_at, transport,
            purpose, outcome, barriers, status, note_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::float8 / 1000), to_timestamp($8::float8 / 1000), to_timestamp($9::float8 / 1000), to_timestamp($10::float8 / 1000), to_timestamp($11::float8 / 1000), to_timestamp($12::float8 / 1000), $13, $14, $15, $16, $17, $18, to_timestamp($19::float8 / 1000))";
    sqlx::query(insert)
        .bind(document)
        .bind(&a.participant_id)
        .bind(&a.peer_id)
        .bind(&a.kind)
        .bind(&a.place)
        .bind(&a.provider)
        .bind(a.scheduled_at)
        .bind(a.departed_at)
        .bind(a.arrived_at)
        .bind(a.started_at)
        .bind(a.ended_at)
        .bind(a.returned_at)
        .bind(&a.transport)
        .bind(&a.purpose)
        .bind(&a.outcome)
        .bind(&a.barriers)
        .bind(&a.status)
        .bind(&a.note_id)
        .bind(a.created_at)
        .execute(&mut **tx)
        .await?;
    let insert_follow_up = "INSERT INTO follow_ups (document_id, follow_up_id, text, due_on, done, done_at, created_at)
         VALUES ($1, $2, $3, $4::date, $5, to_timestamp($6::float8 / 1000), to_timestamp($7::float8 / 1000))";
    for f in &a.follow_ups {
        sqlx::query(insert_follow_up)
            .bind(document)
            .bind(f.follow_up_id)
            .bind(&f.text)
            .bind(&f.due_on)
            .bind(f.done)
            .bind(f.done_at)
            .bind(f.created_at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Replaces a document's projection rows (for rebuilds).
    pub async fn write_projection(
        &self,
        document: Uuid,
        projection: &Projection,
    ) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        write(&mut tx, document, projection).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every projection row as text, in a stable order: for comparing the
    /// projection kept up to date by merges with a rebuilt one.
    pub async fn projection_dump(&self) -> Result<Vec<String>, DbError> {
        let mut out = Vec::new();
        for (table, order) in [
            ("participants", "document_id"),
            ("notes", "document_id, note_id"),
            ("reviews", "document_id, review_id"),
            ("accompaniments", "document_id"),
            ("follow_ups", "document_id, follow_up_id"),
        ] {
            // Table and column names come from the fixed list above.
            let sql = format!(
                "SELECT (to_jsonb(t) - 'projected_at')::text FROM {table} t ORDER BY {order}"
            );
            let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(self.pool())
                .await?;
            out.extend(rows.into_iter().map(|(r,)| format!("{table} {r}")));
        }
        Ok(out)
    }
}
