//! The automerge-repo network protocol, version "1", as it travels over a
//! WebSocket: one CBOR map per binary frame.
//!
//! This module is pure data: identifiers ([`ids`]), the message types
//! ([`message`]) and the CBOR codec ([`codec`]) that turns frames into messages
//! and back, tolerating what real peers send (`metadata` or `peerMetadata`,
//! integers encoded as floats, `undefined` values, byte strings wrapped in
//! typed-array tags). Protocol *behaviour* (handshake, sync sessions) lives in
//! [`crate::sync`].

pub mod codec;
pub mod ids;
pub mod message;

pub use codec::{WireError, decode, encode};
pub use ids::{AutomergeUrl, DocumentId, HeadsError, PeerId, StorageId, decode_head, encode_head};
pub use message::{
    DocMessage, EphemeralMessage, JoinMessage, Message, PROTOCOL_V1, PeerMessage, PeerMetadata,
    RemoteHeads,
};
