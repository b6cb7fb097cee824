//! Accounts in SQL: users, teams, team memberships and enrolled devices
//! (tables of `migrations/…_accounts.sql`; the sign-in throttle's are in
//! [`super::throttle`]).
//!
//! Plain rows in and out; deciding what they mean (is this token good, may
//! this user sign in) is the job of `crate::auth` and `crate::admin`. Times
//! are compared in the database (`now()`), so server clocks do not matter,
//! and returned as RFC 3339 text in UTC for display.

use uuid::Uuid;

use super::{Db, DbError};

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUserRow {
    /// A fresh id.
    pub id: Uuid,
    /// Unique sign-in name.
    pub username: String,
    /// `peer`, `supervisor` or `admin`.
    pub role: String,
    /// Shown in the console.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The id of the user's caseload-index document.
    pub caseload_index: Uuid,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Id.
    pub id: Uuid,
    /// Sign-in name.
    pub username: String,
    /// Stored role name.
    pub role: String,
    /// Shown in the console.
    pub display_name: String,
    /// The user's caseload-index document.
    pub caseload_index: Uuid,
    /// Whether the account is disabled.
    pub disabled: bool,
}

/// What signing in needs of a user.
#[derive(Debug, Clone)]
pub struct LoginRow {
    /// Id.
    pub id: Uuid,
    /// Stored role name.
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// The id of the user's caseload-index document.
    pub caseload_index: Uuid,
}

/// A device found by its token hash, with what deciding on it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthRow {
    /// The device.
    pub device_id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// The user's sign-in name.
    pub username: String,
    /// The user's stored role name.
    pub role: String,
    /// `expires_at` has passed.
    pub expired: bool,
    /// The device was revoked.
    pub revoked: bool,
    /// The user is disabled.
    pub user_disabled: bool,
}

/// A device as listed for administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// The device.
    pub id: Uuid,
    /// Its user's sign-in name.
    pub username: String,
    /// Its name.
    pub name: String,
    /// Enrolment time (RFC 3339, UTC).
    pub created_at: String,
    /// Expiry time (RFC 3339, UTC).
    pub expires_at: String,
    /// Revocation time, if revoked.
    pub revoked_at: Option<String>,
    /// Last token rotation, if any.
    pub rotated_at: Option<String>,
    /// Last successful authentication, if any.
    pub last_seen_at: Option<String>,
    /// Address of the last successful authentication.
    pub last_seen_addr: Option<String>,
    /// Whether it has expired.
    pub expired: bool,
    /// The app version it last reported, if any.
    pub app_version: Option<String>,
    /// When it last reported it (RFC 3339, UTC).
    pub app_version_seen_at: Option<String>,
}

type DeviceTuple = (
    Uuid,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
);

fn device_row(t: DeviceTuple) -> DeviceRow {
    DeviceRow {
        id: t.0,
        username: t.1,
        name: t.2,
        created_at: t.3,
        expires_at: t.4,
        revoked_at: t.5,
        rotated_at: t.6,
        last_seen_at: t.7,
        last_seen_addr: t.8,
        expired: t.9,
        app_version: t.10,
        app_version_seen_at: t.11,
    }
}

impl Db {
    /// Inserts a user and, when `team` is given, their membership of it, in
    /// one transaction. `Ok(false)` when the username is taken.
    pub async fn insert_user(
        &self,
        user: &NewUserRow,
        team: Option<Uuid>,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, role, display_name, password_hash, caseload_index) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.role)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.caseload_index)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        if let Some(team) = team {
            sqlx::query(
                "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(team)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The user named `username`.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        let row: Option<(Uuid, String, String, String, Uuid, bool)> = sqlx::query_as(
            "SELECT id, username, role, display_name, caseload_index, disabled_at IS NOT NULL \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| UserRow {
            id: r.0,
            username: r.1,
            role: r.2,
            display_name: r.3,
            caseload_index: r.4,
            disabled: r.5,
        }))
    }

    /// What checking a password for `username` needs.
    pub async fn login_row(&self, username: &str) -> Result<Option<LoginRow>, DbError> {
        let row: Option<(Uuid, String, String, bool, Uuid)> = sqlx::query_as(
            "SELECT id, role, password_hash, disabled_at IS NOT NULL, caseload_index \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| LoginRow {
            id: r.0,
            role: r.1,
            password_hash: r.2,
            disabled: r.3,
            caseload_index: r.4,
        }))
    }

    /// Disables (`true`) or re-enables a user; `Ok(false)` if there is none.
    pub async fn set_user_disabled(&self, user: Uuid, disabled: bool) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END \
             WHERE id = $1",
        )
        .bind(user)
        .bind(disabled)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Inserts a team; `Ok(false)` when the name is taken.
    pub async fn insert_team(&self, id: Uuid, name: &str) -> Result<bool, DbError> {
        let done =
            sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(name)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(done > 0)
    }

    /// The id of the team named `name`.
    pub async fn team_by_name(&self, name: &str) -> Result<Option<Uuid>, DbError> {
        let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM teams WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Adds `user` to `team` (a peer's team, or a team a supervisor
    /// supervises); adding twice is a no-op.
    pub async fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(team)
        .bind(user)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The ids of the teams `user` belongs to (or supervises).
    pub async fn teams_of(&self, user: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> =
            sqlx::query_as("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
                .bind(user)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The ids of the members of `team` with role `role`.
    pub async fn team_members_with_role(
        &self,
        team: Uuid,
        role: &str,
    ) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 AND u.role = $2 ORDER BY u.id",
        )
        .bind(team)
        .bind(role)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Inserts a device of `user` whose token hashes to `token_hash`,
    /// expiring `lifetime_secs` from now (negative: already expired).
    /// Returns the expiry (RFC 3339, UTC).
    pub async fn insert_device(
        &self,
        id: Uuid,
        user: Uuid,
        name: &str,
        token_hash: &[u8],
        lifetime_secs: i64,
    ) -> Result<String, DbError> {
        let (expires,): (String,) = sqlx::query_as(
            "INSERT INTO devices (id, user_id, name, token_hash, expires_at) \
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => ($5::bigint)::float8)) \
             RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )
        .bind(id)
        .bind(user)
        .bind(name)
        .bind(token_hash)
        .bind(lifetime_secs)
        .fetch_one(self.pool())
        .await?;
        Ok(expires)
    }

    /// The device whose token hashes to `token_hash`, joined with its user.
    pub async fn device_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<DeviceAuthRow>, DbError> {
        let row: Option<(Uuid, Uuid, String, String, bool, bool, bool)> = sqlx::query_as(
            "SELECT d.id, u.id, u.username, u.role, d.expires_at <= now(), \
                    d.revoked_at IS NOT NULL, u.disabled_at IS NOT NULL \
             FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| DeviceAuthRow {
            device_id: r.0,
            user_id: r.1,
            username: r.2,
            role: r.3,
            expired: r.4,
            revoked: r.5,
            user_disabled: r.6,
        }))
    }

    /// Records a successful authentication of `device` from `addr`.
    pub async fn touch_device(&self, device: Uuid, addr: Option<&str>) -> Result<(), DbError> {
        sqlx::query("UPDATE devices SET last_seen_at = now(), last_seen_addr = $2 WHERE id = $1")
            .bind(device)
            .bind(addr)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records the app version `device` reports (at enrolment or on a
    /// `/sync` connection) and when. The caller has checked its shape.
    pub async fn record_app_version(&self, device: Uuid, version: &str) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE devices SET app_version = $2, app_version_seen_at = now() WHERE id = $1",
        )
        .bind(device)
        .bind(version)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that revoked `device` presented its token and was told to
    /// purge (the latest such time is kept).
    pub async fn mark_purge_instructed(&self, device: Uuid) -> Result<(), DbError> {
        sqlx::query("UPDATE devices SET purge_instructed_at = now() WHERE id = $1")
            .bind(device)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// When `device` was last told to purge (RFC 3339, UTC), if ever;
    /// `Ok(None)` also when there is no such device.
    pub async fn purge_instructed_at(&self, device: Uuid) -> Result<Option<String>, DbError> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT to_char(purge_instructed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
             FROM devices WHERE id = $1",
        )
        .bind(device)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Devices, oldest first; only `username`'s when given.
    pub async fn list_devices(&self, username: Option<&str>) -> Result<Vec<DeviceRow>, DbError> {
        let rows: Vec<DeviceTuple> = sqlx::query_as(
            "SELECT d.id, u.username, d.name, \
               to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(d.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(d.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(d.rotated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(d.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               d.last_seen_addr, d.expires_at <= now(), d.app_version, \
               to_char(d.app_version_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
             FROM devices d JOIN users u ON u.id = d.user_id \
             WHERE $1::text IS NULL OR u.username = $1 \
             ORDER BY d.created_at, d.id",
        )
        .bind(username)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(device_row).collect())
    }

    /// Marks `device` revoked (keeping the first revocation time);
    /// `Ok(false)` if there is no such device.
    pub async fn revoke_device(&self, device: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
        )
        .bind(device)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Replaces the token hash of a device that is not revoked, and gives it
    /// a new lifetime: the old token matches nothing from the commit on.
    /// Returns the new expiry, or `None` when there is no such unrevoked
    /// device.
    pub async fn rotate_device_token(
        &self,
        device: Uuid,
        token_hash: &[u8],
        lifetime_secs: i64,
    ) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = sqlx::query_as(
            "UPDATE devices SET token_hash = $2, rotated_at = now(), \
               expires_at = now() + make_interval(secs => ($3::bigint)::float8) \
             WHERE id = $1 AND revoked_at IS NULL \
             RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )
        .bind(device)
        .bind(token_hash)
        .bind(lifetime_secs)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.0))
    }
}
