//! What goes into the hub ([`Event`]) and what comes out ([`Effect`]).

use automerge::{ActorId, AutoCommit, ChangeHash};

use crate::wire::{DocumentId, Message, PeerId, PeerMetadata, WireError};

/// A connection, numbered by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// The answer to [`Effect::Load`].
#[derive(Debug)]
pub enum LoadResult {
    /// The stored document.
    Found(Box<AutoCommit>),
    /// Storage has no such document.
    NotFound,
    /// Storage could not be read; peers waiting for the document are told so.
    Failed(String),
}

/// Something that happened, told to the hub by its driver.
#[derive(Debug)]
pub enum Event<P> {
    /// The current time, in milliseconds since the Unix epoch. Drives
    /// timeouts and idle eviction; the hub never reads a clock.
    Tick {
        /// Now.
        now_ms: u64,
    },
    /// A transport connection opened; `peer` is what the driver knows about it
    /// (after authentication). An initiating hub sends `join`.
    Connected {
        /// The connection.
        conn: ConnId,
        /// Driver-side identity of the peer, handed to the policy.
        peer: P,
    },
    /// A binary frame arrived.
    Frame {
        /// The connection.
        conn: ConnId,
        /// The frame.
        bytes: Vec<u8>,
    },
    /// A frame arrived that the driver has already decoded (to route it):
    /// handled as [`Event::Frame`] with those bytes, without decoding
    /// them again. The driver must have decoded it with the hub's
    /// `max_frame_bytes`.
    Received {
        /// The connection.
        conn: ConnId,
        /// The decoded frame.
        message: Message,
    },
    /// The transport closed.
    Disconnected {
        /// The connection.
        conn: ConnId,
    },
    /// The answer to [`Effect::Load`].
    Loaded {
        /// The document.
        document: DocumentId,
        /// What storage said.
        result: LoadResult,
    },
    /// Everything in [`Effect::Persist`] up to and including `seq` is durable.
    Persisted {
        /// The document.
        document: DocumentId,
        /// The `seq` of the persist that committed.
        seq: u64,
    },
    /// A persist failed. The hub forgets the document's in-memory state (it
    /// reloads from storage on next use) and closes the connections that were
    /// syncing it, so that their peers resend what was not stored.
    PersistFailed {
        /// The document.
        document: DocumentId,
        /// The `seq` of the persist that failed.
        seq: u64,
    },
    /// Changes already durable elsewhere (another server node, or the local
    /// store on start-up) to merge and pass on to peers.
    StoredChanges {
        /// The document.
        document: DocumentId,
        /// Concatenated change chunks, as stored.
        bytes: Vec<u8>,
    },
    /// Start syncing a document with every ready connection (initiating side:
    /// a document this device holds or wants).
    Open {
        /// The document.
        document: DocumentId,
    },
    /// The policy's answer for `document` may have changed; re-check every
    /// connection syncing it.
    AccessChanged {
        /// The document.
        document: DocumentId,
    },
    /// Storage refused a persist for a reason the policy could not see in
    /// memory (an actor bound to another device, found in the database).
    /// The writer gets an `error`; the document is forgotten as after
    /// [`Event::PersistFailed`], so nothing of the refused write survives.
    WriteRefused {
        /// The document.
        document: DocumentId,
        /// The connection whose changes were refused, if still known.
        conn: Option<ConnId>,
        /// Why, as told to the writer.
        reason: String,
    },
}

/// Why a connection's input was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The frame could not be decoded.
    #[error("malformed frame: {0}")]
    Wire(#[from] WireError),
    /// A message arrived that is not allowed in the connection's phase.
    #[error("unexpected {0} message")]
    Unexpected(&'static str),
    /// The peer offered no protocol version this hub speaks.
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    /// `senderId` or `targetId` do not match the connection.
    #[error("senderId/targetId do not match this connection")]
    WrongPeer,
    /// The `data` of a sync message is not an Automerge sync message, or its
    /// changes do not decode.
    #[error("invalid sync message: {0}")]
    InvalidSyncMessage(String),
    /// The message's changes would decode to more than the hub's limits
    /// allow, or could not be measured.
    #[error("sync message refused: {0}")]
    TooLarge(String),
    /// The peer sent changes to a document it may only read.
    #[error("write refused: read-only access")]
    ReadOnly,
    /// The policy refused the changes (schema, permissions, authorship).
    #[error("write refused: {0}")]
    Refused(String),
    /// The handshake did not complete in time.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Storage failed while this connection's changes were in flight.
    #[error("storage unavailable")]
    StorageUnavailable,
}

/// What the store records about each change: enough to attribute it and to
/// find it, without decoding the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMeta {
    /// The change hash.
    pub hash: ChangeHash,
    /// The actor that authored it.
    pub actor: ActorId,
    /// Its sequence number for that actor.
    pub seq: u64,
    /// The changes it depends on.
    pub deps: Vec<ChangeHash>,
    /// Author-supplied wall-clock time (seconds), untrusted.
    pub timestamp: i64,
}

impl ChangeMeta {
    /// The changes `doc` holds beyond `before`, in causal order.
    pub fn since(doc: &mut AutoCommit, before: &[ChangeHash]) -> Vec<ChangeMeta> {
        doc.get_changes_meta(before)
            .into_iter()
            .map(|m| ChangeMeta {
                hash: m.hash,
                actor: m.actor.into_owned(),
                seq: m.seq,
                deps: m.deps,
                timestamp: m.timestamp,
            })
            .collect()
    }
}

/// Something the driver must do, returned by the hub.
#[derive(Debug)]
pub enum Effect {
    /// Send a binary frame.
    Send {
        /// The connection.
        conn: ConnId,
        /// The frame.
        frame: Vec<u8>,
    },
    /// Close the connection (after sending what precedes this effect).
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Load a document from storage and answer with [`Event::Loaded`].
    Load {
        /// The document.
        document: DocumentId,
    },
    /// Make these changes durable, then answer [`Event::Persisted`] with
    /// `seq` (or [`Event::PersistFailed`]).
    Persist {
        /// The document.
        document: DocumentId,
        /// Increases by one per persist of this document.
        seq: u64,
        /// Automerge chunks holding at least the new changes: verbatim from
        /// the peer when it sent them (so possibly some already stored),
        /// followed by any change an earlier message carried before its
        /// dependencies had arrived; loading every persisted `data` of a
        /// document rebuilds it.
        data: Vec<u8>,
        /// The changes that became part of the document, in causal order.
        changes: Vec<ChangeMeta>,
        /// Heads of the document once these changes are applied.
        heads: Vec<ChangeHash>,
        /// The connection the changes came from; `None` for local edits.
        from: Option<ConnId>,
    },
    /// The handshake completed.
    PeerReady {
        /// The connection.
        conn: ConnId,
        /// The remote peer's id.
        peer_id: PeerId,
        /// The remote peer's metadata.
        metadata: Option<PeerMetadata>,
    },
    /// The remote peer does not have (or will not share) a document.
    Unavailable {
        /// The connection.
        conn: ConnId,
        /// The document.
        document: DocumentId,
    },
    /// A connection's input was refused; an `error` and a close follow when
    /// the protocol says so.
    Rejected {
        /// The connection.
        conn: ConnId,
        /// The document concerned, if any.
        document: Option<DocumentId>,
        /// Why.
        error: ProtocolError,
    },
    /// Ephemeral data about a document arrived for this peer.
    Ephemeral {
        /// The connection.
        conn: ConnId,
        /// The document.
        document: DocumentId,
        /// The payload.
        data: Vec<u8>,
    },
    /// A write was refused and rolled back; keep what the peer sent for an
    /// administrator. Followed by [`Effect::Rejected`].
    Quarantine {
        /// The connection that sent it.
        conn: ConnId,
        /// The document.
        document: DocumentId,
        /// Why it was refused.
        reason: String,
        /// The chunks the peer sent, verbatim.
        data: Vec<u8>,
    },
    /// A peer asked for a document its access does not allow; it was
    /// answered `doc-unavailable`. For the audit trail.
    Denied {
        /// The connection.
        conn: ConnId,
        /// The document.
        document: DocumentId,
    },
    /// A peer's request for a document was answered `doc-unavailable`
    /// without storage being read for it: the document is resident but
    /// empty (nobody has written it; an earlier request loaded it), or the
    /// connection may not open another session. Comes before the answer's
    /// [`Effect::Send`]. A driver that answers [`Effect::Denied`] only
    /// after the storage work of a load, so that timing does not tell a
    /// forbidden document from a missing one, does the same here: then
    /// every `doc-unavailable` to a request waits for one fresh read.
    UnavailableFromMemory {
        /// The connection.
        conn: ConnId,
        /// The document.
        document: DocumentId,
    },
    /// Document content (changes the peer did not have) was sent to a peer.
    /// For the audit trail: this is a read.
    Disclosed {
        /// The connection.
        conn: ConnId,
        /// The document.
        document: DocumentId,
    },
    /// A document was dropped from memory (idle, or after a failed persist).
    Evicted {
        /// The document.
        document: DocumentId,
    },
}
