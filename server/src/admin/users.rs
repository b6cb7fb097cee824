//! Adding a user (`admin user add`): a username, a role, a display name, an
//! Argon2id-hashed password (generated when none is given), a fresh
//! caseload-index document id, and — with a team — the membership that
//! makes a peer part of the team or a supervisor its supervisor.

use uuid::Uuid;

use super::{AdminError, check_name};
use crate::auth::{Role, password};
use crate::db::Db;
use crate::db::accounts::NewUserRow;

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Unique sign-in name (1–64 characters, no spaces).
    pub username: String,
    /// Their role.
    pub role: Role,
    /// Shown in the console; the username when absent.
    pub display_name: Option<String>,
    /// Their password; a random one is generated (and returned) when absent.
    pub password: Option<String>,
    /// A team to join (a peer) or supervise (a supervisor). Admins belong to
    /// no team.
    pub team: Option<String>,
}

/// A user just created.
#[derive(Debug, Clone)]
pub struct AddedUser {
    /// Their id.
    pub id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their role.
    pub role: Role,
    /// The id of their caseload-index document.
    pub caseload_index: Uuid,
    /// The team they joined or supervise.
    pub team: Option<Uuid>,
    /// The password generated for them (shown once), if none was given.
    pub generated_password: Option<String>,
}

/// Creates a user (and their team membership) in one transaction.
pub async fn add_user(db: &Db, new: NewUser) -> Result<AddedUser, AdminError> {
    check_name("username", &new.username, 64)?;
    if new.username.chars().any(char::is_whitespace) {
        return Err(AdminError::Invalid {
            field: "username",
            reason: "no spaces".into(),
        });
    }
    let display_name = new.display_name.unwrap_or_else(|| new.username.clone());
    check_name("display name", &display_name, 200)?;
    let team = match &new.team {
        None => None,
        Some(_) if new.role == Role::Admin => {
            return Err(AdminError::Invalid {
                field: "team",
                reason: "an admin belongs to no team".into(),
            });
        }
        Some(name) => Some(
            db.team_by_name(name)
                .await?
                .ok_or_else(|| AdminError::NoSuchTeam(name.clone()))?,
        ),
    };
    let (password, generated) = match new.password {
        Some(given) => (given, None),
        None => {
            let made = password::generate();
            (made.clone(), Some(made))
        }
    };
    // Argon2id takes tens of milliseconds of CPU: off the async threads.
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| password::PasswordError::Hash(e.to_string()))??;
    let row = NewUserRow {
        id: Uuid::new_v4(),
        username: new.username,
        role: new.role.as_str().to_owned(),
        display_name,
        password_hash,
        caseload_index: Uuid::new_v4(),
    };
    if !db.insert_user(&row, team).await? {
        return Err(AdminError::UserExists(row.username));
    }
    // Devices find their (empty) caseload index at once, and every server
    // node learns of the account.
    crate::access::caseload::ensure(db, row.id).await?;
    db.announce_accounts_changed().await?;
    Ok(AddedUser {
        id: row.id,
        username: row.username,
        role: new.role,
        caseload_index: row.caseload_index,
        team,
        generated_password: generated,
    })
}
