//! The projection as plain rows ([`crate::db::rows`]), derived from a
//! merged document with the typed views of `alongside_shared::doc`. No SQL
//! here: `db::projection` writes these rows in the merge's transaction.
//!
//! A document that does not read as its kind (invalid, or not one of ours)
//! projects to nothing; until write validation refuses such documents
//! (issue 4) they simply have no rows.

use alongside_shared::doc::accompaniment::Accompaniment;
use alongside_shared::doc::participant::Participant;
use alongside_shared::doc::read::{read_accompaniment, read_participant};
use automerge::{AutoCommit, ROOT, ReadDoc};

pub use crate::db::rows::{
    AccompanimentRows, FollowUpRow, NoteRow, ParticipantRows, Projection, ReviewRow,
};

/// Minutes in one billing unit of peer support (HCPCS H0038 is billed in
/// 15-minute units).
pub const BILLING_UNIT_MINUTES: i64 = 15;

/// Billing units for an encounter: whole 15-minute units, at least one for
/// any encounter that lasted, none for an empty or inverted one.
pub fn billing_units(start_ms: i64, end_ms: i64) -> i32 {
    let minutes = (end_ms - start_ms) / 60_000;
    if minutes <= 0 {
        return 0;
    }
    i32::try_from((minutes / BILLING_UNIT_MINUTES).max(1)).unwrap_or(i32::MAX)
}

/// The `@type` of a document, whether written as a string or as Text.
pub fn document_kind(doc: &AutoCommit) -> Option<String> {
    match doc.get(ROOT, "@type").ok()?? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        (automerge::Value::Object(automerge::ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

/// The projection of a document.
pub fn project(doc: &AutoCommit) -> Projection {
    match document_kind(doc).as_deref() {
        Some("alongside/participant") => read_participant(doc)
            .map(|p| Projection::Participant(participant_rows(&p)))
            .unwrap_or(Projection::Nothing),
        Some("alongside/accompaniment") => read_accompaniment(doc)
            .map(|a| Projection::Accompaniment(Box::new(accompaniment_rows(&a))))
            .unwrap_or(Projection::Nothing),
        _ => Projection::Nothing,
    }
}

fn participant_rows(p: &Participant) -> ParticipantRows {
    ParticipantRows {
        display_name: p.profile.display_name.as_str().to_owned(),
        pronouns: p.profile.pronouns.clone(),
        notes: p
            .notes
            .iter()
            .map(|(id, n)| NoteRow {
                note_id: *id,
                author_id: n.author_id.clone(),
                device_id: n.device_id.clone(),
                service_date: n.service_date.as_str().to_owned(),
                encounter_at: n.encounter_at.0,
                encounter_end_at: n.encounter_end_at.0,
                billing_units: billing_units(n.encounter_at.0, n.encounter_end_at.0),
                setting: n.setting.clone(),
                service_code: n.service_code.clone(),
                status: n.status.as_str().to_owned(),
                part2: n.part2.unwrap_or(false),
                intervention: n.narrative.intervention.as_str().to_owned(),
                purpose: n.narrative.purpose.as_str().to_owned(),
                response: n.narrative.response.as_str().to_owned(),
                plan: n.narrative.plan.as_str().to_owned(),
                participant_comment: n
                    .participant_comment
                    .as_ref()
                    .map(|t| t.as_str().to_owned())
                    .filter(|t| !t.is_empty()),
                accompaniment_id: n.accompaniment_id.clone(),
                created_at: n.created_at.0,
                submitted_at: n.submitted_at.map(|t| t.0),
                updated_at: n.updated_at.map(|t| t.0),
            })
            .collect(),
        reviews: p
            .reviews
            .iter()
            .map(|(id, r)| ReviewRow {
                review_id: *id,
                note_id: r.note_id,
                state: r.state.as_str().to_owned(),
                comment: r.comment.as_str().to_owned(),
                reviewer_id: r.reviewer_id.clone(),
                reviewed_at: r.at.0,
                heads: r.heads.clone(),
            })
            .collect(),
    }
}

fn accompaniment_rows(a: &Accompaniment) -> AccompanimentRows {
    AccompanimentRows {
        participant_id: a.participant_id.clone(),
        peer_id: a.peer_id.clone(),
        kind: a.appointment.kind.as_str().to_owned(),
        place: a.appointment.place.as_str().to_owned(),
        provider: a.appointment.provider.clone(),
        scheduled_at: a.appointment.scheduled_at.map(|t| t.0),
        departed_at: a.departed_at.map(|t| t.0),
        arrived_at: a.arrived_at.map(|t| t.0),
        started_at: a.started_at.map(|t| t.0),
        ended_at: a.ended_at.map(|t| t.0),
        returned_at: a.returned_at.map(|t| t.0),
        transport: a.transport.map(|t| t.as_str().to_owned()),
        purpose: a.purpose.as_str().to_owned(),
        outcome: a.outcome.as_str().to_owned(),
        barriers: a.barriers.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        note_id: a.note_id.clone(),
        created_at: a.created_at.0,
        follow_ups: a
            .follow_ups
            .iter()
            .map(|(id, f)| FollowUpRow {
                follow_up_id: *id,
                text: f.text.as_str().to_owned(),
                due_on: f.due_on.as_ref().map(|d| d.as_str().to_owned()),
                done: f.done,
                done_at: f.done_at.map(|t| t.0),
                created_at: f.created_at.0,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_units_are_whole_quarter_hours_with_a_minimum_of_one() {
        let m = 60_000;
        assert_eq!(billing_units(0, 0), 0);
        assert_eq!(billing_units(10 * m, 0), 0);
        assert_eq!(billing_units(0, 5 * m), 1);
        assert_eq!(billing_units(0, 15 * m), 1);
        assert_eq!(billing_units(0, 44 * m), 2);
        assert_eq!(billing_units(0, 60 * m), 4);
    }
}
