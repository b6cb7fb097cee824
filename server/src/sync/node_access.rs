//! What the shards of one node share about access: the [`AccessTable`]
//! (users, teams, covers and every document's class) and the actor
//! bindings. One copy for the node, so that a claim one shard accepts (a
//! new participant record) is known at once to the shard that holds the
//! record's accompaniment log, exactly as when one driver held both.
//!
//! The locks are held only for a lookup or an update, never across I/O or
//! a document operation.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use uuid::Uuid;

use crate::access::actors::ActorCache;
use crate::access::rules::Classes;
use crate::access::{AccessTable, DocClass};
use crate::auth::Principal;

/// The node's access table and actor bindings.
#[derive(Debug, Default)]
pub struct NodeAccess {
    table: RwLock<AccessTable>,
    actors: RwLock<ActorCache>,
}

impl NodeAccess {
    /// The table, for reading.
    pub fn table(&self) -> RwLockReadGuard<'_, AccessTable> {
        // A panic elsewhere while holding the lock leaves the table as it
        // was between two updates: still consistent.
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The table, for an update.
    pub fn table_mut(&self) -> RwLockWriteGuard<'_, AccessTable> {
        self.table.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The actor bindings, for reading.
    pub fn actors(&self) -> RwLockReadGuard<'_, ActorCache> {
        self.actors.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The actor bindings, to learn more.
    pub fn actors_mut(&self) -> RwLockWriteGuard<'_, ActorCache> {
        self.actors.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Each lookup takes the lock for that lookup only.
impl Classes for NodeAccess {
    fn class(&self, document: Uuid) -> Option<DocClass> {
        self.table().class(document)
    }

    fn may_write(&self, principal: &Principal, document: Uuid) -> bool {
        Classes::may_write(&*self.table(), principal, document)
    }
}
