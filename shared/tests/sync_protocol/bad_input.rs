//! Hostile input: bad frames, unknown message types, spoofed senders, and
//! arbitrary or mutated bytes that must never panic the decoder or the hub.

use alongside_shared::sync::{Effect, Event, LoadResult, ProtocolError};
use alongside_shared::wire::{self, DocumentId, Message, PeerId};
use proptest::prelude::*;

use crate::common::*;

#[test]
fn bad_frames_close_only_their_own_connection_and_write_nothing() {
    let id = DocumentId::from_bytes([2; 16]);
    let garbage_sync = sync_frame("a", id, b"not a sync message".to_vec(), false);
    // A well-formed sync message whose change bytes are corrupt.
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let mut msg = automerge::sync::Message::decode(&first_message(&mut doc, &mut state)).unwrap();
    let mut change = doc.save_after(&[]);
    let last = change.len() - 1;
    change[last] ^= 0x55;
    msg.changes = automerge::sync::ChunkList::from(vec![change]);
    let corrupt_changes = sync_frame("a", id, msg.encode(), false);

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("undecodable CBOR", vec![0xff, 0x00, 0x13]),
        (
            "not a map",
            wire::encode(&Message::Leave {
                sender_id: PeerId::new("a"),
            })[..3]
                .to_vec(),
        ),
        ("oversized frame", vec![0; 64 * 1024 + 1]),
        ("garbage sync data", garbage_sync),
        ("corrupt changes", corrupt_changes),
    ];
    for (name, bytes) in cases {
        let mut hub = server(TestPolicy::default());
        let bad = ready(&mut hub, 1, "a");
        let good = ready(&mut hub, 2, "b");
        let mut effects = hub.handle(Event::Frame { conn: bad, bytes });
        if let Some(document) = effects.iter().find_map(|e| match e {
            Effect::Load { document } => Some(*document),
            _ => None,
        }) {
            effects.extend(hub.handle(Event::Loaded {
                document,
                result: LoadResult::NotFound,
            }));
        }
        assert!(closed(&effects, bad), "{name}: connection closed");
        assert!(
            matches!(sent(&effects, bad).as_slice(), [Message::Error { .. }]),
            "{name}: error sent"
        );
        assert!(!persisted_anything(&effects), "{name}: nothing written");
        assert!(
            !closed(&effects, good),
            "{name}: other connection untouched"
        );
        assert_eq!(hub.connection_count(), 1, "{name}");
    }
}

#[test]
fn unknown_message_types_are_ignored_not_fatal() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let frame = {
        let value = ciborium::Value::Map(vec![(
            ciborium::Value::Text("type".into()),
            ciborium::Value::Text("future-thing".into()),
        )]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&value, &mut out).unwrap();
        out
    };
    let effects = hub.handle(Event::Frame { conn, bytes: frame });
    assert!(!closed(&effects, conn));
    assert!(sent(&effects, conn).is_empty());
}

#[test]
fn spoofed_sender_ids_are_refused() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let mut doc = participant();
    let data = first_message(&mut doc, &mut automerge::sync::State::new());
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("someone-else", DocumentId::from_bytes([8; 16]), data, false),
    });
    assert_eq!(rejected(&effects), vec![ProtocolError::WrongPeer]);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wire::decode(&bytes, 1 << 20);
    }

    #[test]
    fn arbitrary_frames_never_panic_the_hub(frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..8)) {
        let mut hub = server(TestPolicy::default());
        let conn = ready(&mut hub, 1, "a");
        for bytes in frames {
            let _ = hub.handle(Event::Frame { conn, bytes });
        }
    }

    #[test]
    fn mutated_real_frames_never_panic_the_hub(index in 0usize..64, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire");
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "cbor"))
            .collect();
        files.sort();
        let mut bytes = std::fs::read(&files[index % files.len()]).unwrap();
        for (at, value) in flips {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] ^= value;
            }
        }
        let _ = wire::decode(&bytes, 1 << 20);
        let mut hub = server(TestPolicy::default());
        let conn = ready(&mut hub, 1, "client-1");
        let _ = hub.handle(Event::Frame { conn, bytes });
    }
}
