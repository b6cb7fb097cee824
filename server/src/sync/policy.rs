//! The server's access policy, plugged into the hub's policy hook. Until
//! accounts and assignments exist (issue 4) every authenticated peer may read
//! and write every document; rules are added here, not in the hub.

use std::net::SocketAddr;

use alongside_shared::sync::{Access, Policy};
use alongside_shared::wire::DocumentId;

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
pub struct ServerPolicy;

impl Policy for ServerPolicy {
    type Peer = ConnPeer;

    fn access(&self, _peer: &ConnPeer, _document: &DocumentId) -> Access {
        Access::ReadWrite
    }
}
