//! How an online command fails: a message for people, a stable `kind` for
//! scripts (`--json`) and an exit code, so that a script can tell "try
//! again later" from "enrol again" from "this device was revoked".
//!
//! Exit codes: 1 any other error (bad input, the local store, not
//! enrolled), 2 bad usage (from clap), 3 the sync finished but some
//! documents are not in sync (the report says which), 4 the server could
//! not be reached or the connection failed (nothing was lost; retry), 5 the
//! server refused the credentials (wrong password, unknown or expired
//! token, sign-in locked), 6 this device was revoked (its documents were
//! deleted and it will not sync again).

use std::fmt;

use alongside_mobile_bridge::sync::{ServerUrl, SyncError};

/// An online command's failure. `main` prints it and exits with `code`.
#[derive(Debug)]
pub struct Failure {
    /// A stable name for scripts: `not_enrolled`, `revoked`, ...
    pub kind: &'static str,
    /// The process exit code.
    pub code: u8,
    /// What happened and what to do, for a person.
    pub message: String,
    /// The command already printed its result (the `--json` value):
    /// `main` only writes the message to stderr.
    pub reported: bool,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Exit code: some documents did not sync.
pub const INCOMPLETE: u8 = 3;
/// Exit code: no connection.
pub const UNREACHABLE: u8 = 4;
/// Exit code: credentials refused.
pub const REFUSED: u8 = 5;
/// Exit code: revoked.
pub const REVOKED: u8 = 6;

impl Failure {
    /// A failure of `kind` with exit code `code`.
    pub fn new(kind: &'static str, code: u8, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            reported: false,
        }
    }

    /// The device holds no enrolment to sync with.
    pub fn not_enrolled() -> Self {
        Self::new(
            "not_enrolled",
            1,
            "this device is not enrolled with a server: run `alongside-device --server URL \
             enroll --username NAME --password-stdin` (or `enroll --token TOKEN`) first",
        )
    }

    /// What `error`, from talking to `server`, means for the user.
    pub fn from_sync(error: &SyncError, server: &ServerUrl) -> Self {
        match error {
            SyncError::Revoked { purged, failed } => {
                let mut message = format!(
                    "this device was revoked by an administrator: {purged} document(s) were \
                     deleted from it and it will not sync again"
                );
                if *failed > 0 {
                    message.push_str(&format!(" ({failed} could not be deleted)"));
                }
                Self::new("revoked", REVOKED, message)
            }
            SyncError::Unauthorized => Self::new(
                "unauthorized",
                REFUSED,
                format!(
                    "{server} refused this device's token (unknown or expired): ask an \
                     administrator to rotate it and enroll again with --token; nothing on this \
                     device was deleted"
                ),
            ),
            SyncError::InvalidCredentials => {
                Self::new("invalid_credentials", REFUSED, "wrong username or password")
            }
            SyncError::Locked { retry_after_secs } => Self::new(
                "locked",
                REFUSED,
                format!(
                    "too many failed sign-ins: signing in is locked for {retry_after_secs} s \
                     (an administrator can unlock it)"
                ),
            ),
            SyncError::UntrustedCertificate(detail) => Self::new(
                "untrusted_certificate",
                UNREACHABLE,
                format!(
                    "the TLS certificate of {server} is not trusted ({detail}); for a \
                     development server with a self-signed certificate, pass that certificate \
                     with --ca-file; nothing on this device was changed"
                ),
            ),
            SyncError::Connection(detail) => Self::new(
                "unreachable",
                UNREACHABLE,
                format!(
                    "cannot reach {server}: {detail}; nothing was lost, local changes stay on \
                     this device until a sync completes"
                ),
            ),
            SyncError::Timeout { .. } | SyncError::Http(_) | SyncError::Protocol(_) => Self::new(
                "sync_failed",
                UNREACHABLE,
                format!(
                    "the sync with {server} did not finish: {error}; nothing was lost, try \
                         again"
                ),
            ),
            SyncError::Busy => Self::new("busy", 1, error.to_string()),
            SyncError::Config(_) | SyncError::Api { .. } | SyncError::Storage(_) => {
                Self::new("error", 1, error.to_string())
            }
        }
    }
}
