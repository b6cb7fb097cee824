//! Who is asking: users, their roles, and the device a request comes from.
//!
//! Authentication turns a device token (or, for the console, a session) into
//! a [`Principal`]; the access policy (the `access` module) decides from it what
//! that principal may read and write.

pub mod device;
pub mod password;
pub mod throttle;
pub mod token;

use uuid::Uuid;

/// A user's role (`docs/security.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A peer support worker: reads and writes their own caseload.
    Peer,
    /// Reads the caseloads of the teams they supervise; reviews through the
    /// server.
    Supervisor,
    /// Manages accounts and assignments and reads the audit trail, not notes.
    Admin,
}

impl Role {
    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "peer" => Some(Role::Peer),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated user acting through one device (or the console).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their role.
    pub role: Role,
    /// The enrolled device the request came through; `None` for the console.
    pub device_id: Option<Uuid>,
}
