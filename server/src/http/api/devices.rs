//! Device enrolment and token rotation.
//!
//! `POST /api/v1/devices` `{username, password, deviceName, appVersion?}`:
//! a peer or supervisor signs in once from a device and gets `201
//! {deviceId, userId, token, expiresAt, caseloadIndex, idleLockMinutes}`.
//! `appVersion` is the version of the app enrolling, recorded on the
//! device ([`crate::http::app_version`]); `idleLockMinutes` how long the
//! app may stay open without input. The order of the checks matters:
//!
//! 1. the body is validated (400, a malformed `appVersion` too) before
//!    anything is counted;
//! 2. a locked account or address is refused (429 with `Retry-After`)
//!    before the password is looked at, so even the right one is refused;
//! 3. the password is checked with Argon2id off the async threads; an
//!    unknown user is checked against a dummy hash, so both failures take
//!    the same time and get the same 401, and both are counted;
//! 4. an administrator (admins do not sync notes) or a disabled account is
//!    refused with the same 401 as a wrong password, even with the right
//!    one, so the answer does not confirm it (the audit trail records what
//!    it was); anyone else gets a new device, and their account's failures
//!    are cleared.
//!
//! Steps 2–4 are [`crate::http::sign_in`], shared with the console.
//!
//! `POST /api/v1/devices/rotate` (Bearer): the device's token is replaced
//! in one statement, so the old one stops working at once; `200 {token,
//! expiresAt}`.

use std::net::SocketAddr;

use alongside_shared::wire::DocumentId;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::DeviceApi;
use super::bearer::Device;
use super::json::ApiJson;
use crate::admin::{self, AdminError};
use crate::audit::AuditAction;
use crate::audit::edge as audited;
use crate::http::app_version::AppVersion;
use crate::http::sign_in::{self, SignInRefused};

/// Longest username accepted (as `admin user add`).
const MAX_USERNAME_CHARS: usize = 64;

/// The body of `POST /api/v1/devices`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EnrolRequest {
    username: String,
    password: String,
    device_name: String,
    #[serde(default)]
    app_version: Option<String>,
}

/// A new device's credentials.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Enrolment {
    device_id: String,
    user_id: String,
    token: String,
    expires_at: String,
    caseload_index: String,
    idle_lock_minutes: u32,
}

/// A rotated token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RotatedToken {
    token: String,
    expires_at: String,
}

/// `POST /api/v1/devices`.
pub(super) async fn enrol(
    State(state): State<DeviceApi>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<EnrolRequest>,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    let EnrolRequest {
        username,
        password,
        device_name,
        app_version,
    } = request;
    if username.is_empty() || password.is_empty() {
        return Err(ApiError::BadRequest(
            "username and password must not be empty".into(),
        ));
    }
    if username.chars().count() > MAX_USERNAME_CHARS {
        return Err(ApiError::BadRequest(format!(
            "username: at most {MAX_USERNAME_CHARS} characters"
        )));
    }
    admin::check_name("device name", &device_name, 100)?;
    let app_version = app_version
        .map(|v| AppVersion::parse("appVersion", &v))
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;

    let db = &state.db;
    let door = sign_in::DEVICE_ENROLMENT;
    let login = match sign_in::check_password(&state.sign_in, addr, &username, password, door).await
    {
        Ok(login) => login,
        Err(SignInRefused::Locked(retry_after_secs)) => {
            return Err(ApiError::TooManyAttempts { retry_after_secs });
        }
        Err(SignInRefused::Invalid) => return Err(ApiError::InvalidCredentials),
        Err(SignInRefused::Db(e)) => return Err(e.into()),
        Err(SignInRefused::Internal(e)) => return Err(ApiError::Internal(e)),
    };
    let enrolled =
        admin::enroll_device(db, &username, &device_name, state.api.token_lifetime).await?;
    tracing::info!(%username, %addr, device = %enrolled.device_id, "device enrolled");
    if let Some(version) = &app_version {
        // Best effort: the device is enrolled and its token must reach it;
        // the version is recorded again on its next sync.
        if let Err(error) = db
            .record_app_version(enrolled.device_id, version.as_str())
            .await
        {
            tracing::warn!(device = %enrolled.device_id, %error, "could not record the app version");
        }
    }
    audited::device_changed(
        &state.audit,
        addr,
        AuditAction::DeviceEnrolled,
        (login.id, &username),
        enrolled.device_id,
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            device_id: enrolled.device_id.to_string(),
            user_id: enrolled.user_id.to_string(),
            token: enrolled.token,
            expires_at: enrolled.expires_at,
            caseload_index: DocumentId::from_uuid(login.caseload_index).url(),
            idle_lock_minutes: state.api.idle_lock_minutes,
        }),
    ))
}

/// `POST /api/v1/devices/rotate`.
pub(super) async fn rotate(
    State(state): State<DeviceApi>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    device: Device,
) -> Result<Json<RotatedToken>, ApiError> {
    match admin::rotate_device_token(&state.db, device.device_id, state.api.token_lifetime).await {
        Ok(rotated) => {
            tracing::info!(device = %device.device_id, "device token rotated");
            let p = &device.principal;
            audited::device_changed(
                &state.audit,
                addr,
                AuditAction::DeviceRotated,
                (p.user_id, &p.username),
                device.device_id,
            )
            .await;
            Ok(Json(RotatedToken {
                token: rotated.token,
                expires_at: rotated.expires_at,
            }))
        }
        // Revoked between authentication and rotation.
        Err(AdminError::NoSuchDevice(_)) => Err(ApiError::Unauthorized { purge: true }),
        Err(other) => Err(other.into()),
    }
}
