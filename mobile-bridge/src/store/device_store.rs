//! [`DeviceStore`] for [`SqliteStore`]: what the sync client calls.

use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};

use super::{MetaKey, SqliteStore};
use crate::storage::{DeviceStore, StorageError};

impl DeviceStore for SqliteStore {
    fn document_ids(&self) -> Result<Vec<DocumentId>, StorageError> {
        let mut ids: Vec<_> = self.docs.keys().copied().collect();
        ids.sort();
        Ok(ids)
    }

    fn load(&self, id: &DocumentId) -> Result<Option<AutoCommit>, StorageError> {
        Ok(self.docs.get(id).map(|h| h.doc.clone()))
    }

    fn append(&mut self, id: &DocumentId, changes: &[u8]) -> Result<(), StorageError> {
        self.append_chunk(id, changes)
    }

    fn server_heads(&self, id: &DocumentId) -> Result<Vec<ChangeHash>, StorageError> {
        self.stored_server_heads(id)
    }

    fn set_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), StorageError> {
        self.record_server_heads(id, heads)
    }

    fn purge(&mut self, id: &DocumentId) -> Result<(), StorageError> {
        self.purge_document(id)
    }

    fn unacknowledged(&self) -> Result<Vec<DocumentId>, StorageError> {
        self.pending()?
            .into_iter()
            .map(|status| {
                status.id.parse().map_err(|_| {
                    StorageError::Corrupt(format!("pending document id {:?}", status.id))
                })
            })
            .collect()
    }

    fn sync_cursor(&self) -> Result<Option<String>, StorageError> {
        self.meta(MetaKey::SyncCursor)
    }

    fn set_sync_cursor(&mut self, cursor: &str) -> Result<(), StorageError> {
        self.set_meta(MetaKey::SyncCursor, cursor)
    }
}
