//! Changes held back for a missing dependency: persisted when it joins,
//! checked as their own peer's write when another node's commit brings it,
//! and not dropped by another node's commit while they wait.

use alongside_shared::sync::{ConnId, Effect, Event, Hub};
use alongside_shared::wire::{self, DocumentId, Message};
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};

use crate::common::*;

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
