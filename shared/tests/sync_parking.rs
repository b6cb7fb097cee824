//! Writes that wait (the hub's parking): a write the policy refuses as
//! "not yet" is rolled back and held — nothing persisted, acknowledged,
//! quarantined or refused — with the session's later messages behind it;
//! it stands, in order, once the policy accepts it on a later access change
//! or tick, and is refused for good when its wait ends or the connection
//! holds too much back.

#![allow(clippy::unwrap_used)]

use alongside_shared::sync::{
    Access, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Policy, ProtocolError,
    Refusal, Role, Write,
};
use alongside_shared::wire::{self, DocMessage, DocumentId, JoinMessage, Message, PeerId};
use automerge::sync::{State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};

/// Refuses every write "not yet" until `ready`.
#[derive(Default)]
struct Waiting {
    ready: bool,
    asked: usize,
}

impl Policy for Waiting {
    type Peer = ();

    fn access(&self, _peer: &(), _document: &DocumentId) -> Access {
        Access::ReadWrite
    }

    fn check_write(
        &mut self,
        _peer: &(),
        _document: &DocumentId,
        _write: Write<'_>,
    ) -> Result<(), Refusal> {
        self.asked += 1;
        if self.ready {
            Ok(())
        } else {
            Err(Refusal::not_yet("the record it names is not here yet"))
        }
    }
}

const PARK_MS: u64 = 5_000;
const CONN: ConnId = ConnId(1);

fn log_id() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

fn server(max_parked_bytes: usize) -> Hub<Waiting> {
    let config = HubConfig {
        peer_id: PeerId::new("server"),
        metadata: Default::default(),
        role: Role::Accept,
        limits: Limits {
            park_ms: PARK_MS,
            max_parked_bytes_per_connection: max_parked_bytes,
            ..Limits::default()
        },
    };
    let mut hub = Hub::new(config, Waiting::default());
    hub.handle(Event::Tick { now_ms: 1_000 });
    hub.handle(Event::Connected {
        conn: CONN,
        peer: (),
    });
    hub.handle(Event::Frame {
        conn: CONN,
        bytes: wire::encode(&Message::Join(JoinMessage {
            sender_id: PeerId::new("device"),
            supported_protocol_versions: Some(vec!["1".into()]),
            metadata: None,
        })),
    });
    hub
}

fn frame(data: Vec<u8>) -> Event<()> {
    Event::Frame {
        conn: CONN,
        bytes: wire::encode(&Message::Sync(DocMessage {
            sender_id: PeerId::new("device"),
            target_id: PeerId::new("server"),
            document_id: log_id(),
            data,
        })),
    }
}

/// A device holding a log with one edit, and its sync state.
struct Device {
    doc: AutoCommit,
    state: State,
}

impl Device {
    fn new() -> Self {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "@type", "alongside/accompaniment").unwrap();
        doc.commit();
        Self {
            doc,
            state: State::new(),
        }
    }

    fn edit(&mut self, key: &str) {
        self.doc.put(ROOT, key, "x").unwrap();
        self.doc.commit();
    }

    fn message(&mut self) -> Option<Vec<u8>> {
        self.doc
            .sync()
            .generate_sync_message(&mut self.state)
            .map(|m| m.encode())
    }

    /// Takes in what the server sent it.
    fn take(&mut self, effects: &[Effect]) {
        for effect in effects {
            if let Effect::Send { conn, frame } = effect
                && *conn == CONN
                && let Message::Sync(m) = wire::decode(frame, usize::MAX).unwrap()
            {
                let message = automerge::sync::Message::decode(&m.data).unwrap();
                self.doc
                    .sync()
                    .receive_sync_message(&mut self.state, message)
                    .unwrap();
            }
        }
    }
}

/// Brings `device` to the point where its next message carries its
/// changes: its first message in, the (empty) log loaded, the server's
/// answer back.
fn offer(hub: &mut Hub<Waiting>, device: &mut Device) -> Vec<u8> {
    let effects = hub.handle(frame(device.message().unwrap()));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Load { document } if *document == log_id()))
    );
    let effects = hub.handle(Event::Loaded {
        document: log_id(),
        result: LoadResult::NotFound,
    });
    device.take(&effects);
    let changes = device.message().expect("the device sends its changes");
    let decoded = automerge::sync::Message::decode(&changes).unwrap();
    assert!(!decoded.changes.is_empty());
    changes
}

fn persists(effects: &[Effect]) -> Vec<(u64, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Persist {
                seq, changes, from, ..
            } => {
                assert_eq!(*from, Some(CONN));
                Some((*seq, changes.len()))
            }
            _ => None,
        })
        .collect()
}

/// Nothing went out about the write: no persist, no answer, no refusal.
fn held(effects: &[Effect]) -> bool {
    !effects.iter().any(|e| {
        matches!(
            e,
            Effect::Persist { .. }
                | Effect::Send { .. }
                | Effect::Quarantine { .. }
                | Effect::Rejected { .. }
                | Effect::Close { .. }
        )
    })
}

fn refused(effects: &[Effect]) -> bool {
    let quarantined = effects
        .iter()
        .any(|e| matches!(e, Effect::Quarantine { reason, data, .. } if reason.contains("not here yet") && !data.is_empty()));
    let rejected = effects.iter().any(|e| {
        matches!(e, Effect::Rejected { error: ProtocolError::Refused(r), .. } if r.contains("not here yet"))
    });
    quarantined && rejected
}

#[test]
fn a_write_that_cannot_be_decided_yet_waits_and_stands_in_order_once_it_can() {
    let mut hub = server(1024 * 1024);
    let mut device = Device::new();
    let first = offer(&mut hub, &mut device);
    let effects = hub.handle(frame(first));
    assert!(held(&effects), "held back: {effects:?}");
    assert!(
        hub.document(&log_id())
            .is_some_and(|d| d.clone().get_heads().is_empty())
    );

    // A later change of the same log queues behind the held write; it is
    // not even offered to the policy meanwhile.
    device.edit("outcome");
    let asked = hub.policy().asked;
    let mut state = device.state.clone();
    let second = device
        .doc
        .sync()
        .generate_sync_message(&mut state)
        .map(|m| m.encode());
    // automerge holds back what it already sent; a device that resends
    // everything (a fresh state) shows the order better.
    let second = second.unwrap_or_else(|| {
        device
            .doc
            .sync()
            .generate_sync_message(&mut State::new())
            .unwrap()
            .encode()
    });
    let effects = hub.handle(frame(second));
    assert!(held(&effects), "behind the first: {effects:?}");
    assert_eq!(hub.policy().asked, asked);

    // A tick before the policy can decide: still waiting, asked again.
    let effects = hub.handle(Event::Tick { now_ms: 2_000 });
    assert!(held(&effects), "still waiting: {effects:?}");
    assert!(hub.policy().asked > asked);

    // The record arrives elsewhere: the policy now accepts, and the access
    // change replays both messages in the order they came.
    hub.policy_mut().ready = true;
    let effects = hub.handle(Event::AccessChanged {
        document: DocumentId::from_bytes([9; 16]),
    });
    let written = persists(&effects);
    assert!(!written.is_empty(), "the write stands: {effects:?}");
    assert_eq!(written[0], (1, 1), "the first message's change, first");
    let total: usize = written.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 2, "both changes, none twice: {written:?}");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Rejected { .. })));
    let heads = hub.document(&log_id()).unwrap().clone().get_heads();
    assert_eq!(heads, device.doc.get_heads());

    // Acknowledged once durable.
    let mut answered = Vec::new();
    for (seq, _) in written {
        answered.extend(hub.handle(Event::Persisted {
            document: log_id(),
            seq,
        }));
    }
    assert!(
        answered
            .iter()
            .any(|e| matches!(e, Effect::Send { conn, .. } if *conn == CONN))
    );
}

#[test]
fn a_write_still_refused_when_its_wait_ends_is_refused_for_good() {
    let mut hub = server(1024 * 1024);
    let mut device = Device::new();
    let changes = offer(&mut hub, &mut device);
    assert!(held(&hub.handle(frame(changes))));
    assert!(held(&hub.handle(Event::Tick {
        now_ms: 1_000 + PARK_MS - 1
    })));
    let effects = hub.handle(Event::Tick {
        now_ms: 1_000 + PARK_MS + 1_000,
    });
    assert!(refused(&effects), "quarantined and refused: {effects:?}");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Close { conn } if *conn == CONN))
    );
    assert!(persists(&effects).is_empty());
}

#[test]
fn a_connection_holding_too_much_back_is_answered_at_once() {
    let mut hub = server(8);
    let mut device = Device::new();
    let changes = offer(&mut hub, &mut device);
    let effects = hub.handle(frame(changes));
    assert!(refused(&effects), "no room to wait: {effects:?}");
    assert!(persists(&effects).is_empty());
}

#[test]
fn a_held_write_goes_with_its_connection() {
    let mut hub = server(1024 * 1024);
    let mut device = Device::new();
    let changes = offer(&mut hub, &mut device);
    assert!(held(&hub.handle(frame(changes))));
    hub.handle(Event::Disconnected { conn: CONN });
    hub.policy_mut().ready = true;
    let effects = hub.handle(Event::Tick {
        now_ms: 1_000 + PARK_MS + 1_000,
    });
    assert!(persists(&effects).is_empty() && !refused(&effects));
}
