//! One shard's driver: owns the shard's hub, carries out its effects,
//! feeds back results. It runs on a thread of its own; everything that
//! waits (database work) runs in tasks spawned on the runtime that report
//! back through the shard's input channel, so the hub is only ever touched
//! by its thread.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use alongside_shared::sync::{ConnId, Effect, Event, Hub, HubConfig, LoadResult};
use alongside_shared::time::now_ms;
use alongside_shared::wire::{DocumentId, PeerId, PeerMetadata};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, trace, warn};
use uuid::Uuid;

mod access;
mod budget;
mod catch_up;
mod fetch;
mod node;

use access::{Batch, Held, claim_row};
use budget::{NodeCache, Sizes};
use catch_up::Cursors;
use fetch::fetch;

use super::node_access::NodeAccess;
use super::policy::{ConnPeer, ServerPolicy};
use super::router::Router;
use super::{Closing, Inbound, Input, Outbound, SyncSettings};
use crate::access::DocClass;
use crate::access::index_writer::IndexWriter;
use crate::audit::{AuditAction, AuditOutcome, Auditor};
use crate::db::access::{AccessSnapshot, DocumentAccessRow, WriteGuard};
use crate::db::documents::{Committed, NewChunk, Projected};
use crate::db::notify::Announcement;
use crate::db::stored_since::StoredSince;
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::projection::{self, Projection};
use crate::store::codec;

/// Results of spawned work, fed back to the driver.
pub(super) enum Internal {
    Loaded {
        document: DocumentId,
        result: LoadResult,
        bytes: usize,
        /// The last stored chunk the document as loaded covers.
        through: i64,
        /// The document's access row and its actors' bindings.
        access: Option<DocumentAccessRow>,
        bindings: Vec<(Vec<u8>, Option<Uuid>)>,
    },
    Persisted {
        document: DocumentId,
        seq: u64,
        result: Result<Committed, DbError>,
        bytes: usize,
        took: Duration,
        batch: Batch,
    },
    Announced(Announcement),
    /// A document's access row changed (or was found missing).
    AccessRow {
        document: DocumentId,
        row: Option<DocumentAccessRow>,
    },
    /// Users or teams changed: reload them (an empty snapshot) for every
    /// shard.
    Accounts(AccessSnapshot),
    /// The node's table holds the users and teams just loaded: close the
    /// connections of `dead` devices, re-check every resident document.
    AccountsChanged {
        dead: Arc<HashSet<Uuid>>,
    },
    /// Another shard changed the access of a document of this shard.
    AccessChanged {
        document: DocumentId,
    },
    /// A denial's probe finished; its answer may go out.
    Release {
        conn: ConnId,
    },
    /// What was stored of a document after its cursor.
    CaughtUp {
        document: DocumentId,
        result: Result<Option<StoredSince>, DbError>,
    },
    /// The `LISTEN` connection is (re-)established.
    Relistened,
    Tick,
}

struct Pending {
    seq: u64,
    chunk: NewChunk,
    /// The document's projection right after this merge.
    projection: Projection,
    /// The document's heads right after this merge.
    heads: Vec<[u8; 32]>,
    /// The connection the changes came from, and who it is.
    from: Option<(ConnId, ConnPeer)>,
}

/// A connection's writer, as a shard sees it.
struct Socket {
    outbound: mpsc::Sender<Outbound>,
    closing: Arc<Closing>,
}

struct Driver {
    /// Which shard this is.
    shard: usize,
    hub: Hub<ServerPolicy>,
    db: Db,
    settings: SyncSettings,
    metrics: Arc<Metrics>,
    /// Users, teams, document classes and actor bindings, shared by the
    /// node's shards.
    access: Arc<NodeAccess>,
    /// The node's shards (this one included).
    router: Router,
    /// This shard's own input.
    input: mpsc::UnboundedSender<Input>,
    sockets: HashMap<ConnId, Socket>,
    peers: HashMap<ConnId, String>,
    /// Who each connection is.
    principals: HashMap<ConnId, ConnPeer>,
    /// Output held back behind denials, per connection.
    held: HashMap<ConnId, VecDeque<Held>>,
    /// The audit trail.
    audit: Auditor,
    /// Documents already audited as read on each connection.
    disclosed: HashSet<(ConnId, DocumentId)>,
    /// Lists new documents in their owners' caseload indexes.
    index_writer: IndexWriter,
    queued: HashMap<DocumentId, VecDeque<Pending>>,
    /// Frames waiting in the hub for their document to load, still
    /// counted against their connection's and user's frames in flight.
    awaiting_load: HashMap<DocumentId, Vec<super::Queued>>,
    in_flight: HashSet<DocumentId>,
    /// What each resident document is counted at, for the memory budget.
    sizes: Sizes,
    /// How far each held document's copy covers what is stored.
    cursors: Cursors,
    shutting_down: Option<oneshot::Sender<()>>,
}

/// Starts the node's shards, one thread each (`receivers` holds each
/// shard's input), and the node's tasks that feed them. The shards wait for
/// the access table before they handle anything.
pub(super) fn start(
    db: Db,
    settings: SyncSettings,
    metrics: Arc<Metrics>,
    audit: Auditor,
    router: Router,
    access: Arc<NodeAccess>,
    receivers: Vec<mpsc::UnboundedReceiver<Input>>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Handle::current();
    let (loaded, ready) = watch::channel(false);
    let cache = Arc::new(NodeCache::new(settings.cache_budget_bytes, receivers.len()));
    let index_writer = IndexWriter::start(db.clone());
    for (shard, rx) in receivers.into_iter().enumerate() {
        let config = HubConfig {
            peer_id: PeerId::new(format!("alongside-{}", settings.node)),
            metadata: PeerMetadata {
                storage_id: None,
                is_ephemeral: false,
            },
            role: alongside_shared::sync::Role::Accept,
            limits: settings.limits.clone(),
        };
        let policy = ServerPolicy::new(Arc::clone(&access), settings.max_document_ops);
        let hub = Hub::new(config, policy);
        let Some(input) = router.sender(shard) else {
            continue;
        };
        let driver = Driver {
            shard,
            hub: if shard == 0 {
                hub
            } else {
                hub.sharing_connections()
            },
            db: db.clone(),
            settings: settings.clone(),
            metrics: Arc::clone(&metrics),
            access: Arc::clone(&access),
            router: router.clone(),
            input,
            sockets: HashMap::new(),
            peers: HashMap::new(),
            principals: HashMap::new(),
            held: HashMap::new(),
            audit: audit.clone(),
            disclosed: HashSet::new(),
            index_writer: index_writer.clone(),
            queued: HashMap::new(),
            awaiting_load: HashMap::new(),
            in_flight: HashSet::new(),
            sizes: Sizes::new(Arc::clone(&cache)),
            cursors: Cursors::default(),
            shutting_down: None,
        };
        let runtime = runtime.clone();
        let ready = ready.clone();
        std::thread::Builder::new()
            .name(format!("sync-shard-{shard}"))
            .spawn(move || driver.run(&runtime, ready, rx))?;
    }
    node::ticker(router.clone());
    node::listener(db.clone(), router);
    node::load_access(db, access, loaded);
    Ok(())
}

impl Driver {
    /// The shard's loop: waits for the access table, then handles its
    /// input until shut down.
    fn run(
        mut self,
        runtime: &tokio::runtime::Handle,
        mut ready: watch::Receiver<bool>,
        mut rx: mpsc::UnboundedReceiver<Input>,
    ) {
        runtime.block_on(async {
            // Access decisions need the table: nothing is handled before.
            let _ = ready.wait_for(|loaded| *loaded).await;
        });
        // Tasks this thread spawns run on the server's runtime.
        let _runtime = runtime.enter();
        self.handle(Event::Tick {
            now_ms: now_ms().unsigned_abs(),
        });
        while let Some(message) = rx.blocking_recv() {
            self.input(message);
            if self.finished() {
                break;
            }
        }
        if let Some(done) = self.shutting_down.take() {
            let _ = done.send(());
        }
    }

    /// Queues an audit event about `conn`'s principal and `document`.
    fn audit_conn(
        &self,
        conn: ConnId,
        document: DocumentId,
        action: AuditAction,
        outcome: AuditOutcome,
        detail: &str,
    ) {
        let Some(peer) = self.principals.get(&conn) else {
            return;
        };
        let record = access::record(peer, action, outcome)
            .document(document.to_uuid())
            .detail(detail);
        // The shard has a thread of its own: while the audit writer is
        // behind (the database slow or away) the shard waits rather than
        // disclose or refuse anything unrecorded. Only a stopped writer
        // loses a record, and logs it in full.
        let _ = self.audit.record_blocking(record);
    }

    fn finished(&self) -> bool {
        self.shutting_down.is_some() && self.in_flight.is_empty() && self.queued.is_empty()
    }

    fn input(&mut self, input: Input) {
        match input {
            Input::Connect {
                conn,
                peer,
                outbound,
                closing,
            } => {
                if self.shutting_down.is_some() {
                    closing.close();
                    let _ = outbound.try_send(Outbound::Close);
                    return;
                }
                self.sockets.insert(conn, Socket { outbound, closing });
                let known = self.access.table().knows(peer.principal.user_id);
                self.principals.insert(conn, peer.clone());
                if !known && self.shard == 0 {
                    // A new account: load its teams, for every shard.
                    self.accounts(AccessSnapshot::default());
                }
                self.handle(Event::Connected { conn, peer });
            }
            Input::Frame {
                conn,
                frame,
                len,
                queued,
            } => {
                if self
                    .sockets
                    .get(&conn)
                    .is_none_or(|s| s.closing.is_closed())
                {
                    // Closed by another shard: what it sent after is dropped.
                    return;
                }
                trace!(conn = conn.0, len, "frame in");
                if queued.is_some() {
                    // Counted once, though a frame for the whole connection
                    // goes to every shard.
                    Metrics::inc(&self.metrics.frames_in);
                    self.metrics
                        .bytes_in
                        .fetch_add(len as u64, Ordering::Relaxed);
                }
                let document = match &frame {
                    Inbound::Message(message) => message.document_id(),
                    Inbound::Bytes(_) => None,
                };
                self.handle(match frame {
                    Inbound::Message(message) => Event::Received { conn, message },
                    Inbound::Bytes(bytes) => Event::Frame { conn, bytes },
                });
                match (queued, document) {
                    // Waiting in the hub for its document to load: the
                    // work is still to come, and counts until it is done.
                    (Some(queued), Some(document)) if self.hub.is_loading(&document) => {
                        self.awaiting_load.entry(document).or_default().push(queued);
                    }
                    // Handled: the connection may send this many bytes
                    // more, and its user another frame.
                    _ => {}
                }
            }
            Input::Disconnect { conn } => {
                self.sockets.remove(&conn);
                self.peers.remove(&conn);
                self.principals.remove(&conn);
                self.held.remove(&conn);
                self.disclosed.retain(|(c, _)| *c != conn);
                self.handle(Event::Disconnected { conn });
            }
            Input::Internal(internal) => self.internal(internal),
            Input::Shutdown(done) => {
                if self.shard == 0 {
                    info!("sync shutting down: closing connections, finishing commits");
                }
                for socket in self.sockets.values() {
                    socket.closing.close();
                    let _ = socket.outbound.try_send(Outbound::Close);
                }
                self.shutting_down = Some(done);
            }
        }
    }

    fn internal(&mut self, internal: Internal) {
        match internal {
            Internal::Loaded {
                document,
                result,
                bytes,
                through,
                access,
                bindings,
            } => {
                self.access.actors_mut().learn(bindings);
                let id = document.to_uuid();
                match (&result, access) {
                    (_, Some(row)) => self
                        .access
                        .table_mut()
                        .set_class(id, DocClass::from_row(&row)),
                    // Stored without an access row: nobody's until assigned.
                    (LoadResult::Found(_), None) => {
                        self.access.table_mut().set_class(id, DocClass::Orphan);
                    }
                    _ => {}
                }
                let found = matches!(result, LoadResult::Found(_));
                self.handle(Event::Loaded { document, result });
                // What waited for the load is handled now.
                self.awaiting_load.remove(&document);
                if found {
                    let ops = self.ops_of(document);
                    self.sizes.loaded(document, bytes, ops);
                }
                let held = self.hub.document(&document).is_some();
                self.cursors.loaded(document, held.then_some(through));
                self.after_load(document);
            }
            Internal::Persisted {
                document,
                seq,
                result,
                bytes,
                took,
                batch,
            } => {
                self.in_flight.remove(&document);
                self.metrics.persist_micros.fetch_add(
                    u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                match result {
                    Ok(committed) => {
                        debug!(
                            %document,
                            seq,
                            took_ms = took.as_millis() as u64,
                            reprojected = committed.reprojected,
                            "committed"
                        );
                        Metrics::inc(&self.metrics.persists);
                        if committed.reprojected {
                            Metrics::inc(&self.metrics.stale_projections);
                        }
                        self.cursors.committed(document, &committed.chunks);
                        self.committed(document, batch);
                        let ops = self.ops_of(document);
                        self.sizes.grew(document, bytes, ops);
                        if committed.pending_chunks >= self.settings.compact_after_chunks {
                            self.compact(document);
                        }
                        self.handle(Event::Persisted { document, seq });
                        self.start_persist(document);
                    }
                    Err(e) => {
                        // What queued behind the failed persist belongs to the
                        // state the hub now forgets.
                        self.queued.remove(&document);
                        self.sizes.remove(&document);
                        if batch.claim.is_some() {
                            self.hub.policy_mut().drop_claim(document.to_uuid());
                        }
                        if let DbError::Refused(reason) = e {
                            self.refused(document, batch, reason);
                        } else {
                            Metrics::inc(&self.metrics.persist_failures);
                            warn!(%document, error = %e, "persist failed; peers will resend");
                            self.handle(Event::PersistFailed { document, seq });
                        }
                    }
                }
            }
            Internal::Announced(a) => self.announced(a),
            Internal::Relistened => self.relistened(),
            Internal::CaughtUp { document, result } => self.caught_up(document, result),
            Internal::AccessRow { document, row } => self.access_row(document, row),
            Internal::Accounts(snapshot) => self.accounts(snapshot),
            Internal::AccountsChanged { dead } => self.accounts_changed(&dead),
            Internal::AccessChanged { document } => {
                self.handle(Event::AccessChanged { document });
            }
            Internal::Release { conn } => self.release(conn),
            Internal::Tick => {
                self.handle(Event::Tick {
                    now_ms: now_ms().unsigned_abs(),
                });
                for document in self.cursors.take_retries() {
                    self.catch_up(document);
                }
                self.keep_budget();
                let node = self.sizes.node();
                let documents = i64::try_from(node.documents()).unwrap_or(i64::MAX);
                let bytes = i64::try_from(node.bytes()).unwrap_or(i64::MAX);
                self.metrics
                    .cached_documents
                    .store(documents, Ordering::Relaxed);
                self.metrics.cached_bytes.store(bytes, Ordering::Relaxed);
            }
        }
    }

    fn handle(&mut self, event: Event<super::ConnPeer>) {
        let effects = self.hub.handle(event);
        self.apply(effects);
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { conn, frame } => self.send(conn, Outbound::Frame(frame)),
                Effect::Close { conn } => self.send(conn, Outbound::Close),
                Effect::Load { document } => self.load(document),
                Effect::Persist {
                    document,
                    seq,
                    data,
                    changes,
                    heads,
                    from,
                } => {
                    let doc = self.hub.document(&document);
                    let kind = doc.and_then(projection::document_kind);
                    let projection = doc.map_or(Projection::Nothing, projection::project);
                    let peer = from.and_then(|c| self.peers.get(&c).cloned());
                    let chunk = codec::chunk(document.to_uuid(), kind, data, &changes, peer);
                    let from = from.and_then(|c| Some((c, self.principals.get(&c)?.clone())));
                    if self.hub.policy().claims_participant(document.to_uuid()) {
                        // A log of this new record may wait in another
                        // shard: the table knows the record now.
                        let shard = self.shard;
                        for other in (0..self.router.len()).filter(|s| *s != shard) {
                            self.router.to_shard(
                                other,
                                Input::Internal(Internal::AccessChanged { document }),
                            );
                        }
                    }
                    self.queued.entry(document).or_default().push_back(Pending {
                        seq,
                        chunk,
                        projection,
                        heads: codec::head_bytes(&heads),
                        from,
                    });
                    self.start_persist(document);
                }
                Effect::PeerReady { conn, peer_id, .. } => {
                    self.peers.insert(conn, peer_id.to_string());
                }
                Effect::Rejected {
                    conn,
                    document,
                    error,
                } => {
                    Metrics::inc(&self.metrics.rejected);
                    info!(conn = conn.0, ?document, %error, "refused input");
                }
                Effect::Evicted { document } => {
                    self.sizes.remove(&document);
                    self.cursors.forget(document);
                }
                Effect::Quarantine {
                    conn,
                    document,
                    reason,
                    data,
                } => self.quarantine(document, self.principals.get(&conn).cloned(), reason, data),
                Effect::Denied { conn, document } => {
                    debug!(conn = conn.0, %document, "access denied");
                    self.audit_conn(
                        conn,
                        document,
                        AuditAction::AccessDenied,
                        AuditOutcome::Denied,
                        "",
                    );
                    self.deny(conn);
                }
                Effect::UnavailableFromMemory { conn, document } => {
                    debug!(conn = conn.0, %document, "unavailable, known from memory");
                    self.deny(conn);
                }
                Effect::Disclosed { conn, document } => {
                    if self.disclosed.insert((conn, document)) {
                        self.audit_conn(
                            conn,
                            document,
                            AuditAction::DocumentRead,
                            AuditOutcome::Allowed,
                            "sent over sync",
                        );
                    }
                }
                Effect::Unavailable { .. } | Effect::Ephemeral { .. } => {}
            }
        }
    }

    fn send(&mut self, conn: ConnId, message: Outbound) {
        match self.held.get_mut(&conn) {
            Some(queue) => queue.push_back(Held::Out(message)),
            None => self.deliver(conn, message),
        }
    }

    fn deliver(&mut self, conn: ConnId, message: Outbound) {
        let Some(socket) = self.sockets.get(&conn) else {
            return;
        };
        match &message {
            Outbound::Frame(frame) => {
                trace!(conn = conn.0, len = frame.len(), "frame out");
                Metrics::inc(&self.metrics.frames_out);
                self.metrics
                    .bytes_out
                    .fetch_add(frame.len() as u64, Ordering::Relaxed);
            }
            Outbound::Close => socket.closing.close(),
        }
        if socket.outbound.try_send(message).is_err() {
            // A peer that does not read its frames is cut off rather than
            // allowed to hold the server's memory.
            warn!(conn = conn.0, "connection too slow; closing");
            socket.closing.cut();
            self.sockets.remove(&conn);
            self.handle(Event::Disconnected { conn });
        }
    }

    fn load(&mut self, document: DocumentId) {
        Metrics::inc(&self.metrics.loads);
        self.cursors.loading(document);
        let db = self.db.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let fetched = fetch(&db, document).await;
            let _ = input.send(Input::Internal(Internal::Loaded {
                document,
                result: fetched.result,
                bytes: fetched.bytes,
                through: fetched.through,
                access: fetched.access,
                bindings: fetched.bindings,
            }));
        });
    }

    /// Commits everything queued for `document` in one transaction, unless a
    /// persist of it is already running.
    fn start_persist(&mut self, document: DocumentId) {
        if self.in_flight.contains(&document) {
            return;
        }
        let Some(queue) = self.queued.remove(&document) else {
            return;
        };
        let Some(last) = queue.back() else {
            return;
        };
        let seq = last.seq;
        // The latest projection covers every merge in the batch.
        let projection = last.projection.clone();
        let heads = last.heads.clone();
        let display_name = match &projection {
            Projection::Participant(rows) => Some(rows.display_name.clone()),
            _ => None,
        };
        let claim = self.hub.policy_mut().take_claim(document.to_uuid());
        let mut batch = Batch {
            guard: WriteGuard {
                claim: claim.and_then(|c| claim_row(document, c)),
                bindings: Vec::new(),
                audit: Vec::new(),
            },
            claim,
            writers: Vec::new(),
            display_name,
        };
        let mut chunks: Vec<NewChunk> = Vec::with_capacity(queue.len());
        for pending in queue {
            let device = pending
                .from
                .as_ref()
                .and_then(|(_, p)| p.principal.device_id);
            batch.guard.bindings.extend(
                pending
                    .chunk
                    .changes
                    .iter()
                    .map(|c| (c.actor.clone(), device)),
            );
            if let Some((conn, peer)) = pending.from {
                let detail = format!("{} change(s)", pending.chunk.changes.len());
                batch.guard.audit.push(
                    access::record(&peer, AuditAction::WriteAccepted, AuditOutcome::Allowed)
                        .document(document.to_uuid())
                        .detail(detail),
                );
                batch.writers.push((conn, peer, pending.chunk.data.clone()));
            }
            chunks.push(pending.chunk);
        }
        let bytes = chunks.iter().map(|c| c.data.len()).sum();
        self.in_flight.insert(document);
        let db = self.db.clone();
        let node = self.settings.node.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = db
                .persist(
                    &node,
                    &chunks,
                    Some(Projected {
                        rows: &projection,
                        heads: &heads,
                        from_stored: codec::project_stored,
                    }),
                    &batch.guard,
                )
                .await;
            let _ = input.send(Input::Internal(Internal::Persisted {
                document,
                seq,
                result,
                bytes,
                took: started.elapsed(),
                batch,
            }));
        });
    }

    fn compact(&self, document: DocumentId) {
        let db = self.db.clone();
        let metrics = self.metrics.clone();
        tokio::spawn(async move {
            match db.compact(document.to_uuid(), codec::fold).await {
                Ok(n) if n > 0 => Metrics::inc(&metrics.compactions),
                Ok(_) => {}
                Err(e) => warn!(%document, error = %e, "compaction failed"),
            }
        });
    }

    /// How many operations `document` holds in memory, for the cache
    /// budget ([`budget`] says what each is counted at).
    fn ops_of(&self, document: DocumentId) -> u64 {
        self.hub
            .document(&document)
            .map_or(0, |doc| automerge::ReadDoc::stats(doc).num_ops)
    }

    fn keep_budget(&mut self) {
        while self.sizes.over_budget() {
            let Some(id) = self.hub.evict_least_recent() else {
                break;
            };
            self.sizes.remove(&id);
            self.cursors.forget(id);
        }
    }
}
