//! The driver task: owns the hub, carries out its effects, feeds back
//! results. Everything that blocks (database work) runs in spawned tasks
//! that report back through the same input channel, so the hub is only ever
//! touched by this task.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alongside_shared::sync::{ConnId, Effect, Event, Hub, HubConfig, LoadResult};
use alongside_shared::wire::{DocumentId, PeerId, PeerMetadata};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, trace, warn};
use uuid::Uuid;

mod access;
mod catch_up;
mod fetch;

use access::{Batch, Held, claim_row, notice_input};
use catch_up::Cursors;
use fetch::fetch;

use super::policy::{ConnPeer, ServerPolicy};
use super::{Input, Outbound, SyncSettings, storage};
use crate::access::index_writer::IndexWriter;
use crate::access::{AccessTable, DocClass};
use crate::audit::{AuditAction, AuditOutcome, Auditor};
use crate::db::access::{AccessSnapshot, DocumentAccessRow, WriteGuard};
use crate::db::documents::{Committed, NewChunk, Projected};
use crate::db::notify::Announcement;
use crate::db::stored_since::StoredSince;
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::projection::{self, Projection};

/// Memory a resident document takes per operation, for the cache budget
/// (measured with automerge 0.12: about 12.5; rounded up).
const RESIDENT_BYTES_PER_OP: usize = 16;

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
    /// Users or teams changed.
    Accounts(AccessSnapshot),
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

struct Driver {
    hub: Hub<ServerPolicy>,
    db: Db,
    settings: SyncSettings,
    metrics: Arc<Metrics>,
    input: mpsc::UnboundedSender<Input>,
    sockets: HashMap<ConnId, mpsc::Sender<Outbound>>,
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
    in_flight: HashSet<DocumentId>,
    /// Stored size of each resident document, for the memory budget.
    sizes: HashMap<DocumentId, usize>,
    /// How far each held document's copy covers what is stored.
    cursors: Cursors,
    shutting_down: Option<oneshot::Sender<()>>,
}

pub(super) fn spawn(
    db: Db,
    settings: SyncSettings,
    metrics: Arc<Metrics>,
    audit: Auditor,
    input: mpsc::UnboundedSender<Input>,
    mut rx: mpsc::UnboundedReceiver<Input>,
) {
    let config = HubConfig {
        peer_id: PeerId::new(format!("alongside-{}", settings.node)),
        metadata: PeerMetadata {
            storage_id: None,
            is_ephemeral: false,
        },
        role: alongside_shared::sync::Role::Accept,
        limits: settings.limits.clone(),
    };
    let mut driver = Driver {
        hub: Hub::new(
            config,
            ServerPolicy::default().with_max_document_ops(settings.max_document_ops),
        ),
        db: db.clone(),
        settings,
        metrics,
        input: input.clone(),
        sockets: HashMap::new(),
        peers: HashMap::new(),
        principals: HashMap::new(),
        held: HashMap::new(),
        audit,
        disclosed: HashSet::new(),
        index_writer: IndexWriter::start(db.clone()),
        queued: HashMap::new(),
        in_flight: HashSet::new(),
        sizes: HashMap::new(),
        cursors: Cursors::default(),
        shutting_down: None,
    };
    spawn_ticker(input.clone());
    spawn_listener(db.clone(), input);
    tokio::spawn(async move {
        // Access decisions need the table; sync waits until it is loaded.
        let snapshot = load_access(&db).await;
        driver.hub.policy_mut().table = AccessTable::from_snapshot(&snapshot);
        driver.handle(Event::Tick { now_ms: now_ms() });
        while let Some(message) = rx.recv().await {
            driver.input(message);
            if driver.finished() {
                break;
            }
        }
        if let Some(done) = driver.shutting_down.take() {
            let _ = done.send(());
        }
    });
}

/// Loads the access snapshot, retrying while the database is unreachable.
async fn load_access(db: &Db) -> AccessSnapshot {
    loop {
        match db.access_snapshot(true).await {
            Ok(snapshot) => return snapshot,
            Err(e) => {
                warn!(error = %e, "cannot load access data yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn spawn_ticker(input: mpsc::UnboundedSender<Input>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            if input.send(Input::Internal(Internal::Tick)).is_err() {
                return;
            }
        }
    });
}

/// Listens for other nodes' commits; reconnects with a pause on failure.
/// Each time listening (re)starts, the driver is told, so that it catches
/// up with what was committed while nobody listened.
fn spawn_listener(db: Db, input: mpsc::UnboundedSender<Input>) {
    tokio::spawn(async move {
        let tell = |internal| input.send(Input::Internal(internal)).is_ok();
        loop {
            match db.listen().await {
                Ok(mut listener) => {
                    if !tell(Internal::Relistened) {
                        return;
                    }
                    loop {
                        match listener.next().await {
                            Ok(Some(notice)) => {
                                if !tell(notice_input(notice)) {
                                    return;
                                }
                            }
                            Ok(None) => {
                                warn!("notification connection lost; reconnected");
                                if !tell(Internal::Relistened) {
                                    return;
                                }
                            }
                            Err(e) => {
                                warn!(error = %e, "notification listener failed");
                                break;
                            }
                        }
                    }
                }
                Err(e) => debug!(error = %e, "cannot listen for notifications yet"),
            }
            if input.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

impl Driver {
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
        // try_record logs the record itself if the queue is full; the
        // driver must not wait on the database.
        let _ = self.audit.try_record(record);
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
            } => {
                if self.shutting_down.is_some() {
                    let _ = outbound.try_send(Outbound::Close);
                    return;
                }
                self.metrics.connections.fetch_add(1, Ordering::Relaxed);
                self.sockets.insert(conn, outbound);
                let known = self.hub.policy().table.knows(peer.principal.user_id);
                self.principals.insert(conn, peer.clone());
                if !known {
                    // A new account: load its teams.
                    self.accounts(AccessSnapshot::default());
                }
                self.handle(Event::Connected { conn, peer });
            }
            Input::Frame {
                conn,
                bytes,
                queued,
            } => {
                trace!(conn = conn.0, len = bytes.len(), "frame in");
                Metrics::inc(&self.metrics.frames_in);
                self.metrics
                    .bytes_in
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                self.handle(Event::Frame { conn, bytes });
                // Handled: the connection may send this many bytes more.
                drop(queued);
            }
            Input::Disconnect { conn } => {
                if self.sockets.remove(&conn).is_some() {
                    self.metrics.connections.fetch_sub(1, Ordering::Relaxed);
                }
                self.peers.remove(&conn);
                self.principals.remove(&conn);
                self.held.remove(&conn);
                self.disclosed.retain(|(c, _)| *c != conn);
                self.handle(Event::Disconnected { conn });
            }
            Input::Internal(internal) => self.internal(internal),
            Input::Readable(query) => query.answer(&self.hub.policy().table),
            Input::Shutdown(done) => {
                info!("sync driver shutting down: closing connections, finishing commits");
                for socket in self.sockets.values() {
                    let _ = socket.try_send(Outbound::Close);
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
                let policy = self.hub.policy_mut();
                policy.actors.learn(bindings);
                let id = document.to_uuid();
                match (&result, access) {
                    (_, Some(row)) => policy.table.set_class(id, DocClass::from_row(&row)),
                    // Stored without an access row: nobody's until assigned.
                    (LoadResult::Found(_), None) => policy.table.set_class(id, DocClass::Orphan),
                    _ => {}
                }
                let found = matches!(result, LoadResult::Found(_));
                self.handle(Event::Loaded { document, result });
                if found {
                    let size = self.resident_size(document, bytes);
                    self.sizes.insert(document, size);
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
                        let stored = self.sizes.get(&document).copied().unwrap_or(0) + bytes;
                        let size = self.resident_size(document, stored);
                        self.sizes.insert(document, size);
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
            Internal::Release { conn } => self.release(conn),
            Internal::Tick => {
                self.handle(Event::Tick { now_ms: now_ms() });
                for document in self.cursors.take_retries() {
                    self.catch_up(document);
                }
                self.keep_budget();
                self.metrics
                    .cached_documents
                    .store(self.sizes.len() as i64, Ordering::Relaxed);
                self.metrics
                    .cached_bytes
                    .store(self.sizes.values().sum::<usize>() as i64, Ordering::Relaxed);
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
                    let chunk = storage::chunk(document.to_uuid(), kind, data, &changes, peer);
                    let from = from.and_then(|c| Some((c, self.principals.get(&c)?.clone())));
                    self.queued.entry(document).or_default().push_back(Pending {
                        seq,
                        chunk,
                        projection,
                        heads: storage::head_bytes(&heads),
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
        if let Outbound::Frame(frame) = &message {
            trace!(conn = conn.0, len = frame.len(), "frame out");
            Metrics::inc(&self.metrics.frames_out);
            self.metrics
                .bytes_out
                .fetch_add(frame.len() as u64, Ordering::Relaxed);
        }
        if socket.try_send(message).is_err() {
            // A peer that does not read its frames is cut off rather than
            // allowed to hold the server's memory.
            warn!(conn = conn.0, "connection too slow; closing");
            let _ = socket.try_send(Outbound::Close);
            self.sockets.remove(&conn);
            self.metrics.connections.fetch_sub(1, Ordering::Relaxed);
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
                        from_stored: storage::project_stored,
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
            match db.compact(document.to_uuid(), storage::fold).await {
                Ok(n) if n > 0 => Metrics::inc(&metrics.compactions),
                Ok(_) => {}
                Err(e) => warn!(%document, error = %e, "compaction failed"),
            }
        });
    }

    /// What a resident document is counted as against the cache budget:
    /// its stored bytes, or what its operations take in memory when that
    /// is more. Automerge holds a document in memory at about 12 bytes per
    /// operation (a 2 M-operation record: 2 MB stored, 25 MB resident), so
    /// stored bytes alone let a few large records take gigabytes.
    fn resident_size(&self, document: DocumentId, stored: usize) -> usize {
        let ops = self
            .hub
            .document(&document)
            .map_or(0, |doc| automerge::ReadDoc::stats(doc).num_ops);
        let in_memory = usize::try_from(ops)
            .unwrap_or(usize::MAX)
            .saturating_mul(RESIDENT_BYTES_PER_OP);
        stored.max(in_memory)
    }

    fn keep_budget(&mut self) {
        let mut total: usize = self.sizes.values().sum();
        while total > self.settings.cache_budget_bytes {
            let Some(id) = self.hub.evict_least_recent() else {
                break;
            };
            total = total.saturating_sub(self.sizes.remove(&id).unwrap_or(0));
            self.cursors.forget(id);
        }
    }
}
