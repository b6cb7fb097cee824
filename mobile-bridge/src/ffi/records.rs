//! The records the bridge hands to the app that are not the typed API's
//! views: the identity (with the server's address), the store status and
//! the sync report, in types every binding language has (ids as strings,
//! times as milliseconds since the epoch, counts as `u64`). The notes,
//! reviews, accompaniments and caseload entries are the API's views
//! themselves ([`crate::api`]), which derive `uniffi::Record`.

use crate::api::Identity as ApiIdentity;
use crate::store::StoreStatus as ApiStoreStatus;
use crate::sync::{News as ApiNews, SyncIssue as ApiSyncIssue, SyncReport as ApiSyncReport};

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
    /// What changed in review for the worker, one item per note.
    pub news: Vec<ReviewNews>,
}

/// Review news about one of the worker's notes, brought by a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReviewNews {
    /// The participant document.
    pub participant_id: String,
    /// The participant's display name.
    pub participant: String,
    /// The note.
    pub note_id: String,
    /// The note's service date.
    pub service_date: String,
    /// `approved` or `changes-requested`.
    pub state: String,
    /// The supervisor's comment.
    pub comment: String,
    /// The reviewer's name (or user id).
    pub reviewer: String,
    /// When the review was made (ms).
    pub at: i64,
    /// A line for the worker: `note needs changes: Rosa 2026-11-20 — …`.
    pub message: String,
}

impl From<ApiNews> for ReviewNews {
    fn from(n: ApiNews) -> Self {
        Self {
            participant_id: n.document.to_string(),
            message: n.review.to_string(),
            participant: n.review.participant,
            note_id: n.review.note_id.to_string(),
            service_date: n.review.service_date,
            state: n.review.state.to_string(),
            comment: n.review.comment,
            reviewer: n.review.reviewer,
            at: n.review.at.millis(),
        }
    }
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
            news: r.news.into_iter().map(ReviewNews::from).collect(),
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
