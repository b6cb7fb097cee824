//! The one error type every exported call returns: each variant is
//! something the app can tell a person (or act on) without parsing text.
//! Kotlin and Swift see it as an exception / error enum with these cases,
//! Python as exception classes under `BridgeError`.

use crate::api::ApiError;
use crate::storage::StorageError;
use crate::sync::SyncError;

/// Why a call into the bridge did not do what was asked. Nothing was
/// stored when one of these is returned (a sync keeps what it stored
/// before failing).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum BridgeError {
    /// The key does not open this store. Nothing in the file was changed:
    /// try the right key.
    #[error("the key does not open this store (nothing was changed)")]
    WrongKey,
    /// The store file is damaged or is not an Alongside store.
    #[error("the store is damaged: {detail}")]
    Corrupt {
        /// What is wrong.
        detail: String,
    },
    /// The storage medium failed (disk full, file not writable, ...).
    #[error("storage failed: {detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
    /// The device has no identity yet: enrol first.
    #[error("this device is not enrolled")]
    NotEnrolled,
    /// The device is enrolled for another user; its data stays theirs.
    #[error("this device is enrolled for another user")]
    EnrolledForAnotherUser,
    /// An input is not acceptable.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No participant record with this id is held.
    #[error("no participant {id}")]
    UnknownParticipant {
        /// The id given.
        id: String,
    },
    /// No accompaniment log with this id is held.
    #[error("no accompaniment {id}")]
    UnknownAccompaniment {
        /// The id given.
        id: String,
    },
    /// The participant has no note with this id.
    #[error("no note {id}")]
    UnknownNote {
        /// The id given.
        id: String,
    },
    /// The accompaniment has no follow-up with this id.
    #[error("no follow-up {id}")]
    UnknownFollowUp {
        /// The id given.
        id: String,
    },
    /// A text position is past the end of the text or splits a character
    /// (positions and lengths are UTF-16 code units).
    #[error("position {position} (+{length}) is outside the text or splits a character")]
    TextRange {
        /// Start, in UTF-16 code units.
        position: u64,
        /// Length, in UTF-16 code units.
        length: u64,
    },
    /// An accompaniment step would go out of order: `step` cannot be
    /// recorded because of the stamped step `other` (empty when it would be
    /// in the future). A missed step is entered with the time it happened.
    #[error("{detail}")]
    StepOutOfOrder {
        /// The step being recorded (`departed`, `arrived`, `seen`, `ended`,
        /// `returned`).
        step: String,
        /// The stamped step it conflicts with.
        other: String,
        /// `later-step-stamped`, `before-earlier-step`, `after-later-step`
        /// or `in-the-future`.
        problem: String,
        /// A sentence naming both steps.
        detail: String,
    },
    /// A stored document does not have the expected shape.
    #[error("document problem: {detail}")]
    Document {
        /// What is wrong.
        detail: String,
    },
    /// Wrong username or password (enrolment).
    #[error("wrong username or password")]
    InvalidCredentials,
    /// Too many failed sign-ins: locked for a while.
    #[error("sign-in is locked; try again in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
    /// The server no longer accepts this device's token (unknown or
    /// expired): the user must sign in again.
    #[error("the server does not accept this device's token; sign in again")]
    Unauthorized,
    /// The device was revoked: its documents were deleted from the store.
    /// Tell the user and stop syncing.
    #[error("this device was revoked; {purged} documents were deleted ({failed} could not be)")]
    Revoked {
        /// Documents deleted.
        purged: u64,
        /// Documents that could not be deleted.
        failed: u64,
    },
    /// The server could not be reached, or the connection failed or timed
    /// out. Retry later; nothing is lost.
    #[error("cannot reach the server: {detail}")]
    Connection {
        /// What happened.
        detail: String,
    },
    /// The server's TLS certificate is not trusted (self-signed, unknown
    /// issuer, wrong name, expired). For a development server, give its
    /// certificate to `trust_certificate`; on a real network this can be a
    /// captive portal (retry later). Nothing was changed.
    #[error("the server's TLS certificate is not trusted ({detail}); nothing was changed")]
    UntrustedCertificate {
        /// What the TLS library said.
        detail: String,
    },
    /// The server refused a request or spoke the protocol wrongly. Retry
    /// later.
    #[error("the server answered unexpectedly: {detail}")]
    Server {
        /// What it said.
        detail: String,
    },
    /// The server URL (or other configuration) cannot work.
    #[error("invalid configuration: {detail}")]
    Config {
        /// What is wrong.
        detail: String,
    },
    /// A sync is already running on this device.
    #[error("a sync is already running")]
    Busy,
    /// A fault inside the bridge (a bug): report it.
    #[error("internal error: {detail}")]
    Internal {
        /// What happened.
        detail: String,
    },
}

#[uniffi::export]
impl BridgeError {
    /// A sentence for a person (or a log) saying what went wrong; the
    /// variant and its fields are for the app to act on.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl BridgeError {
    /// An invalid-input error.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl From<StorageError> for BridgeError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::WrongKey => Self::WrongKey,
            StorageError::Corrupt(detail) => Self::Corrupt { detail },
            StorageError::Io(detail) => Self::Storage { detail },
        }
    }
}

impl From<ApiError> for BridgeError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotEnrolled => Self::NotEnrolled,
            ApiError::InvalidInput { field, reason } => Self::invalid(field, reason),
            ApiError::UnknownParticipant(id) => Self::UnknownParticipant { id },
            ApiError::UnknownAccompaniment(id) => Self::UnknownAccompaniment { id },
            ApiError::UnknownNote(id) => Self::UnknownNote { id },
            ApiError::UnknownFollowUp(id) => Self::UnknownFollowUp { id },
            ApiError::TextRange { pos, len } => Self::TextRange {
                position: count(pos),
                length: count(len),
            },
            ApiError::StepOrder(e) => Self::StepOutOfOrder {
                step: e.step.name().to_owned(),
                other: e.other.map(|o| o.name().to_owned()).unwrap_or_default(),
                problem: e.problem.code().to_owned(),
                detail: e.to_string(),
            },
            ApiError::Document(e) => Self::Document {
                detail: e.to_string(),
            },
            ApiError::Storage(e) => e.into(),
        }
    }
}

impl From<SyncError> for BridgeError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Revoked { purged, failed } => Self::Revoked {
                purged: count(purged),
                failed: count(failed),
            },
            SyncError::Unauthorized => Self::Unauthorized,
            SyncError::InvalidCredentials => Self::InvalidCredentials,
            SyncError::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            SyncError::Config(detail) => Self::Config { detail },
            SyncError::Storage(e) => e.into(),
            SyncError::Busy => Self::Busy,
            SyncError::UntrustedCertificate(detail) => Self::UntrustedCertificate { detail },
            e @ (SyncError::Connection(_) | SyncError::Timeout { .. }) => Self::Connection {
                detail: e.to_string(),
            },
            e @ (SyncError::Api { .. } | SyncError::Http(_) | SyncError::Protocol(_)) => {
                Self::Server {
                    detail: e.to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_key_stays_a_wrong_key_through_every_layer() {
        assert!(matches!(
            BridgeError::from(ApiError::Storage(StorageError::WrongKey)),
            BridgeError::WrongKey
        ));
        assert!(matches!(
            BridgeError::from(SyncError::Storage(StorageError::WrongKey)),
            BridgeError::WrongKey
        ));
    }

    #[test]
    fn messages_name_the_problem() {
        let e = BridgeError::from(ApiError::TextRange { pos: 7, len: 2 });
        assert!(matches!(
            e,
            BridgeError::TextRange {
                position: 7,
                length: 2
            }
        ));
        assert_eq!(
            e.to_string(),
            "position 7 (+2) is outside the text or splits a character"
        );
        let e = BridgeError::from(SyncError::Locked {
            retry_after_secs: 30,
        });
        assert_eq!(e.to_string(), "sign-in is locked; try again in 30 s");
    }
}
