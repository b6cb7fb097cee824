//! The access policy hook: the driver decides, per peer and document, what a
//! peer may read, and whether a write it sent may be merged; the hub
//! enforces both.

use automerge::{AutoCommit, ChangeHash};

use super::event::ChangeMeta;
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

/// A write the hub has applied in memory and not yet persisted or
/// advertised, handed to [`Policy::check_write`]. If the policy refuses it,
/// the hub rolls the document back to `before`.
pub struct Write<'a> {
    /// The document with the write applied. Mutable only because reading a
    /// diff needs it; a policy must not edit it.
    pub doc: &'a mut AutoCommit,
    /// Heads before the write (empty: the write created the document).
    pub before: &'a [ChangeHash],
    /// The changes the write added, in causal order.
    pub changes: &'a [ChangeMeta],
}

/// Why a write was refused; `reason` is sent to the peer in an `error`
/// message, so it must not reveal anything about other documents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    /// What was wrong with the write.
    pub reason: String,
    /// The write may stand once the hub learns of something it depends on
    /// that the same peer is likely sending (a new accompaniment log names
    /// a participant record not yet received): the hub holds it back and
    /// asks again, and refuses it only if it is still refused after
    /// [`Limits::park_ms`](super::Limits::park_ms).
    pub not_yet: bool,
}

impl Refusal {
    /// A refusal with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            not_yet: false,
        }
    }

    /// A refusal that may be lifted soon: see [`Refusal::not_yet`].
    pub fn not_yet(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            not_yet: true,
        }
    }
}

/// Decides access. Asked for every document a peer names, on every message,
/// so that a revoked assignment takes effect at once.
pub trait Policy {
    /// What the driver knows about a connection's peer (user, device, role).
    type Peer;

    /// The access `peer` has to `document`.
    fn access(&self, peer: &Self::Peer, document: &DocumentId) -> Access;

    /// Whether a write from a peer with write access may be merged: schema,
    /// which parts of the document the peer may touch, who authored the
    /// changes. Called after the changes are applied in memory and before
    /// anything is persisted or sent. A policy may record what an accepted
    /// write implies (a new document now belongs to its creator).
    fn check_write(
        &mut self,
        peer: &Self::Peer,
        document: &DocumentId,
        write: Write<'_>,
    ) -> Result<(), Refusal> {
        let _ = (peer, document, write);
        Ok(())
    }
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
