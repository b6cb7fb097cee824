//! Refused writes: a read-only peer's, the policy's refusals (rolled back,
//! quarantined, never advertised) and storage's.

use alongside_shared::sync::{ConnId, Effect, Event, Hub, ProtocolError};
use alongside_shared::wire::{DocumentId, Message};
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};

use crate::common::*;

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
    let Message::Error {
        message,
        document_id,
        ..
    } = only(sent(&effects, writer))
    else {
        panic!("the writer is told why")
    };
    assert_eq!(message, "write refused: forbidden key");
    assert_eq!(document_id, Some(id), "and which document it was");
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
