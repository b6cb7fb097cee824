//! The demo's accounts: the team's supervisor and peers, each peer's two
//! devices (one of them silent for a while), and the new passwords a run
//! gives out.

use uuid::Uuid;

use super::{SeedError, TEAM};
use crate::admin::{self, AdminError, Lifetime, NewUser};
use crate::auth::{Role, password};
use crate::db::Db;

#[derive(Debug, Clone, Copy)]
pub(super) struct Peer {
    pub(super) id: Uuid,
    pub(super) phone: Uuid,
    pub(super) tablet: Uuid,
}

pub(super) async fn user(
    db: &Db,
    username: &str,
    display: &str,
    role: Role,
    password: Option<String>,
) -> Result<Uuid, SeedError> {
    let added = admin::add_user(
        db,
        NewUser {
            username: username.to_owned(),
            role,
            display_name: Some(display.to_owned()),
            password: Some(password.unwrap_or_else(password::generate)),
            team: Some(TEAM.to_owned()),
        },
    )
    .await?;
    Ok(added.id)
}

pub(super) async fn peer(db: &Db, username: &str, display: &str) -> Result<Peer, SeedError> {
    let id = user(db, username, display, Role::Peer, None).await?;
    let first = display.split(' ').next().unwrap_or(display);
    let phone = admin::enroll_device(
        db,
        username,
        &format!("{first}'s phone"),
        Lifetime::default(),
    )
    .await?
    .device_id;
    let tablet = admin::enroll_device(
        db,
        username,
        &format!("{first}'s tablet"),
        Lifetime::default(),
    )
    .await?
    .device_id;
    db.touch_device(phone, Some("127.0.0.1")).await?;
    db.set_device_last_seen(tablet, 5.0).await?;
    Ok(Peer { id, phone, tablet })
}

/// Gives `username` a new password.
pub(super) async fn set_password(db: &Db, username: &str, new: &str) -> Result<(), SeedError> {
    let hash = {
        let p = new.to_owned();
        tokio::task::spawn_blocking(move || password::hash(&p))
            .await
            .map_err(|e| SeedError::Doc(e.to_string()))?
            .map_err(AdminError::from)?
    };
    db.set_password_hash(username, &hash).await?;
    Ok(())
}
