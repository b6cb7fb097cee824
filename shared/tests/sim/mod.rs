//! A deterministic in-memory network for the sync core: one server hub and
//! several device hubs, each with an in-memory durable store, joined by
//! ordered links whose frames, persists and loads are delivered one step at a
//! time in an order chosen by a seeded random generator.
//!
//! The network checks the durability invariant on every frame it carries: a
//! sync message's heads must all be in the sender's *durable* store at the
//! moment it is sent.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap, VecDeque};

use alongside_shared::sync::{
    AllowAll, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Role,
};
use alongside_shared::wire::{self, DocumentId, Message, PeerId, PeerMetadata, StorageId};
use automerge::{AutoCommit, ChangeHash};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A node's durable store, per document: the persisted chunks and the
/// hashes of the changes they made part of the document.
#[derive(Default, Clone)]
pub struct Store {
    pub docs: HashMap<DocumentId, (Vec<Vec<u8>>, BTreeSet<ChangeHash>)>,
}

impl Store {
    pub fn load(&self, id: &DocumentId) -> LoadResult {
        match self.docs.get(id) {
            Some((chunks, _)) if !chunks.is_empty() => {
                let mut doc = AutoCommit::new();
                for chunk in chunks {
                    doc.load_incremental(chunk).unwrap();
                }
                LoadResult::Found(Box::new(doc))
            }
            _ => LoadResult::NotFound,
        }
    }

    pub fn has(&self, id: &DocumentId, hash: &ChangeHash) -> bool {
        self.docs
            .get(id)
            .is_some_and(|(_, hashes)| hashes.contains(hash))
    }

    pub fn hashes(&self, id: &DocumentId) -> BTreeSet<ChangeHash> {
        self.docs
            .get(id)
            .map(|(_, hashes)| hashes.clone())
            .unwrap_or_default()
    }
}

struct PendingPersist {
    doc: DocumentId,
    seq: u64,
    data: Vec<u8>,
    hashes: Vec<ChangeHash>,
}

/// A hub with its store and the storage work it asked for.
pub struct Node {
    pub hub: Hub<AllowAll>,
    pub store: Store,
    persists: VecDeque<PendingPersist>,
    loads: VecDeque<DocumentId>,
    pub unavailable: Vec<DocumentId>,
    pub rejected: Vec<String>,
}

impl Node {
    fn new(peer: &str, role: Role, store: Store, limits: Limits) -> Self {
        let config = HubConfig {
            peer_id: PeerId::new(peer),
            metadata: PeerMetadata {
                storage_id: Some(StorageId::new(format!("{peer}-storage"))),
                is_ephemeral: false,
            },
            role,
            limits,
        };
        Self {
            hub: Hub::new(config, AllowAll),
            store,
            persists: VecDeque::new(),
            loads: VecDeque::new(),
            unavailable: Vec::new(),
            rejected: Vec::new(),
        }
    }

    pub fn doc(&self, id: &DocumentId) -> Option<&AutoCommit> {
        self.hub.document(id)
    }
}

struct Link {
    device_conn: ConnId,
    server_conn: ConnId,
    to_server: VecDeque<Vec<u8>>,
    to_device: VecDeque<Vec<u8>>,
}

/// Where an effect came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Who {
    Server,
    Device(usize),
}

/// The network.
pub struct Net {
    pub server: Node,
    pub devices: Vec<Node>,
    links: Vec<Option<Link>>,
    next_conn: u64,
    pub now_ms: u64,
    pub rng: StdRng,
    /// Frames carried, for cost assertions.
    pub frames: usize,
    pub server_limits: Limits,
}

impl Net {
    pub fn new(devices: usize, seed: u64) -> Self {
        Self::with_limits(devices, seed, Limits::default())
    }

    pub fn with_limits(devices: usize, seed: u64, server_limits: Limits) -> Self {
        Self {
            server: Node::new(
                "server",
                Role::Accept,
                Store::default(),
                server_limits.clone(),
            ),
            devices: (0..devices)
                .map(|i| {
                    Node::new(
                        &format!("device-{i}"),
                        Role::Initiate,
                        Store::default(),
                        Limits::default(),
                    )
                })
                .collect(),
            links: (0..devices).map(|_| None).collect(),
            next_conn: 1,
            now_ms: 1_000,
            rng: StdRng::seed_from_u64(seed),
            frames: 0,
            server_limits,
        }
    }

    fn node(&mut self, who: Who) -> &mut Node {
        match who {
            Who::Server => &mut self.server,
            Who::Device(i) => &mut self.devices[i],
        }
    }

    pub fn is_connected(&self, device: usize) -> bool {
        self.links[device].is_some()
    }

    pub fn connect(&mut self, device: usize) {
        if self.links[device].is_some() {
            return;
        }
        let server_conn = ConnId(self.next_conn);
        let device_conn = ConnId(self.next_conn + 1);
        self.next_conn += 2;
        self.links[device] = Some(Link {
            device_conn,
            server_conn,
            to_server: VecDeque::new(),
            to_device: VecDeque::new(),
        });
        self.event(
            Who::Server,
            Event::Connected {
                conn: server_conn,
                peer: (),
            },
        );
        self.event(
            Who::Device(device),
            Event::Connected {
                conn: device_conn,
                peer: (),
            },
        );
    }

    pub fn disconnect(&mut self, device: usize) {
        if let Some(link) = self.links[device].take() {
            self.event(
                Who::Server,
                Event::Disconnected {
                    conn: link.server_conn,
                },
            );
            self.event(
                Who::Device(device),
                Event::Disconnected {
                    conn: link.device_conn,
                },
            );
        }
    }

    /// The server process dies: memory and unconfirmed work are lost, the
    /// durable store survives.
    pub fn crash_server(&mut self) {
        for d in 0..self.devices.len() {
            if let Some(link) = self.links[d].take() {
                self.event(
                    Who::Device(d),
                    Event::Disconnected {
                        conn: link.device_conn,
                    },
                );
            }
        }
        let store = std::mem::take(&mut self.server.store);
        self.server = Node::new("server", Role::Accept, store, self.server_limits.clone());
        let now_ms = self.now_ms;
        self.event(Who::Server, Event::Tick { now_ms });
    }

    pub fn event(&mut self, who: Who, event: Event<()>) {
        let effects = self.node(who).hub.handle(event);
        self.apply(who, effects);
    }

    pub fn apply(&mut self, who: Who, effects: Vec<Effect>) {
        for effect in effects {
            self.effect(who, effect);
        }
    }

    fn link_of(&self, who: Who, conn: ConnId) -> Option<usize> {
        self.links.iter().position(|l| {
            l.as_ref().is_some_and(|l| match who {
                Who::Server => l.server_conn == conn,
                Who::Device(_) => l.device_conn == conn,
            })
        })
    }

    fn effect(&mut self, who: Who, effect: Effect) {
        match effect {
            Effect::Send { conn, frame } => {
                self.check_durable(who, &frame);
                let Some(i) = self.link_of(who, conn) else {
                    return;
                };
                let link = self.links[i].as_mut().unwrap();
                match who {
                    Who::Server => link.to_device.push_back(frame),
                    Who::Device(_) => link.to_server.push_back(frame),
                }
            }
            Effect::Close { conn } => {
                if let Some(i) = self.link_of(who, conn) {
                    // Deliver nothing further; the other end sees the socket close.
                    self.disconnect(i);
                }
            }
            Effect::Load { document } => {
                if std::env::var("SIM_DEBUG").is_ok() && who != Who::Server {
                    eprintln!("{who:?} loads {document}");
                }
                self.node(who).loads.push_back(document)
            }
            Effect::Persist {
                document,
                seq,
                data,
                changes,
                ..
            } => {
                let hashes = changes.iter().map(|c| c.hash).collect();
                self.node(who).persists.push_back(PendingPersist {
                    doc: document,
                    seq,
                    data,
                    hashes,
                });
            }
            Effect::Unavailable { document, .. } => self.node(who).unavailable.push(document),
            Effect::Rejected { error, .. } => self.node(who).rejected.push(error.to_string()),
            Effect::Evicted { document } => {
                if std::env::var("SIM_DEBUG").is_ok() && who != Who::Server {
                    eprintln!("{who:?} evicts {document}");
                }
            }
            Effect::PeerReady { .. }
            | Effect::Ephemeral { .. }
            | Effect::Quarantine { .. }
            | Effect::Denied { .. }
            | Effect::UnavailableFromMemory { .. }
            | Effect::Disclosed { .. } => {}
        }
    }

    /// The durability invariant, checked on every frame a hub sends.
    fn check_durable(&self, who: Who, frame: &[u8]) {
        let node = match who {
            Who::Server => &self.server,
            Who::Device(i) => &self.devices[i],
        };
        if let Ok(Message::Sync(m) | Message::Request(m)) = wire::decode(frame, usize::MAX) {
            let sync = automerge::sync::Message::decode(&m.data).unwrap();
            for head in &sync.heads {
                assert!(
                    node.store.has(&m.document_id, head),
                    "{who:?} advertised head {head} of {} that is not durable",
                    m.document_id
                );
            }
        }
    }

    /// Completes the oldest pending persist of a node (per-document order is
    /// kept because the queue is FIFO).
    pub fn complete_persist(&mut self, who: Who) -> bool {
        let Some(p) = self.node(who).persists.pop_front() else {
            return false;
        };
        let node = self.node(who);
        let entry = node.store.docs.entry(p.doc).or_default();
        entry.0.push(p.data);
        entry.1.extend(p.hashes);
        // The store invariant: what was written rebuilds every change the
        // persists said they made durable.
        let mut rebuilt = AutoCommit::new();
        for chunk in &entry.0 {
            rebuilt.load_incremental(chunk).unwrap();
        }
        for hash in &entry.1 {
            assert!(
                rebuilt.get_change_meta_by_hash(hash).is_some(),
                "{who:?} recorded change {hash} of {} as durable but its bytes were not persisted",
                p.doc
            );
        }
        self.event(
            who,
            Event::Persisted {
                document: p.doc,
                seq: p.seq,
            },
        );
        true
    }

    pub fn fail_persist(&mut self, who: Who) -> bool {
        let Some(p) = self.node(who).persists.pop_front() else {
            return false;
        };
        // Later persists of the same document are void too: the hub forgets
        // the document and will reload it from the store.
        self.node(who).persists.retain(|q| q.doc != p.doc);
        self.event(
            who,
            Event::PersistFailed {
                document: p.doc,
                seq: p.seq,
            },
        );
        true
    }

    pub fn complete_load(&mut self, who: Who) -> bool {
        let Some(doc) = self.node(who).loads.pop_front() else {
            return false;
        };
        let result = self.node(who).store.load(&doc);
        self.event(
            who,
            Event::Loaded {
                document: doc,
                result,
            },
        );
        true
    }

    /// Delivers the next frame on link `i` in one direction.
    pub fn deliver(&mut self, i: usize, to_server: bool) -> bool {
        let Some(link) = self.links[i].as_mut() else {
            return false;
        };
        let (frame, who, conn) = if to_server {
            (link.to_server.pop_front(), Who::Server, link.server_conn)
        } else {
            (link.to_device.pop_front(), Who::Device(i), link.device_conn)
        };
        let Some(bytes) = frame else { return false };
        self.frames += 1;
        self.event(who, Event::Frame { conn, bytes });
        true
    }

    /// Every pending unit of work, as (kind, index) choices.
    fn pending(&self) -> Vec<(u8, usize)> {
        let mut work = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            if let Some(link) = link {
                if !link.to_server.is_empty() {
                    work.push((0, i));
                }
                if !link.to_device.is_empty() {
                    work.push((1, i));
                }
            }
        }
        let nodes =
            std::iter::once((usize::MAX, &self.server)).chain(self.devices.iter().enumerate());
        for (i, node) in nodes {
            if !node.persists.is_empty() {
                work.push((2, i));
            }
            if !node.loads.is_empty() {
                work.push((3, i));
            }
        }
        work
    }

    fn who(i: usize) -> Who {
        if i == usize::MAX {
            Who::Server
        } else {
            Who::Device(i)
        }
    }

    /// Performs one randomly chosen pending unit of work. False when idle.
    pub fn step(&mut self) -> bool {
        let work = self.pending();
        if work.is_empty() {
            return false;
        }
        let (kind, i) = work[self.rng.random_range(0..work.len())];
        match kind {
            0 => self.deliver(i, true),
            1 => self.deliver(i, false),
            2 => self.complete_persist(Self::who(i)),
            _ => self.complete_load(Self::who(i)),
        }
    }

    /// Runs until nothing is pending.
    pub fn run(&mut self) {
        let mut guard = 0;
        while self.step() {
            guard += 1;
            assert!(guard < 1_000_000, "network did not quiesce");
        }
    }

    pub fn tick(&mut self, advance_ms: u64) {
        self.now_ms += advance_ms;
        let now_ms = self.now_ms;
        self.event(Who::Server, Event::Tick { now_ms });
        for d in 0..self.devices.len() {
            self.event(Who::Device(d), Event::Tick { now_ms });
        }
    }

    /// Creates a document on a device (it persists and syncs it).
    pub fn create(&mut self, device: usize, id: DocumentId, doc: AutoCommit) {
        let effects = self.devices[device].hub.create(id, doc).unwrap();
        self.apply(Who::Device(device), effects);
    }

    /// Opens a document on a device.
    pub fn open(&mut self, device: usize, id: DocumentId) {
        self.event(Who::Device(device), Event::Open { document: id });
    }

    /// Edits a resident document on a device; false if it is not resident.
    pub fn edit(&mut self, device: usize, id: DocumentId, f: impl FnOnce(&mut AutoCommit)) -> bool {
        match self.devices[device].hub.change(&id, f) {
            Ok(((), effects)) => {
                self.apply(Who::Device(device), effects);
                true
            }
            Err(_) => false,
        }
    }
}
