//! Per-connection state: the handshake phase, and one automerge sync session
//! per document the peer is syncing.

use std::collections::{BTreeSet, HashMap};

use automerge::sync;

use super::policy::Access;
use crate::wire::{DocumentId, PeerId, StorageId};

/// Where a connection is in the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Receiving side: waiting for `join` since `since_ms`.
    AwaitingJoin { since_ms: u64 },
    /// Initiating side: sent `join` at `since_ms`, waiting for `peer`.
    AwaitingPeer { since_ms: u64 },
    /// Handshake done.
    Ready {
        remote: PeerId,
        storage_id: Option<StorageId>,
    },
    /// An `error` was sent or received; everything further is ignored.
    Closed,
}

/// One document's sync session with one peer.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) state: sync::State,
    pub(crate) access: Access,
    /// The peer asked for the document while nobody had written it and was
    /// told `doc-unavailable`; it is synced as soon as the document exists.
    pub(crate) waiting: bool,
    /// Messages held back, in the order they came: the first carried a
    /// write the policy refused as not yet decidable, and the rest came
    /// after it. Replayed in order on every tick and access change.
    pub(crate) parked: Vec<Parked>,
    /// Until when (hub clock) the held-back write may wait; past it, the
    /// policy's refusal stands. Set while `parked` is not empty.
    pub(crate) parked_until: Option<u64>,
}

/// A sync message held back behind a write that is waiting.
#[derive(Debug)]
pub(crate) struct Parked {
    pub(crate) request: bool,
    pub(crate) message: sync::Message,
    /// Storage was read for this message (see the hub's `receive`).
    pub(crate) loaded: bool,
    /// Its changes' bytes, counted against the connection.
    pub(crate) bytes: usize,
}

impl Session {
    /// A session with `access`. Read-only sessions sync normally: automerge's
    /// own read-only mode would tell the peer not to send its changes, so a
    /// write attempt would pass unnoticed and the peer would believe it
    /// stored; instead the changes arrive and are refused with an `error`.
    pub(crate) fn new(access: Access) -> Self {
        Self {
            state: sync::State::new(),
            access,
            waiting: false,
            parked: Vec::new(),
            parked_until: None,
        }
    }
}

/// A connection and its sessions.
#[derive(Debug)]
pub(crate) struct Connection<P> {
    pub(crate) peer: P,
    pub(crate) phase: Phase,
    pub(crate) sessions: HashMap<DocumentId, Session>,
    /// Storage ids whose heads the remote wants to hear of.
    pub(crate) subscriptions: BTreeSet<StorageId>,
    /// Bytes of changes in its sessions' held-back messages.
    pub(crate) parked_bytes: usize,
}

impl<P> Connection<P> {
    pub(crate) fn new(peer: P, phase: Phase) -> Self {
        Self {
            peer,
            phase,
            sessions: HashMap::new(),
            subscriptions: BTreeSet::new(),
            parked_bytes: 0,
        }
    }

    /// The remote peer id once the handshake is done.
    pub(crate) fn remote(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Ready { remote, .. } => Some(remote),
            _ => None,
        }
    }
}
