//! An in-memory [`DeviceStore`], for tests and measurements: documents as
//! lists of automerge chunks, as the SQLite store keeps them, without the
//! durability or the encryption.

use std::collections::BTreeMap;

use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};

use crate::storage::{DeviceStore, StorageError};

#[derive(Debug, Default, Clone)]
struct Held {
    chunks: Vec<Vec<u8>>,
    server_heads: Vec<ChangeHash>,
    /// The document as the chunks load, kept so that reads do not reload.
    doc: AutoCommit,
}

impl Held {
    fn add(&mut self, chunk: Vec<u8>) -> Result<(), StorageError> {
        self.doc
            .load_incremental(&chunk)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        self.chunks.push(chunk);
        Ok(())
    }
}

/// A [`DeviceStore`] in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    docs: BTreeMap<DocumentId, Held>,
    cursor: Option<String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores all of `doc` as document `id` (a document made on the device).
    pub fn insert(&mut self, id: DocumentId, doc: &mut AutoCommit) {
        let held = self.docs.entry(id).or_default();
        // The bytes come from a live document: they load.
        let _ = held.add(doc.save());
    }

    /// Edits held document `id` as the editing API would: loads it, applies
    /// `edit`, and appends the new changes. `None` if it is not held.
    pub fn edit<R>(
        &mut self,
        id: &DocumentId,
        edit: impl FnOnce(&mut AutoCommit) -> R,
    ) -> Result<Option<R>, StorageError> {
        let Some(mut doc) = self.load(id)? else {
            return Ok(None);
        };
        let before = doc.get_heads();
        let result = edit(&mut doc);
        doc.commit();
        let added = doc.save_after(&before);
        if !added.is_empty() {
            self.append(id, &added)?;
        }
        Ok(Some(result))
    }

    /// Number of documents held.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document is held.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Whether the server's acknowledged heads of `id` cover the local heads
    /// (nothing of it is waiting to be synced).
    pub fn is_acknowledged(&self, id: &DocumentId) -> Result<bool, StorageError> {
        let Some(held) = self.docs.get(id) else {
            return Ok(false);
        };
        let mut doc = held.doc.clone();
        let local = doc.get_heads();
        // The server's heads cover ours when each of ours is one of them or
        // an ancestor of them.
        if local.iter().all(|h| held.server_heads.contains(h)) {
            return Ok(true);
        }
        let server = &held.server_heads;
        let known = server.iter().all(|h| doc.get_change_by_hash(h).is_some());
        Ok(known && doc.get_changes(server).is_empty())
    }
}

impl DeviceStore for MemoryStore {
    fn document_ids(&self) -> Result<Vec<DocumentId>, StorageError> {
        Ok(self.docs.keys().copied().collect())
    }

    fn load(&self, id: &DocumentId) -> Result<Option<AutoCommit>, StorageError> {
        Ok(self.docs.get(id).map(|held| held.doc.clone()))
    }

    fn append(&mut self, id: &DocumentId, changes: &[u8]) -> Result<(), StorageError> {
        // Refuse what would not load, as a real store must, before keeping
        // anything of it.
        AutoCommit::new()
            .load_incremental(changes)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        self.docs.entry(*id).or_default().add(changes.to_vec())
    }

    fn server_heads(&self, id: &DocumentId) -> Result<Vec<ChangeHash>, StorageError> {
        Ok(self
            .docs
            .get(id)
            .map(|h| h.server_heads.clone())
            .unwrap_or_default())
    }

    fn set_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), StorageError> {
        if let Some(held) = self.docs.get_mut(id) {
            held.server_heads = heads.to_vec();
        }
        Ok(())
    }

    fn purge(&mut self, id: &DocumentId) -> Result<(), StorageError> {
        self.docs.remove(id);
        Ok(())
    }

    fn unacknowledged(&self) -> Result<Vec<DocumentId>, StorageError> {
        let mut ids = Vec::new();
        for id in self.docs.keys() {
            if !self.is_acknowledged(id)? {
                ids.push(*id);
            }
        }
        Ok(ids)
    }

    fn sync_cursor(&self) -> Result<Option<String>, StorageError> {
        Ok(self.cursor.clone())
    }

    fn set_sync_cursor(&mut self, cursor: &str) -> Result<(), StorageError> {
        self.cursor = Some(cursor.to_owned());
        Ok(())
    }
}
