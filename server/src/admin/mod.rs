//! Administration of accounts (`docs/security.md`): the operations behind
//! `alongside-server admin …`, as a library so that the command line and the
//! test suite provision users, teams and devices the same way.
//!
//! One file per job: [`users`] (add a user), [`teams`] (add a team),
//! [`enroll`] (enrol a device and hand out its token), [`devices`] (list and
//! revoke devices), [`rotate`] (replace a device's token), [`assign`]
//! (give a participant record to a peer), [`cover`] (let a colleague
//! write it too, or end that), [`unlock`] (clear a sign-in
//! lockout). [`command`] is the
//! `admin` command line that drives them.

pub mod assign;
pub mod audit;
pub mod command;
pub mod cover;
pub mod devices;
pub mod enroll;
pub mod rotate;
pub mod teams;
pub mod unlock;
pub mod users;

pub use assign::assign;
pub use devices::{list_devices, revoke_device};
pub use enroll::{Enrolled, Lifetime, enroll_device};
pub use rotate::{Rotated, rotate_device_token};
pub use teams::add_team;
pub use unlock::{Unlock, unlock};
pub use users::{AddedUser, NewUser, add_user};

use uuid::Uuid;

use crate::auth::password::PasswordError;
use crate::db::DbError;

/// Why an administrative operation failed. Messages are for the
/// administrator at the command line.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The password could not be hashed (or is empty or too long).
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A username that is taken.
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    /// A team name that is taken.
    #[error("a team named {0:?} already exists")]
    TeamExists(String),
    /// No such user.
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// No such team.
    #[error("no team named {0:?} (create it with `admin team add --name …`)")]
    NoSuchTeam(String),
    /// No such device (or, for rotation, none that is not revoked).
    #[error("no device {0} (or it is revoked)")]
    NoSuchDevice(Uuid),
    /// `admin audit verify` found the chain broken.
    #[error("{0}")]
    AuditBroken(String),
    /// A caseload index could not be updated.
    #[error(transparent)]
    Caseload(#[from] crate::access::caseload::CaseloadError),
    /// A value that cannot be used.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which input.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Checks a name typed by an administrator: not empty, at most `max`
/// characters, no control characters, no leading or trailing space.
pub(crate) fn check_name(field: &'static str, value: &str, max: usize) -> Result<(), AdminError> {
    let reason = if value.is_empty() {
        Some("must not be empty".to_owned())
    } else if value.chars().count() > max {
        Some(format!("at most {max} characters"))
    } else if value.chars().any(char::is_control) {
        Some("no control characters".to_owned())
    } else if value.trim() != value {
        Some("no leading or trailing spaces".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(AdminError::Invalid { field, reason }),
        None => Ok(()),
    }
}
