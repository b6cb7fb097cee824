//! Durability and residency bookkeeping: numbering what is handed out to
//! persist, the driver's confirmations and failures, storage refusing a
//! write, loads coming back, and the clock (handshake timeouts and idle
//! eviction of documents whose changes are all persisted).
//!
//! A resident document counts its persists (`applied_seq`) and the
//! confirmations (`persisted_seq`); while they differ it is not durable,
//! and nothing about it is sent or evicted.

use automerge::{AutoCommit, ChangeHash};

use super::{DocEntry, Hub, Queued, Resident};
use crate::sync::connection::Phase;
use crate::sync::event::{ChangeMeta, ConnId, Effect, LoadResult, ProtocolError};
use crate::sync::policy::Policy;
use crate::wire::DocumentId;

impl<P: Policy> Hub<P> {
    /// After a local edit: persist what is new and tell the peers.
    pub(super) fn after_local_edit(&mut self, id: DocumentId, before: &[ChangeHash]) {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        if resident.doc.get_heads().as_slice() == before {
            return;
        }
        let changes = ChangeMeta::since(&mut resident.doc, before);
        let data = resident.doc.save_after(before);
        self.persist_new(id, None, data, changes);
        self.flush(id);
    }

    /// Asks the driver to persist changes that became part of `id`. `data`
    /// holds at least those changes: what the peer sent (validated), or a
    /// save of a local edit.
    pub(super) fn persist_new(
        &mut self,
        id: DocumentId,
        from: Option<ConnId>,
        data: Vec<u8>,
        changes: Vec<ChangeMeta>,
    ) {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        resident.applied_seq += 1;
        resident.last_active_ms = self.now_ms;
        self.out.push(Effect::Persist {
            document: id,
            seq: resident.applied_seq,
            data,
            changes,
            heads: resident.doc.get_heads(),
            from,
        });
    }

    pub(super) fn persisted(&mut self, id: DocumentId, seq: u64) {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        resident.persisted_seq = resident.persisted_seq.max(seq.min(resident.applied_seq));
        self.flush(id);
    }

    pub(super) fn persist_failed(&mut self, id: DocumentId) {
        if self.docs.remove(&id).is_none() {
            return;
        }
        self.out.push(Effect::Evicted { document: id });
        let conns = self.subscribers_of(id);
        for conn in conns {
            self.reject(conn, Some(id), ProtocolError::StorageUnavailable);
        }
        if self.open.contains(&id) {
            // Initiating side: reload from the local store on next use.
            self.subscribers.remove(&id);
        }
    }

    pub(super) fn write_refused(&mut self, id: DocumentId, conn: Option<ConnId>, reason: String) {
        if let Some(conn) = conn {
            self.reject(conn, Some(id), ProtocolError::Refused(reason));
        }
        self.persist_failed(id);
    }

    pub(super) fn loaded(&mut self, id: DocumentId, result: LoadResult) {
        let Some(DocEntry::Loading(queue)) = self.docs.remove(&id) else {
            return;
        };
        let doc = match result {
            LoadResult::Found(doc) => *doc,
            LoadResult::NotFound => AutoCommit::new(),
            LoadResult::Failed(_) => {
                // Storage is unreachable: peers waiting for this document are
                // closed so that they retry later; nothing was applied.
                for queued in queue {
                    if let Queued::Message { conn, .. } = queued {
                        self.reject(conn, Some(id), ProtocolError::StorageUnavailable);
                    }
                }
                return;
            }
        };
        self.docs.insert(
            id,
            DocEntry::Resident(Box::new(Resident::new(doc, 0, self.now_ms))),
        );
        for queued in queue {
            match queued {
                Queued::Message {
                    conn,
                    request,
                    message,
                    loads,
                } => {
                    if self.admit(conn, id, &message) {
                        self.receive(conn, id, request, message, loads);
                    }
                }
                Queued::Stored(bytes) => self.merge_stored(id, &bytes),
            }
        }
        self.flush(id);
        self.drop_if_unused(id);
    }

    /// Forgets a resident document nobody has written and nobody syncs.
    pub(super) fn drop_if_unused(&mut self, id: DocumentId) {
        let unused = matches!(self.docs.get(&id), Some(DocEntry::Resident(r)) if r.doc.is_empty() && r.durable())
            && !self.subscribers.contains_key(&id)
            && !self.open.contains(&id);
        if unused {
            self.docs.remove(&id);
        }
    }

    pub(super) fn tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        let timeout = self.config.limits.handshake_timeout_ms;
        let expired: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| match c.phase {
                Phase::AwaitingJoin { since_ms } | Phase::AwaitingPeer { since_ms } => {
                    self.now_ms.saturating_sub(since_ms) > timeout
                }
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in expired {
            self.reject(conn, None, ProtocolError::HandshakeTimeout);
        }
        let idle = self.config.limits.idle_evict_ms;
        let evict: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(_, e)| {
                matches!(e, DocEntry::Resident(r)
                    if r.durable() && self.now_ms.saturating_sub(r.last_active_ms) > idle)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in evict {
            self.docs.remove(&id);
            self.out.push(Effect::Evicted { document: id });
        }
        self.retry_parked();
    }
}
