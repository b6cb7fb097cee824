//! The receiving (server) side of the protocol, driven frame by frame by a
//! hand-written peer: handshake, version selection, policy, durability gate
//! and every kind of bad input.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use alongside_shared::sync::{
    Access, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Policy, ProtocolError,
    Refusal, Role, Write,
};
use alongside_shared::wire::{
    self, DocMessage, DocumentId, JoinMessage, Message, PeerId, PeerMetadata,
};
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use proptest::prelude::*;

/// Peers named in `denied` may not see documents in `hidden`; `readers` may
/// only read; a write that leaves a root key `forbidden` is refused.
#[derive(Default)]
struct TestPolicy {
    hidden: BTreeSet<DocumentId>,
    readers: BTreeSet<&'static str>,
    writes_checked: usize,
}

impl Policy for TestPolicy {
    type Peer = &'static str;

    fn access(&self, peer: &&'static str, document: &DocumentId) -> Access {
        if self.hidden.contains(document) && *peer != "owner" {
            Access::Unavailable
        } else if self.readers.contains(peer) {
            Access::ReadOnly
        } else {
            Access::ReadWrite
        }
    }

    fn check_write(
        &mut self,
        _peer: &&'static str,
        _document: &DocumentId,
        write: Write<'_>,
    ) -> Result<(), Refusal> {
        self.writes_checked += 1;
        assert!(!write.changes.is_empty(), "only writes that add changes");
        match write.doc.get(ROOT, "forbidden") {
            Ok(Some(_)) => Err(Refusal::new("forbidden key")),
            _ => Ok(()),
        }
    }
}

fn server(policy: TestPolicy) -> Hub<TestPolicy> {
    let config = HubConfig {
        peer_id: PeerId::new("server"),
        metadata: PeerMetadata::default(),
        role: Role::Accept,
        limits: Limits {
            max_frame_bytes: 64 * 1024,
            handshake_timeout_ms: 1_000,
            ..Limits::default()
        },
    };
    Hub::new(config, policy)
}

fn join(peer: &str, versions: Option<Vec<&str>>) -> Vec<u8> {
    wire::encode(&Message::Join(JoinMessage {
        sender_id: PeerId::new(peer),
        supported_protocol_versions: versions.map(|v| v.into_iter().map(String::from).collect()),
        metadata: None,
    }))
}

fn sync_frame(peer: &str, id: DocumentId, data: Vec<u8>, request: bool) -> Vec<u8> {
    let m = DocMessage {
        sender_id: PeerId::new(peer),
        target_id: PeerId::new("server"),
        document_id: id,
        data,
    };
    wire::encode(&if request {
        Message::Request(m)
    } else {
        Message::Sync(m)
    })
}

fn sent(effects: &[Effect], conn: ConnId) -> Vec<Message> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { conn: c, frame } if *c == conn => {
                Some(wire::decode(frame, usize::MAX).unwrap())
            }
            _ => None,
        })
        .collect()
}

fn only(mut messages: Vec<Message>) -> Message {
    assert_eq!(
        messages.len(),
        1,
        "expected exactly one message: {messages:?}"
    );
    messages.remove(0)
}

fn closed(effects: &[Effect], conn: ConnId) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Close { conn: c } if *c == conn))
}

fn rejected(effects: &[Effect]) -> Vec<ProtocolError> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Rejected { error, .. } => Some(error.clone()),
            _ => None,
        })
        .collect()
}

fn persisted_anything(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Persist { .. }))
}

/// Connects `peer` as `conn` and completes the handshake.
fn ready(hub: &mut Hub<TestPolicy>, conn: u64, peer: &'static str) -> ConnId {
    let conn = ConnId(conn);
    hub.handle(Event::Connected { conn, peer });
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: join(peer, Some(vec!["1"])),
    });
    assert!(matches!(
        sent(&effects, conn).as_slice(),
        [Message::Peer(_)]
    ));
    conn
}

fn participant() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/participant").unwrap();
    doc
}

/// The sync message a fresh peer holding `doc` sends first, and the one it
/// sends in reply to `reply` (which carries its changes).
fn first_message(doc: &mut AutoCommit, state: &mut automerge::sync::State) -> Vec<u8> {
    doc.sync().generate_sync_message(state).unwrap().encode()
}

#[test]
fn handshake_selects_version_1_and_reports_the_peer() {
    let mut hub = server(TestPolicy::default());
    let conn = ConnId(1);
    hub.handle(Event::Connected { conn, peer: "a" });
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: join("a", Some(vec!["0", "1"])),
    });
    let Message::Peer(peer) = only(sent(&effects, conn)) else {
        panic!("unexpected message")
    };
    assert_eq!(
        (
            peer.selected_protocol_version.as_str(),
            peer.target_id.as_str()
        ),
        ("1", "a")
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::PeerReady { .. }))
    );

    // A join without the field is taken as version 1, as automerge-repo does.
    let conn = ConnId(2);
    hub.handle(Event::Connected { conn, peer: "b" });
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: join("b", None),
    });
    assert!(matches!(
        sent(&effects, conn).as_slice(),
        [Message::Peer(_)]
    ));
}

#[test]
fn unsupported_version_gets_error_and_close() {
    let mut hub = server(TestPolicy::default());
    let conn = ConnId(1);
    hub.handle(Event::Connected { conn, peer: "a" });
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: join("a", Some(vec!["99"])),
    });
    assert!(matches!(
        sent(&effects, conn).as_slice(),
        [Message::Error { .. }]
    ));
    assert!(closed(&effects, conn));
    assert_eq!(rejected(&effects), vec![ProtocolError::UnsupportedVersion]);
    // Nothing further is processed on that connection.
    assert!(
        hub.handle(Event::Frame {
            conn,
            bytes: join("a", None)
        })
        .is_empty()
    );
}

#[test]
fn a_message_before_join_is_a_protocol_error() {
    let mut hub = server(TestPolicy::default());
    let conn = ConnId(1);
    hub.handle(Event::Connected { conn, peer: "a" });
    let frame = sync_frame("a", DocumentId::from_bytes([1; 16]), vec![0x42], false);
    let effects = hub.handle(Event::Frame { conn, bytes: frame });
    assert_eq!(rejected(&effects), vec![ProtocolError::Unexpected("sync")]);
    assert!(closed(&effects, conn));
}

#[test]
fn handshake_times_out() {
    let mut hub = server(TestPolicy::default());
    hub.handle(Event::Tick { now_ms: 10 });
    hub.handle(Event::Connected {
        conn: ConnId(1),
        peer: "a",
    });
    assert!(hub.handle(Event::Tick { now_ms: 500 }).is_empty());
    let effects = hub.handle(Event::Tick { now_ms: 2_000 });
    assert_eq!(rejected(&effects), vec![ProtocolError::HandshakeTimeout]);
    assert!(closed(&effects, ConnId(1)));
}

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
fn unknown_and_forbidden_documents_look_the_same() {
    let hidden = DocumentId::from_bytes([3; 16]);
    let missing = DocumentId::from_bytes([4; 16]);
    let mut policy = TestPolicy::default();
    policy.hidden.insert(hidden);
    let mut hub = server(policy);
    let owner = ready(&mut hub, 1, "owner");

    // The owner creates the hidden document.
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let mut server_state_bytes = first_message(&mut doc, &mut state);
    let mut guard = 0;
    loop {
        let effects = hub.handle(Event::Frame {
            conn: owner,
            bytes: sync_frame("owner", hidden, server_state_bytes.clone(), false),
        });
        for e in &effects {
            if let Effect::Persist { document, seq, .. } = e {
                let more = hub.handle(Event::Persisted {
                    document: *document,
                    seq: *seq,
                });
                for m in sent(&more, owner) {
                    if let Message::Sync(m) = m {
                        doc.sync()
                            .receive_sync_message(
                                &mut state,
                                automerge::sync::Message::decode(&m.data).unwrap(),
                            )
                            .unwrap();
                    }
                }
            }
            if let Effect::Load { document } = e {
                let more = hub.handle(Event::Loaded {
                    document: *document,
                    result: LoadResult::NotFound,
                });
                for m in sent(&more, owner) {
                    if let Message::Sync(m) = m {
                        doc.sync()
                            .receive_sync_message(
                                &mut state,
                                automerge::sync::Message::decode(&m.data).unwrap(),
                            )
                            .unwrap();
                    }
                }
            }
        }
        for m in sent(&effects, owner) {
            if let Message::Sync(m) = m {
                doc.sync()
                    .receive_sync_message(
                        &mut state,
                        automerge::sync::Message::decode(&m.data).unwrap(),
                    )
                    .unwrap();
            }
        }
        match doc.sync().generate_sync_message(&mut state) {
            Some(m) => server_state_bytes = m.encode(),
            None => break,
        }
        guard += 1;
        assert!(guard < 20);
    }
    assert!(hub.document(&hidden).is_some_and(|d| !d.is_empty()));

    // Another peer asks for the hidden one and for one that does not exist.
    let other = ready(&mut hub, 2, "other");
    let mut empty = AutoCommit::new();
    let request = first_message(&mut empty, &mut automerge::sync::State::new());
    let hidden_answer = hub.handle(Event::Frame {
        conn: other,
        bytes: sync_frame("other", hidden, request.clone(), true),
    });
    let mut missing_answer = hub.handle(Event::Frame {
        conn: other,
        bytes: sync_frame("other", missing, request, true),
    });
    // The missing one needs a load; storage says it does not exist.
    assert!(matches!(missing_answer.as_slice(), [Effect::Load { .. }]));
    missing_answer = hub.handle(Event::Loaded {
        document: missing,
        result: LoadResult::NotFound,
    });
    let unavailable = |effects: &[Effect], id: DocumentId| {
        sent(effects, other)
            == vec![Message::DocUnavailable {
                sender_id: PeerId::new("server"),
                target_id: PeerId::new("other"),
                document_id: id,
            }]
    };
    assert!(
        unavailable(&hidden_answer, hidden),
        "hidden: {:?}",
        sent(&hidden_answer, other)
    );
    assert!(
        unavailable(&missing_answer, missing),
        "missing: {:?}",
        sent(&missing_answer, other)
    );
    // Only the driver learns the difference, for the audit trail.
    assert!(
        hidden_answer
            .iter()
            .any(|e| matches!(e, Effect::Denied { .. }))
    );
    assert!(
        !missing_answer
            .iter()
            .any(|e| matches!(e, Effect::Denied { .. }))
    );
}

/// Where the first effect matching `pick` is in `effects`.
fn position(effects: &[Effect], pick: impl Fn(&Effect) -> bool) -> Option<usize> {
    effects.iter().position(pick)
}

#[test]
fn a_miss_not_read_from_storage_for_its_request_says_so_before_the_answer() {
    let missing = DocumentId::from_bytes([5; 16]);
    let mut hub = server(TestPolicy::default());
    let first = ready(&mut hub, 1, "first");
    let second = ready(&mut hub, 2, "second");
    let request = first_message(&mut AutoCommit::new(), &mut automerge::sync::State::new());
    let ask = |hub: &mut Hub<TestPolicy>, conn: ConnId, peer: &str| {
        hub.handle(Event::Frame {
            conn,
            bytes: sync_frame(peer, missing, request.clone(), true),
        })
    };
    let from_memory = |effects: &[Effect], conn: ConnId| {
        position(
            effects,
            |e| matches!(e, Effect::UnavailableFromMemory { conn: c, document } if *c == conn && *document == missing),
        )
    };
    let answer = |effects: &[Effect], conn: ConnId| {
        position(
            effects,
            |e| matches!(e, Effect::Send { conn: c, .. } if *c == conn),
        )
    };

    // The first request loads; the second arrives while it loads. Storage
    // was read for the first, not for the second.
    assert!(matches!(
        ask(&mut hub, first, "first").as_slice(),
        [Effect::Load { .. }]
    ));
    assert!(ask(&mut hub, second, "second").is_empty());
    let loaded = hub.handle(Event::Loaded {
        document: missing,
        result: LoadResult::NotFound,
    });
    assert!(answer(&loaded, first).is_some() && answer(&loaded, second).is_some());
    assert_eq!(from_memory(&loaded, first), None, "{loaded:?}");
    let (Some(said), Some(sent_at)) = (from_memory(&loaded, second), answer(&loaded, second))
    else {
        panic!("{loaded:?}");
    };
    assert!(said < sent_at);

    // The empty document stays resident for the waiting sessions: asking
    // again is answered from memory, and says so first, every time.
    for _ in 0..3 {
        let again = ask(&mut hub, first, "first");
        assert!(!again.iter().any(|e| matches!(e, Effect::Load { .. })));
        let (Some(said), Some(sent_at)) = (from_memory(&again, first), answer(&again, first))
        else {
            panic!("{again:?}");
        };
        assert!(said < sent_at);
        assert!(
            !again.iter().any(|e| matches!(e, Effect::Denied { .. })),
            "a miss is not audited as a denial"
        );
    }
}

/// Round 1 of creating a document on the server: the peer announces its
/// heads, the server (which has nothing) answers what it needs. Returns the
/// peer's next sync message, which carries the changes.
fn changes_for_new_document(
    hub: &mut Hub<TestPolicy>,
    conn: ConnId,
    id: DocumentId,
    doc: &mut AutoCommit,
    state: &mut automerge::sync::State,
) -> Vec<u8> {
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, first_message(doc, state), false),
    });
    assert!(matches!(effects.as_slice(), [Effect::Load { .. }]));
    let effects = hub.handle(Event::Loaded {
        document: id,
        result: LoadResult::NotFound,
    });
    let Message::Sync(reply) = only(sent(&effects, conn)) else {
        panic!("unexpected message")
    };
    doc.sync()
        .receive_sync_message(
            state,
            automerge::sync::Message::decode(&reply.data).unwrap(),
        )
        .unwrap();
    doc.sync().generate_sync_message(state).unwrap().encode()
}

/// Peer "a" on `conn` writes a new participant `id`; the persist is left in
/// flight.
fn write_new_document(hub: &mut Hub<TestPolicy>, conn: ConnId, id: DocumentId) {
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    assert!(persisted_anything(&effects), "the write goes to storage");
}

#[test]
fn no_reply_advertises_heads_before_they_are_persisted() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([5; 16]);
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    // Round 1 (heads only) happens in the helper; round 2 carries the
    // changes, and the server must persist before it answers.
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    let seq = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                seq, changes, from, ..
            } => {
                assert_eq!(*from, Some(conn));
                assert_eq!(changes.len(), 1);
                Some(*seq)
            }
            _ => None,
        })
        .expect("a persist");
    assert!(
        sent(&effects, conn).is_empty(),
        "no message before the persist is confirmed"
    );
    assert!(!hub.is_durable(&id));
    let effects = hub.handle(Event::Persisted { document: id, seq });
    let Message::Sync(ack) = only(sent(&effects, conn)) else {
        panic!("unexpected message")
    };
    let ack = automerge::sync::Message::decode(&ack.data).unwrap();
    assert_eq!(
        ack.heads,
        doc.get_heads(),
        "the acknowledgement carries the stored heads"
    );
}

/// A peer that already holds everything the server holds (it sent the
/// changes itself) may say so while the server is still persisting them;
/// it must still hear the server's heads once they are stored, or it never
/// learns its changes are safe.
#[test]
fn a_peer_that_already_has_our_heads_still_hears_they_are_stored() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([6; 16]);
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    let [(_, seq)] = persists(&effects)[..] else {
        panic!("one persist expected")
    };
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame(
            "a",
            id,
            message_carrying(doc.get_heads(), Vec::new()),
            false,
        ),
    });
    assert!(
        sent(&effects, conn).is_empty(),
        "nothing stored yet to tell"
    );
    let effects = hub.handle(Event::Persisted { document: id, seq });
    let Message::Sync(ack) = only(sent(&effects, conn)) else {
        panic!("unexpected message")
    };
    let ack = automerge::sync::Message::decode(&ack.data).unwrap();
    assert_eq!(ack.heads, doc.get_heads());
}

/// Every `Persist` in `effects`: its data and seq.
fn persists(effects: &[Effect]) -> Vec<(Vec<u8>, u64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Persist { data, seq, .. } => Some((data.clone(), *seq)),
            _ => None,
        })
        .collect()
}

/// A sync message that carries `changes` (raw change bytes) and the
/// sender's `heads`, as a peer sends when its Bloom filter says the
/// receiver holds a change it does not.
fn message_carrying(heads: Vec<automerge::ChangeHash>, changes: Vec<Vec<u8>>) -> Vec<u8> {
    automerge::sync::Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: changes.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    }
    .encode()
}

#[test]
fn a_change_held_back_for_its_dependency_is_persisted_when_it_joins() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([9; 16]);
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    let mut stored: Vec<Vec<u8>> = Vec::new();
    for (data, seq) in persists(&effects) {
        stored.push(data);
        hub.handle(Event::Persisted { document: id, seq });
    }
    let base = doc.get_heads();

    // Two edits; the second arrives first (its dependency "already held").
    doc.put(ROOT, "first", "one").unwrap();
    let first = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    doc.put(ROOT, "second", "two").unwrap();
    let second = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    let heads = doc.get_heads();
    assert_ne!(heads, base);

    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame(
            "a",
            id,
            message_carrying(heads.clone(), vec![second]),
            false,
        ),
    });
    assert!(
        !persisted_anything(&effects),
        "a change that cannot apply yet changes nothing"
    );
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, message_carrying(heads.clone(), vec![first]), false),
    });
    let written = persists(&effects);
    assert_eq!(
        written.len(),
        1,
        "one persist for the message that joined both"
    );
    let (data, seq) = written[0].clone();
    hub.handle(Event::Persisted { document: id, seq });
    assert_eq!(hub.document(&id).unwrap().clone().get_heads(), heads);

    // What storage holds rebuilds the document the server advertises.
    stored.push(data);
    let mut reloaded = AutoCommit::new();
    for piece in &stored {
        reloaded.load_incremental(piece).unwrap();
    }
    assert_eq!(
        reloaded.get_heads(),
        heads,
        "the held-back change was stored"
    );
    assert_eq!(
        reloaded
            .get(ROOT, "second")
            .unwrap()
            .map(|(v, _)| v.to_string()),
        Some("\"two\"".to_owned())
    );
}

#[test]
fn a_held_back_change_joins_through_another_nodes_commit_only_as_its_peers_write() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([10; 16]);
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    let mut stored = AutoCommit::new();
    for (data, seq) in persists(&effects) {
        stored.load_incremental(&data).unwrap();
        hub.handle(Event::Persisted { document: id, seq });
    }
    doc.put(ROOT, "first", "one").unwrap();
    let first = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    doc.put(ROOT, "second", "two").unwrap();
    let second = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    let heads = doc.get_heads();
    hub.handle(Event::Frame {
        conn,
        bytes: sync_frame(
            "a",
            id,
            message_carrying(heads.clone(), vec![second.clone()]),
            false,
        ),
    });
    let checked = hub.policy().writes_checked;

    // Another node stored the dependency (as if the peer had reached it
    // first). The held-back change joins, but not unchecked and unstored:
    // as a write of the peer that sent it, checked by the policy and
    // persisted before any message advertises it.
    let effects = hub.handle(Event::StoredChanges {
        document: id,
        bytes: first.clone(),
    });
    assert_eq!(
        hub.policy().writes_checked,
        checked + 1,
        "the write was checked"
    );
    let written: Vec<(Vec<u8>, u64, Option<ConnId>)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Persist {
                data, seq, from, ..
            } => Some((data.clone(), *seq, *from)),
            _ => None,
        })
        .collect();
    assert_eq!(written.len(), 1, "one persist: {effects:?}");
    assert_eq!(written[0].2, Some(conn), "attributed to its peer");
    assert!(
        sent(&effects, conn).is_empty(),
        "nothing advertised before the persist is confirmed"
    );
    stored.load_incremental(&first).unwrap();
    stored.load_incremental(&written[0].0).unwrap();
    assert!(
        stored.get_change_meta_by_hash(&heads[0]).is_some(),
        "the change was stored"
    );
    let effects = hub.handle(Event::Persisted {
        document: id,
        seq: written[0].1,
    });
    let Message::Sync(ack) = only(sent(&effects, conn)) else {
        panic!("unexpected message")
    };
    let ack = automerge::sync::Message::decode(&ack.data).unwrap();
    assert_eq!(ack.heads, heads, "then the peer hears it is stored");
}

/// Carries out `effects` of a server whose persists all succeed, with the
/// peer "a" on `conn` (holding `doc`, in sync session `state`) answering
/// every sync message, until neither side has more to say. What the server
/// persisted is appended to `stored`.
fn converse(
    hub: &mut Hub<TestPolicy>,
    conn: ConnId,
    id: DocumentId,
    doc: &mut AutoCommit,
    state: &mut automerge::sync::State,
    effects: Vec<Effect>,
    stored: &mut Vec<Vec<u8>>,
) {
    let mut pending: std::collections::VecDeque<Effect> = effects.into();
    for _ in 0..1_000 {
        let Some(effect) = pending.pop_front() else {
            return;
        };
        match effect {
            Effect::Persist { data, seq, .. } => {
                stored.push(data);
                pending.extend(hub.handle(Event::Persisted { document: id, seq }));
            }
            Effect::Send { conn: to, frame } if to == conn => {
                let Message::Sync(m) = wire::decode(&frame, usize::MAX).unwrap() else {
                    continue;
                };
                let message = automerge::sync::Message::decode(&m.data).unwrap();
                doc.sync().receive_sync_message(state, message).unwrap();
                if let Some(reply) = doc.sync().generate_sync_message(state) {
                    pending.extend(hub.handle(Event::Frame {
                        conn,
                        bytes: sync_frame("a", id, reply.encode(), false),
                    }));
                }
            }
            _ => {}
        }
    }
    panic!("the conversation never ended");
}

/// A live peer whose Bloom filter hid one of its changes sends the next
/// one alone; automerge records that one as sent and never sends it again
/// in the session. Another node's commit merged while it waits for its
/// dependency must not drop it: the peer would never see its edits stored,
/// and every later edit of its would wait behind it.
#[test]
fn a_held_back_change_outlives_another_nodes_commit_and_is_stored() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([12; 16]);
    let mut doc = participant();
    // A history long enough that two new changes go out as changes, not
    // as a whole saved document.
    for i in 0..8 {
        doc.commit();
        doc.put(ROOT, format!("k{i}"), i).unwrap();
    }
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    let mut stored = Vec::new();
    converse(
        &mut hub,
        conn,
        id,
        &mut doc,
        &mut state,
        effects,
        &mut stored,
    );
    let mut base = hub.document(&id).unwrap().clone();

    // The peer writes twice; its next message carries only the second
    // change, as when the server's Bloom filter wrongly holds the first.
    doc.put(ROOT, "first", "one").unwrap();
    let first = doc.get_last_local_change().unwrap().hash();
    doc.put(ROOT, "second", "two").unwrap();
    let second = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    doc.sync().generate_sync_message(&mut state).unwrap();
    assert!(state.sent_hashes.remove(&first), "both edits were new");
    assert_eq!(state.sent_hashes.len(), 1);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame(
            "a",
            id,
            message_carrying(doc.get_heads(), vec![second]),
            false,
        ),
    });
    assert!(
        !persisted_anything(&effects),
        "the second waits for the first"
    );

    // Before the peer hears back, another node's commit arrives.
    let mut other = base.fork();
    other.put(ROOT, "other", "node").unwrap();
    let theirs = other.get_last_local_change().unwrap().raw_bytes().to_vec();
    stored.push(theirs.clone());
    let mut all = effects;
    all.extend(hub.handle(Event::StoredChanges {
        document: id,
        bytes: theirs,
    }));
    converse(&mut hub, conn, id, &mut doc, &mut state, all, &mut stored);

    let mut rebuilt = AutoCommit::new();
    for piece in &stored {
        rebuilt.load_incremental(piece).unwrap();
    }
    for head in doc.get_heads() {
        assert!(
            rebuilt.get_change_meta_by_hash(&head).is_some(),
            "the peer's edits are stored"
        );
    }
    let mut theirs = state.their_heads.clone().unwrap_or_default();
    theirs.sort();
    assert!(
        doc.get_heads().iter().all(|h| theirs.contains(h)),
        "the server told the peer it holds its edits"
    );
    let mut merged = hub.document(&id).unwrap().clone();
    assert_eq!(merged.get_heads(), doc.get_heads(), "both hold the same");
}

#[test]
fn a_failed_persist_closes_the_writer_and_forgets_the_document() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([6; 16]);
    write_new_document(&mut hub, conn, id);
    let effects = hub.handle(Event::PersistFailed {
        document: id,
        seq: 1,
    });
    assert_eq!(rejected(&effects), vec![ProtocolError::StorageUnavailable]);
    assert!(closed(&effects, conn));
    assert!(
        hub.document(&id).is_none(),
        "unstored changes are not kept in memory"
    );
}

#[test]
fn a_read_only_peer_cannot_write() {
    let mut policy = TestPolicy::default();
    policy.readers.insert("supervisor");
    let mut hub = server(policy);
    let conn = ready(&mut hub, 1, "supervisor");
    let id = DocumentId::from_bytes([7; 16]);
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let mut message =
        automerge::sync::Message::decode(&first_message(&mut doc, &mut state)).unwrap();
    message.changes = automerge::sync::ChunkList::from(vec![doc.save_after(&[])]);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("supervisor", id, message.encode(), false),
    });
    assert_eq!(rejected(&effects), vec![ProtocolError::ReadOnly]);
    assert!(closed(&effects, conn));
    assert!(!persisted_anything(&effects));
    assert!(
        quarantined(&effects).is_some(),
        "a write without write access is kept for an administrator"
    );
}

fn quarantined(effects: &[Effect]) -> Option<(ConnId, String, usize)> {
    effects.iter().find_map(|e| match e {
        Effect::Quarantine {
            conn, reason, data, ..
        } => Some((*conn, reason.clone(), data.len())),
        _ => None,
    })
}

/// Creates `id` from peer "a" on `conn` and confirms the persist; returns
/// the peer's document and sync state.
fn created(
    hub: &mut Hub<TestPolicy>,
    conn: ConnId,
    id: DocumentId,
) -> (AutoCommit, automerge::sync::State) {
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    assert!(persisted_anything(&effects));
    let effects = hub.handle(Event::Persisted {
        document: id,
        seq: 1,
    });
    for message in sent(&effects, conn) {
        if let Message::Sync(m) = message {
            let m = automerge::sync::Message::decode(&m.data).unwrap();
            doc.sync().receive_sync_message(&mut state, m).unwrap();
        }
    }
    (doc, state)
}

#[test]
fn a_refused_write_is_rolled_back_quarantined_and_never_advertised() {
    let mut hub = server(TestPolicy::default());
    let writer = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([8; 16]);
    let (mut doc, mut state) = created(&mut hub, writer, id);
    let good_heads = hub.document(&id).unwrap().clone().get_heads();

    doc.put(ROOT, "forbidden", true).unwrap();
    doc.commit();
    let bad = doc.sync().generate_sync_message(&mut state).unwrap();
    assert!(!bad.changes.is_empty());
    let effects = hub.handle(Event::Frame {
        conn: writer,
        bytes: sync_frame("a", id, bad.encode(), false),
    });
    let (conn, reason, bytes) = quarantined(&effects).expect("quarantined");
    assert_eq!((conn, reason.as_str()), (writer, "forbidden key"));
    assert!(bytes > 0, "the refused chunks are kept verbatim");
    assert_eq!(
        rejected(&effects),
        vec![ProtocolError::Refused("forbidden key".into())]
    );
    let Message::Error { message, .. } = only(sent(&effects, writer)) else {
        panic!("the writer is told why")
    };
    assert_eq!(message, "write refused: forbidden key");
    assert!(closed(&effects, writer));
    assert!(!persisted_anything(&effects));
    let mut stored = hub.document(&id).unwrap().clone();
    assert_eq!(stored.get_heads(), good_heads, "rolled back in memory");
    assert!(stored.get(ROOT, "forbidden").unwrap().is_none());

    // A bystander asking for the document gets the accepted state only, and
    // its sending is reported as a read.
    let reader = ready(&mut hub, 2, "b");
    let mut fresh = AutoCommit::new();
    let mut fresh_state = automerge::sync::State::new();
    let effects = hub.handle(Event::Frame {
        conn: reader,
        bytes: sync_frame("b", id, first_message(&mut fresh, &mut fresh_state), true),
    });
    assert!(effects.iter().any(
        |e| matches!(e, Effect::Disclosed { conn, document } if *conn == reader && *document == id)
    ));
    for message in sent(&effects, reader) {
        let Message::Sync(m) = message else { continue };
        let m = automerge::sync::Message::decode(&m.data).unwrap();
        fresh
            .sync()
            .receive_sync_message(&mut fresh_state, m)
            .unwrap();
    }
    assert_eq!(fresh.get_heads(), good_heads);
    assert!(fresh.get(ROOT, "forbidden").unwrap().is_none());
}

#[test]
fn a_refused_new_document_leaves_nothing_behind() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([9; 16]);
    let mut doc = participant();
    doc.put(ROOT, "forbidden", 1).unwrap();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(&mut hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    assert!(quarantined(&effects).is_some());
    assert!(!persisted_anything(&effects));
    assert!(
        hub.document(&id)
            .is_none_or(|d| d.clone().get_heads().is_empty())
    );
    assert_eq!(hub.policy().writes_checked, 1);
}

#[test]
fn a_write_refused_by_storage_closes_the_writer_and_forgets_the_document() {
    let mut hub = server(TestPolicy::default());
    let conn = ready(&mut hub, 1, "a");
    let id = DocumentId::from_bytes([10; 16]);
    write_new_document(&mut hub, conn, id);
    let effects = hub.handle(Event::WriteRefused {
        document: id,
        conn: Some(conn),
        reason: "actor bound to another device".into(),
    });
    assert_eq!(
        rejected(&effects),
        vec![ProtocolError::Refused(
            "actor bound to another device".into()
        )]
    );
    assert!(closed(&effects, conn));
    assert!(hub.document(&id).is_none());
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

#[test]
fn subscribers_hear_of_a_storage_ids_new_heads() {
    let mut hub = server(TestPolicy::default());
    let a = ConnId(1);
    hub.handle(Event::Tick {
        now_ms: 1_700_000_000_000,
    });
    hub.handle(Event::Connected { conn: a, peer: "a" });
    let join_a = wire::encode(&Message::Join(JoinMessage {
        sender_id: PeerId::new("a"),
        supported_protocol_versions: Some(vec!["1".into()]),
        metadata: Some(PeerMetadata {
            storage_id: Some(wire::StorageId::new("storage-a")),
            is_ephemeral: false,
        }),
    }));
    hub.handle(Event::Frame {
        conn: a,
        bytes: join_a,
    });
    let b = ready(&mut hub, 2, "b");
    let subscribe = wire::encode(&Message::RemoteSubscriptionChange {
        sender_id: PeerId::new("b"),
        target_id: PeerId::new("server"),
        add: vec![wire::StorageId::new("storage-a")],
        remove: vec![],
    });
    assert!(
        sent(
            &hub.handle(Event::Frame {
                conn: b,
                bytes: subscribe
            }),
            b
        )
        .is_empty()
    );

    let id = DocumentId::from_bytes([9; 16]);
    let mut doc = participant();
    let data = first_message(&mut doc, &mut automerge::sync::State::new());
    hub.handle(Event::Frame {
        conn: a,
        bytes: sync_frame("a", id, data, false),
    });
    let effects = hub.handle(Event::Loaded {
        document: id,
        result: LoadResult::NotFound,
    });
    let Message::RemoteHeadsChanged {
        document_id,
        new_heads,
        ..
    } = only(sent(&effects, b))
    else {
        panic!("expected remote-heads-changed")
    };
    assert_eq!(document_id, id);
    let heads = &new_heads[&wire::StorageId::new("storage-a")];
    assert_eq!(heads.heads, doc.get_heads());
    assert_eq!(heads.timestamp, 1_700_000_000_000);
}

/// A hub that shares its connections with another (one shard of a server
/// node, beside the shard that speaks for the connections) takes part in
/// the handshake without answering it, leaves errors about the connection
/// as a whole to the other hub, and answers for its own documents as any
/// hub does.
#[test]
fn a_hub_sharing_connections_answers_only_for_its_documents() {
    let mut speaker = server(TestPolicy::default());
    let mut shard = server(TestPolicy::default()).sharing_connections();
    let conn = ConnId(1);
    for hub in [&mut speaker, &mut shard] {
        hub.handle(Event::Connected { conn, peer: "a" });
    }
    let spoken = speaker.handle(Event::Frame {
        conn,
        bytes: join("a", None),
    });
    assert!(matches!(only(sent(&spoken, conn)), Message::Peer(_)));
    let quiet = shard.handle(Event::Frame {
        conn,
        bytes: join("a", None),
    });
    assert!(sent(&quiet, conn).is_empty(), "only one hub answers join");
    assert!(quiet.iter().any(|e| matches!(e, Effect::PeerReady { .. })));

    // Its own documents: a write to a new one goes to storage.
    write_new_document(&mut shard, conn, DocumentId::from_bytes([7; 16]));

    // A repeated join refuses the connection: one `error`, one close,
    // both from the hub that speaks for it; the other forgets it.
    let again = speaker.handle(Event::Frame {
        conn,
        bytes: join("a", None),
    });
    assert!(matches!(only(sent(&again, conn)), Message::Error { .. }));
    assert!(closed(&again, conn));
    let quiet = shard.handle(Event::Frame {
        conn,
        bytes: join("a", None),
    });
    assert!(quiet.is_empty(), "{quiet:?}");
    let frame = sync_frame("a", DocumentId::from_bytes([8; 16]), vec![0x42], false);
    assert!(shard.handle(Event::Frame { conn, bytes: frame }).is_empty());

    // A handshake that times out, likewise.
    let late = ConnId(2);
    for hub in [&mut speaker, &mut shard] {
        hub.handle(Event::Connected {
            conn: late,
            peer: "b",
        });
    }
    let spoken = speaker.handle(Event::Tick { now_ms: 60_000 });
    assert!(closed(&spoken, late));
    assert!(shard.handle(Event::Tick { now_ms: 60_000 }).is_empty());
}
