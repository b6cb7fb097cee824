//! The server's access policy, plugged into the hub's policy hook: reads
//! are decided by the [`AccessTable`], writes by [`rules::check`] and the
//! [`ActorCache`]. The sync driver keeps the table current (loads, commits,
//! announcements from other nodes and the admin CLI).

use std::collections::HashMap;
use std::net::SocketAddr;

use alongside_shared::sync::{Access, Policy, Refusal, Write};
use alongside_shared::wire::DocumentId;
use automerge::ReadDoc;
use uuid::Uuid;

use crate::access::actors::ActorCache;
use crate::access::{AccessTable, DocClass, rules};
use crate::auth::Principal;

/// What the server knows about a connection's peer.
#[derive(Debug, Clone)]
pub struct ConnPeer {
    /// Who authenticated the connection, and through which device.
    pub principal: Principal,
    /// The remote address, when known.
    pub addr: Option<SocketAddr>,
}

/// Most operations a document may hold unless configured: several times a
/// record with a thousand notes (about 1.2 M).
pub const DEFAULT_MAX_DOCUMENT_OPS: u64 = 8 * 1024 * 1024;

/// The server's policy.
#[derive(Debug)]
pub struct ServerPolicy {
    /// Users, teams and document classes.
    pub table: AccessTable,
    /// Known actor bindings.
    pub actors: ActorCache,
    /// A write that leaves a document with more operations than this is
    /// refused: unknown fields are allowed, unbounded junk is not.
    pub max_document_ops: u64,
    /// New documents accepted in memory whose access row is not yet
    /// committed; the next persist of each carries the claim.
    claims: HashMap<Uuid, DocClass>,
}

impl Default for ServerPolicy {
    fn default() -> Self {
        Self {
            table: AccessTable::default(),
            actors: ActorCache::default(),
            max_document_ops: DEFAULT_MAX_DOCUMENT_OPS,
            claims: HashMap::new(),
        }
    }
}

impl ServerPolicy {
    /// The same policy, refusing writes that leave a document with more
    /// than `max` operations.
    pub fn with_max_document_ops(mut self, max: u64) -> Self {
        self.max_document_ops = max;
        self
    }

    /// A policy over `table`.
    pub fn new(table: AccessTable) -> Self {
        Self {
            table,
            ..Self::default()
        }
    }

    /// The claim the next persist of `document` must commit, if any.
    pub fn take_claim(&mut self, document: Uuid) -> Option<DocClass> {
        self.claims.remove(&document)
    }

    /// A claim whose persist failed: the document is unknown again, so that
    /// the writer's retry claims it afresh.
    pub fn drop_claim(&mut self, document: Uuid) {
        self.claims.remove(&document);
        self.table.forget(document);
    }
}

impl Policy for ServerPolicy {
    type Peer = ConnPeer;

    fn access(&self, peer: &ConnPeer, document: &DocumentId) -> Access {
        self.table.access(&peer.principal, document.to_uuid())
    }

    fn check_write(
        &mut self,
        peer: &ConnPeer,
        document: &DocumentId,
        write: Write<'_>,
    ) -> Result<(), Refusal> {
        self.actors.check(peer.principal.device_id, write.changes)?;
        let ops = write.doc.stats().num_ops;
        if ops > self.max_document_ops {
            return Err(Refusal::new(format!(
                "the document would hold {ops} operations, more than the {} allowed",
                self.max_document_ops
            )));
        }
        let id = document.to_uuid();
        if let Some(class) = rules::check(&self.table, &peer.principal, id, write)? {
            self.table.set_class(id, class);
            self.claims.insert(id, class);
        }
        Ok(())
    }
}
