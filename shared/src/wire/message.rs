//! The messages of the automerge-repo network protocol, version "1".
//!
//! Field names follow what `@automerge/automerge-repo` 2.x puts on the wire;
//! the codec maps them to and from CBOR.

use std::collections::BTreeMap;

use automerge::ChangeHash;

use super::ids::{DocumentId, PeerId, StorageId};

/// The only protocol version there is.
pub const PROTOCOL_V1: &str = "1";

/// What a peer says about itself in `join` and `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// The peer's persistent storage, if it has one.
    pub storage_id: Option<StorageId>,
    /// Whether the peer expects to come back with the same storage id.
    pub is_ephemeral: bool,
}

/// `join`: the initiating peer's first message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinMessage {
    /// The initiating peer.
    pub sender_id: PeerId,
    /// Protocol versions the initiating peer can speak. `None` when the field
    /// was absent (automerge-repo then assumes "1").
    pub supported_protocol_versions: Option<Vec<String>>,
    /// Metadata, sent as `peerMetadata` (older peers: `metadata`).
    pub metadata: Option<PeerMetadata>,
}

/// `peer`: the receiving peer's answer to `join`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerMessage {
    /// The receiving peer.
    pub sender_id: PeerId,
    /// The initiating peer.
    pub target_id: PeerId,
    /// The version chosen for this connection.
    pub selected_protocol_version: String,
    /// Metadata of the receiving peer.
    pub metadata: Option<PeerMetadata>,
}

/// `request` and `sync`: an Automerge sync message about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocMessage {
    /// Who sends it.
    pub sender_id: PeerId,
    /// Who it is for.
    pub target_id: PeerId,
    /// The document.
    pub document_id: DocumentId,
    /// An encoded `automerge::sync::Message`.
    pub data: Vec<u8>,
}

/// `ephemeral`: application data about a document that is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EphemeralMessage {
    /// Who sends it.
    pub sender_id: PeerId,
    /// Who it is for.
    pub target_id: PeerId,
    /// Sequence number within the session.
    pub count: u64,
    /// The sender's ephemeral session.
    pub session_id: String,
    /// The document it is about.
    pub document_id: DocumentId,
    /// Opaque payload (CBOR in practice).
    pub data: Vec<u8>,
}

/// Heads a storage id was last seen at, in `remote-heads-changed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHeads {
    /// The heads.
    pub heads: Vec<ChangeHash>,
    /// Milliseconds since the Unix epoch on the node that first saw them.
    pub timestamp: u64,
}

/// One protocol message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Handshake, initiating side.
    Join(JoinMessage),
    /// Handshake, receiving side.
    Peer(PeerMessage),
    /// Advisory: the sender is about to disconnect.
    Leave {
        /// The leaving peer.
        sender_id: PeerId,
    },
    /// A protocol error; the connection closes after it.
    Error {
        /// The peer reporting the error, when it says so.
        sender_id: Option<PeerId>,
        /// The peer the error is for, when it says so.
        target_id: Option<PeerId>,
        /// What went wrong, for people.
        message: String,
        /// The document the error is about (an Alongside extension:
        /// `documentId`, present when a write to one document was
        /// refused; other peers ignore it).
        document_id: Option<DocumentId>,
    },
    /// First sync message for a document; asks for `doc-unavailable` if the
    /// receiver does not have it.
    Request(DocMessage),
    /// A sync message for a document.
    Sync(DocMessage),
    /// The sender does not have the document (or may not share it).
    DocUnavailable {
        /// Who sends it.
        sender_id: PeerId,
        /// Who it is for.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
    },
    /// Ephemeral application data.
    Ephemeral(EphemeralMessage),
    /// Changes the set of storage ids whose heads the sender wants to hear of.
    RemoteSubscriptionChange {
        /// Who sends it.
        sender_id: PeerId,
        /// Who it is for.
        target_id: PeerId,
        /// Storage ids to add.
        add: Vec<StorageId>,
        /// Storage ids to remove.
        remove: Vec<StorageId>,
    },
    /// Heads of a subscribed storage id changed for a document.
    RemoteHeadsChanged {
        /// Who sends it.
        sender_id: PeerId,
        /// Who it is for.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// New heads per storage id.
        new_heads: BTreeMap<StorageId, RemoteHeads>,
    },
}

impl Message {
    /// The `type` string of this message on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join(_) => "join",
            Message::Peer(_) => "peer",
            Message::Leave { .. } => "leave",
            Message::Error { .. } => "error",
            Message::Request(_) => "request",
            Message::Sync(_) => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral(_) => "ephemeral",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// The document this message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request(m) | Message::Sync(m) => Some(m.document_id),
            Message::DocUnavailable { document_id, .. }
            | Message::RemoteHeadsChanged { document_id, .. } => Some(*document_id),
            Message::Ephemeral(m) => Some(m.document_id),
            _ => None,
        }
    }
}
