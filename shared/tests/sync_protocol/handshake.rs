//! The handshake: version selection, messages before `join`, the
//! handshake's timeout, and a hub that shares its connections with another.

use alongside_shared::sync::{ConnId, Effect, Event, ProtocolError};
use alongside_shared::wire::{DocumentId, Message};

use crate::common::*;

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
