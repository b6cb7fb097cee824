//! Accounts for tests, provisioned through the server's own administration
//! library (`alongside_server::admin`), never raw SQL: a user of a role, in
//! a team, with an enrolled device and its token, ready to authenticate a
//! WebSocket (`Authorization: Bearer`, or `?token=` in a URL).
//!
//! Every call migrates the database first, so accounts can be made before a
//! server process has started on it.

use alongside_server::admin::{self, AdminError, Lifetime, NewUser};
use alongside_server::auth::Role;
use alongside_server::db::Db;
use uuid::Uuid;

/// A user with one enrolled device.
#[derive(Debug, Clone)]
pub struct Account {
    /// The user's id.
    pub user_id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their role.
    pub role: Role,
    /// Their password.
    pub password: String,
    /// The enrolled device.
    pub device_id: Uuid,
    /// The device's token.
    pub token: String,
}

/// Connects to `db_url` and applies the migrations.
pub async fn admin_db(db_url: &str) -> Db {
    let db = Db::connect_lazy(db_url, 2).expect("a postgres:// URL");
    db.migrate().await.expect("migrate the test database");
    db
}

/// Creates the team `name` unless it exists.
pub async fn ensure_team(db: &Db, name: &str) {
    match admin::add_team(db, name).await {
        Ok(_) | Err(AdminError::TeamExists(_)) => {}
        Err(e) => panic!("add team {name}: {e}"),
    }
}

impl Account {
    /// A peer in `team` (created if needed) with one device.
    pub async fn peer(db_url: &str, username: &str, team: &str) -> Self {
        Self::create(
            db_url,
            username,
            Role::Peer,
            Some(team),
            Lifetime::default(),
        )
        .await
    }

    /// A supervisor of `team` (created if needed) with one device.
    pub async fn supervisor(db_url: &str, username: &str, team: &str) -> Self {
        Self::create(
            db_url,
            username,
            Role::Supervisor,
            Some(team),
            Lifetime::default(),
        )
        .await
    }

    /// An admin with one device.
    pub async fn admin(db_url: &str, username: &str) -> Self {
        Self::create(db_url, username, Role::Admin, None, Lifetime::default()).await
    }

    /// A user of `role` (in `team`, when given) whose device token lives
    /// for `lifetime` (negative: expired already).
    pub async fn create(
        db_url: &str,
        username: &str,
        role: Role,
        team: Option<&str>,
        lifetime: Lifetime,
    ) -> Self {
        let db = admin_db(db_url).await;
        if let Some(team) = team {
            ensure_team(&db, team).await;
        }
        let password = format!("{username}-password");
        let user = admin::add_user(
            &db,
            NewUser {
                username: username.to_owned(),
                role,
                display_name: None,
                password: Some(password.clone()),
                team: team.map(str::to_owned),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("add user {username}: {e}"));
        let device = admin::enroll_device(&db, username, &format!("{username}-device"), lifetime)
            .await
            .unwrap_or_else(|e| panic!("enrol a device for {username}: {e}"));
        db.close().await;
        Self {
            user_id: user.id,
            username: username.to_owned(),
            role,
            password,
            device_id: device.device_id,
            token: device.token,
        }
    }

    /// Enrols another device for this user: its id and token.
    pub async fn enroll(
        &self,
        db_url: &str,
        device_name: &str,
        lifetime: Lifetime,
    ) -> (Uuid, String) {
        let db = admin_db(db_url).await;
        let device = admin::enroll_device(&db, &self.username, device_name, lifetime)
            .await
            .unwrap_or_else(|e| panic!("enrol {device_name} for {}: {e}", self.username));
        db.close().await;
        (device.device_id, device.token)
    }

    /// `url` with this account's token as the `token` query parameter (for
    /// clients that take only a URL, like automerge-repo's WebSocket
    /// adapter).
    pub fn url(&self, url: &str) -> String {
        with_token(url, &self.token)
    }
}

/// `url` with `token` as its `token` query parameter.
pub fn with_token(url: &str, token: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}token={token}")
}
