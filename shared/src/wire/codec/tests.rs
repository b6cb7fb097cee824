//! The codec's unit tests: every message type round-trips, and malformed
//! or unusual frames decode to what they should.

use ciborium::Value;

use super::write::MapBuilder;
use super::*;
use crate::wire::ids::{DocumentId, PeerId, StorageId};
use crate::wire::message::{
    DocMessage, EphemeralMessage, JoinMessage, Message, PeerMessage, PeerMetadata, RemoteHeads,
};

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
            document_id: None,
        },
        Message::Error {
            sender_id: Some(p("b")),
            target_id: Some(p("a")),
            message: "write refused: notes.x.setting".into(),
            document_id: Some(doc_id()),
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
