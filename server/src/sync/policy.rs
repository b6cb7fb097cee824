//! The server's access policy, plugged into the hub's policy hook: reads
//! are decided by the [`AccessTable`], writes by [`rules::check`] and the
//! [`ActorCache`]. The sync driver keeps the table current (loads, commits,
//! announcements from other nodes and the admin CLI).

use std::collections::HashMap;
use std::net::SocketAddr;

use alongside_shared::sync::{Access, Policy, Refusal, Write};
use alongside_shared::wire::DocumentId;
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

/// The server's policy.
#[derive(Debug, Default)]
pub struct ServerPolicy {
    /// Users, teams and document classes.
    pub table: AccessTable,
    /// Known actor bindings.
    pub actors: ActorCache,
    /// New documents accepted in memory whose access row is not yet
    /// committed; the next persist of each carries the claim.
    claims: HashMap<Uuid, DocClass>,
}

impl ServerPolicy {
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
        let id = document.to_uuid();
        if let Some(class) = rules::check(&self.table, &peer.principal, id, write)? {
            self.table.set_class(id, class);
            self.claims.insert(id, class);
        }
        Ok(())
    }
}
