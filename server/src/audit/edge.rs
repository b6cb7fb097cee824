//! Audit events of the HTTP edge: a token refused (and a revoked device
//! told to purge), a sign-in, an enrolment, a rotation.
//! Queued through the [`Auditor`](crate::audit::Auditor), which writes them
//! in batches; a request waits only while the writer is behind.

use std::net::SocketAddr;

use uuid::Uuid;

use super::{AuditAction, AuditOutcome, AuditRecord, Auditor};

async fn queue(audit: &Auditor, record: AuditRecord) {
    // While the audit writer is behind, the request waits (back-pressure);
    // only a stopped writer loses the record, and logs it in full.
    let _ = audit.record(record).await;
}

/// A presented device token was refused: `why` says how, `device` is the
/// device it names when it names one, `told_to_purge` when the answer told
/// a revoked device to purge.
pub async fn token_rejected(
    audit: &Auditor,
    addr: SocketAddr,
    device: Option<Uuid>,
    why: &str,
    told_to_purge: bool,
) {
    let mut record = AuditRecord::new(AuditAction::TokenRejected, AuditOutcome::Denied)
        .address(addr)
        .detail(why);
    if let Some(device) = device {
        record = record.device(device);
    }
    queue(audit, record).await;
    if let (true, Some(device)) = (told_to_purge, device) {
        let told = AuditRecord::new(AuditAction::PurgeInstructed, AuditOutcome::Allowed)
            .address(addr)
            .device(device)
            .detail("revoked device told to purge");
        queue(audit, told).await;
    }
}

/// A sign-in with a password, successful or not.
pub async fn sign_in(
    audit: &Auditor,
    addr: SocketAddr,
    user: Option<(Uuid, &str)>,
    username: &str,
    outcome: Result<(), &str>,
) {
    let (action, result, detail) = match outcome {
        Ok(()) => (
            AuditAction::SignIn,
            AuditOutcome::Allowed,
            "signed in".to_owned(),
        ),
        Err(why) => (
            AuditAction::SignInFailed,
            AuditOutcome::Denied,
            format!("as {username:?}: {why}"),
        ),
    };
    let mut record = AuditRecord::new(action, result)
        .address(addr)
        .detail(detail);
    if let Some((id, name)) = user {
        record = record.user(id, name);
    }
    queue(audit, record).await;
}

/// A device was enrolled or its token rotated.
pub async fn device_changed(
    audit: &Auditor,
    addr: SocketAddr,
    action: AuditAction,
    user: (Uuid, &str),
    device: Uuid,
) {
    let record = AuditRecord::new(action, AuditOutcome::Allowed)
        .address(addr)
        .user(user.0, user.1)
        .device(device);
    queue(audit, record).await;
}
