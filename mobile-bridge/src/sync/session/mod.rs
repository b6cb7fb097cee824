//! One sync, possibly over several connections: the state that outlives a
//! connection (what is in sync, sent, received, purged) and the driver of
//! one connection's [`Hub`].
//!
//! The driver is thin, as the sync core expects. Frames in become
//! [`Event::Frame`]; effects are carried out in order: `Send` is written to
//! the socket, `Load` is answered from the store, `Persist` is appended to
//! the store and only then confirmed with [`Event::Persisted`] (so the hub
//! never advertises what the device could lose). A frame is decoded once,
//! here, to see the server's `error` message, and handed to the hub decoded
//! ([`Event::Received`]). After each step the driver asks the hub for the
//! heads the server last announced for each document ([`Hub::peer_heads`]):
//! the server only announces heads it has committed, so when they equal the
//! device's heads the document is in sync, and they are recorded with
//! [`DeviceStore::set_server_heads`].

mod effects;
mod settle;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use alongside_shared::sync::{AllowAll, ConnId, Event, Hub, HubConfig, Limits, Role};
use alongside_shared::time::now_ms;
use alongside_shared::wire::{self, DocumentId, Message, PeerId, PeerMetadata, StorageId};
use automerge::ChangeHash;
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, MissedTickBehavior, sleep_until};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::error::SyncError;
use super::report::SyncReport;
use super::transport::Socket;
use crate::storage::{DeviceStore, StorageError};

/// The only connection of a session's hub.
const CONN: ConnId = ConnId(1);

/// How one connection ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// Every document is in sync (or accounted for).
    Done,
    /// The server sent `error` and closed: a refused write.
    Refused(String),
}

/// Locks the shared store.
pub(crate) fn lock<S>(store: &Mutex<S>) -> Result<MutexGuard<'_, S>, StorageError> {
    store
        .lock()
        .map_err(|_| StorageError::Io("the store lock is poisoned".into()))
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

/// The state of one `sync_now`.
pub(crate) struct Run<S> {
    store: Arc<Mutex<S>>,
    index: Option<DocumentId>,
    peer_id: String,
    /// Documents to sync.
    pub wanted: BTreeSet<DocumentId>,
    /// Documents the server holds in full.
    pub in_sync: BTreeSet<DocumentId>,
    /// Documents the server would not share (`doc-unavailable`).
    pub unavailable: BTreeSet<DocumentId>,
    /// Documents given up on in this sync (refused write, storage failure).
    pub failed: BTreeSet<DocumentId>,
    /// Documents held back for a later connection (while the client works
    /// out which of several documents the server refused).
    pub deferred: BTreeSet<DocumentId>,
    /// Documents deleted on the index's instruction.
    pub purged: BTreeSet<DocumentId>,
    /// Held documents the index says to delete: the client records each
    /// purge with the server (handing over unsynced changes), then deletes.
    pub to_purge: BTreeSet<DocumentId>,
    /// Documents the device sent changes for.
    pub sent: BTreeSet<DocumentId>,
    /// Documents the device received and stored changes for.
    pub received: BTreeSet<DocumentId>,
    /// The device's heads per document, as last loaded or stored.
    local_heads: HashMap<DocumentId, Vec<ChangeHash>>,
    /// The device's heads of each document before it first received
    /// changes in this sync (empty: it was not held), for review news.
    pub heads_before: HashMap<DocumentId, Vec<ChangeHash>>,
    /// Index heads last acted upon.
    index_done: Option<Vec<ChangeHash>>,
    /// What goes into the report.
    pub report: SyncReport,
    conn: Connection,
}

/// Per-connection state.
struct Connection {
    hub: Hub<AllowAll>,
    outbox: Vec<Vec<u8>>,
    closed: bool,
    server_error: Option<String>,
    /// Why the device's hub refused the server's input, if it did (it then
    /// closes the connection).
    refused_input: Option<String>,
    fatal: Option<SyncError>,
}

impl Connection {
    fn new(peer_id: &str) -> Self {
        let suffix: u32 = rand::random();
        let config = HubConfig {
            peer_id: PeerId::new(format!("{peer_id}-{suffix:08x}")),
            metadata: PeerMetadata {
                storage_id: Some(StorageId::new(format!("{peer_id}-store"))),
                is_ephemeral: false,
            },
            role: Role::Initiate,
            limits: Limits::default(),
        };
        Self {
            hub: Hub::new(config, AllowAll),
            outbox: Vec::new(),
            closed: false,
            server_error: None,
            refused_input: None,
            fatal: None,
        }
    }
}

impl<S: DeviceStore> Run<S> {
    /// A sync of `wanted` (plus the index, when known).
    pub fn new(
        store: Arc<Mutex<S>>,
        index: Option<DocumentId>,
        peer_id: String,
        mut wanted: BTreeSet<DocumentId>,
    ) -> Self {
        wanted.extend(index);
        let conn = Connection::new(&peer_id);
        Self {
            store,
            index,
            peer_id,
            wanted,
            in_sync: BTreeSet::new(),
            unavailable: BTreeSet::new(),
            failed: BTreeSet::new(),
            deferred: BTreeSet::new(),
            purged: BTreeSet::new(),
            to_purge: BTreeSet::new(),
            sent: BTreeSet::new(),
            received: BTreeSet::new(),
            local_heads: HashMap::new(),
            heads_before: HashMap::new(),
            index_done: None,
            report: SyncReport::default(),
            conn,
        }
    }

    /// Documents still to settle.
    pub fn remaining(&self) -> impl Iterator<Item = &DocumentId> {
        self.wanted.iter().filter(|id| {
            !self.in_sync.contains(id)
                && !self.unavailable.contains(id)
                && !self.failed.contains(id)
                && !self.deferred.contains(id)
                && !self.purged.contains(id)
        })
    }

    /// Whether the sync is complete.
    pub fn finished(&self) -> bool {
        let index_current = match self.index {
            Some(index) if self.in_sync.contains(&index) => {
                self.index_done.as_ref() == self.local_heads.get(&index)
            }
            _ => true,
        };
        index_current && self.remaining().next().is_none()
    }

    /// Documents sent with changes the server did not acknowledge: the
    /// suspects when the server refuses a write.
    pub fn unacknowledged_sent(&self) -> Vec<DocumentId> {
        self.sent
            .iter()
            .filter(|id| !self.in_sync.contains(id) && !self.failed.contains(id))
            .copied()
            .collect()
    }

    /// Syncs over `socket` until done, refused, failed or `deadline`.
    pub async fn connection(
        &mut self,
        socket: Socket,
        deadline: Instant,
    ) -> Result<Ended, SyncError> {
        self.conn = Connection::new(&self.peer_id);
        self.report.connections += 1;
        let (mut sink, mut stream) = socket.split();
        self.step(Event::Tick {
            now_ms: now_ms().unsigned_abs(),
        });
        let open: Vec<DocumentId> = self.remaining().copied().collect();
        for document in open {
            self.step(Event::Open { document });
        }
        self.step(Event::Connected {
            conn: CONN,
            peer: (),
        });
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);

        let outcome = loop {
            let frames = std::mem::take(&mut self.conn.outbox);
            if let Err(e) = self.write(&mut sink, frames).await {
                break Err(e);
            }
            if let Some(fatal) = self.conn.fatal.take() {
                break Err(fatal);
            }
            if self.finished() {
                break Ok(Ended::Done);
            }
            if self.conn.closed {
                break match (
                    self.conn.server_error.take(),
                    self.conn.refused_input.take(),
                ) {
                    (Some(message), _) => Ok(Ended::Refused(message)),
                    (None, Some(reason)) => Err(SyncError::Protocol(format!(
                        "the device refused the server's input: {reason}"
                    ))),
                    (None, None) => Err(SyncError::Protocol(
                        "the device closed the connection".into(),
                    )),
                };
            }
            tokio::select! {
                () = sleep_until(deadline) => {
                    break Err(SyncError::Timeout {
                        in_sync: self.wanted.len() - self.remaining().count(),
                        total: self.wanted.len(),
                    });
                }
                _ = ticks.tick() => self.step(Event::Tick { now_ms: now_ms().unsigned_abs() }),
                message = stream.next() => match message {
                    Some(Ok(WsMessage::Binary(bytes))) => self.frame(bytes.to_vec()),
                    Some(Ok(WsMessage::Close(_))) | None => {
                        break match self.conn.server_error.take() {
                            Some(message) => Ok(Ended::Refused(message)),
                            None => Err(SyncError::Connection("the server closed the connection".into())),
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break Err(SyncError::Connection(format!("receive: {e}"))),
                },
            }
        };
        self.step(Event::Disconnected { conn: CONN });
        let close = async {
            let _ = sink.send(WsMessage::Close(None)).await;
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
        outcome
    }

    /// Writes frames and flushes (which also sends pongs owed).
    async fn write<K>(&mut self, sink: &mut K, frames: Vec<Vec<u8>>) -> Result<(), SyncError>
    where
        K: futures_util::Sink<WsMessage, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
    {
        for frame in frames {
            self.report.bytes_sent += frame.len() as u64;
            self.report.messages_sent += 1;
            sink.feed(WsMessage::Binary(frame.into()))
                .await
                .map_err(|e| SyncError::Connection(format!("send: {e}")))?;
        }
        sink.flush()
            .await
            .map_err(|e| SyncError::Connection(format!("send: {e}")))
    }

    /// One frame from the server, decoded once (with the hub's frame
    /// limit) and handed to the hub decoded. A frame that does not decode
    /// goes to the hub as it came, for the hub to answer.
    fn frame(&mut self, bytes: Vec<u8>) {
        self.report.bytes_received += bytes.len() as u64;
        self.report.messages_received += 1;
        match wire::decode(&bytes, Limits::default().max_frame_bytes) {
            Ok(message) => {
                if let Message::Error { message, .. } = &message {
                    self.conn.server_error = Some(message.clone());
                }
                self.step(Event::Received {
                    conn: CONN,
                    message,
                });
            }
            Err(_) => self.step(Event::Frame { conn: CONN, bytes }),
        }
    }

    /// Feeds the hub, carries out the effects, then settles documents.
    fn step(&mut self, event: Event<()>) {
        let effects = self.conn.hub.handle(event);
        self.carry_out(effects);
        self.settle();
    }
}
