//! The sign-in throttle in SQL (`login_throttle`, migrations
//! `…_accounts.sql` and `…_login_reservations.sql`): per key (`user:<name>`
//! or `addr:<ip>`) the failures counted in the current window, the attempts
//! holding a slot right now (`in_flight`) and the end of a lock.
//!
//! An attempt takes its slots with [`Db::reserve_login_attempt`] before its
//! password is checked, on every key at once in one transaction (all or
//! none), and settles them afterwards with [`Db::login_attempt_failed`] or
//! [`Db::login_attempt_ended`]. Row locks taken by the upserts serialise
//! concurrent attempts on a key, on every server node, so no two of them
//! can take the last slot. What the counts mean is `crate::auth::throttle`'s
//! business. Times are the database's (`now()`), so server clocks do not
//! matter.

use super::{Db, DbError};

/// The throttle's state for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleRow {
    /// Failures counted in the current window.
    pub failures: i32,
    /// Attempts holding a slot, not yet settled.
    pub in_flight: i32,
    /// Whether the key is locked now.
    pub locked: bool,
}

/// One key an attempt counts against, with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptKey<'a> {
    /// `user:<name>` or `addr:<ip>`.
    pub key: &'a str,
    /// Failures within the window that lock the key; also the most
    /// failures and attempts in flight together that it lets through.
    pub max_failures: i32,
}

/// The answer to [`Db::reserve_login_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt holds a slot on every key; settle each of them.
    Granted,
    /// Nothing was reserved.
    Refused {
        /// The key that refused.
        key: String,
        /// Seconds until its lock ends (rounded up); `None` when it is not
        /// locked but every slot is held by attempts still being checked.
        locked_secs: Option<i64>,
    },
}

/// Whether row `t` starts its count afresh: its window ended (`$2`
/// seconds) with no lock, or its lock ended.
macro_rules! fresh {
    () => {
        "(CASE WHEN t.locked_until IS NULL \
           THEN t.first_failure_at < now() - make_interval(secs => ($2::bigint)::float8) \
           ELSE t.locked_until <= now() END)"
    };
}

/// Takes a slot on key `$1` (window `$2` seconds).
const RESERVE: &str = concat!(
    "INSERT INTO login_throttle AS t (key, failures, in_flight, first_failure_at) \
     VALUES ($1, 0, 1, now()) \
     ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN ",
    fresh!(),
    " THEN 0 ELSE t.failures END, in_flight = CASE WHEN ",
    fresh!(),
    " THEN 1 ELSE t.in_flight + 1 END, first_failure_at = CASE WHEN ",
    fresh!(),
    " THEN now() ELSE t.first_failure_at END, locked_until = CASE WHEN ",
    fresh!(),
    " THEN NULL ELSE t.locked_until END \
     RETURNING failures, in_flight, \
       CASE WHEN locked_until > now() \
            THEN ceil(extract(epoch FROM locked_until - now()))::bigint END"
);

impl Db {
    /// The throttle state of `key`.
    pub async fn throttle(&self, key: &str) -> Result<Option<ThrottleRow>, DbError> {
        let row: Option<(i32, i32, bool)> = sqlx::query_as(
            "SELECT failures, in_flight, coalesce(locked_until > now(), false) \
             FROM login_throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| ThrottleRow {
            failures: r.0,
            in_flight: r.1,
            locked: r.2,
        }))
    }

    /// Takes one slot for an attempt on every key in `keys`, in one
    /// transaction: granted when no key is locked and each key's failures
    /// plus attempts in flight, this one included, stay within its limit;
    /// otherwise nothing is reserved. Failures older than `window_secs`
    /// (or a lock that has ended) start a new count.
    pub async fn reserve_login_attempt(
        &self,
        keys: &[AttemptKey<'_>],
        window_secs: i64,
    ) -> Result<Reservation, DbError> {
        let mut tx = self.begin().await?;
        for attempt in keys {
            let (failures, in_flight, locked_secs): (i32, i32, Option<i64>) =
                sqlx::query_as(RESERVE)
                    .bind(attempt.key)
                    .bind(window_secs)
                    .fetch_one(&mut *tx)
                    .await?;
            let full = i64::from(failures) + i64::from(in_flight) > i64::from(attempt.max_failures);
            if locked_secs.is_some() || full {
                tx.rollback().await?;
                return Ok(Reservation::Refused {
                    key: attempt.key.to_owned(),
                    locked_secs,
                });
            }
        }
        tx.commit().await?;
        Ok(Reservation::Granted)
    }

    /// Settles a slot of `key` as a failure: counts it, and locks the key
    /// for `lock_secs` when its failures reach `limit`. Returns the new
    /// state.
    pub async fn login_attempt_failed(
        &self,
        key: &str,
        limit: i32,
        lock_secs: i64,
    ) -> Result<ThrottleRow, DbError> {
        // The row may be gone (an administrator unlocked the key meanwhile):
        // the failure still counts, in a new row.
        let (failures, in_flight, locked): (i32, i32, bool) = sqlx::query_as(
            "INSERT INTO login_throttle AS t (key, failures, in_flight, first_failure_at, locked_until) \
             VALUES ($1, 1, 0, now(), \
               CASE WHEN $2 <= 1 THEN now() + make_interval(secs => ($3::bigint)::float8) END) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = t.failures + 1, \
               in_flight = GREATEST(t.in_flight - 1, 0), \
               locked_until = CASE WHEN t.failures + 1 >= $2 \
                 THEN GREATEST(t.locked_until, now() + make_interval(secs => ($3::bigint)::float8)) \
                 ELSE t.locked_until END \
             RETURNING failures, in_flight, coalesce(locked_until > now(), false)",
        )
        .bind(key)
        .bind(limit)
        .bind(lock_secs)
        .fetch_one(self.pool())
        .await?;
        Ok(ThrottleRow {
            failures,
            in_flight,
            locked,
        })
    }

    /// Settles a slot of `key` without counting a failure; with `clear`
    /// (a successful sign-in of the account) its failures and lock are
    /// forgotten too. A row left with nothing to count is deleted.
    pub async fn login_attempt_ended(&self, key: &str, clear: bool) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE login_throttle SET in_flight = GREATEST(in_flight - 1, 0), \
               failures = CASE WHEN $2 THEN 0 ELSE failures END, \
               locked_until = CASE WHEN $2 THEN NULL ELSE locked_until END \
             WHERE key = $1",
        )
        .bind(key)
        .bind(clear)
        .execute(self.pool())
        .await?;
        sqlx::query(
            "DELETE FROM login_throttle \
             WHERE key = $1 AND failures = 0 AND in_flight = 0 AND locked_until IS NULL",
        )
        .bind(key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets `key`'s failures, lock and slots (an administrator
    /// unlocking); `Ok(false)` if there was nothing to clear.
    pub async fn clear_throttle(&self, key: &str) -> Result<bool, DbError> {
        let done = sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(done > 0)
    }
}
