//! Plain values the bridge hands to the app: mirrors of the typed API's
//! views ([`crate::api`]) and of the sync report, in types every binding
//! language has (ids as strings, times as milliseconds since the epoch,
//! counts as `u64`, dates `YYYY-MM-DD`).

use crate::api::{
    AccompanimentView, CaseloadEntry as ApiCaseloadEntry, FollowUpView, Identity as ApiIdentity,
    NoteSummary as ApiNoteSummary, NoteView, ReviewView,
};
use crate::store::StoreStatus as ApiStoreStatus;
use crate::sync::{SyncIssue as ApiSyncIssue, SyncReport as ApiSyncReport};

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Who this device is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Identity {
    /// The user's id.
    pub user_id: String,
    /// The user's name, as notes are signed.
    pub user_name: Option<String>,
    /// This device's id.
    pub device_id: String,
    /// The user's caseload index document, once known.
    pub caseload_index: Option<String>,
    /// The server this device syncs with, once enrolled over the network.
    pub server_url: Option<String>,
}

impl Identity {
    pub(crate) fn new(i: &ApiIdentity, server_url: Option<String>) -> Self {
        Self {
            user_id: i.user_id.clone(),
            user_name: i.user_name.clone(),
            device_id: i.device_id.clone(),
            caseload_index: i.caseload_index.clone(),
            server_url,
        }
    }
}

/// What the device holds and what is still to sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreStatus {
    /// Whether the device is enrolled.
    pub enrolled: bool,
    /// Documents held.
    pub documents: u64,
    /// Documents with changes the server has not acknowledged.
    pub pending_documents: u64,
    /// Changes the server has not acknowledged, in all.
    pub pending_changes: u64,
    /// When the last sync completed (ms), if ever.
    pub last_sync_at: Option<i64>,
}

impl StoreStatus {
    pub(crate) fn new(s: ApiStoreStatus, enrolled: bool) -> Self {
        Self {
            enrolled,
            documents: count(s.documents),
            pending_documents: count(s.pending.len()),
            pending_changes: s.pending_changes,
            last_sync_at: s.last_sync_at,
        }
    }
}

/// One participant in the caseload.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CaseloadEntry {
    /// Participant document id.
    pub id: String,
    /// Name shown in the list.
    pub display_name: String,
    /// Whether the record is on this device (false: listed by the server,
    /// not downloaded yet).
    pub held: bool,
    /// Whether the server's caseload index lists it (false: created here,
    /// not synced yet).
    pub indexed: bool,
    /// Whether it has local changes the server has not acknowledged.
    pub pending: bool,
    /// Notes held.
    pub notes: u64,
}

impl From<ApiCaseloadEntry> for CaseloadEntry {
    fn from(e: ApiCaseloadEntry) -> Self {
        Self {
            id: e.id,
            display_name: e.display_name,
            held: e.held,
            indexed: e.indexed,
            pending: e.pending,
            notes: count(e.notes),
        }
    }
}

/// A progress note with its supervisor reviews.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Note {
    /// Note id.
    pub id: String,
    /// Participant document id.
    pub participant_id: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// Date of service, `YYYY-MM-DD`.
    pub service_date: String,
    /// Start of the encounter (ms).
    pub start: i64,
    /// End of the encounter (ms).
    pub end: i64,
    /// Billing units of 15 minutes.
    pub units: i64,
    /// Place of service.
    pub setting: String,
    /// Service or billing code.
    pub service_code: String,
    /// What the peer specialist did.
    pub intervention: String,
    /// Why.
    pub purpose: String,
    /// The participant's response.
    pub response: String,
    /// Plan and next steps.
    pub plan: String,
    /// The participant's own comment.
    pub participant_comment: String,
    /// Author's user id.
    pub author_id: String,
    /// Author's name.
    pub author_name: Option<String>,
    /// Device it was written on.
    pub device_id: String,
    /// 42 CFR Part 2 content.
    pub part2: bool,
    /// When it was created (ms).
    pub created_at: i64,
    /// When it was submitted (ms).
    pub submitted_at: Option<i64>,
    /// Who signed it.
    pub signed_by: Option<String>,
    /// Supervisor reviews of this note, oldest first.
    pub reviews: Vec<Review>,
}

impl From<NoteView> for Note {
    fn from(n: NoteView) -> Self {
        Self {
            id: n.id,
            participant_id: n.participant_id,
            status: n.status,
            service_date: n.service_date,
            start: n.start,
            end: n.end,
            units: n.units,
            setting: n.setting,
            service_code: n.service_code,
            intervention: n.intervention,
            purpose: n.purpose,
            response: n.response,
            plan: n.plan,
            participant_comment: n.participant_comment,
            author_id: n.author_id,
            author_name: n.author_name,
            device_id: n.device_id,
            part2: n.part2,
            created_at: n.created_at,
            submitted_at: n.submitted_at,
            signed_by: n.signed_by,
            reviews: n.reviews.into_iter().map(Review::from).collect(),
        }
    }
}

/// A note in a list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NoteSummary {
    /// Note id.
    pub id: String,
    /// Date of service.
    pub service_date: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// The first line of the intervention.
    pub headline: String,
}

impl From<ApiNoteSummary> for NoteSummary {
    fn from(n: ApiNoteSummary) -> Self {
        Self {
            id: n.id,
            service_date: n.service_date,
            status: n.status,
            headline: n.headline,
        }
    }
}

/// A supervisor's review of a note.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Review {
    /// Review id.
    pub id: String,
    /// The reviewed note.
    pub note_id: String,
    /// `approved` or `changes-requested`.
    pub state: String,
    /// The supervisor's comment.
    pub comment: String,
    /// Reviewer's user id.
    pub reviewer_id: String,
    /// Reviewer's name.
    pub reviewer_name: Option<String>,
    /// When (ms).
    pub at: i64,
}

impl From<ReviewView> for Review {
    fn from(r: ReviewView) -> Self {
        Self {
            id: r.id,
            note_id: r.note_id,
            state: r.state,
            comment: r.comment,
            reviewer_id: r.reviewer_id,
            reviewer_name: r.reviewer_name,
            at: r.at,
        }
    }
}

/// An accompanied appointment, step by step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Accompaniment {
    /// Accompaniment document id.
    pub id: String,
    /// Participant document id.
    pub participant_id: String,
    /// Accompanying worker's user id.
    pub peer_id: String,
    /// Kind of appointment.
    pub kind: String,
    /// Where.
    pub place: String,
    /// With whom.
    pub provider: String,
    /// `planned`, `in-progress`, `completed`, `cancelled`.
    pub status: String,
    /// Set off (ms).
    pub departed_at: Option<i64>,
    /// Arrived (ms).
    pub arrived_at: Option<i64>,
    /// Seen (ms).
    pub seen_at: Option<i64>,
    /// Appointment ended (ms).
    pub ended_at: Option<i64>,
    /// Back (ms).
    pub returned_at: Option<i64>,
    /// Why the participant went.
    pub purpose: String,
    /// What came of it.
    pub outcome: String,
    /// Barriers met.
    pub barriers: String,
    /// Follow-ups, oldest first.
    pub follow_ups: Vec<FollowUp>,
    /// The note documenting it.
    pub note_id: Option<String>,
}

impl From<AccompanimentView> for Accompaniment {
    fn from(a: AccompanimentView) -> Self {
        Self {
            id: a.id,
            participant_id: a.participant_id,
            peer_id: a.peer_id,
            kind: a.kind,
            place: a.place,
            provider: a.provider,
            status: a.status,
            departed_at: a.departed_at,
            arrived_at: a.arrived_at,
            seen_at: a.seen_at,
            ended_at: a.ended_at,
            returned_at: a.returned_at,
            purpose: a.purpose,
            outcome: a.outcome,
            barriers: a.barriers,
            follow_ups: a.follow_ups.into_iter().map(FollowUp::from).collect(),
            note_id: a.note_id,
        }
    }
}

/// A follow-up action of an accompaniment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FollowUp {
    /// Follow-up id.
    pub id: String,
    /// What needs doing.
    pub text: String,
    /// Due date.
    pub due_on: Option<String>,
    /// Done?
    pub done: bool,
    /// When ticked (ms).
    pub done_at: Option<i64>,
}

impl From<FollowUpView> for FollowUp {
    fn from(f: FollowUpView) -> Self {
        Self {
            id: f.id,
            text: f.text,
            due_on: f.due_on,
            done: f.done,
            done_at: f.done_at,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Documents for which the device sent changes the server lacked.
    pub documents_sent: u64,
    /// Documents for which the device received and stored changes.
    pub documents_received: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Protocol messages sent.
    pub messages_sent: u64,
    /// Protocol messages received.
    pub messages_received: u64,
    /// Documents where both sides had changes, now merged.
    pub conflicts_merged: u64,
    /// Documents deleted because the user lost access to them.
    pub purged: Vec<String>,
    /// Documents the server now holds in full.
    pub in_sync: u64,
    /// Problems that did not stop the sync (refused writes, documents the
    /// server would not share). Empty when everything went through.
    pub errors: Vec<SyncIssue>,
    /// Connections used.
    pub connections: u32,
    /// Wall-clock time of the sync (ms).
    pub duration_ms: u64,
}

impl From<ApiSyncReport> for SyncReport {
    fn from(r: ApiSyncReport) -> Self {
        Self {
            documents_sent: count(r.documents_sent),
            documents_received: count(r.documents_received),
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
            messages_sent: r.messages_sent,
            messages_received: r.messages_received,
            conflicts_merged: count(r.conflicts_merged),
            purged: r.purged.iter().map(ToString::to_string).collect(),
            in_sync: count(r.in_sync),
            errors: r.errors.into_iter().map(SyncIssue::from).collect(),
            connections: r.connections,
            duration_ms: u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A problem with one document (or the connection) during a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncIssue {
    /// The document concerned, when known.
    pub document: Option<String>,
    /// What happened.
    pub detail: String,
}

impl From<ApiSyncIssue> for SyncIssue {
    fn from(i: ApiSyncIssue) -> Self {
        Self {
            document: i.document.map(|d| d.to_string()),
            detail: i.message,
        }
    }
}
