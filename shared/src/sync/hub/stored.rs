//! Merging what storage holds into a resident document: changes another
//! server node committed (or, on a device, what its own store holds).
//!
//! Stored changes are durable already, so they do not move the persistence
//! watermark. A peer's change that automerge holds back for a missing
//! dependency is the delicate part. It must not join the document through
//! a stored change, unchecked by the policy and never persisted. Nor may it
//! be lost: a live peer has recorded it as sent and does not send it again
//! in the session, so every later edit of that peer would wait behind it
//! for as long as the connection lasts. It is taken out of the document
//! before the merge and offered again afterwards, as a write of the
//! connection that sent it.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use automerge::sync;

use super::messages::Written;
use super::{Accepted, DocEntry, Hub, Queued, roll_back};
use crate::sync::event::{ConnId, Effect};
use crate::sync::policy::Policy;
use crate::wire::DocumentId;

impl<P: Policy> Hub<P> {
    pub(super) fn stored_changes(&mut self, id: DocumentId, bytes: Vec<u8>) {
        match self.docs.get_mut(&id) {
            Some(DocEntry::Loading(queue)) => queue.push(Queued::Stored(bytes)),
            Some(DocEntry::Resident(_)) => {
                self.merge_stored(id, &bytes);
                self.flush(id);
            }
            None => {
                // Not in memory: only load it if a peer is syncing it.
                if self.subscribers.contains_key(&id) {
                    self.docs.insert(id, DocEntry::Loading(Vec::new()));
                    self.out.push(Effect::Load { document: id });
                }
            }
        }
    }

    pub(super) fn merge_stored(&mut self, id: DocumentId, bytes: &[u8]) {
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        let held = std::mem::take(&mut resident.waiting);
        if !held.is_empty() {
            // Rolling back to the document's own heads drops what automerge
            // holds back, so that nothing joins through the merge.
            let heads = resident.doc.get_heads();
            if !roll_back(&mut resident.doc, &heads) {
                // Cannot happen (its own heads are in the document); if it
                // did, forgetting the document is the safe way back.
                self.persist_failed(id);
                return;
            }
        }
        // A chunk that does not parse is skipped (it was validated when
        // first stored).
        let _ = resident.doc.load_incremental(bytes);
        resident.last_active_ms = self.now_ms;
        let mut by_conn: BTreeMap<ConnId, Vec<(ChangeHash, Vec<u8>)>> = BTreeMap::new();
        for (hash, held) in held {
            by_conn
                .entry(held.conn)
                .or_default()
                .push((hash, held.bytes));
        }
        for (conn, mut changes) in by_conn {
            changes.sort();
            self.offer_held(conn, id, changes);
        }
    }

    /// Offers changes `conn` sent earlier, held back then, as its write
    /// again: those whose dependencies are here now join (checked and
    /// persisted like any write), the others keep waiting. A connection
    /// that has gone sends them again when it next syncs.
    fn offer_held(&mut self, conn: ConnId, id: DocumentId, changes: Vec<(ChangeHash, Vec<u8>)>) {
        let syncing = self
            .conns
            .get(&conn)
            .is_some_and(|c| c.sessions.contains_key(&id));
        let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
            return;
        };
        if !syncing {
            return;
        }
        let before = resident.doc.get_heads();
        let (hashes, bytes): (Vec<ChangeHash>, Vec<Vec<u8>>) = changes.into_iter().unzip();
        let chunks = sync::ChunkList::from(bytes);
        // Decided now: these changes are not the peer's latest message, so
        // there is nothing to hold in order behind.
        match self.apply_write(conn, id, &before, &chunks, false) {
            Ok(Written::Applied(Some(Accepted { changes, joined }))) => {
                let Some(DocEntry::Resident(resident)) = self.docs.get_mut(&id) else {
                    return;
                };
                let mut data = Vec::new();
                for (hash, chunk) in hashes.iter().zip(chunks.iter()) {
                    if resident.doc.get_change_meta_by_hash(hash).is_some() {
                        data.extend_from_slice(chunk);
                    }
                }
                data.extend(joined);
                self.persist_new(id, Some(conn), data, changes);
            }
            // Still waiting for what they depend on (held again).
            Ok(Written::Applied(None) | Written::Waits) => {}
            Err(error) => self.reject(conn, Some(id), error),
        }
    }
}
