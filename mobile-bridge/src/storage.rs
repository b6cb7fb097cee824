//! The contract between the sync client and the device's local store.
//!
//! The store keeps every document a device holds, durably and encrypted,
//! and what the server is known to have of each (the heads it last
//! acknowledged). The sync client loads documents from it, appends what the
//! server sends, records acknowledgements, and deletes documents the user
//! lost access to. Every method is one transaction: when it returns `Ok`,
//! what it wrote survives the app being killed.

use alongside_shared::doc::rules::ReviewNews;
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};

/// Why the store failed. Implementations map their own errors into this.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key does not open the store (nothing was changed).
    #[error("the key does not open this store")]
    WrongKey,
    /// Stored data is damaged or cannot be decrypted.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The storage medium failed.
    #[error("storage failed: {0}")]
    Io(String),
}

/// What the sync client needs from the local store.
pub trait DeviceStore: Send {
    /// Every document held.
    fn document_ids(&self) -> Result<Vec<DocumentId>, StorageError>;
    /// A held document, with all of its history.
    fn load(&self, id: &DocumentId) -> Result<Option<AutoCommit>, StorageError>;
    /// Adds changes received from the server (automerge chunk bytes, as the
    /// hub's persist effect carries them) to document `id`, creating it if
    /// it is new.
    fn append(&mut self, id: &DocumentId, changes: &[u8]) -> Result<(), StorageError>;
    /// The heads the server last acknowledged for `id` (empty: none).
    fn server_heads(&self, id: &DocumentId) -> Result<Vec<ChangeHash>, StorageError>;
    /// Records that the server has everything up to `heads` of `id`.
    fn set_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), StorageError>;
    /// Deletes document `id` and everything about it (access was lost).
    fn purge(&mut self, id: &DocumentId) -> Result<(), StorageError>;
    /// Documents holding changes the server has not acknowledged: a
    /// reconnect offers these whatever the server's change feed says.
    fn unacknowledged(&self) -> Result<Vec<DocumentId>, StorageError>;
    /// The server's change-feed cursor as of the last complete sync (`None`:
    /// never synced completely; the next sync covers every document).
    fn sync_cursor(&self) -> Result<Option<String>, StorageError>;
    /// Records the cursor of a sync that completed.
    fn set_sync_cursor(&mut self, cursor: &str) -> Result<(), StorageError>;
    /// What changed in review for this device's user in document `id`
    /// since `before` (its heads before the sync received changes):
    /// `alongside_shared::doc::rules::review_news`. A store that does not
    /// know its user has none.
    fn review_news(&self, _id: &DocumentId, _before: &[ChangeHash]) -> Vec<ReviewNews> {
        Vec::new()
    }
}
