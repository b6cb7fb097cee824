//! The hub: every connection and every resident document of one peer (a
//! server node or a device), driven by events, answering with effects.
//!
//! See the [module documentation](super) for the invariants. In short: a
//! message for a document is checked against the policy, its sync message is
//! decoded, its changes are applied strictly, the new changes go out as a
//! [`Effect::Persist`], and only once the driver confirms the persist does the
//! hub generate sync messages for that document again — to the sender and to
//! every other peer syncing it.
//!
//! This file holds the hub's state and its public front; each concern of
//! handling an event is a child module with one job:
//! - `config`: how a hub presents itself, and the limits it holds peers to;
//! - `handshake`: a connection's life (`join`/`peer`, routing, refusal, close);
//! - `sessions`: which documents each connection syncs, and access rechecks;
//! - `messages`: a document's sync messages in, and answers out once durable;
//! - `parking`: writes held back until what they depend on arrives;
//! - `relay`: heads gossip and ephemeral messages between peers;
//! - `durability`: persists and their confirmations, loads, the clock and
//!   eviction;
//! - `stored`: merging changes already durable elsewhere.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use automerge::sync;
use automerge::{AutoCommit, ChangeHash};

mod config;
mod durability;
mod handshake;
mod messages;
mod parking;
mod relay;
mod sessions;
mod stored;

use super::connection::Connection;
use super::event::{ChangeMeta, ConnId, Effect, Event};
use super::policy::Policy;
use crate::wire::{DocumentId, PeerId};

pub use config::{HubConfig, Limits, Role};

/// Errors of the hub's direct API (not of peer input, which becomes effects).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// The document is not in memory; open or load it first.
    #[error("document {0} is not resident")]
    NotResident(DocumentId),
    /// A document with that id is already known.
    #[error("document {0} already exists")]
    AlreadyExists(DocumentId),
}

struct Resident {
    doc: AutoCommit,
    applied_seq: u64,
    persisted_seq: u64,
    last_active_ms: u64,
    /// Changes received whose dependencies had not arrived, and the
    /// connection that sent them: automerge holds them back, and they join
    /// the document with a later message (or once storage brings what they
    /// depend on). Their bytes are persisted then, beside that message's
    /// own.
    waiting: HashMap<ChangeHash, Held>,
}

/// A change automerge holds back, as its peer sent it.
struct Held {
    conn: ConnId,
    bytes: Vec<u8>,
}

impl Resident {
    fn new(doc: AutoCommit, seq: u64, now_ms: u64) -> Self {
        Self {
            doc,
            applied_seq: seq,
            persisted_seq: 0,
            last_active_ms: now_ms,
            waiting: HashMap::new(),
        }
    }

    fn durable(&self) -> bool {
        self.applied_seq == self.persisted_seq
    }

    /// The bytes of the waiting changes that `changes` made part of the
    /// document, no longer waiting.
    fn take_joined(&mut self, changes: &[ChangeMeta]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for change in changes {
            if let Some(held) = self.waiting.remove(&change.hash) {
                bytes.extend_from_slice(&held.bytes);
            }
        }
        bytes
    }
}

/// A peer's write the policy let stand.
struct Accepted {
    /// The changes that became part of the document.
    changes: Vec<ChangeMeta>,
    /// The bytes of those that an earlier message had carried.
    joined: Vec<u8>,
}

enum Queued {
    Message {
        conn: ConnId,
        request: bool,
        message: sync::Message,
        /// This message started the load, so its answer waits for a read
        /// of storage made for it.
        loads: bool,
    },
    Stored(Vec<u8>),
}

enum DocEntry {
    Loading(Vec<Queued>),
    Resident(Box<Resident>),
}

/// The sans-IO sync state machine of one peer.
pub struct Hub<P: Policy> {
    config: HubConfig,
    policy: P,
    now_ms: u64,
    conns: BTreeMap<ConnId, Connection<P::Peer>>,
    docs: HashMap<DocumentId, DocEntry>,
    /// Connections with a session for each document.
    subscribers: HashMap<DocumentId, BTreeSet<ConnId>>,
    /// Initiating side: documents to sync with every ready connection.
    open: BTreeSet<DocumentId>,
    /// Recently relayed ephemeral messages (sender, session, count): peers
    /// bounce relayed messages back, and these must not circulate.
    seen_ephemeral: VecDeque<(PeerId, String, u64)>,
    seen_ephemeral_set: HashSet<(PeerId, String, u64)>,
    /// Whether this hub answers for its connections as a whole (the
    /// handshake, and errors that are not about one document). False for
    /// all but one of several hubs that share connections, each holding
    /// some of the documents (the shards of a server node).
    speaks_for_connections: bool,
    out: Vec<Effect>,
}

impl<P: Policy> Hub<P> {
    /// A hub with no connections and no documents.
    pub fn new(config: HubConfig, policy: P) -> Self {
        Self {
            config,
            policy,
            now_ms: 0,
            conns: BTreeMap::new(),
            docs: HashMap::new(),
            subscribers: HashMap::new(),
            open: BTreeSet::new(),
            seen_ephemeral: VecDeque::new(),
            seen_ephemeral_set: HashSet::new(),
            speaks_for_connections: true,
            out: Vec::new(),
        }
    }

    /// The same hub, as one of several that share each connection and
    /// split the documents between them: it takes part in the handshake
    /// without answering it (another hub sends `peer`), and when a
    /// connection fails or ends as a whole (a timed-out or repeated
    /// handshake, a `leave`) it forgets it and leaves the `error` and the
    /// close to that hub.
    /// Messages about its documents it answers as any hub does.
    pub fn sharing_connections(mut self) -> Self {
        self.speaks_for_connections = false;
        self
    }

    /// This hub's peer id.
    pub fn peer_id(&self) -> &PeerId {
        &self.config.peer_id
    }

    /// The policy, for reading.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The policy, for updating (follow with [`Event::AccessChanged`]).
    pub fn policy_mut(&mut self) -> &mut P {
        &mut self.policy
    }

    /// A resident document.
    pub fn document(&self, id: &DocumentId) -> Option<&AutoCommit> {
        match self.docs.get(id) {
            Some(DocEntry::Resident(r)) => Some(&r.doc),
            _ => None,
        }
    }

    /// Ids of the resident documents.
    pub fn resident_documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs
            .iter()
            .filter(|(_, e)| matches!(e, DocEntry::Resident(_)))
            .map(|(id, _)| id)
    }

    /// Whether every change of a resident document is confirmed persisted.
    pub fn is_durable(&self, id: &DocumentId) -> bool {
        matches!(self.docs.get(id), Some(DocEntry::Resident(r)) if r.durable())
    }

    /// Whether the hub holds the document or a peer is syncing it (so that
    /// changes committed elsewhere should be passed to it).
    pub fn is_tracked(&self, id: &DocumentId) -> bool {
        self.docs.contains_key(id) || self.subscribers.contains_key(id)
    }

    /// Whether `id` is being loaded: messages for it wait in the hub and
    /// are applied when [`Event::Loaded`] comes.
    pub fn is_loading(&self, id: &DocumentId) -> bool {
        matches!(self.docs.get(id), Some(DocEntry::Loading(_)))
    }

    /// Evicts the least recently active resident document whose changes are
    /// all persisted, for a driver keeping memory within a budget. Peers'
    /// sessions survive; the document is reloaded on next use.
    pub fn evict_least_recent(&mut self) -> Option<DocumentId> {
        let id = self
            .docs
            .iter()
            .filter_map(|(id, e)| match e {
                DocEntry::Resident(r) if r.durable() => Some((r.last_active_ms, *id)),
                _ => None,
            })
            .min()
            .map(|(_, id)| id)?;
        self.docs.remove(&id);
        Some(id)
    }

    /// The heads the peer on `conn` is known to hold for `document`: those
    /// it named in the last sync message of that session the hub took in.
    /// A driver compares them with its own heads to tell when a document is
    /// in sync, without decoding the frames again; from a hub that keeps
    /// the durability invariant (a server's), they are heads it has
    /// persisted. Unsorted, as the peer sent them.
    ///
    /// `None` before the peer's first sync message for the document, and
    /// once the session or the connection is gone (closed, refused,
    /// `doc-unavailable`).
    pub fn peer_heads(&self, conn: ConnId, document: &DocumentId) -> Option<&[ChangeHash]> {
        self.conns
            .get(&conn)?
            .sessions
            .get(document)?
            .state
            .their_heads
            .as_deref()
    }

    /// Connections currently open (in any phase).
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Adds a document created locally: persists all of it and, on the
    /// initiating side, opens it with every ready connection.
    pub fn create(&mut self, id: DocumentId, mut doc: AutoCommit) -> Result<Vec<Effect>, HubError> {
        if self.docs.contains_key(&id) {
            return Err(HubError::AlreadyExists(id));
        }
        let changes = ChangeMeta::since(&mut doc, &[]);
        let heads = doc.get_heads();
        let seq = u64::from(!changes.is_empty());
        if !changes.is_empty() {
            self.out.push(Effect::Persist {
                document: id,
                seq,
                data: doc.save(),
                changes,
                heads,
                from: None,
            });
        }
        self.docs.insert(
            id,
            DocEntry::Resident(Box::new(Resident::new(doc, seq, self.now_ms))),
        );
        self.open_document(id);
        Ok(self.take())
    }

    /// Edits a resident document locally. New changes are persisted and, once
    /// confirmed, synced to every peer syncing the document.
    pub fn change<R>(
        &mut self,
        id: &DocumentId,
        edit: impl FnOnce(&mut AutoCommit) -> R,
    ) -> Result<(R, Vec<Effect>), HubError> {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(id) else {
            return Err(HubError::NotResident(*id));
        };
        let before = resident.doc.get_heads();
        let result = edit(&mut resident.doc);
        resident.doc.commit();
        self.after_local_edit(*id, &before);
        Ok((result, self.take()))
    }

    /// Handles one event.
    pub fn handle(&mut self, event: Event<P::Peer>) -> Vec<Effect> {
        match event {
            Event::Tick { now_ms } => self.tick(now_ms),
            Event::Connected { conn, peer } => self.connected(conn, peer),
            Event::Frame { conn, bytes } => self.frame(conn, &bytes),
            Event::Received { conn, message } => self.received(conn, message),
            Event::Disconnected { conn } => self.forget_connection(conn),
            Event::Loaded { document, result } => self.loaded(document, result),
            Event::Persisted { document, seq } => self.persisted(document, seq),
            Event::PersistFailed { document, seq: _ } => self.persist_failed(document),
            Event::StoredChanges { document, bytes } => self.stored_changes(document, bytes),
            Event::Open { document } => self.open_document(document),
            Event::AccessChanged { document } => self.access_changed(document),
            Event::WriteRefused {
                document,
                conn,
                reason,
            } => self.write_refused(document, conn, reason),
        }
        self.take()
    }

    fn take(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }
}

/// Returns `doc` to the state it had at `before` (all of its history then:
/// heads cover every change they descend from), keeping its actor. False
/// if `before` is not in the document.
fn roll_back(doc: &mut AutoCommit, before: &[ChangeHash]) -> bool {
    let actor = doc.get_actor().clone();
    let restored = if before.is_empty() {
        Ok(AutoCommit::new())
    } else {
        doc.fork_at(before)
    };
    match restored {
        Ok(restored) => {
            *doc = restored.with_actor(actor);
            true
        }
        Err(_) => false,
    }
}
