//! [`Hub::peer_heads`]: what a driver learns of the heads its peer holds,
//! from a device hub and a server hub joined frame by frame by hand.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use alongside_shared::sync::{
    AllowAll, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Role,
};
use alongside_shared::wire::{DocumentId, PeerId, PeerMetadata};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ROOT};

const CONN: ConnId = ConnId(1);
const ID: DocumentId = DocumentId::from_bytes([7; 16]);

fn hub(name: &str, role: Role) -> Hub<AllowAll> {
    let config = HubConfig {
        peer_id: PeerId::new(name),
        metadata: PeerMetadata::default(),
        role,
        limits: Limits::default(),
    };
    Hub::new(config, AllowAll)
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort();
    heads
}

/// A device and a server on one connection. Loads find nothing; persists
/// are confirmed at once, except the server's while `hold_server_persists`.
struct Pair {
    device: Hub<AllowAll>,
    server: Hub<AllowAll>,
    to_server: VecDeque<Vec<u8>>,
    to_device: VecDeque<Vec<u8>>,
    hold_server_persists: bool,
    held: Vec<(DocumentId, u64)>,
}

impl Pair {
    fn connected() -> Self {
        let mut pair = Self {
            device: hub("device", Role::Initiate),
            server: hub("server", Role::Accept),
            to_server: VecDeque::new(),
            to_device: VecDeque::new(),
            hold_server_persists: false,
            held: Vec::new(),
        };
        let effects = pair.server.handle(Event::Connected {
            conn: CONN,
            peer: (),
        });
        pair.carry_out(false, effects);
        let effects = pair.device.handle(Event::Connected {
            conn: CONN,
            peer: (),
        });
        pair.carry_out(true, effects);
        pair.run();
        pair
    }

    fn carry_out(&mut self, device: bool, effects: Vec<Effect>) {
        let mut work: VecDeque<Effect> = effects.into();
        while let Some(effect) = work.pop_front() {
            let hub = if device {
                &mut self.device
            } else {
                &mut self.server
            };
            let follow = match effect {
                Effect::Send { frame, .. } if device => {
                    self.to_server.push_back(frame);
                    continue;
                }
                Effect::Send { frame, .. } => {
                    self.to_device.push_back(frame);
                    continue;
                }
                Effect::Load { document } => hub.handle(Event::Loaded {
                    document,
                    result: LoadResult::NotFound,
                }),
                Effect::Persist { document, seq, .. } if !device && self.hold_server_persists => {
                    self.held.push((document, seq));
                    continue;
                }
                Effect::Persist { document, seq, .. } => {
                    hub.handle(Event::Persisted { document, seq })
                }
                _ => continue,
            };
            work.extend(follow);
        }
    }

    /// Delivers frames both ways until none is left.
    fn run(&mut self) {
        loop {
            if let Some(bytes) = self.to_server.pop_front() {
                let effects = self.server.handle(Event::Frame { conn: CONN, bytes });
                self.carry_out(false, effects);
            } else if let Some(bytes) = self.to_device.pop_front() {
                let effects = self.device.handle(Event::Frame { conn: CONN, bytes });
                self.carry_out(true, effects);
            } else {
                return;
            }
        }
    }

    fn confirm_server_persists(&mut self) {
        self.hold_server_persists = false;
        for (document, seq) in std::mem::take(&mut self.held) {
            let effects = self.server.handle(Event::Persisted { document, seq });
            self.carry_out(false, effects);
        }
        self.run();
    }

    /// The device creates a note and the pair exchanges what follows.
    fn create_note(&mut self, text: &str) -> DocumentId {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "text", text).unwrap();
        doc.commit();
        let effects = self.device.create(ID, doc).unwrap();
        self.carry_out(true, effects);
        self.run();
        ID
    }

    fn device_heads(&self, id: &DocumentId) -> Vec<ChangeHash> {
        sorted(&self.device.document(id).unwrap().clone().get_heads())
    }
}

#[test]
fn none_before_any_sync_message_and_for_unknown_sessions() {
    let pair = Pair::connected();
    assert_eq!(pair.device.peer_heads(CONN, &ID), None);
    assert_eq!(pair.server.peer_heads(CONN, &ID), None);
    assert_eq!(pair.device.peer_heads(ConnId(99), &ID), None);
}

#[test]
fn each_side_learns_the_heads_the_other_holds() {
    let mut pair = Pair::connected();
    let id = pair.create_note("first");
    let heads = pair.device_heads(&id);
    assert!(!heads.is_empty());
    assert_eq!(sorted(pair.device.peer_heads(CONN, &id).unwrap()), heads);
    assert_eq!(sorted(pair.server.peer_heads(CONN, &id).unwrap()), heads);

    // A later edit moves both sides' view along.
    let ((), effects) = pair
        .device
        .change(&id, |doc| {
            doc.put(ROOT, "text", "second").unwrap();
        })
        .unwrap();
    pair.carry_out(true, effects);
    pair.run();
    let newer = pair.device_heads(&id);
    assert_ne!(newer, heads);
    assert_eq!(sorted(pair.device.peer_heads(CONN, &id).unwrap()), newer);
    assert_eq!(sorted(pair.server.peer_heads(CONN, &id).unwrap()), newer);
}

#[test]
fn the_device_learns_new_heads_only_once_the_server_persisted_them() {
    let mut pair = Pair::connected();
    pair.hold_server_persists = true;
    let id = pair.create_note("unconfirmed");
    let heads = pair.device_heads(&id);
    assert!(!pair.held.is_empty(), "the server was asked to persist");
    assert_ne!(
        pair.device.peer_heads(CONN, &id).map(sorted),
        Some(heads.clone()),
        "the server announced heads it had not persisted"
    );

    pair.confirm_server_persists();
    assert_eq!(sorted(pair.device.peer_heads(CONN, &id).unwrap()), heads);
}

#[test]
fn none_once_the_connection_is_gone() {
    let mut pair = Pair::connected();
    let id = pair.create_note("gone");
    assert!(pair.device.peer_heads(CONN, &id).is_some());
    let _ = pair.device.handle(Event::Disconnected { conn: CONN });
    assert_eq!(pair.device.peer_heads(CONN, &id), None);
}
