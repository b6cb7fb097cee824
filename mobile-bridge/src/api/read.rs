//! Building the plain views from documents (targeted reads only: one
//! note, the reviews map, one accompaniment).

use alongside_shared::doc::DocError;
use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::accompaniment::Step;
use alongside_shared::doc::edit::text::read_text;
use alongside_shared::doc::read::{read_accompaniment, read_note, read_review};
use alongside_shared::doc::rules::standing::standing_of;
use alongside_shared::doc::rules::{StepTimes, out_of_order};
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, Value};
use uuid::Uuid;

use super::error::ApiError;
use super::{AccompanimentView, FollowUpView, NoteView, ReviewView};

/// The UUID keys of the root collection map `name` (empty if absent).
pub(super) fn collection_ids(doc: &AutoCommit, name: &str) -> Result<Vec<Uuid>, ApiError> {
    match doc.get(ROOT, name).map_err(DocError::from)? {
        Some((Value::Object(ObjType::Map), obj)) => Ok(doc
            .keys(&obj)
            .filter_map(|k| Uuid::parse_str(&k).ok())
            .collect()),
        _ => Ok(Vec::new()),
    }
}

/// One note with its reviews.
pub(super) fn note_view(
    doc: &AutoCommit,
    pid: &DocumentId,
    id: Uuid,
) -> Result<NoteView, ApiError> {
    let n = read_note(doc, id).map_err(|e| match e {
        DocError::NotFound { .. } => ApiError::UnknownNote(id.to_string()),
        other => other.into(),
    })?;
    let comment_path = ParticipantText::ParticipantComment(id);
    let start = n.encounter_at.millis();
    let end = n.encounter_end_at.millis();
    Ok(NoteView {
        id: id.to_string(),
        participant_id: pid.to_string(),
        status: n.status.to_string(),
        review_state: standing_of(doc, id, &n)?.as_str().to_owned(),
        service_date: n.service_date.to_string(),
        start,
        end,
        units: (end.saturating_sub(start) + 7 * 60_000 + 30_000) / (15 * 60_000),
        setting: n.setting,
        service_code: n.service_code,
        intervention: n.narrative.intervention.as_str().to_owned(),
        purpose: n.narrative.purpose.as_str().to_owned(),
        response: n.narrative.response.as_str().to_owned(),
        plan: n.narrative.plan.as_str().to_owned(),
        participant_comment: read_text(doc, comment_path).unwrap_or_default(),
        author_id: n.author_id,
        author_name: n.author_name,
        device_id: n.device_id,
        part2: n.part2.unwrap_or(false),
        created_at: n.created_at.millis(),
        submitted_at: n.submitted_at.map(|t| t.millis()),
        signed_by: n.signature.map(|s| s.by),
        reviews: review_views(doc, Some(id))?,
    })
}

/// Reviews (of `note` only, if given), oldest first.
pub(super) fn review_views(
    doc: &AutoCommit,
    note: Option<Uuid>,
) -> Result<Vec<ReviewView>, ApiError> {
    let mut out = Vec::new();
    for id in collection_ids(doc, "reviews")? {
        let r = read_review(doc, id)?;
        if note.is_some_and(|n| n != r.note_id) {
            continue;
        }
        out.push(ReviewView {
            id: id.to_string(),
            note_id: r.note_id.to_string(),
            state: r.state.to_string(),
            comment: r.comment.as_str().to_owned(),
            reviewer_id: r.reviewer_id,
            reviewer_name: r.reviewer_name,
            at: r.at.millis(),
        });
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// A whole accompaniment log.
pub(super) fn accompaniment_view(
    doc: &AutoCommit,
    id: &DocumentId,
) -> Result<AccompanimentView, ApiError> {
    let a = read_accompaniment(doc)?;
    let times = StepTimes::read(doc)?;
    let entered_late: Vec<String> = [
        (Step::Departed, a.departed_entered_at),
        (Step::Arrived, a.arrived_entered_at),
        (Step::Started, a.started_entered_at),
        (Step::Ended, a.ended_entered_at),
        (Step::Returned, a.returned_entered_at),
    ]
    .into_iter()
    .filter(|(_, at)| at.is_some())
    .map(|(s, _)| s.name().to_owned())
    .collect();
    let mut follow_ups: Vec<_> = a
        .follow_ups
        .into_iter()
        .map(|(id, f)| {
            (
                f.created_at,
                FollowUpView {
                    id: id.to_string(),
                    text: f.text.as_str().to_owned(),
                    due_on: f.due_on.map(|d| d.to_string()),
                    done: f.done,
                    done_at: f.done.then_some(f.done_at).flatten().map(|t| t.millis()),
                },
            )
        })
        .collect();
    follow_ups.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    Ok(AccompanimentView {
        id: id.to_string(),
        participant_id: a.participant_id,
        peer_id: a.peer_id,
        kind: a.appointment.kind.to_string(),
        place: a.appointment.place.as_str().to_owned(),
        provider: a.appointment.provider,
        status: a.status.to_string(),
        departed_at: a.departed_at.map(|t| t.millis()),
        arrived_at: a.arrived_at.map(|t| t.millis()),
        seen_at: a.started_at.map(|t| t.millis()),
        ended_at: a.ended_at.map(|t| t.millis()),
        returned_at: a.returned_at.map(|t| t.millis()),
        entered_late,
        out_of_order: out_of_order(&times).map(|(a, b)| format!("{} after {}", a.name(), b.name())),
        purpose: a.purpose.as_str().to_owned(),
        outcome: a.outcome.as_str().to_owned(),
        barriers: a.barriers.as_str().to_owned(),
        follow_ups: follow_ups.into_iter().map(|(_, f)| f).collect(),
        note_id: a.note_id,
    })
}
