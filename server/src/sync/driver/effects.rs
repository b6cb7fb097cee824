//! Carrying out a shard's hub effects: frames and closes to the
//! connections' writers (a writer too slow to take them is cut off),
//! loads and persists to storage, quarantines, and the audit records and
//! held-back answers of denials and disclosures.

use std::sync::atomic::Ordering;

use alongside_shared::sync::{ConnId, Effect, Event};
use tracing::{debug, info, trace, warn};

use super::access::Held;
use super::persist::Pending;
use super::{Driver, Internal};
use crate::audit::{AuditAction, AuditOutcome};
use crate::metrics::Metrics;
use crate::projection::{self, Projection};
use crate::store::codec;
use crate::sync::{Input, Outbound};

impl Driver {
    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
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

    pub(super) fn send(&mut self, conn: ConnId, message: Outbound) {
        match self.held.get_mut(&conn) {
            Some(queue) => queue.push_back(Held::Out(message)),
            None => self.deliver(conn, message),
        }
    }

    pub(super) fn deliver(&mut self, conn: ConnId, message: Outbound) {
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
}
