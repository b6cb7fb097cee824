//! The demo team: a supervisor, three peers with two devices each (one of
//! them silent for three days), participant records with notes in every
//! review state — awaiting, approved, approved then amended, changes
//! requested, revised, draft, 42 CFR Part 2 — a field where two devices
//! wrote concurrently, and accompaniment logs with follow-ups.
//!
//! Documents are written the way the server stores a device's write: each
//! edit is a change under an actor bound to the device that "made" it,
//! appended with [`Db::persist`] (access row, projection and all), and
//! listed in the peer's caseload index. Reviews go through the console's
//! own writer. Times are relative to `now`; the accompaniments' to an
//! anchor that keeps them in one week and none in the future (see
//! [`clock::accompaniment_anchor`]).

mod accounts;
mod clock;
mod team;
mod writer;

use alongside_shared::doc::DocError;

use crate::access::caseload::CaseloadError;
use crate::admin::AdminError;
use crate::auth::password;
use crate::console::write::WriteError;
use crate::db::{Db, DbError};

use accounts::set_password;
use team::seed_team;

/// The supervisor's username.
pub const SUPERVISOR: &str = "dana";
/// The peer whose password the demo prints (a device in a terminal).
pub const PEER: &str = "amir";
/// The demo team.
pub const TEAM: &str = "riverside";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Accounts could not be created.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// A caseload index could not be written.
    #[error(transparent)]
    Caseload(#[from] CaseloadError),
    /// A document edit failed.
    #[error("document edit: {0}")]
    Doc(String),
    /// A review could not be written.
    #[error(transparent)]
    Review(#[from] WriteError),
}

impl From<DocError> for SeedError {
    fn from(e: DocError) -> Self {
        SeedError::Doc(e.to_string())
    }
}

/// What the demo prints.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The supervisor's username.
    pub username: String,
    /// Their password (new on every run).
    pub password: String,
    /// A peer's username, to enrol a device in a terminal.
    pub peer_username: String,
    /// The peer's password (new on every run).
    pub peer_password: String,
    /// Whether the team was seeded now (false: it was already there).
    pub seeded: bool,
}

/// Seeds the demo team unless it is there; either way gives the
/// supervisor a new password and returns the credentials.
pub async fn seed(db: &Db, now: i64) -> Result<Credentials, SeedError> {
    let password = password::generate();
    let seeded = db.login_row(SUPERVISOR).await?.is_none();
    if seeded {
        seed_team(db, now, &password).await?;
    } else {
        set_password(db, SUPERVISOR, &password).await?;
    }
    let peer_password = password::generate();
    set_password(db, PEER, &peer_password).await?;
    Ok(Credentials {
        username: SUPERVISOR.into(),
        password,
        peer_username: PEER.into(),
        peer_password,
        seeded,
    })
}
