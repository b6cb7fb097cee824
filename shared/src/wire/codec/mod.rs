//! CBOR encoding and decoding of protocol messages.
//!
//! Decoding is deliberately tolerant of what real peers send and strict about
//! everything else: every malformed frame becomes a [`WireError`], never a
//! panic. Tolerated: `metadata` in place of `peerMetadata`; integers encoded as
//! integral floats; `undefined` (CBOR simple 23) wherever a field is optional;
//! byte strings wrapped in a tag (cbor-x's typed-array tags); unknown extra
//! keys. Encoding writes what `@automerge/automerge-repo` 2.x writes.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::decode;
pub use write::encode;

/// Deepest CBOR nesting accepted; protocol messages need four levels.
const MAX_DEPTH: usize = 16;
/// Most entries accepted in one list or map of a message.
const MAX_ITEMS: usize = 4096;

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The frame is larger than the configured limit.
    #[error("frame of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Frame length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a single well-formed CBOR item.
    #[error("undecodable CBOR: {0}")]
    Cbor(String),
    /// Well-formed CBOR, but not a map with a `type`.
    #[error("message is not a CBOR map with a string \"type\"")]
    NotAMessage,
    /// A `type` this implementation does not know. Peers ignore these.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// A required field is missing.
    #[error("{message_type}: missing field {field:?}")]
    MissingField {
        /// The message type.
        message_type: &'static str,
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong type or an unacceptable value.
    #[error("{message_type}: field {field:?}: {problem}")]
    BadField {
        /// The message type.
        message_type: &'static str,
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}
