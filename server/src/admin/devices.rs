//! Listing and revoking devices (`admin device list`, `admin device
//! revoke`). A revoked device's token is refused from the moment the
//! revocation commits (HTTP 401 at the next upgrade or request).

use uuid::Uuid;

use super::AdminError;
use crate::db::Db;
use crate::db::accounts::DeviceRow;

/// Every enrolled device, oldest first; only `username`'s when given.
pub async fn list_devices(db: &Db, username: Option<&str>) -> Result<Vec<DeviceRow>, AdminError> {
    if let Some(name) = username
        && db.user_by_name(name).await?.is_none()
    {
        return Err(AdminError::NoSuchUser(name.to_owned()));
    }
    Ok(db.list_devices(username).await?)
}

/// Revokes `device` (revoking twice keeps the first time).
pub async fn revoke_device(db: &Db, device: Uuid) -> Result<(), AdminError> {
    if db.revoke_device(device).await? {
        // Connected servers close the device's live connections.
        db.announce_accounts_changed().await?;
        Ok(())
    } else {
        Err(AdminError::NoSuchDevice(device))
    }
}
