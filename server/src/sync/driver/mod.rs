//! One shard's driver: owns the shard's hub, carries out its effects,
//! feeds back results. It runs on a thread of its own; everything that
//! waits (database work) runs in tasks spawned on the runtime that report
//! back through the shard's input channel, so the hub is only ever touched
//! by its thread.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use alongside_shared::sync::{ConnId, Event, Hub, HubConfig, LoadResult};
use alongside_shared::time::now_ms;
use alongside_shared::wire::{DocumentId, PeerId, PeerMetadata};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, trace, warn};
use uuid::Uuid;

mod access;
mod budget;
mod catch_up;
mod effects;
mod fetch;
mod node;
mod persist;

use access::{Batch, Held};
use budget::{NodeCache, Sizes};
use catch_up::Cursors;
use persist::Pending;

use super::node_access::NodeAccess;
use super::policy::{ConnPeer, ServerPolicy};
use super::router::Router;
use super::{Closing, Inbound, Input, Outbound, SyncSettings};
use crate::access::DocClass;
use crate::access::index_writer::IndexWriter;
use crate::audit::{AuditAction, AuditOutcome, Auditor};
use crate::db::access::{AccessSnapshot, DocumentAccessRow};
use crate::db::documents::Committed;
use crate::db::notify::Announcement;
use crate::db::stored_since::StoredSince;
use crate::db::{Db, DbError};
use crate::metrics::Metrics;

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
