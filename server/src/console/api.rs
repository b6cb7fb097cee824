//! The console's data as JSON under `/api/v1`, for integrations: the same
//! queries and rules as the pages, authenticated by a **supervisor's**
//! device token (`Authorization: Bearer`, from `POST /api/v1/devices`);
//! any other role gets 403. Errors are the API's usual
//! `{"error", "message"}` ([`ApiError`]); every answer carrying
//! participant data is audited like a page view. Described by the OpenAPI
//! document at `/api/v1/openapi.json` ([`crate::http::api::openapi`]).
//!
//! - `GET /api/v1/review-queue?peer=&state=`
//! - `GET /api/v1/participants/{document}`
//! - `POST /api/v1/participants/{document}/notes/{note}/reviews`
//!   `{decision, comment, heads}`
//! - `GET /api/v1/team`
//! - `GET /api/v1/accompaniments?peer=&week=`

use std::collections::HashMap;
use std::net::SocketAddr;

use alongside_shared::doc::participant::Note;
use alongside_shared::wire::DocumentId;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::ConsoleState;
use super::accompaniments::{LogFilter, out_of_order, whole_trip, with_provider};
use super::page::ConsoleError;
use super::participant::{Loaded, latest_reviews, load_visible, parse_document, standing};
use super::queue::{QueueFilter, classified};
use super::record::{self, ChangeIndex};
use super::review::check;
use super::write::{NewReview, WriteError, write_review};
use super::{overview, time};
use crate::audit::console::{self as audited, Viewer};
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::auth::Role;
use crate::http::api::ApiError;
use crate::http::api::bearer::Device;
use crate::http::api::json::ApiJson;

/// A supervisor's device, from its bearer token.
#[derive(Debug, Clone)]
pub struct SupervisorDevice {
    /// The device and its user.
    pub device: Device,
}

impl SupervisorDevice {
    fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: self.device.principal.user_id,
            username: &self.device.principal.username,
            device: Some(self.device.device_id),
        }
    }

    fn user(&self) -> Uuid {
        self.device.principal.user_id
    }
}

impl FromRequestParts<ConsoleState> for SupervisorDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, ApiError> {
        let device = Device::from_request_parts(parts, state).await?;
        if device.principal.role != Role::Supervisor {
            return Err(ApiError::Forbidden(
                "only a supervisor's device may read the team's caseloads",
            ));
        }
        Ok(Self { device })
    }
}

impl From<ConsoleError> for ApiError {
    fn from(e: ConsoleError) -> Self {
        match e {
            ConsoleError::SignedOut => ApiError::Unauthorized { purge: false },
            ConsoleError::Csrf | ConsoleError::CrossOrigin => ApiError::Forbidden("forbidden"),
            ConsoleError::NotFound => ApiError::NotFound,
            ConsoleError::BadRequest(why) => ApiError::BadRequest(why),
            ConsoleError::Db(e) => e.into(),
            ConsoleError::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// The routes, nested under `/api/v1` beside the device API.
pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route("/review-queue", get(queue))
        .route("/participants/{document}", get(participant))
        .route(
            "/participants/{document}/notes/{note}/reviews",
            post(review),
        )
        .route("/team", get(team))
        .route("/accompaniments", get(accompaniments))
        .layer(map_response(no_store))
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn doc_id(document: Uuid) -> String {
    DocumentId::from_uuid(document).to_string()
}

/// `GET /api/v1/review-queue`.
async fn queue(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: SupervisorDevice,
    Query(query): Query<QueueFilter>,
) -> Result<Json<Value>, ApiError> {
    let filter = query.parse()?;
    let entries = classified(&state.db, who.user()).await?;
    audited::viewed(&state.audit, who.viewer(), addr, None, "review queue (API)").await;
    let notes: Vec<Value> = entries
        .iter()
        .filter(|e| filter.admits(e))
        .map(|e| {
            let r = &e.row;
            json!({
                "participant": doc_id(r.document),
                "participantName": r.participant_name,
                "noteId": r.note_id,
                "authorId": r.author_id,
                "authorName": r.author_name,
                "deviceId": r.device_id,
                "status": r.status,
                "part2": r.part2,
                "serviceDate": r.service_date,
                "submittedAt": r.submitted_at,
                "state": e.standing.as_str(),
                "latestReview": r.review.as_ref().map(|v| json!({
                    "state": v.state, "comment": v.comment,
                    "reviewedAt": v.reviewed_at, "heads": v.heads,
                })),
            })
        })
        .collect();
    Ok(Json(json!({ "notes": notes })))
}

fn note_json(id: Uuid, note: &Note) -> Value {
    let content: serde_json::Map<String, Value> = record::note_content(note)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    json!({
        "noteId": id,
        "authorId": note.author_id,
        "deviceId": note.device_id,
        "status": note.status.as_str(),
        "part2": note.part2.unwrap_or(false),
        "encounterAt": note.encounter_at.millis(),
        "encounterEndAt": note.encounter_end_at.millis(),
        "submittedAt": note.submitted_at.map(|t| t.millis()),
        "updatedAt": note.updated_at.map(|t| t.millis()),
        "content": content,
    })
}

/// `GET /api/v1/participants/{document}`.
async fn participant(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: SupervisorDevice,
    Path(document): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let document = parse_document(&document).ok_or(ApiError::NotFound)?;
    let Loaded { mut doc, record } = load_visible(
        &state,
        who.viewer(),
        addr,
        document,
        "participant record (API)",
    )
    .await?;
    audited::viewed(
        &state.audit,
        who.viewer(),
        addr,
        Some(document),
        "participant record (API)",
    )
    .await;
    let received: HashMap<Vec<u8>, i64> = state
        .db
        .change_received_times(document)
        .await?
        .into_iter()
        .collect();
    let index = ChangeIndex::new(&mut doc);
    let latest = latest_reviews(&record);
    let conflicts = record::conflicts(&doc);
    let mut notes: Vec<(&Uuid, &Note)> = record.notes.iter().collect();
    notes.sort_by_key(|(id, n)| (n.encounter_at, **id));
    let mut out = Vec::new();
    for (id, note) in notes {
        let (s, changes) = standing(&mut doc, *id, note, latest.get(id).map(|(_, r)| *r));
        let mut value = note_json(*id, note);
        value["state"] = json!(s.as_str());
        value["syncedAt"] = json!(
            record::last_change_of_note(&doc, &index, *id)
                .and_then(|h| received.get(h.0.as_slice()).copied())
        );
        value["changesSinceReview"] = json!(
            changes
                .iter()
                .map(|c| json!({"field": c.field, "before": c.before, "after": c.after}))
                .collect::<Vec<_>>()
        );
        out.push(value);
    }
    let reviews: Vec<Value> = record
        .reviews
        .iter()
        .map(|(id, r)| {
            json!({
                "reviewId": id, "noteId": r.note_id, "state": r.state.as_str(),
                "comment": r.comment.as_str(), "reviewerId": r.reviewer_id,
                "reviewerName": r.reviewer_name, "at": r.at.millis(), "heads": r.heads,
            })
        })
        .collect();
    let heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    Ok(Json(json!({
        "document": doc_id(document),
        "heads": heads,
        "profile": {
            "displayName": record.profile.display_name.as_str(),
            "preferredName": record.profile.preferred_name.as_ref().map(|t| t.as_str().to_owned()),
            "pronouns": record.profile.pronouns,
            "preferredLanguage": record.profile.preferred_language,
        },
        "goals": record.goals.iter().map(|(id, g)| json!({
            "goalId": id, "text": g.text.as_str(), "status": g.status.as_str(),
        })).collect::<Vec<_>>(),
        "notes": out,
        "reviews": reviews,
        "conflicts": conflicts.iter().map(|c| json!({
            "path": c.path, "shown": c.shown, "others": c.others,
        })).collect::<Vec<_>>(),
    })))
}

/// The body of a review.
#[derive(Debug, Deserialize)]
struct ReviewBody {
    decision: Option<String>,
    comment: Option<String>,
    heads: Option<Vec<String>>,
}

/// `POST /api/v1/participants/{document}/notes/{note}/reviews`.
async fn review(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: SupervisorDevice,
    Path((document, note)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let document = parse_document(&document).ok_or(ApiError::NotFound)?;
    let note = Uuid::parse_str(&note).map_err(|_| ApiError::NotFound)?;
    if !state
        .db
        .supervisor_sees_participant(who.user(), document)
        .await?
    {
        audited::denied(&state.audit, who.viewer(), addr, document, "review (API)").await;
        return Err(ApiError::NotFound);
    }
    let heads = body.heads.unwrap_or_default().join(",");
    let decision = check(
        body.decision.as_deref(),
        body.comment.as_deref(),
        Some(&heads),
    )?;
    let p = &who.device.principal;
    let audit = AuditRecord::new(AuditAction::WriteAccepted, AuditOutcome::Allowed)
        .user(p.user_id, &p.username)
        .device(who.device.device_id)
        .address(addr)
        .document(document)
        .detail(format!(
            "API review of note {note}: {}",
            decision.state.as_str()
        ));
    let name = state
        .db
        .user_by_name(&p.username)
        .await?
        .map_or_else(|| p.username.clone(), |u| u.display_name);
    let new = NewReview {
        note,
        state: decision.state,
        comment: decision.comment,
        reviewer: p.user_id,
        reviewer_name: name,
        seen_heads: decision.heads,
        at: time::now_ms(),
    };
    match write_review(&state.db, document, &new, audit).await {
        Ok(id) => Ok((StatusCode::CREATED, Json(json!({ "reviewId": id })))),
        Err(WriteError::NotFound) => Err(ApiError::NotFound),
        Err(WriteError::UnknownHeads) => Err(ApiError::BadRequest(
            "heads: not heads of this document; read the record again".into(),
        )),
        Err(WriteError::Db(e)) => Err(e.into()),
        Err(WriteError::Document(e)) => Err(ApiError::Internal(e)),
    }
}

/// `GET /api/v1/team`.
async fn team(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: SupervisorDevice,
) -> Result<Json<Value>, ApiError> {
    let hours = state.settings.stale_device_hours;
    let (peers, devices) = overview::figures(&state.db, who.user(), hours).await?;
    audited::viewed(
        &state.audit,
        who.viewer(),
        addr,
        None,
        "team overview (API)",
    )
    .await;
    Ok(Json(json!({
        "staleAfterHours": hours,
        "peers": peers.iter().map(|p| json!({
            "userId": p.load.peer.id, "username": p.load.peer.username,
            "displayName": p.load.peer.display_name, "caseload": p.load.caseload,
            "awaitingReview": p.awaiting, "amendedAfterReview": p.amended,
            "revisedAfterChangesRequested": p.revised,
            "accompanimentsThisWeek": p.load.accompaniments_this_week,
        })).collect::<Vec<_>>(),
        "devices": devices.iter().map(|d| json!({
            "deviceId": d.device_id, "userId": d.peer_id, "name": d.name,
            "lastSeenAt": d.last_seen_at, "stale": d.stale,
            "appVersion": d.app_version, "appVersionSeenAt": d.app_version_seen_at,
        })).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/accompaniments`.
async fn accompaniments(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: SupervisorDevice,
    Query(query): Query<LogFilter>,
) -> Result<Json<Value>, ApiError> {
    let f = query.parse(time::now_ms())?;
    let rows = state
        .db
        .team_accompaniments(who.user(), f.peer, f.week, f.week + 7 * time::DAY_MS)
        .await?;
    audited::viewed(
        &state.audit,
        who.viewer(),
        addr,
        None,
        "accompaniment logs (API)",
    )
    .await;
    Ok(Json(json!({
        "weekStart": time::date(f.week),
        "accompaniments": rows.iter().map(|l| json!({
            "document": doc_id(l.document), "participant": doc_id(l.participant),
            "participantName": l.participant_name, "peerId": l.peer_id, "peerName": l.peer_name,
            "kind": l.kind, "place": l.place, "provider": l.provider, "status": l.status,
            "scheduledAt": l.scheduled_at, "departedAt": l.departed_at, "arrivedAt": l.arrived_at,
            "startedAt": l.started_at, "endedAt": l.ended_at, "returnedAt": l.returned_at,
            "minutesWithProvider": with_provider(l).map(|ms| ms / 60_000),
            "minutesWholeTrip": whole_trip(l).map(|ms| ms / 60_000),
            "stepsOutOfOrder": out_of_order(l),
            "outcome": l.outcome, "createdAt": l.created_at,
            "openFollowUps": l.open_follow_ups.iter().map(|(t, d)| json!({"text": t, "dueOn": d})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}
