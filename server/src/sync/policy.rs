//! The server's access policy, plugged into the hub's policy hook: reads
//! are decided by the access table, writes by [`rules::check`] and the
//! actor bindings, both in the node's [`NodeAccess`]. The sync shards keep
//! them current (loads, commits, announcements from other nodes and the
//! admin CLI).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use alongside_shared::sync::{Access, Policy, Refusal, Write};
use alongside_shared::wire::DocumentId;
use automerge::ReadDoc;
use uuid::Uuid;

use super::node_access::NodeAccess;
use crate::access::{DocClass, rules};
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

/// The server's policy, one per sync shard.
#[derive(Debug)]
pub struct ServerPolicy {
    /// Users, teams, document classes and actor bindings, shared by the
    /// node's shards.
    pub access: Arc<NodeAccess>,
    /// A write that leaves a document with more operations than this is
    /// refused: unknown fields are allowed, unbounded junk is not.
    pub max_document_ops: u64,
    /// New documents of this shard accepted in memory whose access row is
    /// not yet committed; the next persist of each carries the claim.
    claims: HashMap<Uuid, DocClass>,
}

impl ServerPolicy {
    /// A policy deciding with `access`, refusing writes that leave a
    /// document with more than `max_document_ops` operations.
    pub fn new(access: Arc<NodeAccess>, max_document_ops: u64) -> Self {
        Self {
            access,
            max_document_ops,
            claims: HashMap::new(),
        }
    }

    /// Whether `document` is a participant record this shard has just
    /// accepted as new (its claim not yet committed): logs that name it
    /// may be waiting in other shards.
    pub fn claims_participant(&self, document: Uuid) -> bool {
        matches!(
            self.claims.get(&document),
            Some(DocClass::Participant { .. })
        )
    }

    /// The claim the next persist of `document` must commit, if any.
    pub fn take_claim(&mut self, document: Uuid) -> Option<DocClass> {
        self.claims.remove(&document)
    }

    /// A claim whose persist failed: the document is unknown again, so that
    /// the writer's retry claims it afresh.
    pub fn drop_claim(&mut self, document: Uuid) {
        self.claims.remove(&document);
        self.access.table_mut().forget(document);
    }
}

impl Policy for ServerPolicy {
    type Peer = ConnPeer;

    fn access(&self, peer: &ConnPeer, document: &DocumentId) -> Access {
        self.access
            .table()
            .access(&peer.principal, document.to_uuid())
    }

    fn check_write(
        &mut self,
        peer: &ConnPeer,
        document: &DocumentId,
        write: Write<'_>,
    ) -> Result<(), Refusal> {
        self.access
            .actors()
            .check(peer.principal.device_id, write.changes)?;
        let ops = write.doc.stats().num_ops;
        if ops > self.max_document_ops {
            return Err(Refusal::new(format!(
                "the document would hold {ops} operations, more than the {} allowed",
                self.max_document_ops
            )));
        }
        let id = document.to_uuid();
        let claim = rules::check(&*self.access, &peer.principal, id, write)?;
        if let Some(class) = claim {
            self.access.table_mut().set_class(id, class);
            self.claims.insert(id, class);
        }
        Ok(())
    }
}
