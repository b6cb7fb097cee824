//! Syncing from the app: [`AlongsideDevice::sync_now`] runs one sync with
//! the server the device enrolled with and returns its report;
//! [`AlongsideDevice::status`] says what is still to send and when the last
//! sync completed. Scheduling is either the app's (Android's WorkManager or
//! iOS background tasks call `sync_now`) or the bridge's while the app
//! runs ([`super::background`]); both share one sync client, so a second
//! sync at once is [`BridgeError::Busy`].

use std::sync::Arc;

use alongside_shared::wire::DocumentId;

use super::device::{AlongsideDevice, lock};
use super::error::BridgeError;
use super::records::{StoreStatus, SyncReport};
use crate::api::Device;
use crate::store::MetaKey;
use crate::sync::{ServerUrl, SyncClient, SyncConfig};

#[uniffi::export]
impl AlongsideDevice {
    /// Syncs once with the server: sends local changes, receives and merges
    /// others', obeys purges. Blocks until done or failed. A failure loses
    /// nothing (local changes stay until the server acknowledges them);
    /// [`BridgeError::Revoked`] means the device's documents were deleted.
    pub fn sync_now(&self) -> Result<SyncReport, BridgeError> {
        let client = self.client()?;
        let report = self.runtime.block_on(client.sync_now())?;
        let mut device = lock(&self.device)?;
        let now = device.clock().now_ms();
        device.store_mut().set_last_sync_at(now)?;
        Ok(report.into())
    }

    /// Pending changes and the last completed sync.
    pub fn status(&self) -> Result<StoreStatus, BridgeError> {
        let device = lock(&self.device)?;
        let enrolled = device.identity().is_some();
        Ok(StoreStatus::new(device.status()?, enrolled))
    }
}

impl AlongsideDevice {
    /// The sync client for the stored server, token and trusted
    /// certificate, shared by `sync_now` and background sync.
    pub(super) fn client(&self) -> Result<Arc<SyncClient<Device>>, BridgeError> {
        let mut cached = lock(&self.sync)?;
        if let Some(client) = cached.as_ref() {
            return Ok(client.clone());
        }
        let config = {
            let device = lock(&self.device)?;
            let me = device.identity().ok_or(BridgeError::NotEnrolled)?;
            let store = device.store();
            let (Some(server), Some(token)) = (
                store.meta(MetaKey::ServerUrl)?,
                store.meta(MetaKey::DeviceToken)?,
            ) else {
                // Enrolled offline (a provisioned identity without a server).
                return Err(BridgeError::NotEnrolled);
            };
            let server = ServerUrl::parse(&server)?;
            let mut config =
                SyncConfig::new(server.sync(), token, format!("device-{}", me.device_id));
            config.extra_ca_pem = store.meta(MetaKey::TrustedCaPem)?.map(String::into_bytes);
            config.caseload_index = me
                .caseload_index
                .as_deref()
                .map(|text| {
                    text.parse::<DocumentId>()
                        .map_err(|_| BridgeError::Corrupt {
                            detail: format!("stored caseload index {text:?} is not a document id"),
                        })
                })
                .transpose()?;
            config
        };
        let client = Arc::new(SyncClient::new(config, self.device.clone()));
        *cached = Some(client.clone());
        Ok(client)
    }
}
