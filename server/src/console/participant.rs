//! One participant's merged record (`GET /participants/{document}`):
//! profile, goals, and notes in time order with author, device, encounter
//! and sync times, status and review standing; 42 CFR Part 2 notes
//! marked; what changed in a note since its last review; every value
//! Automerge set aside among concurrent writes; and the review form.
//!
//! A record outside the supervisor's teams is answered exactly like one
//! that does not exist (404), and the attempt is audited.

use std::collections::HashMap;
use std::net::SocketAddr;

use alongside_shared::doc::participant::{Note, Participant, Review};
use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::{NoteStatus, ReviewState};
use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleState;
use super::page::{ConsoleError, Section, layout, respond};
use super::queue::ReviewStanding;
use super::record::{self, ChangeIndex, Conflict, FieldChange};
use super::session::Supervisor;
use super::time;
use crate::audit::console as audited;
use crate::audit::console::Viewer;
use crate::store::codec;

/// Parses a document id from a URL: the bs58check form the rest of the
/// system uses, or a UUID.
pub fn parse_document(text: &str) -> Option<Uuid> {
    text.parse::<DocumentId>()
        .map(|d| d.to_uuid())
        .ok()
        .or_else(|| Uuid::parse_str(text).ok())
}

/// A record the supervisor may see, loaded: the document, its typed view.
pub struct Loaded {
    /// The Automerge document.
    pub doc: AutoCommit,
    /// The typed record.
    pub record: Participant,
}

/// Loads participant record `document` if `who` may see it; otherwise
/// [`ConsoleError::NotFound`] (audited as a denial).
pub async fn load_visible(
    state: &ConsoleState,
    who: Viewer<'_>,
    addr: SocketAddr,
    document: Uuid,
    what: &str,
) -> Result<Loaded, ConsoleError> {
    if !state
        .db
        .supervisor_sees_participant(who.user, document)
        .await?
    {
        audited::denied(&state.audit, who, addr, document, what).await;
        return Err(ConsoleError::NotFound);
    }
    let stored = state
        .db
        .load(document)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let doc =
        codec::load(&stored).map_err(|e| ConsoleError::Internal(format!("{document}: {e}")))?;
    let record =
        read_participant(&doc).map_err(|e| ConsoleError::Internal(format!("{document}: {e}")))?;
    Ok(Loaded { doc, record })
}

/// The latest review of each note.
pub fn latest_reviews(record: &Participant) -> HashMap<Uuid, (Uuid, &Review)> {
    let mut latest: HashMap<Uuid, (Uuid, &Review)> = HashMap::new();
    for (id, review) in &record.reviews {
        let newer = latest
            .get(&review.note_id)
            .is_none_or(|(rid, r)| (review.at, *id) > (r.at, *rid));
        if newer {
            latest.insert(review.note_id, (*id, review));
        }
    }
    latest
}

/// Where `note` stands, given its latest review; with the fields changed
/// since that review.
pub fn standing(
    doc: &mut AutoCommit,
    note_id: Uuid,
    note: &Note,
    latest: Option<&Review>,
) -> (ReviewStanding, Vec<FieldChange>) {
    let Some(review) = latest else {
        let s = if note.status == NoteStatus::Submitted {
            ReviewStanding::Awaiting
        } else {
            ReviewStanding::Draft
        };
        return (s, Vec::new());
    };
    let changes = match record::note_at(doc, note_id, &review.heads) {
        Some(then) => record::changes_between(&then, note),
        None => Vec::new(),
    };
    let changed = record::changed_since(doc, note_id, &review.heads);
    let s = match (review.state, changed) {
        (ReviewState::Approved, false) => ReviewStanding::Approved,
        (ReviewState::Approved, true) => ReviewStanding::Amended,
        (ReviewState::ChangesRequested, false) => ReviewStanding::ChangesRequested,
        (ReviewState::ChangesRequested, true) => ReviewStanding::Revised,
    };
    (s, changes)
}

/// `?reviewed=…` after a review was saved.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    reviewed: Option<String>,
}

/// `GET /participants/{document}`.
pub async fn page(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
    Path(document): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ConsoleError> {
    let document = parse_document(&document).ok_or(ConsoleError::NotFound)?;
    let Loaded { mut doc, record } =
        load_visible(&state, who.viewer(), addr, document, "participant record").await?;
    audited::viewed(
        &state.audit,
        who.viewer(),
        addr,
        Some(document),
        "participant record",
    )
    .await;

    let received: HashMap<Vec<u8>, i64> = state
        .db
        .change_received_times(document)
        .await?
        .into_iter()
        .collect();
    let index = ChangeIndex::new(&mut doc);
    let names: HashMap<String, String> = state
        .db
        .supervised_peers(who.user_id)
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.display_name))
        .collect();
    let device_ids: Vec<Uuid> = record
        .notes
        .values()
        .filter_map(|n| Uuid::parse_str(&n.device_id).ok())
        .collect();
    let devices: HashMap<String, String> = state
        .db
        .device_names(&device_ids)
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let conflicts = record::conflicts(&doc);
    let heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    let latest = latest_reviews(&record);

    let mut notes: Vec<(&Uuid, &Note)> = record.notes.iter().collect();
    notes.sort_by_key(|(id, n)| (n.encounter_at, **id));
    let mut rendered = Vec::with_capacity(notes.len());
    for (id, note) in notes {
        let (standing, changes) = standing(&mut doc, *id, note, latest.get(id).map(|(_, r)| *r));
        let synced = record::last_change_of_note(&doc, &index, *id)
            .and_then(|h| received.get(h.0.as_slice()).copied());
        let mut history: Vec<&Review> = record
            .reviews
            .values()
            .filter(|r| r.note_id == *id)
            .collect();
        history.sort_by_key(|r| r.at);
        let prefix = format!("notes.{id}.");
        let note_conflicts: Vec<&Conflict> = conflicts
            .iter()
            .filter(|c| c.path.starts_with(&prefix))
            .collect();
        rendered.push(note_card(NoteCard {
            document,
            id: *id,
            note,
            standing,
            changes: &changes,
            synced,
            history: &history,
            conflicts: &note_conflicts,
            names: &names,
            devices: &devices,
            csrf: &who.csrf,
            heads: &heads,
            just_reviewed: query.reviewed.as_deref() == Some(&id.to_string()),
        }));
    }
    let other_conflicts: Vec<&Conflict> = conflicts
        .iter()
        .filter(|c| !c.path.starts_with("notes."))
        .collect();
    let profile = &record.profile;
    let title = profile.display_name.as_str().to_owned();
    let body = html! {
        section aria-labelledby="profile-h" {
            h2 #profile-h { "Profile" }
            dl.meta {
                dt { "Name" } dd { (profile.display_name.as_str()) }
                @if let Some(p) = &profile.preferred_name { @if !p.as_str().is_empty() {
                    dt { "Preferred name" } dd { (p.as_str()) }
                } }
                @if let Some(p) = &profile.pronouns { dt { "Pronouns" } dd { (p) } }
                @if let Some(l) = &profile.preferred_language { dt { "Language" } dd { (l) } }
            }
        }
        section aria-labelledby="goals-h" {
            h2 #goals-h { "Recovery goals" }
            @if record.goals.is_empty() { p { "No goals recorded yet." } }
            ul {
                @for goal in record.goals.values() {
                    li { (goal.text.as_str()) " " span.badge { (goal.status.as_str()) } }
                }
            }
        }
        @if !other_conflicts.is_empty() {
            section aria-labelledby="conflicts-h" {
                h2 #conflicts-h { "Concurrent edits" }
                (conflict_list(&other_conflicts))
            }
        }
        section aria-labelledby="notes-h" {
            h2 #notes-h { "Progress notes" }
            @if rendered.is_empty() { p { "No notes yet." } }
            @for card in rendered { (card) }
        }
    };
    Ok(respond(layout(&title, Some(&who), Section::Queue, body)))
}

struct NoteCard<'a> {
    document: Uuid,
    id: Uuid,
    note: &'a Note,
    standing: ReviewStanding,
    changes: &'a [FieldChange],
    synced: Option<i64>,
    history: &'a [&'a Review],
    conflicts: &'a [&'a Conflict],
    names: &'a HashMap<String, String>,
    devices: &'a HashMap<String, String>,
    csrf: &'a str,
    heads: &'a [String],
    just_reviewed: bool,
}

fn conflict_list(conflicts: &[&Conflict]) -> Markup {
    html! {
        ul.conflicts {
            @for c in conflicts {
                li.conflict {
                    "Concurrent edits of " code { (c.path) } ": shown " strong { (c.shown) }
                    "; also written: "
                    @for (i, other) in c.others.iter().enumerate() {
                        @if i > 0 { ", " }
                        em { (other) }
                    }
                }
            }
        }
    }
}

fn note_card(c: NoteCard<'_>) -> Markup {
    let n = c.note;
    let author = c
        .names
        .get(&n.author_id)
        .cloned()
        .or_else(|| n.author_name.clone())
        .unwrap_or_else(|| n.author_id.clone());
    let review_action = format!(
        "/participants/{}/notes/{}/review",
        DocumentId::from_uuid(c.document),
        c.id
    );
    let part2 = n.part2.unwrap_or(false);
    html! {
        article.card #{"note-" (c.id)} data-state=(c.standing.as_str()) aria-labelledby={"note-h-" (c.id)} {
            h3 #{"note-h-" (c.id)} {
                (n.service_date.as_str()) " · " (n.service_code) " · " (n.setting) " "
                span class={"badge " (c.standing.as_str())} { (c.standing.label()) }
                @if part2 { " " span.badge.part2 title="42 CFR Part 2: substance-use content; do not redisclose" { "42 CFR Part 2" } }
            }
            @if c.just_reviewed {
                p.notice role="status" { "Review saved. It reaches the worker's devices when they next sync." }
            }
            dl.meta {
                dt { "Author" } dd { (author) @if let Some(cr) = &n.credentials { ", " (cr) } }
                dt { "Device" } dd {
                    @match c.devices.get(&n.device_id) {
                        Some(name) => { (name) " " },
                        None => {},
                    }
                    code { (n.device_id) }
                }
                dt { "Encounter" } dd { (time::date_time(n.encounter_at.millis())) " – " (time::date_time(n.encounter_end_at.millis())) " UTC" }
                dt { "Synced" } dd { @match c.synced { Some(ms) => { (time::date_time(ms)) " UTC" }, None => "unknown" } }
                dt { "Status" } dd { (n.status.as_str()) @if let Some(s) = n.submitted_at { " (" (time::date_time(s.millis())) ")" } }
            }
            div.narrative {
                h4 { "Intervention" } p { (n.narrative.intervention.as_str()) }
                h4 { "Purpose" } p { (n.narrative.purpose.as_str()) }
                h4 { "Response" } p { (n.narrative.response.as_str()) }
                h4 { "Plan" } p { (n.narrative.plan.as_str()) }
                @if let Some(pc) = &n.participant_comment { @if !pc.as_str().is_empty() {
                    h4 { "Participant's comment" } p { (pc.as_str()) }
                } }
            }
            @if !c.conflicts.is_empty() { (conflict_list(c.conflicts)) }
            @if !c.changes.is_empty() && matches!(c.standing, ReviewStanding::Amended | ReviewStanding::Revised) {
                section.diff aria-label="Changes since the last review" {
                    h4 { "Changed since the last review" }
                    table {
                        thead { tr { th scope="col" { "Field" } th scope="col" { "Reviewed version" } th scope="col" { "Now" } } }
                        tbody {
                            @for ch in c.changes {
                                tr { td { (ch.field) } td { del { (ch.before) } } td { ins { (ch.after) } } }
                            }
                        }
                    }
                }
            }
            @if !c.history.is_empty() {
                h4 { "Reviews" }
                ul.reviews {
                    @for r in c.history {
                        li {
                            (time::date_time(r.at.millis())) " · " strong { (r.state.as_str()) }
                            " by " (r.reviewer_name.as_deref().unwrap_or(&r.reviewer_id))
                            @if !r.comment.as_str().is_empty() { ": “" (r.comment.as_str()) "”" }
                        }
                    }
                }
            }
            @if n.status == NoteStatus::Submitted {
                form.review-form method="post" action=(review_action) {
                    input type="hidden" name="csrf" value=(c.csrf);
                    input type="hidden" name="heads" value=(c.heads.join(","));
                    div {
                        label for={"comment-" (c.id)} { "Comment for the worker" }
                        textarea #{"comment-" (c.id)} name="comment" maxlength="4000" {}
                    }
                    div.review-actions {
                        button type="submit" name="decision" value="approve" { "Approve" }
                        button.secondary type="submit" name="decision" value="request-changes" { "Request changes" }
                    }
                }
            }
        }
    }
}
