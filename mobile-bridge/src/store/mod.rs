//! The encrypted local store: SQLite (bundled), one transaction per edit.
//!
//! [`SqliteStore`] keeps every document the device holds as append-only,
//! sealed Automerge chunks (see [`crypt`] for the encryption and
//! [`schema`] for the tables), plus what the server last acknowledged and
//! which documents have local changes still to send. Opening checks the
//! key, then rebuilds every document from its chunks into memory; from
//! then on reads are served from memory and every write is one SQLite
//! transaction (WAL, `synchronous=FULL`) that also updates the in-memory
//! copy only once it committed.
//!
//! Drive it with [`SqliteStore::open`], then [`SqliteStore::create`] /
//! [`SqliteStore::edit`] for local edits (the typed API in
//! [`crate::api`] does this), and the [`DeviceStore`](crate::storage::DeviceStore)
//! methods for the sync client.

pub mod crypt;
mod device_store;
mod held;
mod meta;
mod open;
pub mod schema;
mod sync_state;
mod write;

use std::collections::HashMap;

use alongside_shared::doc::DocKind;
use alongside_shared::wire::DocumentId;
use automerge::ActorId;
use rusqlite::Connection;

use crate::clock::SharedClock;
use crate::storage::StorageError;

pub use crypt::{KEY_LEN, StoreKey};
pub use meta::MetaKey;
pub use sync_state::{DocumentStatus, StoreStatus};
pub use write::EditError;

use held::Held;

/// A document is compacted into one snapshot chunk once it has this many
/// chunks (see [`SqliteStore::set_compact_after`]).
pub const DEFAULT_COMPACT_AFTER: usize = 16;

/// The device's encrypted document store.
pub struct SqliteStore {
    conn: Connection,
    cipher: crypt::Cipher,
    clock: SharedClock,
    docs: HashMap<DocumentId, Held>,
    actor: Option<ActorId>,
    compact_after: usize,
    touched: std::collections::BTreeSet<DocumentId>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("documents", &self.docs.len())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The kind of document `id`, if it is held and its envelope is known.
    pub fn kind(&self, id: &DocumentId) -> Option<DocKind> {
        self.docs.get(id).and_then(|h| h.kind)
    }

    /// Whether document `id` is held.
    pub fn contains(&self, id: &DocumentId) -> bool {
        self.docs.contains_key(id)
    }

    /// The held documents of `kind`.
    pub fn ids_of_kind(&self, kind: DocKind) -> Vec<DocumentId> {
        let mut ids: Vec<_> = self
            .docs
            .iter()
            .filter(|(_, h)| h.kind == Some(kind))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }

    /// Read access to a held document, without copying it.
    pub fn doc(&self, id: &DocumentId) -> Option<&automerge::AutoCommit> {
        self.docs.get(id).map(|h| &h.doc)
    }

    /// The Automerge actor stamped on local edits from now on (the
    /// device's stable actor). Without one, Automerge picks a random actor.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.actor = Some(actor);
    }

    /// Compact a document once it has `n` chunks (at least 2).
    pub fn set_compact_after(&mut self, n: usize) {
        self.compact_after = n.max(2);
    }

    /// The documents changed by local edits ([`Self::create`],
    /// [`Self::edit`]) since the last call, for a running sync client to
    /// hand to its hub (the store itself already holds the changes).
    pub fn take_locally_changed(&mut self) -> Vec<DocumentId> {
        std::mem::take(&mut self.touched).into_iter().collect()
    }

    /// How many stored chunks document `id` has (0 if not held).
    pub fn chunk_count(&self, id: &DocumentId) -> usize {
        self.docs.get(id).map_or(0, |h| h.chunks)
    }
}

/// Maps a SQLite error into the storage contract's error.
pub(crate) fn sql_err(e: rusqlite::Error) -> StorageError {
    match e {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::NotADatabase =>
        {
            StorageError::Corrupt("not a store file".into())
        }
        other => StorageError::Io(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
