//! Enrolling a device for a user (`admin device enroll`): a fresh random
//! token, stored only as its hash, valid for a lifetime (90 days unless
//! told otherwise). The token is returned once and never again.

use uuid::Uuid;

use super::{AdminError, check_name};
use crate::auth::token;
use crate::db::Db;

/// Days a device token lives unless told otherwise.
pub const DEFAULT_LIFETIME_DAYS: i64 = 90;

/// How long a device token stays valid from enrolment (or rotation).
/// Negative lifetimes give tokens that are expired already (for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    secs: i64,
}

impl Lifetime {
    /// `days` days (clamped to ±100 years).
    pub fn days(days: i64) -> Self {
        Self::seconds(days.clamp(-36_500, 36_500).saturating_mul(86_400))
    }

    /// `secs` seconds (clamped to ±100 years).
    pub fn seconds(secs: i64) -> Self {
        const LIMIT: i64 = 36_500 * 86_400;
        Self {
            secs: secs.clamp(-LIMIT, LIMIT),
        }
    }

    /// In seconds.
    pub fn as_secs(self) -> i64 {
        self.secs
    }
}

impl Default for Lifetime {
    fn default() -> Self {
        Self::days(DEFAULT_LIFETIME_DAYS)
    }
}

/// A device just enrolled.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The device's id.
    pub device_id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// The token to give the device (shown once; only its hash is stored).
    pub token: String,
    /// When the token expires (RFC 3339, UTC).
    pub expires_at: String,
}

/// Enrols a device named `device_name` for `username`.
pub async fn enroll_device(
    db: &Db,
    username: &str,
    device_name: &str,
    lifetime: Lifetime,
) -> Result<Enrolled, AdminError> {
    check_name("device name", device_name, 100)?;
    let user = db
        .user_by_name(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?;
    let new = token::generate();
    let device_id = Uuid::new_v4();
    let expires_at = db
        .insert_device(
            device_id,
            user.id,
            device_name,
            &new.hash,
            lifetime.as_secs(),
        )
        .await?;
    Ok(Enrolled {
        device_id,
        user_id: user.id,
        token: new.secret,
        expires_at,
    })
}
