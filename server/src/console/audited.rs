//! Audit events of the console: every page that shows participant data is
//! a `console_view` (who, from where, which document when there is one,
//! what page); a refused look at a record is an `access_denied`. Queued
//! through the [`Auditor`](crate::audit::Auditor), like the HTTP edge's.

use std::net::SocketAddr;

use uuid::Uuid;

use super::session::Supervisor;
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::http::AppState;

/// A record of `who` viewing `what` (and `document`, when it is one).
pub fn record(
    who: &Supervisor,
    addr: SocketAddr,
    document: Option<Uuid>,
    what: &str,
) -> AuditRecord {
    let mut record = AuditRecord::new(AuditAction::ConsoleView, AuditOutcome::Allowed)
        .user(who.user_id, &who.username)
        .address(addr)
        .detail(what);
    if let Some(document) = document {
        record = record.document(document);
    }
    record
}

/// Queues a `console_view` event.
pub fn viewed(
    state: &AppState,
    who: &Supervisor,
    addr: SocketAddr,
    document: Option<Uuid>,
    what: &str,
) {
    let _ = state.audit.try_record(record(who, addr, document, what));
}

/// Queues an `access_denied` event: `who` asked for `document` and was
/// refused.
pub fn denied(state: &AppState, who: &Supervisor, addr: SocketAddr, document: Uuid, what: &str) {
    let record = AuditRecord::new(AuditAction::AccessDenied, AuditOutcome::Denied)
        .user(who.user_id, &who.username)
        .address(addr)
        .document(document)
        .detail(what);
    let _ = state.audit.try_record(record);
}
