//! Audit events of the console and its JSON API: every page or answer
//! that shows participant data is a `console_view` (who, through which
//! device for the API, from where, which document when there is one, what
//! was shown); a refused look at a record is an `access_denied`. Queued
//! through the [`Auditor`](crate::audit::Auditor), like the HTTP edge's.

use std::net::SocketAddr;

use uuid::Uuid;

use super::{AuditAction, AuditOutcome, AuditRecord, Auditor};

/// Who is looking: a supervisor, in the console (no device) or through
/// the API (their device).
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    /// The supervisor.
    pub user: Uuid,
    /// Their sign-in name.
    pub username: &'a str,
    /// The device, for API requests.
    pub device: Option<Uuid>,
}

fn base(
    viewer: Viewer<'_>,
    addr: SocketAddr,
    action: AuditAction,
    outcome: AuditOutcome,
) -> AuditRecord {
    let mut record = AuditRecord::new(action, outcome)
        .user(viewer.user, viewer.username)
        .address(addr);
    if let Some(device) = viewer.device {
        record = record.device(device);
    }
    record
}

/// Queues a `console_view` event: `viewer` was shown `what` (of
/// `document`, when it is one).
pub async fn viewed(
    audit: &Auditor,
    viewer: Viewer<'_>,
    addr: SocketAddr,
    document: Option<Uuid>,
    what: &str,
) {
    let mut record = base(
        viewer,
        addr,
        AuditAction::ConsoleView,
        AuditOutcome::Allowed,
    )
    .detail(what);
    if let Some(document) = document {
        record = record.document(document);
    }
    let _ = audit.record(record).await;
}

/// Queues an `access_denied` event: `viewer` asked for `document` and was
/// refused.
pub async fn denied(
    audit: &Auditor,
    viewer: Viewer<'_>,
    addr: SocketAddr,
    document: Uuid,
    what: &str,
) {
    let record = base(
        viewer,
        addr,
        AuditAction::AccessDenied,
        AuditOutcome::Denied,
    )
    .document(document)
    .detail(what);
    let _ = audit.record(record).await;
}
