//! Signing a device in: with the user's username and password
//! (`POST /api/v1/devices`), or with a token an administrator provisioned
//! (`GET /api/v1/me` says whose it is). Either way the device records who
//! it is, the server's URL and its token, sealed in the encrypted store in
//! one transaction ([`crate::api::Device::enrol_with`]). A certificate
//! given to `trust_certificate` ([`super::trust`]) is trusted besides the
//! platform roots.

use super::device::{AlongsideDevice, lock};
use super::error::BridgeError;
use super::records::Identity;
use crate::api::Enrolment;
use crate::store::MetaKey;
use crate::sync::{ServerUrl, enrol, who_am_i};

/// What the server said about the user, whichever way they signed in.
pub(super) struct SignedIn {
    pub(super) server: ServerUrl,
    pub(super) token: String,
    pub(super) user_id: String,
    pub(super) user_name: String,
    pub(super) device_id: String,
    pub(super) caseload_index: String,
}

#[uniffi::export]
impl AlongsideDevice {
    /// Enrols this device with the user's credentials. `server_url` is the
    /// server's base URL (`https://host[:port]`, or its `wss://…/sync`).
    /// A wrong username or password is [`BridgeError::InvalidCredentials`].
    pub fn enrol(
        &self,
        server_url: String,
        username: String,
        password: String,
        device_name: String,
    ) -> Result<Identity, BridgeError> {
        let server = ServerUrl::parse(&server_url)?;
        let username = username.trim().to_owned();
        if username.is_empty() {
            return Err(BridgeError::invalid("username", "must not be empty"));
        }
        if device_name.trim().is_empty() {
            return Err(BridgeError::invalid("device_name", "must not be empty"));
        }
        let ca = self.extra_ca()?;
        let enrolled = self.runtime.block_on(enrol(
            &server,
            ca.as_deref(),
            &username,
            &password,
            device_name.trim(),
        ))?;
        // The name notes are signed with: the display name when the server
        // has one. The token is already ours, so a failure to ask is no
        // reason to fail the enrolment; the username stands in.
        let user_name = self
            .runtime
            .block_on(who_am_i(&server, ca.as_deref(), &enrolled.token))
            .ok()
            .and_then(|me| me.display_name)
            .unwrap_or(username);
        self.record(SignedIn {
            server,
            token: enrolled.token,
            user_id: enrolled.user_id,
            user_name,
            device_id: enrolled.device_id,
            caseload_index: enrolled.caseload_index,
        })
    }

    /// Enrols this device with a token provisioned by an administrator
    /// (`alongside-server admin device enroll`). An unknown or expired
    /// token is [`BridgeError::Unauthorized`], a revoked one
    /// [`BridgeError::Revoked`].
    pub fn enrol_with_token(
        &self,
        server_url: String,
        token: String,
    ) -> Result<Identity, BridgeError> {
        let server = ServerUrl::parse(&server_url)?;
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(BridgeError::invalid("token", "must not be empty"));
        }
        let ca = self.extra_ca()?;
        let me = self
            .runtime
            .block_on(who_am_i(&server, ca.as_deref(), &token))?;
        self.record(SignedIn {
            server,
            token,
            user_id: me.user_id,
            user_name: me.display_name.unwrap_or(me.username),
            device_id: me.device_id,
            caseload_index: me.caseload_index,
        })
    }
}

impl AlongsideDevice {
    /// Stores the identity, the server and the token in one store
    /// transaction: the device is enrolled with all three or, on any
    /// error, nothing changed (enrolling again overwrites them).
    pub(super) fn record(&self, s: SignedIn) -> Result<Identity, BridgeError> {
        let mut device = lock(&self.device)?;
        if let Some(me) = device.identity()
            && me.user_id != s.user_id
        {
            return Err(BridgeError::EnrolledForAnotherUser);
        }
        let server = s.server.to_string();
        let identity = device.enrol_with(
            &Enrolment {
                user_id: s.user_id,
                user_name: Some(s.user_name),
                device_id: s.device_id,
                caseload_index: Some(s.caseload_index),
            },
            &[
                (MetaKey::ServerUrl, Some(server.as_str())),
                (MetaKey::DeviceToken, Some(s.token.as_str())),
            ],
        )?;
        drop(device);
        // A new token: background sync stops, the next sync builds a new
        // client.
        self.stop_background()?;
        *lock(&self.sync)? = None;
        Ok(Identity::new(&identity, Some(server)))
    }
}
