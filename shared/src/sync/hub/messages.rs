//! A document's sync messages: taking in a peer's `sync` or `request`
//! (check, queue behind a load, apply strictly, offer the write to the
//! policy) and generating the answers once everything is durable.
//!
//! The order is the durability invariant of the [sync core](crate::sync):
//! what a peer sends is applied and handed out as [`Effect::Persist`];
//! `flush` generates messages for a document only while all of it is
//! confirmed persisted.

use automerge::ChangeHash;
use automerge::sync::{self, SyncDoc};

use super::{Accepted, DocEntry, Held, Hub, Queued, Role, roll_back};
use crate::sync::apply::apply_chunks;
use crate::sync::connection::Parked;
use crate::sync::decoded_size::check_sync_message;
use crate::sync::event::{ChangeMeta, ConnId, Effect, ProtocolError};
use crate::sync::policy::{Access, Policy, Write};
use crate::wire::{self, DocMessage, DocumentId, Message};

/// What became of a peer's write.
pub(super) enum Written {
    /// It stands: the changes it added (`None` if nothing was new).
    Applied(Option<Accepted>),
    /// Rolled back to wait for what the policy is missing.
    Waits,
}

impl<P: Policy> Hub<P> {
    pub(super) fn doc_message(&mut self, conn: ConnId, m: DocMessage, request: bool) {
        let id = m.document_id;
        if !self.addressed_to_us(conn, &m.sender_id, &m.target_id) {
            return self.reject(conn, Some(id), ProtocolError::WrongPeer);
        }
        let message = match sync::Message::decode(&m.data) {
            Ok(message) => message,
            Err(e) => {
                return self.reject(
                    conn,
                    Some(id),
                    ProtocolError::InvalidSyncMessage(e.to_string()),
                );
            }
        };
        // Before anything decodes its changes, queues it or asks the
        // policy: a message that would inflate past the limits is refused
        // whole, and nothing of it is applied, stored or quarantined.
        if let Err(e) = check_sync_message(&message, self.config.limits.decode) {
            return self.reject(conn, Some(id), ProtocolError::TooLarge(e.to_string()));
        }
        if !self.admit(conn, id, &message) {
            return;
        }
        match self.docs.get_mut(&id) {
            Some(DocEntry::Resident(_)) => self.receive(conn, id, request, message, false),
            Some(DocEntry::Loading(queue)) => queue.push(Queued::Message {
                conn,
                request,
                message,
                loads: false,
            }),
            None => {
                self.docs.insert(
                    id,
                    DocEntry::Loading(vec![Queued::Message {
                        conn,
                        request,
                        message,
                        loads: true,
                    }]),
                );
                self.out.push(Effect::Load { document: id });
            }
        }
    }

    /// Checks a peer's access to `id` for `message` and keeps its session in
    /// step. Asked when the message arrives and again once the document is
    /// loaded, because loading can teach the policy who the document
    /// belongs to. Returns false when the message was answered instead.
    pub(super) fn admit(&mut self, conn: ConnId, id: DocumentId, message: &sync::Message) -> bool {
        let access = self.access(conn, &id);
        if access == Access::Unavailable {
            self.out.push(Effect::Denied { conn, document: id });
            self.unavailable(conn, id);
            return false;
        }
        if access == Access::ReadOnly && !message.changes.is_empty() {
            let data = message.changes.iter().flatten().copied().collect();
            let error = ProtocolError::ReadOnly;
            self.out.push(Effect::Quarantine {
                conn,
                document: id,
                reason: error.to_string(),
                data,
            });
            self.reject(conn, Some(id), error);
            return false;
        }
        if !self.ensure_session(conn, id, access) {
            self.out
                .push(Effect::UnavailableFromMemory { conn, document: id });
            self.unavailable(conn, id);
            return false;
        }
        true
    }

    /// Applies one sync message from `conn` to a resident document.
    /// `loaded` says whether storage was read for this very message.
    pub(super) fn receive(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        request: bool,
        mut message: sync::Message,
        loaded: bool,
    ) {
        if self.is_parked(conn, id) {
            // In order: behind the write that waits.
            let bytes = message.changes.iter().map(<[u8]>::len).sum();
            let parked = Parked {
                request,
                message,
                loaded,
                bytes,
            };
            return self.park(conn, id, parked);
        }
        let before = match self.docs.get_mut(&id) {
            Some(DocEntry::Resident(resident)) => {
                resident.last_active_ms = self.now_ms;
                resident.doc.get_heads()
            }
            _ => return,
        };
        let their_heads = message.heads.clone();
        let chunks = std::mem::replace(&mut message.changes, sync::ChunkList::empty());
        let mut changes = None;
        if !chunks.is_empty() {
            let may_wait = self.may_wait(conn, id);
            match self.apply_write(conn, id, &before, &chunks, may_wait) {
                Ok(Written::Applied(applied)) => changes = applied,
                Ok(Written::Waits) => {
                    let bytes = chunks.iter().map(<[u8]>::len).sum();
                    message.changes = chunks;
                    let parked = Parked {
                        request,
                        message,
                        loaded,
                        bytes,
                    };
                    return self.park(conn, id, parked);
                }
                Err(error) => return self.reject(conn, Some(id), error),
            }
        }
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        let Some(session) = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.sessions.get_mut(&id))
        else {
            return;
        };
        // automerge records "we already sent these heads" when a message
        // without changes names our heads, and then stays silent. That
        // silence is wrong while any of those heads is not yet stored: the
        // peer is owed an acknowledgement once it is. That is so when the
        // changes were stripped above (applied strictly), and when a peer
        // that sent them names our heads before the persist has finished.
        if changes.is_some() {
            // The write that waited (if any) stands.
            session.parked_until = None;
        }
        let owed = !chunks.is_empty() || !resident.durable();
        let last_sent = session.state.last_sent_heads.clone();
        let received = resident
            .doc
            .sync()
            .receive_sync_message(&mut session.state, message)
            .map_err(|e| e.to_string());
        if owed {
            session.state.last_sent_heads = last_sent;
        }
        if let Err(e) = received {
            return self.reject(conn, Some(id), ProtocolError::InvalidSyncMessage(e));
        }
        let empty = resident.doc.is_empty();
        if let Some(Accepted { changes, joined }) = changes {
            let mut data: Vec<u8> = chunks.iter().flatten().copied().collect();
            data.extend(joined);
            self.persist_new(id, Some(conn), data, changes);
            if before.is_empty() {
                // A new document: whoever was waiting for this id may or may
                // not read it now that it has an owner, and a write held
                // back for want of it may stand.
                self.access_changed_except(id, conn);
                self.retry_parked();
            }
        }
        self.gossip_heads(conn, id, their_heads);
        if request && empty {
            // Nobody has written this document: it does not exist. The
            // session stays, marked waiting, so that the peer gets the
            // document if someone creates it while it is connected.
            if !loaded {
                self.out
                    .push(Effect::UnavailableFromMemory { conn, document: id });
            }
            self.unavailable_but_waiting(conn, id);
        } else {
            self.flush(id);
        }
    }

    /// Applies a peer's chunks strictly and asks the policy whether the
    /// write may stand. Returns the new changes (`None` when the chunks held
    /// nothing new). A refused write is rolled back and quarantined — unless
    /// the policy says "not yet" and `may_wait`: then it is only rolled
    /// back, for the caller to hold.
    pub(super) fn apply_write(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        before: &[ChangeHash],
        chunks: &sync::ChunkList,
        may_wait: bool,
    ) -> Result<Written, ProtocolError> {
        let (Some(DocEntry::Resident(resident)), Some(connection)) =
            (self.docs.get_mut(&id), self.conns.get(&conn))
        else {
            return Ok(Written::Applied(None));
        };
        let held_back = apply_chunks(&mut resident.doc, chunks.iter())
            .map_err(|e| ProtocolError::InvalidSyncMessage(e.to_string()))?;
        for (hash, chunk) in held_back {
            let bytes = chunk.to_vec();
            resident.waiting.insert(hash, Held { conn, bytes });
        }
        if resident.doc.get_heads().as_slice() == before {
            return Ok(Written::Applied(None));
        }
        let changes = ChangeMeta::since(&mut resident.doc, before);
        let joined = resident.take_joined(&changes);
        let write = Write {
            doc: &mut resident.doc,
            before,
            changes: &changes,
        };
        let Err(refusal) = self.policy.check_write(&connection.peer, &id, write) else {
            return Ok(Written::Applied(Some(Accepted { changes, joined })));
        };
        // Rolling back also drops what automerge held back.
        resident.waiting.clear();
        if !roll_back(&mut resident.doc, before) {
            // Cannot happen (the old heads are in the document), but if it
            // did, forgetting the document is the safe way back.
            self.persist_failed(id);
        }
        if refusal.not_yet && may_wait {
            return Ok(Written::Waits);
        }
        let mut data: Vec<u8> = chunks.iter().flatten().copied().collect();
        data.extend(joined);
        self.out.push(Effect::Quarantine {
            conn,
            document: id,
            reason: refusal.reason.clone(),
            data,
        });
        Err(ProtocolError::Refused(refusal.reason))
    }

    /// Generates and sends sync messages for `id` to every connection syncing
    /// it — but only if everything in the document is durable.
    pub(super) fn flush(&mut self, id: DocumentId) {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        if !resident.durable() {
            return;
        }
        let Some(conns) = self.subscribers.get(&id) else {
            return;
        };
        let request = self.config.role == Role::Initiate && resident.doc.is_empty();
        for conn in conns {
            let Some(connection) = self.conns.get_mut(conn) else {
                continue;
            };
            let Some(remote) = connection.remote().cloned() else {
                continue;
            };
            let Some(session) = connection.sessions.get_mut(&id) else {
                continue;
            };
            if session.waiting {
                if resident.doc.is_empty() {
                    continue;
                }
                session.waiting = false;
            }
            if let Some(message) = resident
                .doc
                .sync()
                .generate_sync_message(&mut session.state)
            {
                if !message.changes.is_empty() {
                    self.out.push(Effect::Disclosed {
                        conn: *conn,
                        document: id,
                    });
                }
                let doc_message = DocMessage {
                    sender_id: self.config.peer_id.clone(),
                    target_id: remote,
                    document_id: id,
                    data: message.encode(),
                };
                let message = if request {
                    Message::Request(doc_message)
                } else {
                    Message::Sync(doc_message)
                };
                self.out.push(Effect::Send {
                    conn: *conn,
                    frame: wire::encode(&message),
                });
            }
        }
    }
}
