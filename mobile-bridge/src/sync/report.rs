//! What one sync did.

use std::time::Duration;

use alongside_shared::doc::rules::ReviewNews;
use alongside_shared::wire::DocumentId;

/// The outcome of a completed [`super::SyncClient::sync_now`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Documents for which the device sent changes the server did not have.
    pub documents_sent: usize,
    /// Documents for which the device received and stored changes.
    pub documents_received: usize,
    /// WebSocket payload bytes sent.
    pub bytes_sent: u64,
    /// WebSocket payload bytes received.
    pub bytes_received: u64,
    /// Binary frames (protocol messages) sent.
    pub messages_sent: u64,
    /// Binary frames (protocol messages) received.
    pub messages_received: u64,
    /// Documents where both sides had changes, now merged.
    pub conflicts_merged: usize,
    /// Documents deleted because the caseload index says access was lost.
    pub purged: Vec<DocumentId>,
    /// Documents the server now holds in full (its heads cover the device's).
    pub in_sync: usize,
    /// Problems that did not stop the sync: refused writes, documents the
    /// server would not share. Never empty when something was left behind.
    pub errors: Vec<SyncIssue>,
    /// Connections used (more than one when a refused write closed one).
    pub connections: u32,
    /// Wall-clock time of the whole sync.
    pub duration: Duration,
    /// Whether the server's change feed narrowed the sync to what changed
    /// (false: every held document was synced).
    pub narrowed_by_change_feed: bool,
    /// What changed in review for the worker: a supervisor approved a note
    /// of theirs or asked for changes (one item per note, oldest first).
    pub news: Vec<News>,
}

/// Review news about one note, in one participant document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    /// The participant document.
    pub document: DocumentId,
    /// What the review said.
    pub review: ReviewNews,
}

/// A problem with one document (or the connection) during a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncIssue {
    /// The document concerned, when known.
    pub document: Option<DocumentId>,
    /// What happened, for the user or the log.
    pub message: String,
}

impl SyncIssue {
    /// An issue about `document`.
    pub fn new(document: Option<DocumentId>, message: impl Into<String>) -> Self {
        Self {
            document,
            message: message.into(),
        }
    }
}
