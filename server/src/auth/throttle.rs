//! Sign-in throttling (`docs/security.md`): failed sign-ins are counted per
//! account (`user:<name>`) and per client address (`addr:<ip>`); too many
//! within a window lock the key for a while. A locked key refuses every
//! sign-in, right password or not, until the lock ends or an administrator
//! clears it (`admin unlock`). A successful sign-in clears its account's
//! count; the address keeps its count.
//!
//! Failures are counted for unknown usernames exactly as for real ones, so
//! a lockout says nothing about whether an account exists.
//!
//! **Slots, not a check before the fact.** An attempt first takes a slot
//! on both its keys ([`admit`], one database transaction, so it holds for
//! every server node on the database); only then is its password checked.
//! A key lets an attempt through only while its failures plus the attempts
//! still being checked stay within its limit, so a burst of concurrent
//! attempts gets at most the limit checked, and the rest are refused at
//! once, unchecked. Each slot is settled when its check is done:
//! [`failed`] counts a failure (and locks the key at the limit);
//! [`succeeded`] counts nothing on the address and clears the account, so
//! a right password never locks anyone out by itself; [`abandoned`] (the
//! check could not run) counts nothing. A slot held by a node that dies
//! mid-check is freed when its key's window ends.

use std::net::IpAddr;

use crate::db::throttle::{AttemptKey, Reservation};
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

/// The keys one sign-in attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKeys {
    /// The account's key.
    pub account: String,
    /// The client address's key.
    pub address: String,
}

impl AttemptKeys {
    /// The keys of a sign-in as `username` from `ip`.
    pub fn new(username: &str, ip: IpAddr) -> Self {
        Self {
            account: account_key(username),
            address: address_key(ip),
        }
    }

    fn with_limits(&self, limits: &LoginLimits) -> [AttemptKey<'_>; 2] {
        [
            AttemptKey {
                key: &self.account,
                max_failures: to_i32(limits.account_max_failures),
            },
            AttemptKey {
                key: &self.address,
                max_failures: to_i32(limits.address_max_failures),
            },
        ]
    }
}

/// Takes a slot for an attempt on its account and its address. `Ok(None)`:
/// granted, check the password and settle the slot with [`failed`],
/// [`succeeded`] or [`abandoned`]. `Ok(Some(secs))`: refused, nothing
/// taken; try again in `secs` (at least 1).
pub async fn admit(
    db: &Db,
    limits: &LoginLimits,
    keys: &AttemptKeys,
) -> Result<Option<u64>, DbError> {
    let reservation = db
        .reserve_login_attempt(&keys.with_limits(limits), to_i64(limits.window_secs))
        .await?;
    Ok(match reservation {
        Reservation::Granted => None,
        Reservation::Refused { key, locked_secs } => {
            tracing::debug!(key, ?locked_secs, "sign-in refused by the throttle");
            // Not locked: every slot is held by attempts being checked now;
            // they end in a moment (and lock the key if they fail).
            Some(
                locked_secs
                    .map_or(1, |secs| u64::try_from(secs).unwrap_or(0))
                    .max(1),
            )
        }
    })
}

/// Settles an admitted attempt as a failure on the account and the address.
pub async fn failed(db: &Db, limits: &LoginLimits, keys: &AttemptKeys) -> Result<(), DbError> {
    let lock = to_i64(limits.lockout_secs);
    for key in keys.with_limits(limits) {
        let state = db
            .login_attempt_failed(key.key, key.max_failures, lock)
            .await?;
        if state.locked && state.failures == key.max_failures {
            tracing::warn!(key = key.key, failures = state.failures, "sign-in locked");
        }
    }
    Ok(())
}

/// Settles an admitted attempt as a success: clears the account's count;
/// the address's slot is released without counting.
pub async fn succeeded(db: &Db, keys: &AttemptKeys) -> Result<(), DbError> {
    db.login_attempt_ended(&keys.account, true).await?;
    db.login_attempt_ended(&keys.address, false).await
}

/// Releases an admitted attempt whose check could not run (an internal
/// error): nothing is counted.
pub async fn abandoned(db: &Db, keys: &AttemptKeys) -> Result<(), DbError> {
    db.login_attempt_ended(&keys.account, false).await?;
    db.login_attempt_ended(&keys.address, false).await
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
        let keys = AttemptKeys::new("bo", IpAddr::from([10, 0, 0, 1]));
        let limits = LoginLimits::default();
        let [account, address] = keys.with_limits(&limits);
        assert_eq!((account.key, account.max_failures), ("user:bo", 5));
        assert_eq!((address.key, address.max_failures), ("addr:10.0.0.1", 20));
    }
}
