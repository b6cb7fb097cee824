//! Golden vectors: frames produced by the real `@automerge/automerge-repo`
//! (see `interop/golden/`) decode, re-encode to an equivalent frame, and mean
//! what the JavaScript library meant (the manifest's `fields`).

use std::path::PathBuf;

use alongside_shared::wire::{self, Message};
use ciborium::Value;
use serde_json::{Map, Value as Json, json};

const LIMIT: usize = 1 << 20;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire")
}

fn manifest() -> Vec<Json> {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).expect("manifest.json");
    serde_json::from_str::<Vec<Json>>(&text).expect("manifest is a JSON array")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// CBOR as the JSON the manifest uses, normalised: tags stripped, null and
/// undefined entries dropped, integral floats as integers, `metadata` read as
/// `peerMetadata`.
fn normalise_cbor(value: &Value) -> Json {
    match value {
        Value::Tag(_, inner) => normalise_cbor(inner),
        Value::Bytes(b) => json!({ "$bytes": hex(b) }),
        Value::Text(t) => json!(t),
        Value::Bool(b) => json!(b),
        Value::Integer(i) => json!(i128::from(*i) as i64),
        Value::Float(f) if f.fract() == 0.0 => json!(*f as i64),
        Value::Float(f) => json!(f),
        Value::Array(items) => Json::Array(items.iter().map(normalise_cbor).collect()),
        Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                if v.is_null() {
                    continue;
                }
                let key = k.as_text().unwrap_or_default();
                let key = if key == "metadata" {
                    "peerMetadata"
                } else {
                    key
                };
                map.insert(key.to_owned(), normalise_cbor(v));
            }
            Json::Object(map)
        }
        _ => Json::Null,
    }
}

fn normalise_json(value: &Json) -> Option<Json> {
    match value {
        Json::Object(map) if map.contains_key("$undefined") => None,
        Json::Object(map) if map.contains_key("$bytes") => Some(value.clone()),
        Json::Object(map) => Some(Json::Object(
            map.iter()
                .filter_map(|(k, v)| {
                    let key = if k == "metadata" {
                        "peerMetadata"
                    } else {
                        k.as_str()
                    };
                    normalise_json(v).map(|v| (key.to_owned(), v))
                })
                .collect(),
        )),
        Json::Array(items) => Some(Json::Array(
            items.iter().filter_map(normalise_json).collect(),
        )),
        Json::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && !n.is_i64() && !n.is_u64() => json!(f as i64),
            _ => value.clone(),
        }),
        Json::Null => None,
        other => Some(other.clone()),
    }
}

fn cbor(frame: &[u8]) -> Value {
    ciborium::de::from_reader(frame).expect("fixture is CBOR")
}

#[test]
fn every_message_type_has_a_real_fixture() {
    let types: std::collections::BTreeSet<String> = manifest()
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    for expected in [
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
    ] {
        assert!(types.contains(expected), "no fixture of type {expected}");
    }
    let captured = manifest()
        .iter()
        .filter(|e| e["source"] == "captured")
        .count();
    assert!(
        captured >= 20,
        "most fixtures must be captured from live traffic"
    );
}

#[test]
fn fixtures_decode_reencode_and_match_the_manifest() {
    for entry in manifest() {
        let file = entry["file"].as_str().expect("file");
        let frame = std::fs::read(fixtures().join(file)).expect("fixture file");
        let message = wire::decode(&frame, LIMIT).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(message.type_name(), entry["type"], "{file}: type");

        let reencoded = wire::encode(&message);
        assert_eq!(
            wire::decode(&reencoded, LIMIT).as_ref(),
            Ok(&message),
            "{file}: round trip"
        );
        assert_eq!(
            normalise_cbor(&cbor(&reencoded)),
            normalise_cbor(&cbor(&frame)),
            "{file}: re-encoded frame differs from the original"
        );
        assert_eq!(
            Some(normalise_cbor(&cbor(&frame))),
            normalise_json(&entry["fields"]),
            "{file}: frame differs from the manifest's fields"
        );

        if let Message::Sync(m) | Message::Request(m) = &message {
            automerge::sync::Message::decode(&m.data)
                .unwrap_or_else(|e| panic!("{file}: data is not a sync message: {e}"));
        }
    }
}
