//! CBOR encoding and decoding of protocol messages.
//!
//! Decoding is deliberately tolerant of what real peers send and strict about
//! everything else: every malformed frame becomes a [`WireError`], never a
//! panic. Tolerated: `metadata` in place of `peerMetadata`; integers encoded as
//! integral floats; `undefined` (CBOR simple 23) wherever a field is optional;
//! byte strings wrapped in a tag (cbor-x's typed-array tags); unknown extra
//! keys. Encoding writes what `@automerge/automerge-repo` 2.x writes.

use std::collections::BTreeMap;

use ciborium::Value;

use super::ids::{DocumentId, MAX_ID_LEN, PeerId, StorageId, decode_head, encode_head};
use super::message::{
    DocMessage, EphemeralMessage, JoinMessage, Message, PeerMessage, PeerMetadata, RemoteHeads,
};

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

/// Decodes one frame. Frames longer than `max_frame_bytes` are refused before
/// any parsing.
pub fn decode(frame: &[u8], max_frame_bytes: usize) -> Result<Message, WireError> {
    if frame.len() > max_frame_bytes {
        return Err(WireError::TooLarge {
            len: frame.len(),
            limit: max_frame_bytes,
        });
    }
    let mut rest = frame;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH)
        .map_err(|e| WireError::Cbor(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Cbor(format!(
            "{} trailing bytes after the message",
            rest.len()
        )));
    }
    let Value::Map(entries) = value else {
        return Err(WireError::NotAMessage);
    };
    let fields = Fields::new(entries)?;
    fields.into_message()
}

/// Encodes a message as one CBOR frame.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut map = MapBuilder::new(message.type_name());
    match message {
        Message::Join(m) => {
            map.text("senderId", m.sender_id.as_str());
            if let Some(versions) = &m.supported_protocol_versions {
                map.put(
                    "supportedProtocolVersions",
                    Value::Array(versions.iter().map(|v| Value::Text(v.clone())).collect()),
                );
            }
            if let Some(meta) = &m.metadata {
                map.put("peerMetadata", metadata_value(meta));
            }
        }
        Message::Peer(m) => {
            map.text("senderId", m.sender_id.as_str());
            if let Some(meta) = &m.metadata {
                map.put("peerMetadata", metadata_value(meta));
            }
            map.text("selectedProtocolVersion", &m.selected_protocol_version);
            map.text("targetId", m.target_id.as_str());
        }
        Message::Leave { sender_id } => map.text("senderId", sender_id.as_str()),
        Message::Error {
            sender_id,
            target_id,
            message,
        } => {
            if let Some(sender) = sender_id {
                map.text("senderId", sender.as_str());
            }
            map.text("message", message);
            if let Some(target) = target_id {
                map.text("targetId", target.as_str());
            }
        }
        Message::Request(m) | Message::Sync(m) => {
            map.text("documentId", &m.document_id.to_string());
            map.put("data", Value::Bytes(m.data.clone()));
            map.text("senderId", m.sender_id.as_str());
            map.text("targetId", m.target_id.as_str());
        }
        Message::DocUnavailable {
            sender_id,
            target_id,
            document_id,
        } => {
            map.text("documentId", &document_id.to_string());
            map.text("senderId", sender_id.as_str());
            map.text("targetId", target_id.as_str());
        }
        Message::Ephemeral(m) => {
            map.text("documentId", &m.document_id.to_string());
            map.put("data", Value::Bytes(m.data.clone()));
            map.text("senderId", m.sender_id.as_str());
            map.text("targetId", m.target_id.as_str());
            map.put("count", Value::Integer(m.count.into()));
            map.text("sessionId", &m.session_id);
        }
        Message::RemoteSubscriptionChange {
            sender_id,
            target_id,
            add,
            remove,
        } => {
            map.text("senderId", sender_id.as_str());
            map.text("targetId", target_id.as_str());
            // automerge-repo leaves an empty side out (as `undefined`).
            if !add.is_empty() {
                map.put("add", storage_ids_value(add));
            }
            if !remove.is_empty() {
                map.put("remove", storage_ids_value(remove));
            }
        }
        Message::RemoteHeadsChanged {
            sender_id,
            target_id,
            document_id,
            new_heads,
        } => {
            map.text("senderId", sender_id.as_str());
            map.text("targetId", target_id.as_str());
            map.text("documentId", &document_id.to_string());
            let heads = new_heads
                .iter()
                .map(|(storage, remote)| {
                    let heads = remote
                        .heads
                        .iter()
                        .map(|h| Value::Text(encode_head(h)))
                        .collect();
                    let entry = vec![
                        (Value::Text("heads".into()), Value::Array(heads)),
                        (
                            Value::Text("timestamp".into()),
                            Value::Integer(remote.timestamp.into()),
                        ),
                    ];
                    (Value::Text(storage.as_str().into()), Value::Map(entry))
                })
                .collect();
            map.put("newHeads", Value::Map(heads));
        }
    }
    map.finish()
}

struct MapBuilder(Vec<(Value, Value)>);

impl MapBuilder {
    fn new(message_type: &str) -> Self {
        Self(vec![(
            Value::Text("type".into()),
            Value::Text(message_type.into()),
        )])
    }

    fn put(&mut self, key: &str, value: Value) {
        self.0.push((Value::Text(key.into()), value));
    }

    fn text(&mut self, key: &str, value: &str) {
        self.put(key, Value::Text(value.into()));
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every value built here is
        // serialisable; an error would be a bug in this function.
        if let Err(e) = ciborium::ser::into_writer(&Value::Map(self.0), &mut out) {
            unreachable!("encoding a CBOR value into memory failed: {e}");
        }
        out
    }
}

fn metadata_value(meta: &PeerMetadata) -> Value {
    let mut entries = Vec::new();
    if let Some(storage) = &meta.storage_id {
        entries.push((
            Value::Text("storageId".into()),
            Value::Text(storage.as_str().into()),
        ));
    }
    entries.push((
        Value::Text("isEphemeral".into()),
        Value::Bool(meta.is_ephemeral),
    ));
    Value::Map(entries)
}

fn storage_ids_value(ids: &[StorageId]) -> Value {
    Value::Array(ids.iter().map(|s| Value::Text(s.as_str().into())).collect())
}

/// The entries of a message map, with typed accessors that name the field in
/// their errors.
struct Fields {
    message_type: &'static str,
    entries: Vec<(String, Value)>,
}

const KNOWN_TYPES: [&str; 10] = [
    "join",
    "peer",
    "leave",
    "error",
    "request",
    "sync",
    "doc-unavailable",
    "ephemeral",
    "remote-subscription-change",
    "remote-heads-changed",
];

impl Fields {
    fn new(raw: Vec<(Value, Value)>) -> Result<Self, WireError> {
        if raw.len() > MAX_ITEMS {
            return Err(WireError::NotAMessage);
        }
        let mut entries = Vec::with_capacity(raw.len());
        let mut message_type = None;
        for (key, value) in raw {
            // Non-text keys are not part of the protocol; skip them.
            let Value::Text(key) = key else { continue };
            if key == "type" {
                let Value::Text(t) = &value else {
                    return Err(WireError::NotAMessage);
                };
                let known = KNOWN_TYPES
                    .iter()
                    .find(|k| **k == t.as_str())
                    .ok_or_else(|| WireError::UnknownType(truncate(t)))?;
                message_type = Some(*known);
            } else {
                entries.push((key, value));
            }
        }
        let message_type = message_type.ok_or(WireError::NotAMessage)?;
        Ok(Self {
            message_type,
            entries,
        })
    }

    /// A field's value; `null`/`undefined` count as absent.
    fn get(&self, field: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    fn bad(&self, field: &'static str, problem: impl Into<String>) -> WireError {
        WireError::BadField {
            message_type: self.message_type,
            field,
            problem: problem.into(),
        }
    }

    fn required(&self, field: &'static str) -> Result<&Value, WireError> {
        self.get(field).ok_or(WireError::MissingField {
            message_type: self.message_type,
            field,
        })
    }

    fn text(&self, field: &'static str) -> Result<&str, WireError> {
        match self.required(field)? {
            Value::Text(t) => Ok(t),
            _ => Err(self.bad(field, "expected a string")),
        }
    }

    fn opt_text(&self, field: &'static str) -> Result<Option<&str>, WireError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t)),
            Some(_) => Err(self.bad(field, "expected a string")),
        }
    }

    fn id(&self, field: &'static str) -> Result<String, WireError> {
        self.checked_id(field, self.text(field)?)
    }

    fn checked_id(&self, field: &'static str, id: &str) -> Result<String, WireError> {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(self.bad(field, format!("id must be 1..={MAX_ID_LEN} bytes")));
        }
        Ok(id.to_owned())
    }

    fn peer(&self, field: &'static str) -> Result<PeerId, WireError> {
        self.id(field).map(PeerId::new)
    }

    fn opt_peer(&self, field: &'static str) -> Result<Option<PeerId>, WireError> {
        self.opt_text(field)?
            .map(|id| self.checked_id(field, id).map(PeerId::new))
            .transpose()
    }

    fn document_id(&self) -> Result<DocumentId, WireError> {
        let text = self.text("documentId")?;
        text.parse()
            .map_err(|e| self.bad("documentId", format!("{e}")))
    }

    fn bytes(&self, field: &'static str) -> Result<Vec<u8>, WireError> {
        match untag(self.required(field)?) {
            Value::Bytes(b) => Ok(b.clone()),
            _ => Err(self.bad(field, "expected a byte string")),
        }
    }

    fn uint(&self, field: &'static str) -> Result<u64, WireError> {
        as_uint(self.required(field)?)
            .ok_or_else(|| self.bad(field, "expected an unsigned integer"))
    }

    fn text_list(&self, field: &'static str) -> Result<Option<Vec<String>>, WireError> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(self.bad(field, "expected an array"));
        };
        if items.len() > MAX_ITEMS {
            return Err(self.bad(field, "too many entries"));
        }
        items
            .iter()
            .map(|item| match item {
                Value::Text(t) => self.checked_id(field, t),
                _ => Err(self.bad(field, "expected an array of strings")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn metadata(&self) -> Result<Option<PeerMetadata>, WireError> {
        let (field, value) = match (self.get("peerMetadata"), self.get("metadata")) {
            (Some(v), _) => ("peerMetadata", v),
            (None, Some(v)) => ("metadata", v),
            (None, None) => return Ok(None),
        };
        let Value::Map(entries) = value else {
            return Err(self.bad(field, "expected a map"));
        };
        let mut meta = PeerMetadata::default();
        for (key, value) in entries {
            match (key.as_text(), value) {
                (Some("storageId"), Value::Text(s)) => {
                    meta.storage_id = Some(StorageId::new(self.checked_id(field, s)?));
                }
                (Some("storageId"), Value::Null) => {}
                (Some("storageId"), _) => {
                    return Err(self.bad(field, "storageId: expected a string"));
                }
                (Some("isEphemeral"), Value::Bool(b)) => meta.is_ephemeral = *b,
                (Some("isEphemeral"), Value::Null) => {}
                (Some("isEphemeral"), _) => {
                    return Err(self.bad(field, "isEphemeral: expected a boolean"));
                }
                _ => {}
            }
        }
        Ok(Some(meta))
    }

    fn doc_message(&self) -> Result<DocMessage, WireError> {
        Ok(DocMessage {
            sender_id: self.peer("senderId")?,
            target_id: self.peer("targetId")?,
            document_id: self.document_id()?,
            data: self.bytes("data")?,
        })
    }

    fn new_heads(&self) -> Result<BTreeMap<StorageId, RemoteHeads>, WireError> {
        let field = "newHeads";
        let Value::Map(entries) = self.required(field)? else {
            return Err(self.bad(field, "expected a map"));
        };
        if entries.len() > MAX_ITEMS {
            return Err(self.bad(field, "too many entries"));
        }
        let mut out = BTreeMap::new();
        for (storage, entry) in entries {
            let Some(storage) = storage.as_text() else {
                return Err(self.bad(field, "storage ids must be strings"));
            };
            let Value::Map(entry) = entry else {
                return Err(self.bad(field, "expected {heads, timestamp}"));
            };
            let mut heads = None;
            let mut timestamp = None;
            for (key, value) in entry {
                match (key.as_text(), value) {
                    (Some("heads"), Value::Array(items)) if items.len() <= MAX_ITEMS => {
                        let parsed = items
                            .iter()
                            .map(|h| {
                                h.as_text()
                                    .ok_or_else(|| self.bad(field, "heads must be strings"))
                                    .and_then(|t| {
                                        decode_head(t).map_err(|e| self.bad(field, e.to_string()))
                                    })
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        heads = Some(parsed);
                    }
                    (Some("timestamp"), v) => timestamp = as_uint(v),
                    _ => {}
                }
            }
            let (Some(heads), Some(timestamp)) = (heads, timestamp) else {
                return Err(self.bad(field, "expected {heads, timestamp}"));
            };
            out.insert(
                StorageId::new(self.checked_id(field, storage)?),
                RemoteHeads { heads, timestamp },
            );
        }
        Ok(out)
    }

    fn into_message(self) -> Result<Message, WireError> {
        Ok(match self.message_type {
            "join" => Message::Join(JoinMessage {
                sender_id: self.peer("senderId")?,
                supported_protocol_versions: self.text_list("supportedProtocolVersions")?,
                metadata: self.metadata()?,
            }),
            "peer" => Message::Peer(PeerMessage {
                sender_id: self.peer("senderId")?,
                target_id: self.peer("targetId")?,
                selected_protocol_version: self.text("selectedProtocolVersion")?.to_owned(),
                metadata: self.metadata()?,
            }),
            "leave" => Message::Leave {
                sender_id: self.peer("senderId")?,
            },
            "error" => Message::Error {
                sender_id: self.opt_peer("senderId")?,
                target_id: self.opt_peer("targetId")?,
                message: self.opt_text("message")?.map(truncate).unwrap_or_default(),
            },
            "request" => Message::Request(self.doc_message()?),
            "sync" => Message::Sync(self.doc_message()?),
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: self.peer("senderId")?,
                target_id: self.peer("targetId")?,
                document_id: self.document_id()?,
            },
            "ephemeral" => Message::Ephemeral(EphemeralMessage {
                sender_id: self.peer("senderId")?,
                target_id: self.peer("targetId")?,
                count: self.uint("count")?,
                session_id: self.id("sessionId")?,
                document_id: self.document_id()?,
                data: self.bytes("data")?,
            }),
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id: self.peer("senderId")?,
                target_id: self.peer("targetId")?,
                add: storage_ids(self.text_list("add")?),
                remove: storage_ids(self.text_list("remove")?),
            },
            "remote-heads-changed" => Message::RemoteHeadsChanged {
                sender_id: self.peer("senderId")?,
                target_id: self.peer("targetId")?,
                document_id: self.document_id()?,
                new_heads: self.new_heads()?,
            },
            other => return Err(WireError::UnknownType(other.to_owned())),
        })
    }
}

fn storage_ids(ids: Option<Vec<String>>) -> Vec<StorageId> {
    ids.unwrap_or_default()
        .into_iter()
        .map(StorageId::new)
        .collect()
}

/// Strips CBOR tags (cbor-x tags typed arrays, e.g. tag 64 for `Uint8Array`).
fn untag(mut value: &Value) -> &Value {
    while let Value::Tag(_, inner) = value {
        value = inner;
    }
    value
}

/// An unsigned integer, also when a peer encoded it as an integral float.
fn as_uint(value: &Value) -> Option<u64> {
    match untag(value) {
        Value::Integer(i) => u64::try_from(i128::from(*i)).ok(),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= 2f64.powi(53) => {
            // Checked above: integral and within the exactly representable range.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(*f as u64)
        }
        _ => None,
    }
}

/// Error text from a peer, bounded so that it cannot flood logs.
fn truncate(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_id() -> DocumentId {
        DocumentId::from_bytes([3; 16])
    }

    fn samples() -> Vec<Message> {
        let p = |s: &str| PeerId::new(s);
        vec![
            Message::Join(JoinMessage {
                sender_id: p("a"),
                supported_protocol_versions: Some(vec!["1".into()]),
                metadata: Some(PeerMetadata {
                    storage_id: Some(StorageId::new("s")),
                    is_ephemeral: false,
                }),
            }),
            Message::Peer(PeerMessage {
                sender_id: p("b"),
                target_id: p("a"),
                selected_protocol_version: "1".into(),
                metadata: None,
            }),
            Message::Leave { sender_id: p("a") },
            Message::Error {
                sender_id: Some(p("b")),
                target_id: None,
                message: "nope".into(),
            },
            Message::Request(DocMessage {
                sender_id: p("a"),
                target_id: p("b"),
                document_id: doc_id(),
                data: vec![0x42, 1, 2],
            }),
            Message::Sync(DocMessage {
                sender_id: p("b"),
                target_id: p("a"),
                document_id: doc_id(),
                data: vec![0x43],
            }),
            Message::DocUnavailable {
                sender_id: p("b"),
                target_id: p("a"),
                document_id: doc_id(),
            },
            Message::Ephemeral(EphemeralMessage {
                sender_id: p("a"),
                target_id: p("b"),
                count: 7,
                session_id: "sess".into(),
                document_id: doc_id(),
                data: vec![0xa0],
            }),
            Message::RemoteSubscriptionChange {
                sender_id: p("a"),
                target_id: p("b"),
                add: vec![StorageId::new("x")],
                remove: vec![],
            },
            Message::RemoteHeadsChanged {
                sender_id: p("b"),
                target_id: p("a"),
                document_id: doc_id(),
                new_heads: [(
                    StorageId::new("x"),
                    RemoteHeads {
                        heads: vec![automerge::ChangeHash([5; 32])],
                        timestamp: 1_700_000_000_000,
                    },
                )]
                .into_iter()
                .collect(),
            },
        ]
    }

    #[test]
    fn every_message_type_round_trips() {
        for message in samples() {
            let frame = encode(&message);
            assert_eq!(decode(&frame, 1 << 20), Ok(message));
        }
    }

    #[test]
    fn oversized_frames_are_refused_before_parsing() {
        assert_eq!(
            decode(&[0; 11], 10),
            Err(WireError::TooLarge { len: 11, limit: 10 })
        );
    }

    #[test]
    fn malformed_frames_have_typed_errors() {
        assert!(matches!(decode(&[0xff], 100), Err(WireError::Cbor(_))));
        assert_eq!(decode(&[0x01], 100), Err(WireError::NotAMessage));
        let mut frame = encode(&samples()[2]);
        frame.push(0);
        assert!(matches!(decode(&frame, 100), Err(WireError::Cbor(_))));
        let unknown = MapBuilder::new("gossip").finish();
        assert_eq!(
            decode(&unknown, 100),
            Err(WireError::UnknownType("gossip".into()))
        );
        let mut missing = MapBuilder::new("sync");
        missing.text("senderId", "a");
        assert!(matches!(
            decode(&missing.finish(), 100),
            Err(WireError::MissingField {
                field: "targetId",
                ..
            })
        ));
    }

    #[test]
    fn floats_undefined_and_tags_are_tolerated() {
        let mut map = MapBuilder::new("ephemeral");
        map.text("senderId", "a");
        map.text("targetId", "b");
        map.put("count", Value::Float(3.0));
        map.text("sessionId", "s");
        map.text("documentId", &doc_id().to_string());
        map.put("data", Value::Tag(64, Box::new(Value::Bytes(vec![1]))));
        map.put("extra", Value::Null);
        let Ok(Message::Ephemeral(m)) = decode(&map.finish(), 1000) else {
            panic!("ephemeral with float count did not decode");
        };
        assert_eq!((m.count, m.data), (3, vec![1]));

        let mut join = MapBuilder::new("join");
        join.text("senderId", "a");
        join.put(
            "metadata",
            Value::Map(vec![
                (Value::Text("storageId".into()), Value::Null),
                (Value::Text("isEphemeral".into()), Value::Bool(true)),
            ]),
        );
        // 0xf7 is CBOR `undefined`; ciborium reads it as null.
        let mut frame = join.finish();
        let pos = frame.iter().rposition(|b| *b == 0xf6);
        if let Some(pos) = pos {
            frame[pos] = 0xf7;
        }
        let Ok(Message::Join(j)) = decode(&frame, 1000) else {
            panic!("join with metadata/undefined did not decode");
        };
        assert_eq!(
            j.metadata,
            Some(PeerMetadata {
                storage_id: None,
                is_ephemeral: true
            })
        );
    }

    #[test]
    fn fractional_or_negative_counts_are_refused() {
        for bad in [
            Value::Float(1.5),
            Value::Float(-1.0),
            Value::Integer((-2).into()),
        ] {
            let mut map = MapBuilder::new("ephemeral");
            map.text("senderId", "a");
            map.text("targetId", "b");
            map.put("count", bad);
            map.text("sessionId", "s");
            map.text("documentId", &doc_id().to_string());
            map.put("data", Value::Bytes(vec![]));
            assert!(matches!(
                decode(&map.finish(), 1000),
                Err(WireError::BadField { field: "count", .. })
            ));
        }
    }
}
