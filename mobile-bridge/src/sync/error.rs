//! Why a sync did not complete.

use crate::storage::StorageError;

/// Why [`super::SyncClient::sync_now`] failed. A failed sync loses nothing:
/// what arrived before the failure is already stored, and local changes
/// stay until the server acknowledges them.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server says this device was revoked. The local store has been
    /// purged of every document; the app must tell the user and stop
    /// syncing.
    #[error("this device was revoked; {purged} local documents were deleted")]
    Revoked {
        /// Documents deleted from the local store.
        purged: usize,
        /// Documents that could not be deleted (storage failed).
        failed: usize,
    },
    /// The server refused the device token (unknown or expired). Nothing
    /// was deleted; the user must sign in again.
    #[error("the server refused this device's token")]
    Unauthorized,
    /// The username or password is wrong (enrolment).
    #[error("wrong username or password")]
    InvalidCredentials,
    /// Too many failed sign-ins: the account or address is locked for a
    /// while.
    #[error("sign-in is locked; try again in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends, as the server said.
        retry_after_secs: u64,
    },
    /// The server's API refused a request (status, error code, message).
    #[error("the server refused the request ({status} {code}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The configuration cannot work (bad URL, token or CA certificate).
    #[error("invalid sync configuration: {0}")]
    Config(String),
    /// The server could not be reached or the connection failed; retry.
    #[error("connection failed: {0}")]
    Connection(String),
    /// The server's TLS certificate is not trusted (self-signed, unknown
    /// issuer, wrong name, expired). A development server's certificate
    /// can be trusted with [`super::SyncConfig::extra_ca_pem`]. Retryable:
    /// a captive portal on the network presents one too.
    #[error("the server's TLS certificate is not trusted ({0})")]
    UntrustedCertificate(String),
    /// The server answered the upgrade with something other than 101 or 401.
    #[error("the server answered HTTP {0}")]
    Http(u16),
    /// The server spoke the protocol wrongly; retry later.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// Not every document was in sync when the time allowed ran out.
    #[error("timed out with {in_sync} of {total} documents in sync")]
    Timeout {
        /// Documents that were in sync.
        in_sync: usize,
        /// Documents being synced.
        total: usize,
    },
    /// The local store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A sync is already running on this client.
    #[error("a sync is already running")]
    Busy,
}

impl SyncError {
    /// Whether trying again later can help (background sync backs off and
    /// retries these; the others need the user or the app).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Connection(_)
                | SyncError::UntrustedCertificate(_)
                | SyncError::Http(_)
                | SyncError::Protocol(_)
                | SyncError::Timeout { .. }
                | SyncError::Storage(_)
                | SyncError::Busy
        )
    }
}
