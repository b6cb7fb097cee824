//! What every case shares: the test policy, a server hub, frames a
//! hand-written peer sends, what to look for in the effects, and the first
//! rounds of writing a new document.

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

/// Peers named in `denied` may not see documents in `hidden`; `readers` may
/// only read; a write that leaves a root key `forbidden` is refused.
#[derive(Default)]
pub(crate) struct TestPolicy {
    pub(crate) hidden: BTreeSet<DocumentId>,
    pub(crate) readers: BTreeSet<&'static str>,
    pub(crate) writes_checked: usize,
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

pub(crate) fn server(policy: TestPolicy) -> Hub<TestPolicy> {
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

pub(crate) fn join(peer: &str, versions: Option<Vec<&str>>) -> Vec<u8> {
    wire::encode(&Message::Join(JoinMessage {
        sender_id: PeerId::new(peer),
        supported_protocol_versions: versions.map(|v| v.into_iter().map(String::from).collect()),
        metadata: None,
    }))
}

pub(crate) fn sync_frame(peer: &str, id: DocumentId, data: Vec<u8>, request: bool) -> Vec<u8> {
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

pub(crate) fn sent(effects: &[Effect], conn: ConnId) -> Vec<Message> {
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

pub(crate) fn only(mut messages: Vec<Message>) -> Message {
    assert_eq!(
        messages.len(),
        1,
        "expected exactly one message: {messages:?}"
    );
    messages.remove(0)
}

pub(crate) fn closed(effects: &[Effect], conn: ConnId) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Close { conn: c } if *c == conn))
}

pub(crate) fn rejected(effects: &[Effect]) -> Vec<ProtocolError> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Rejected { error, .. } => Some(error.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn persisted_anything(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Persist { .. }))
}

/// Connects `peer` as `conn` and completes the handshake.
pub(crate) fn ready(hub: &mut Hub<TestPolicy>, conn: u64, peer: &'static str) -> ConnId {
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

pub(crate) fn participant() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/participant").unwrap();
    doc
}

/// The sync message a fresh peer holding `doc` sends first, and the one it
/// sends in reply to `reply` (which carries its changes).
pub(crate) fn first_message(doc: &mut AutoCommit, state: &mut automerge::sync::State) -> Vec<u8> {
    doc.sync().generate_sync_message(state).unwrap().encode()
}

/// Round 1 of creating a document on the server: the peer announces its
/// heads, the server (which has nothing) answers what it needs. Returns the
/// peer's next sync message, which carries the changes.
pub(crate) fn changes_for_new_document(
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
pub(crate) fn write_new_document(hub: &mut Hub<TestPolicy>, conn: ConnId, id: DocumentId) {
    let mut doc = participant();
    let mut state = automerge::sync::State::new();
    let changes = changes_for_new_document(hub, conn, id, &mut doc, &mut state);
    let effects = hub.handle(Event::Frame {
        conn,
        bytes: sync_frame("a", id, changes, false),
    });
    assert!(persisted_anything(&effects), "the write goes to storage");
}

/// Every `Persist` in `effects`: its data and seq.
pub(crate) fn persists(effects: &[Effect]) -> Vec<(Vec<u8>, u64)> {
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
pub(crate) fn message_carrying(
    heads: Vec<automerge::ChangeHash>,
    changes: Vec<Vec<u8>>,
) -> Vec<u8> {
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
