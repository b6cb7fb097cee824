//! The access policy hook: the driver decides, per peer and document, what a
//! peer may do; the hub enforces it.

use crate::wire::DocumentId;

/// What a peer may do with a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read and write.
    ReadWrite,
    /// Read, but any change the peer sends is refused.
    ReadOnly,
    /// Neither; answered `doc-unavailable`, as if the document did not exist.
    Unavailable,
}

/// Decides access. Asked for every document a peer names, on every message,
/// so that a revoked assignment takes effect at once.
pub trait Policy {
    /// What the driver knows about a connection's peer (user, device, role).
    type Peer;

    /// The access `peer` has to `document`.
    fn access(&self, peer: &Self::Peer, document: &DocumentId) -> Access;
}

/// A policy that lets every peer read and write everything. For tests and
/// for deployments that enforce access elsewhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl Policy for AllowAll {
    type Peer = ();

    fn access(&self, _peer: &(), _document: &DocumentId) -> Access {
        Access::ReadWrite
    }
}
