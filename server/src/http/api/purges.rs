//! `POST /api/v1/purges` (Bearer): a device reports that it is deleting a
//! document it lost access to (DESIGN.md §6: "its purge is recorded"), and
//! hands over any changes it made that the server never stored.
//!
//! Body: `{document, unsynced?}`, `unsynced` being base64 of Automerge
//! change bytes. Those changes cannot be merged (the device's user may no
//! longer write the document), but they are somebody's typed words: they
//! are kept in the `quarantine` table for an administrator, exactly like a
//! refused write, and audited. The device deletes its copy only after this
//! answers `200 {quarantined}`, so nothing typed is lost. The answer does
//! not depend on whether the document exists.

use std::net::SocketAddr;

use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::bearer::Device;
use super::json::ApiJson;
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::db::access::QuarantinedWrite;
use crate::http::AppState;

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
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    device: Device,
    ApiJson(body): ApiJson<PurgeReport>,
) -> Result<Json<Recorded>, ApiError> {
    let document: DocumentId = body
        .document
        .parse()
        .map_err(|_| ApiError::BadRequest("document: not a document id".into()))?;
    let unsynced = body
        .unsynced
        .map(|text| {
            let bytes = STANDARD
                .decode(text.as_bytes())
                .map_err(|_| ApiError::BadRequest("unsynced: not base64".into()))?;
            if bytes.is_empty() || AutoCommit::new().load_incremental(&bytes).is_err() {
                return Err(ApiError::BadRequest(
                    "unsynced: not Automerge change bytes".into(),
                ));
            }
            Ok(bytes)
        })
        .transpose()?;
    let principal = &device.principal;
    let audit = |action| {
        AuditRecord::new(action, AuditOutcome::Allowed)
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
        let id = state.db.quarantine(&write).await?;
        let record = audit(AuditAction::WriteQuarantined)
            .detail(format!("{REASON}: {bytes} bytes, quarantine row {id}"));
        let _ = state.audit.try_record(record);
        quarantined = Some(id);
    }
    let _ = state
        .audit
        .try_record(audit(AuditAction::PurgeConfirmed).detail("the device deleted its copy"));
    Ok(Json(Recorded { quarantined }))
}
