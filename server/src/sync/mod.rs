//! The sync driver: one task owns the sans-IO [`Hub`] and carries out its
//! effects — frames to sockets, loads and persists to the database — and
//! feeds back what happened. WebSocket handlers talk to it through a
//! [`SyncService`] handle.
//!
//! Persists of one document run one at a time, in order; what queues up
//! behind a running persist is committed together in the next transaction.
//! Commits by other server nodes arrive through `LISTEN` and are merged as
//! stored changes.
//!
//! [`Hub`]: alongside_shared::sync::Hub

mod driver;
mod policy;
pub mod slots;
mod storage;

use std::net::SocketAddr;
use std::sync::Arc;

use std::collections::HashMap;

use alongside_shared::sync::{Access, ConnId, Limits};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use uuid::Uuid;

pub use policy::{ConnPeer, ServerPolicy};
pub use storage::{
    chunk as storage_chunk, fold as fold_stored, head_bytes, load as load_stored, project_stored,
};

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
            quarantine_quota_bytes: crate::http::api::DEFAULT_QUARANTINE_QUOTA_BYTES,
            max_inflight_bytes_per_connection: 32 * 1024 * 1024,
            max_connections_per_user: 16,
            max_connections_per_device: 4,
            max_document_ops: policy::DEFAULT_MAX_DOCUMENT_OPS,
        }
    }
}

enum Input {
    Connect {
        conn: ConnId,
        peer: ConnPeer,
        outbound: mpsc::Sender<Outbound>,
    },
    Frame {
        conn: ConnId,
        bytes: Vec<u8>,
        /// Its share of the connection's bytes in flight, given back when
        /// the driver has handled it (dropped).
        queued: Queued,
    },
    Disconnect {
        conn: ConnId,
    },
    Internal(driver::Internal),
    Readable(ReadableQuery),
    Shutdown(oneshot::Sender<()>),
}

/// Which of some documents a principal may read (for the change feed).
struct ReadableQuery {
    principal: Principal,
    documents: Vec<Uuid>,
    fresh: HashMap<Uuid, DocClass>,
    reply: oneshot::Sender<Option<Vec<Uuid>>>,
}

/// A handle on the sync driver.
#[derive(Clone)]
pub struct SyncService {
    input: mpsc::UnboundedSender<Input>,
    outbound_queue: usize,
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
    _slot: slots::Slot,
}

/// A received frame's bytes, counted as waiting for the driver until this
/// is dropped.
struct Queued {
    _permit: OwnedSemaphorePermit,
    bytes: i64,
    metrics: Arc<Metrics>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.metrics
            .inbound_queued_bytes
            .fetch_sub(self.bytes, std::sync::atomic::Ordering::Relaxed);
    }
}

impl SyncService {
    /// Starts the driver task.
    pub fn start(db: Db, settings: SyncSettings, metrics: Arc<Metrics>, audit: Auditor) -> Self {
        let (input, rx) = mpsc::unbounded_channel();
        let outbound_queue = settings.outbound_queue;
        let service = Self {
            input: input.clone(),
            outbound_queue,
            next_conn: Arc::new(std::sync::atomic::AtomicU64::new(1)),
            metrics: Arc::clone(&metrics),
            inflight_cap: settings.max_inflight_bytes_per_connection.max(1),
            slots: Arc::new(slots::Slots::new(
                settings.max_connections_per_user,
                settings.max_connections_per_device,
            )),
        };
        driver::spawn(db, settings, metrics, audit, input, rx);
        service
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
        let conn = ConnId(
            self.next_conn
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let (tx, rx) = mpsc::channel(self.outbound_queue);
        let _ = self.input.send(Input::Connect {
            conn,
            peer: ConnPeer { principal, addr },
            outbound: tx,
        });
        Ok(Connection {
            conn,
            outbound: Some(rx),
            service: self.clone(),
            in_flight: Arc::new(Semaphore::new(self.inflight_cap)),
            _slot: slot,
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
        let (reply, answer) = oneshot::channel();
        let query = ReadableQuery {
            principal,
            documents,
            fresh,
            reply,
        };
        self.input.send(Input::Readable(query)).ok()?;
        answer.await.ok().flatten()
    }

    /// Stops the driver: closes every connection and waits for in-flight
    /// persists to commit.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.input.send(Input::Shutdown(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

impl ReadableQuery {
    /// Answers the query from `table`.
    fn answer(self, table: &crate::access::AccessTable) {
        let answer = table.knows(self.principal.user_id).then(|| {
            self.documents
                .into_iter()
                .filter(|id| {
                    table.access_with(&self.principal, *id, &self.fresh) != Access::Unavailable
                })
                .collect()
        });
        let _ = self.reply.send(answer);
    }
}

impl Connection {
    /// The frames and closes for the socket writer (once; later calls get a
    /// closed channel).
    pub fn take_outbound(&mut self) -> mpsc::Receiver<Outbound> {
        self.outbound.take().unwrap_or_else(|| mpsc::channel(1).1)
    }

    /// A frame arrived on the socket. Waits while the connection's frames
    /// already waiting for the driver and this one would pass the bound,
    /// so that a flooding peer is read no faster than it is served.
    pub async fn frame(&self, bytes: Vec<u8>) {
        let share = bytes.len().clamp(1, self.service.inflight_cap);
        let Ok(permit) = Arc::clone(&self.in_flight)
            .acquire_many_owned(u32::try_from(share).unwrap_or(u32::MAX))
            .await
        else {
            return;
        };
        let metrics = Arc::clone(&self.service.metrics);
        let counted = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let now = metrics
            .inbound_queued_bytes
            .fetch_add(counted, std::sync::atomic::Ordering::Relaxed)
            + counted;
        metrics
            .inbound_queued_bytes_peak
            .fetch_max(now, std::sync::atomic::Ordering::Relaxed);
        let _ = self.service.input.send(Input::Frame {
            conn: self.conn,
            bytes,
            queued: Queued {
                _permit: permit,
                bytes: counted,
                metrics,
            },
        });
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self
            .service
            .input
            .send(Input::Disconnect { conn: self.conn });
    }
}
