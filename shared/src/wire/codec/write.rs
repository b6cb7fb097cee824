//! Encoding: a [`Message`] as one CBOR frame, written the way
//! `@automerge/automerge-repo` 2.x writes it.

use ciborium::Value;

use crate::wire::ids::{StorageId, encode_head};
use crate::wire::message::{Message, PeerMetadata};

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
            document_id,
        } => {
            if let Some(document) = document_id {
                map.text("documentId", &document.to_string());
            }
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

pub(super) struct MapBuilder(Vec<(Value, Value)>);

impl MapBuilder {
    pub(super) fn new(message_type: &str) -> Self {
        Self(vec![(
            Value::Text("type".into()),
            Value::Text(message_type.into()),
        )])
    }

    pub(super) fn put(&mut self, key: &str, value: Value) {
        self.0.push((Value::Text(key.into()), value));
    }

    pub(super) fn text(&mut self, key: &str, value: &str) {
        self.put(key, Value::Text(value.into()));
    }

    pub(super) fn finish(self) -> Vec<u8> {
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
