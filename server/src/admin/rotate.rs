//! Rotating a device's token (`admin device rotate`): a new random token
//! replaces the old one's hash in one statement, so the old token stops
//! working the moment the rotation commits; the new one gets a fresh
//! lifetime. Revoked devices are not rotated.

use uuid::Uuid;

use super::{AdminError, Lifetime};
use crate::auth::token;
use crate::db::Db;

/// A device's new token.
#[derive(Debug, Clone)]
pub struct Rotated {
    /// The new token (shown once).
    pub token: String,
    /// When it expires (RFC 3339, UTC).
    pub expires_at: String,
}

/// Gives `device` a new token valid for `lifetime`.
pub async fn rotate_device_token(
    db: &Db,
    device: Uuid,
    lifetime: Lifetime,
) -> Result<Rotated, AdminError> {
    let new = token::generate();
    match db
        .rotate_device_token(device, &new.hash, lifetime.as_secs())
        .await?
    {
        Some(expires_at) => Ok(Rotated {
            token: new.secret,
            expires_at,
        }),
        None => Err(AdminError::NoSuchDevice(device)),
    }
}
