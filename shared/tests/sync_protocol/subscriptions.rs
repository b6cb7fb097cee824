//! Remote heads subscriptions: a subscriber hears of a storage id's new
//! heads.

use alongside_shared::sync::{ConnId, Event, LoadResult};
use alongside_shared::wire::{self, DocumentId, JoinMessage, Message, PeerId, PeerMetadata};

use crate::common::*;

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
