//! `GET /api/v1/me` (Bearer): who the token belongs to — `{userId,
//! username, role, displayName, deviceId, caseloadIndex, idleLockMinutes}`,
//! the caseload index as its `automerge:` URL. It is cheap (one lookup
//! besides the token's), so an app calls it whenever it is online to learn
//! the server's current idle lock: the minutes without input after which
//! it locks.

use alongside_shared::wire::DocumentId;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::ApiError;
use super::DeviceApi;
use super::bearer::Device;

/// The answer of `GET /api/v1/me`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Me {
    user_id: String,
    username: String,
    role: &'static str,
    display_name: String,
    device_id: String,
    caseload_index: String,
    idle_lock_minutes: u32,
}

/// `GET /api/v1/me`.
pub(super) async fn me(
    State(state): State<DeviceApi>,
    device: Device,
) -> Result<Json<Me>, ApiError> {
    let user = state
        .db
        .user_by_name(&device.principal.username)
        .await?
        .ok_or(ApiError::Unauthorized { purge: false })?;
    Ok(Json(Me {
        user_id: user.id.to_string(),
        username: user.username,
        role: device.principal.role.as_str(),
        display_name: user.display_name,
        device_id: device.device_id.to_string(),
        caseload_index: DocumentId::from_uuid(user.caseload_index).url(),
        idle_lock_minutes: state.api.idle_lock_minutes,
    }))
}
