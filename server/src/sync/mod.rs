//! The sync driver: the node's documents are split between several
//! shards, each a driver task that owns a sans-IO [`Hub`] and carries out
//! its effects — frames to sockets, loads and persists to the database —
//! and feeds back what happened. Each shard runs on a thread of its own, so
//! that heavy work on one document (a large write to apply and validate)
//! does not hold up the documents of other shards, and the operating system
//! shares the processors between them. WebSocket handlers talk to the
//! shards through a [`SyncService`] handle, which routes each frame to the
//! shard of its document ([`router`]).
//!
//! Persists of one document run one at a time, in order; what queues up
//! behind a running persist is committed together in the next transaction.
//! Commits by other server nodes arrive through `LISTEN` and are merged as
//! stored changes.
//!
//! [`Hub`]: alongside_shared::sync::Hub

mod driver;
mod node_access;
mod policy;
mod router;
pub mod slots;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alongside_shared::sync::{Access, ConnId, Limits};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use uuid::Uuid;

pub use node_access::NodeAccess;
pub use policy::{ConnPeer, ServerPolicy};
use router::{Route, Router};

use crate::access::DocClass;
use crate::audit::Auditor;
use crate::auth::Principal;
use crate::db::Db;
use crate::metrics::Metrics;

/// What the driver sends a connection's writer.
#[derive(Debug)]
pub enum Outbound {
    /// A binary frame.
    Frame(Vec<u8>),
    /// Close the socket.
    Close,
}

/// Settings of the sync driver.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// This node's name in notifications (unique per process).
    pub node: String,
    /// Protocol limits.
    pub limits: Limits,
    /// Keep at most this many bytes of documents in memory.
    pub cache_budget_bytes: usize,
    /// Fold a document's chunks into its snapshot once it has this many.
    pub compact_after_chunks: i64,
    /// Frames queued for a slow connection before it is closed.
    pub outbound_queue: usize,
    /// How often covers' end times are checked (see
    /// [`crate::access::cover_expiry`]).
    pub cover_check: std::time::Duration,
    /// Most bytes of refused writes kept in quarantine per device.
    pub quarantine_quota_bytes: u64,
    /// Most bytes of one connection's received frames waiting for the
    /// driver; past it the connection's socket is not read until the driver
    /// catches up (backpressure).
    pub max_inflight_bytes_per_connection: usize,
    /// Most `/sync` connections one user may have open on this node.
    pub max_connections_per_user: usize,
    /// Most `/sync` connections one device may have open on this node.
    pub max_connections_per_device: usize,
    /// Most frames of one user's connections being handled at once.
    pub max_frames_in_flight_per_user: u32,
    /// How many shards the node's documents are split between.
    pub shards: usize,
    /// A write leaving a document with more operations is refused.
    pub max_document_ops: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            node: "node".into(),
            limits: Limits::default(),
            cache_budget_bytes: 256 * 1024 * 1024,
            compact_after_chunks: 64,
            outbound_queue: 1024,
            cover_check: std::time::Duration::from_secs(60),
            quarantine_quota_bytes: crate::db::access::DEFAULT_QUARANTINE_QUOTA_BYTES,
            max_inflight_bytes_per_connection: 32 * 1024 * 1024,
            max_connections_per_user: 16,
            max_connections_per_device: 4,
            max_frames_in_flight_per_user: 2,
            shards: 1,
            max_document_ops: policy::DEFAULT_MAX_DOCUMENT_OPS,
        }
    }
}

enum Input {
    Connect {
        conn: ConnId,
        peer: ConnPeer,
        outbound: mpsc::Sender<Outbound>,
        closing: Arc<Closing>,
    },
    Frame {
        conn: ConnId,
        frame: Inbound,
        /// Its size on the wire.
        len: usize,
        /// Its share of the connection's bytes and of its user's frames in
        /// flight, given back when the shard has handled it (dropped). A
        /// frame sent to every shard carries it to shard 0 only.
        queued: Option<Queued>,
    },
    Disconnect {
        conn: ConnId,
    },
    Internal(driver::Internal),
    Shutdown(oneshot::Sender<()>),
}

/// A received frame, as routed.
enum Inbound {
    /// Decoded (to route it); the shard does not decode it again.
    Message(alongside_shared::wire::Message),
    /// Not decodable: shard 0 refuses it.
    Bytes(Vec<u8>),
}

/// Whether a connection is closing: set by the shard that closes it, so
/// that the other shards and the socket reader drop its further frames.
/// A shard that cuts off a connection too slow to read its frames also
/// wakes the socket writer, whose queue is full.
#[derive(Debug, Default)]
pub struct Closing {
    closed: AtomicBool,
    cut: Notify,
}

impl Closing {
    /// Marks the connection closed (its `Close` is queued to the writer).
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Closes the connection at once, whatever its writer still holds.
    fn cut(&self) {
        self.close();
        self.cut.notify_one();
    }

    /// Whether the connection is closed or closing.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Resolves when a shard cuts the connection off.
    pub async fn cut_off(&self) {
        self.cut.notified().await;
    }
}

/// A handle on the sync shards.
#[derive(Clone)]
pub struct SyncService {
    router: Router,
    access: Arc<NodeAccess>,
    outbound_queue: usize,
    max_frame_bytes: usize,
    next_conn: Arc<std::sync::atomic::AtomicU64>,
    metrics: Arc<Metrics>,
    inflight_cap: usize,
    slots: Arc<slots::Slots>,
}

/// One connection's side of the driver.
pub struct Connection {
    /// The connection's id.
    pub conn: ConnId,
    outbound: Option<mpsc::Receiver<Outbound>>,
    service: SyncService,
    in_flight: Arc<Semaphore>,
    closing: Arc<Closing>,
    /// Whether its `join` has gone to the shards.
    joined: AtomicBool,
    slot: slots::Slot,
}

/// A received frame, counted as waiting for its shard until this is
/// dropped.
struct Queued {
    _bytes: OwnedSemaphorePermit,
    _user: OwnedSemaphorePermit,
    bytes: i64,
    metrics: Arc<Metrics>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.metrics
            .inbound_queued_bytes
            .fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

impl SyncService {
    /// Starts the shards, each on a thread of its own, and the node's
    /// tasks that feed them.
    pub fn start(
        db: Db,
        settings: SyncSettings,
        metrics: Arc<Metrics>,
        audit: Auditor,
    ) -> std::io::Result<Self> {
        let shards = settings.shards.max(1);
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..shards).map(|_| mpsc::unbounded_channel()).unzip();
        let router = Router::new(senders);
        let access = Arc::new(NodeAccess::default());
        let service = Self {
            router: router.clone(),
            access: Arc::clone(&access),
            outbound_queue: settings.outbound_queue,
            max_frame_bytes: settings.limits.max_frame_bytes,
            next_conn: Arc::new(std::sync::atomic::AtomicU64::new(1)),
            metrics: Arc::clone(&metrics),
            inflight_cap: settings.max_inflight_bytes_per_connection.max(1),
            slots: Arc::new(slots::Slots::new(
                settings.max_connections_per_user,
                settings.max_connections_per_device,
                usize::try_from(settings.max_frames_in_flight_per_user).unwrap_or(1),
            )),
        };
        driver::start(db, settings, metrics, audit, router, access, receivers)?;
        Ok(service)
    }

    /// Registers a new connection of an authenticated `principal`, unless
    /// the user or the device already has as many open as allowed.
    pub fn connect(
        &self,
        principal: Principal,
        addr: Option<SocketAddr>,
    ) -> Result<Connection, slots::TooManyConnections> {
        let slot = match self.slots.take(principal.user_id, principal.device_id) {
            Ok(slot) => slot,
            Err(e) => {
                Metrics::inc(&self.metrics.connections_refused);
                return Err(e);
            }
        };
        let conn = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::channel(self.outbound_queue);
        let closing = Arc::new(Closing::default());
        let peer = ConnPeer { principal, addr };
        self.metrics.connections.fetch_add(1, Ordering::Relaxed);
        self.router.to_all(|| Input::Connect {
            conn,
            peer: peer.clone(),
            outbound: tx.clone(),
            closing: Arc::clone(&closing),
        });
        Ok(Connection {
            conn,
            outbound: Some(rx),
            service: self.clone(),
            in_flight: Arc::new(Semaphore::new(self.inflight_cap)),
            closing,
            joined: AtomicBool::new(false),
            slot,
        })
    }

    /// Which of `documents` `principal` may read, decided with the same
    /// access table the sync uses; `fresh` gives the classes of documents
    /// the table may not know yet (rows just read from the database). `None`
    /// when the table does not know the user yet (a new account, or the
    /// table is still loading): the caller cannot filter and must not list.
    pub async fn readable(
        &self,
        principal: Principal,
        documents: Vec<Uuid>,
        fresh: HashMap<Uuid, DocClass>,
    ) -> Option<Vec<Uuid>> {
        let table = self.access.table();
        table.knows(principal.user_id).then(|| {
            documents
                .into_iter()
                .filter(|id| table.access_with(&principal, *id, &fresh) != Access::Unavailable)
                .collect()
        })
    }

    /// Stops the shards: closes every connection and waits for in-flight
    /// persists to commit.
    pub async fn shutdown(&self) {
        let mut stopped = Vec::new();
        self.router.to_all(|| {
            let (tx, rx) = oneshot::channel();
            stopped.push(rx);
            Input::Shutdown(tx)
        });
        for rx in stopped {
            let _ = rx.await;
        }
    }
}

impl Connection {
    /// The frames and closes for the socket writer (once; later calls get a
    /// closed channel).
    pub fn take_outbound(&mut self) -> mpsc::Receiver<Outbound> {
        self.outbound.take().unwrap_or_else(|| mpsc::channel(1).1)
    }

    /// Whether the connection is closing, and when it is cut off.
    pub fn closing(&self) -> Arc<Closing> {
        Arc::clone(&self.closing)
    }

    /// A frame arrived on the socket. Waits while the connection's bytes
    /// waiting for the shards and this one would pass the bound, and while
    /// its user has as many frames being handled as allowed, so that a
    /// flooding peer is read no faster than it is served. Frames of one
    /// document keep their order (one shard, one queue); frames of
    /// different documents may be handled in either order, and a new log
    /// that arrives before its record waits for it in the hub.
    pub async fn frame(&self, bytes: Vec<u8>) {
        if self.closing.is_closed() {
            return;
        }
        let share = bytes.len().clamp(1, self.service.inflight_cap);
        let Ok(permit) = Arc::clone(&self.in_flight)
            .acquire_many_owned(u32::try_from(share).unwrap_or(u32::MAX))
            .await
        else {
            return;
        };
        let Ok(user) = Arc::clone(self.slot.frames()).acquire_owned().await else {
            return;
        };
        let joined = self.joined.load(Ordering::Relaxed);
        let len = bytes.len();
        let (route, message) =
            self.service
                .router
                .route(&bytes, self.service.max_frame_bytes, joined);
        let metrics = Arc::clone(&self.service.metrics);
        let counted = i64::try_from(len).unwrap_or(i64::MAX);
        let now = metrics
            .inbound_queued_bytes
            .fetch_add(counted, Ordering::Relaxed)
            + counted;
        metrics
            .inbound_queued_bytes_peak
            .fetch_max(now, Ordering::Relaxed);
        let mut queued = Some(Queued {
            _bytes: permit,
            _user: user,
            bytes: counted,
            metrics,
        });
        let conn = self.conn;
        let Some(message) = message else {
            self.service.router.to_shard(
                0,
                Input::Frame {
                    conn,
                    frame: Inbound::Bytes(bytes),
                    len,
                    queued,
                },
            );
            return;
        };
        drop(bytes);
        match route {
            Route::Shard(shard) => {
                self.service.router.to_shard(
                    shard,
                    Input::Frame {
                        conn,
                        frame: Inbound::Message(message),
                        len,
                        queued,
                    },
                );
            }
            Route::All => {
                // A join, or what concerns the connection as a whole.
                self.joined.store(true, Ordering::Relaxed);
                self.service.router.to_all(|| Input::Frame {
                    conn,
                    frame: Inbound::Message(message.clone()),
                    len,
                    queued: queued.take(),
                });
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let conn = self.conn;
        self.service.router.to_all(|| Input::Disconnect { conn });
        self.service
            .metrics
            .connections
            .fetch_sub(1, Ordering::Relaxed);
    }
}
