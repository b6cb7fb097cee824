//! Decoding: one frame into a [`Message`], through typed accessors over
//! the message map's fields that name the field in their errors, with the
//! tolerances listed in the [parent module](super).

use std::collections::BTreeMap;

use ciborium::Value;

use super::{MAX_DEPTH, MAX_ITEMS, WireError};
use crate::wire::ids::{DocumentId, MAX_ID_LEN, PeerId, StorageId, decode_head};
use crate::wire::message::{
    DocMessage, EphemeralMessage, JoinMessage, Message, PeerMessage, PeerMetadata, RemoteHeads,
};

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
                document_id: match self.get("documentId") {
                    None => None,
                    Some(_) => Some(self.document_id()?),
                },
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
