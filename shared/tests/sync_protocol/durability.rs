//! The durability gate: no heads are advertised before they are
//! persisted, a peer hears they are stored, and a failed persist forgets
//! the document.

use alongside_shared::sync::{Effect, Event, ProtocolError};
use alongside_shared::wire::{DocumentId, Message};

use crate::common::*;

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
