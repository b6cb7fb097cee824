//! What a peer may see: a document it may not read looks exactly like one
//! that does not exist, and a miss is said to be answered from memory.

use alongside_shared::sync::{ConnId, Effect, Event, Hub, LoadResult};
use alongside_shared::wire::{DocumentId, Message, PeerId};
use automerge::AutoCommit;
use automerge::sync::SyncDoc;

use crate::common::*;

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
