//! Sign-in throttling (DESIGN.md §6): failed sign-ins are counted per
//! account (`user:<name>`) and per client address (`addr:<ip>`); too many
//! within a window lock the key for a while. A locked key refuses every
//! sign-in, right password or not, until the lock ends or an administrator
//! clears it (`admin unlock`). A successful sign-in clears its account's
//! count; the address keeps its count.
//!
//! Failures are counted for unknown usernames exactly as for real ones, so
//! a lockout says nothing about whether an account exists.
//!
//! Locks are checked before a password is and failures counted after, so
//! attempts already past the check when a key locks are still answered
//! (and counted); the API's gate on concurrent password checks bounds how
//! many that can be.

use std::net::IpAddr;

use crate::db::{Db, DbError};

/// How many failures lock what, for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures of one account within the window that lock it.
    pub account_max_failures: u32,
    /// Failures from one address within the window that lock it.
    pub address_max_failures: u32,
    /// The counting window, seconds.
    pub window_secs: u64,
    /// How long a lock lasts, seconds.
    pub lockout_secs: u64,
}

impl Default for LoginLimits {
    /// 5 failures of an account or 20 from an address within 15 minutes
    /// lock it for 15 minutes.
    fn default() -> Self {
        Self {
            account_max_failures: 5,
            address_max_failures: 20,
            window_secs: 15 * 60,
            lockout_secs: 15 * 60,
        }
    }
}

/// The throttle key of the account `username`.
pub fn account_key(username: &str) -> String {
    format!("user:{username}")
}

/// The throttle key of client address `ip` (an IPv4-mapped IPv6 address
/// counts as its IPv4 address).
pub fn address_key(ip: IpAddr) -> String {
    format!("addr:{}", ip.to_canonical())
}

/// Seconds until the last lock among `keys` ends (at least 1), or `None`
/// when none is locked.
pub async fn locked_for(db: &Db, keys: &[String]) -> Result<Option<u64>, DbError> {
    Ok(db
        .throttle_locked_for(keys)
        .await?
        .map(|secs| u64::try_from(secs).unwrap_or(0).max(1)))
}

/// Counts a failed sign-in against the account and the address.
pub async fn record_failure(
    db: &Db,
    limits: &LoginLimits,
    account: &str,
    address: &str,
) -> Result<(), DbError> {
    let window = to_i64(limits.window_secs);
    let lock = to_i64(limits.lockout_secs);
    for (key, limit) in [
        (account, limits.account_max_failures),
        (address, limits.address_max_failures),
    ] {
        let state = db
            .record_login_failure(key, to_i32(limit), window, lock)
            .await?;
        if state.locked {
            tracing::warn!(key, failures = state.failures, "sign-in locked");
        }
    }
    Ok(())
}

/// A successful sign-in: forgets the account's failures.
pub async fn record_success(db: &Db, account: &str) -> Result<(), DbError> {
    db.clear_throttle(account).await.map(|_| ())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_account_and_the_canonical_address() {
        assert_eq!(account_key("alice"), "user:alice");
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(address_key(mapped), "addr:10.0.0.7");
        assert_eq!(address_key(IpAddr::from([127, 0, 0, 1])), "addr:127.0.0.1");
    }
}
