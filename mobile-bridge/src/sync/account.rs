//! Enrolment and identity over the server's API: [`enrol`] signs a user in
//! once from this device and gets the device's token; [`who_am_i`] asks
//! who a (possibly provisioned) token belongs to.

use alongside_shared::wire::DocumentId;
use serde::{Deserialize, Serialize};

use super::api_client::ApiClient;
use super::config::BRIDGE_VERSION;
use super::error::SyncError;
use super::server_url::ServerUrl;

/// A new device's credentials, from `POST /api/v1/devices`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Enrolled {
    /// This device's id.
    pub device_id: String,
    /// The user's id.
    pub user_id: String,
    /// The device token (`als_…`): keep it in the platform keystore.
    pub token: String,
    /// When the token expires (RFC 3339).
    pub expires_at: String,
    /// The user's caseload index document (bs58check).
    pub caseload_index: String,
    /// Minutes without input after which the app should lock, as the
    /// server sets it (absent from servers older than this field).
    #[serde(default)]
    pub idle_lock_minutes: Option<u32>,
}

/// Who a token belongs to, from `GET /api/v1/me`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The user's id.
    pub user_id: String,
    /// The user's sign-in name.
    pub username: String,
    /// `peer` or `supervisor`.
    pub role: String,
    /// The name notes are signed with, when set.
    pub display_name: Option<String>,
    /// This device's id.
    pub device_id: String,
    /// The user's caseload index document (bs58check).
    pub caseload_index: String,
    /// Minutes without input after which the app should lock, as the
    /// server sets it now (absent from servers older than this field).
    #[serde(default)]
    pub idle_lock_minutes: Option<u32>,
}

impl Enrolled {
    /// The caseload index as a document id.
    pub fn caseload_index(&self) -> Result<DocumentId, SyncError> {
        parse_index(&self.caseload_index)
    }
}

impl Me {
    /// The caseload index as a document id.
    pub fn caseload_index(&self) -> Result<DocumentId, SyncError> {
        parse_index(&self.caseload_index)
    }
}

fn parse_index(text: &str) -> Result<DocumentId, SyncError> {
    text.parse()
        .map_err(|_| SyncError::Protocol(format!("the server sent a bad document id {text:?}")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrolRequest<'a> {
    username: &'a str,
    password: &'a str,
    device_name: &'a str,
    app_version: &'a str,
}

/// Enrols this device: `POST /api/v1/devices`, reporting
/// [`BRIDGE_VERSION`] as the app's version. A wrong username or password
/// is [`SyncError::InvalidCredentials`]; a locked account
/// [`SyncError::Locked`].
pub async fn enrol(
    server: &ServerUrl,
    extra_ca_pem: Option<&[u8]>,
    username: &str,
    password: &str,
    device_name: &str,
) -> Result<Enrolled, SyncError> {
    enrol_as(
        server,
        extra_ca_pem,
        username,
        password,
        device_name,
        BRIDGE_VERSION,
    )
    .await
}

/// [`enrol`], reporting `app_version` as the enrolling app's version (an
/// app on the bridge, or the CLI, saying what it is).
pub async fn enrol_as(
    server: &ServerUrl,
    extra_ca_pem: Option<&[u8]>,
    username: &str,
    password: &str,
    device_name: &str,
    app_version: &str,
) -> Result<Enrolled, SyncError> {
    let client = ApiClient {
        server,
        extra_ca_pem,
        token: None,
    };
    let request = EnrolRequest {
        username,
        password,
        device_name,
        app_version,
    };
    client.post("/api/v1/devices", &request).await
}

/// Who `token` belongs to: `GET /api/v1/me`. An unknown or expired token is
/// [`SyncError::Unauthorized`]; a revoked one [`SyncError::Revoked`] (with
/// nothing purged: the caller decides).
pub async fn who_am_i(
    server: &ServerUrl,
    extra_ca_pem: Option<&[u8]>,
    token: &str,
) -> Result<Me, SyncError> {
    let client = ApiClient {
        server,
        extra_ca_pem,
        token: Some(token),
    };
    client.get("/api/v1/me").await
}
