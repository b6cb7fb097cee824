//! What the `demo` command needs beyond the administration library: a new
//! password for an existing account (a re-run prints fresh credentials)
//! and a device's last sync set in the past (the demo's stale device).

use uuid::Uuid;

use super::{Db, DbError};

impl Db {
    /// Replaces `username`'s password hash; `Ok(false)` if there is no such
    /// user.
    pub async fn set_password_hash(&self, username: &str, hash: &str) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE username = $1")
            .bind(username)
            .bind(hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that `device` was last seen `hours_ago` hours ago.
    pub async fn set_device_last_seen(&self, device: Uuid, hours_ago: f64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE devices SET last_seen_at = now() - make_interval(secs => $2 * 3600),
                                last_seen_addr = '127.0.0.1'
             WHERE id = $1",
        )
        .bind(device)
        .bind(hours_ago)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
