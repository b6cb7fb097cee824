//! Console sessions (`console_sessions`): created at sign-in, touched on
//! every request (ended when found idle), ended at sign-out.

use uuid::Uuid;

use crate::db::{Db, DbError};

/// A live console session and its user, after it was touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The user.
    pub user_id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their name as shown.
    pub display_name: String,
    /// Their stored role name (re-checked on every request).
    pub role: String,
    /// Whether the account is disabled.
    pub disabled: bool,
}

impl Db {
    /// Stores a new session (by the hash of its id) for `user`, living at
    /// most `lifetime_secs`.
    pub async fn create_console_session(
        &self,
        id_hash: &[u8],
        user: Uuid,
        lifetime_secs: i64,
        address: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, user_id, expires_at, address)
             VALUES ($1, $2, now() + make_interval(secs => $3), $4)",
        )
        .bind(id_hash)
        .bind(user)
        .bind(lifetime_secs as f64)
        .bind(address)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The session with this id hash, if it is live — not ended, not past
    /// its lifetime, and used within the last `idle_secs` — and marks it
    /// used now. A session found idle is ended, so it cannot come back.
    pub async fn touch_console_session(
        &self,
        id_hash: &[u8],
        idle_secs: f64,
    ) -> Result<Option<SessionRow>, DbError> {
        let row: Option<(Uuid, String, String, String, bool)> = sqlx::query_as(
            "UPDATE console_sessions s SET last_seen_at = now()
             FROM users u
             WHERE s.id_hash = $1 AND u.id = s.user_id AND s.ended_at IS NULL
               AND s.expires_at > now()
               AND s.last_seen_at > now() - make_interval(secs => $2)
             RETURNING u.id, u.username, u.display_name, u.role, u.disabled_at IS NOT NULL",
        )
        .bind(id_hash)
        .bind(idle_secs)
        .fetch_optional(self.pool())
        .await?;
        if row.is_none() {
            sqlx::query(
                "UPDATE console_sessions SET ended_at = now()
                 WHERE id_hash = $1 AND ended_at IS NULL",
            )
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        }
        Ok(row.map(|r| SessionRow {
            user_id: r.0,
            username: r.1,
            display_name: r.2,
            role: r.3,
            disabled: r.4,
        }))
    }

    /// Ends a session (sign-out); `Ok(false)` if it was not live.
    pub async fn end_console_session(&self, id_hash: &[u8]) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE console_sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL",
        )
        .bind(id_hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
