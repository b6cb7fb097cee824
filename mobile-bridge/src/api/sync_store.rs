//! [`DeviceStore`] for [`Device`], delegating to its encrypted store, so an
//! app shares one `Arc<Mutex<Device>>` between its editing calls and a
//! [`crate::sync::SyncClient<Device>`] (each call holds the lock briefly).

use alongside_shared::doc::DocKind;
use alongside_shared::doc::rules::{ReviewNews, review_news};
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};

use super::Device;
use crate::storage::{DeviceStore, StorageError};

impl DeviceStore for Device {
    fn document_ids(&self) -> Result<Vec<DocumentId>, StorageError> {
        self.store.document_ids()
    }

    fn load(&self, id: &DocumentId) -> Result<Option<AutoCommit>, StorageError> {
        self.store.load(id)
    }

    fn append(&mut self, id: &DocumentId, changes: &[u8]) -> Result<(), StorageError> {
        self.store.append(id, changes)
    }

    fn server_heads(&self, id: &DocumentId) -> Result<Vec<ChangeHash>, StorageError> {
        self.store.server_heads(id)
    }

    fn set_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), StorageError> {
        self.store.set_server_heads(id, heads)
    }

    fn purge(&mut self, id: &DocumentId) -> Result<(), StorageError> {
        self.store.purge(id)
    }

    fn unacknowledged(&self) -> Result<Vec<DocumentId>, StorageError> {
        self.store.unacknowledged()
    }

    fn sync_cursor(&self) -> Result<Option<String>, StorageError> {
        self.store.sync_cursor()
    }

    fn set_sync_cursor(&mut self, cursor: &str) -> Result<(), StorageError> {
        self.store.set_sync_cursor(cursor)
    }

    fn review_news(&self, id: &DocumentId, before: &[ChangeHash]) -> Vec<ReviewNews> {
        match (self.identity.as_ref(), self.store.doc(id)) {
            (Some(me), Some(doc)) if self.store.kind(id) == Some(DocKind::Participant) => {
                review_news(doc, before, &me.user_id)
            }
            _ => Vec::new(),
        }
    }
}
