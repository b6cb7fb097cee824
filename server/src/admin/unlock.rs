//! Clearing a sign-in lockout (`admin unlock --username U` / `--address
//! IP`): forgets the account's or the address's failed sign-ins and ends
//! its lock at once (see [`crate::auth::throttle`]).

use std::net::IpAddr;

use super::AdminError;
use crate::auth::throttle;
use crate::db::Db;

/// What to unlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlock {
    /// An account, by username.
    Account(String),
    /// A client address.
    Address(IpAddr),
}

impl Unlock {
    /// Parses a typed address (`203.0.113.7`, `::1`).
    pub fn address(text: &str) -> Result<Self, AdminError> {
        text.trim()
            .parse()
            .map(Unlock::Address)
            .map_err(|_| AdminError::Invalid {
                field: "address",
                reason: format!("{text:?} is not an IP address"),
            })
    }

    /// The throttle key.
    pub fn key(&self) -> String {
        match self {
            Unlock::Account(name) => throttle::account_key(name),
            Unlock::Address(ip) => throttle::address_key(*ip),
        }
    }
}

/// Clears `what`'s failures and lock. `Ok(false)` when there was nothing
/// to clear (not locked, no failures counted).
pub async fn unlock(db: &Db, what: &Unlock) -> Result<bool, AdminError> {
    Ok(db.clear_throttle(&what.key()).await?)
}
