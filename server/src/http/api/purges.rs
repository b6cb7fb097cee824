//! `POST /api/v1/purges` (Bearer): a device reports that it is deleting a
//! document it lost access to (`docs/security.md`: "its purge is recorded"), and
//! hands over any changes it made that the server never stored.
//!
//! Body: `{document, unsynced?}`, `unsynced` being base64 of Automerge
//! change bytes. Those changes cannot be merged (the device's user may no
//! longer write the document), but they are somebody's typed words: they
//! are kept in the `quarantine` table for an administrator, exactly like a
//! refused write, and audited. The device deletes its copy only after this
//! answers `200 {quarantined}`, so nothing typed is lost.
//!
//! What a device may report is bounded, since its body is hostile input:
//! - only documents its user's caseload index lists (held, or to be
//!   purged): the documents its devices were given. Anything else is 404
//!   `unknown_document`, the same whether or not the document exists;
//! - the unsynced changes are measured before automerge decodes them, with
//!   the sync's limits ([`alongside_shared::sync::decoded_size`]): more is
//!   413;
//! - a device's quarantined bytes stay under a quota
//!   (`--quarantine-quota-bytes`): past it the answer is 507
//!   `quarantine_full`, nothing is kept, and the device keeps its copy.

use std::net::SocketAddr;

use alongside_shared::sync::decoded_size;
use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::DeviceApi;
use super::bearer::Device;
use super::json::ApiJson;
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::db::access::QuarantinedWrite;

/// Largest body of this route: unsynced changes can be a day's notes.
pub const MAX_PURGE_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Why the changes are quarantined.
const REASON: &str = "unsynced changes handed over when access to the document ended";

/// The body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PurgeReport {
    document: String,
    unsynced: Option<String>,
}

/// The answer: the quarantine row holding the unsynced changes, if any.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Recorded {
    quarantined: Option<i64>,
}

/// `POST /api/v1/purges`.
pub(super) async fn report(
    State(state): State<DeviceApi>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    device: Device,
    ApiJson(body): ApiJson<PurgeReport>,
) -> Result<Json<Recorded>, ApiError> {
    let document: DocumentId = body
        .document
        .parse()
        .map_err(|_| ApiError::BadRequest("document: not a document id".into()))?;
    let principal = &device.principal;
    let granted = crate::access::caseload::lists(&state.db, principal.user_id, document.to_uuid())
        .await
        .map_err(|e| match e {
            crate::access::caseload::CaseloadError::Db(db) => ApiError::from(db),
            other => ApiError::Internal(other.to_string()),
        })?;
    if !granted {
        return Err(ApiError::UnknownDocument);
    }
    let limits = state.api.decode;
    let unsynced = body
        .unsynced
        .map(|text| {
            let bytes = STANDARD
                .decode(text.as_bytes())
                .map_err(|_| ApiError::BadRequest("unsynced: not base64".into()))?;
            match decoded_size::check_within(&bytes, limits) {
                Ok(()) => {}
                Err(e @ decoded_size::DecodeBoundError::TooLarge { .. }) => {
                    return Err(ApiError::DecodesTooLarge(format!("unsynced: {e}")));
                }
                Err(_) => {
                    return Err(ApiError::BadRequest(
                        "unsynced: not Automerge change bytes".into(),
                    ));
                }
            }
            if bytes.is_empty() || AutoCommit::new().load_incremental(&bytes).is_err() {
                return Err(ApiError::BadRequest(
                    "unsynced: not Automerge change bytes".into(),
                ));
            }
            Ok(bytes)
        })
        .transpose()?;
    let audit = |action, outcome| {
        AuditRecord::new(action, outcome)
            .address(addr)
            .user(principal.user_id, &principal.username)
            .device(device.device_id)
            .document(document.to_uuid())
    };
    let mut quarantined = None;
    if let Some(data) = unsynced {
        let bytes = data.len();
        let write = QuarantinedWrite {
            document: document.to_uuid(),
            user: Some(principal.user_id),
            device: Some(device.device_id),
            address: Some(addr.ip().to_string()),
            reason: REASON.into(),
            data,
        };
        let Some(id) = state
            .db
            .quarantine(&write, state.api.quarantine_quota_bytes)
            .await?
        else {
            let record = audit(AuditAction::PurgeConfirmed, AuditOutcome::Denied).detail(format!(
                    "refused: {bytes} unsynced bytes would pass the device's quarantine quota; nothing kept, the device keeps its copy"
                ));
            let _ = state.audit.record(record).await;
            return Err(ApiError::QuarantineFull);
        };
        let record = audit(AuditAction::WriteQuarantined, AuditOutcome::Allowed)
            .detail(format!("{REASON}: {bytes} bytes, quarantine row {id}"));
        let _ = state.audit.record(record).await;
        quarantined = Some(id);
    }
    let _ = state
        .audit
        .record(
            audit(AuditAction::PurgeConfirmed, AuditOutcome::Allowed).detail(
                "the device reported it is deleting its copy (it deletes it on this answer)",
            ),
        )
        .await;
    Ok(Json(Recorded { quarantined }))
}
