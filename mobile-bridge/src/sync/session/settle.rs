//! Settling documents after each step: those whose heads the server
//! announced are recorded as in sync, and a new version of the caseload
//! index is acted upon (purges noted, new documents opened).

use std::collections::BTreeSet;

use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::sync::Event;
use alongside_shared::wire::DocumentId;
use automerge::ChangeHash;

use super::{CONN, Run, lock, sorted};
use crate::storage::DeviceStore;
use crate::sync::caseload::instructions;
use crate::sync::error::SyncError;
use crate::sync::report::SyncIssue;

impl<S: DeviceStore> Run<S> {
    /// Marks documents whose heads the server announced as in sync, and
    /// acts on a new version of the caseload index.
    pub(super) fn settle(&mut self) {
        let newly: Vec<(DocumentId, Vec<ChangeHash>)> = self
            .remaining()
            .filter_map(|id| {
                let server = sorted(self.conn.hub.peer_heads(CONN, id)?.to_vec());
                let local = self.local_heads.get(id)?;
                (!server.is_empty() && server == *local && self.conn.hub.is_durable(id))
                    .then_some((*id, server))
            })
            .collect();
        for (id, heads) in newly {
            let recorded = lock(&self.store).and_then(|mut s| s.set_server_heads(&id, &heads));
            match recorded {
                Ok(()) => {
                    self.in_sync.insert(id);
                }
                Err(e) => {
                    self.failed.insert(id);
                    self.conn.fatal = Some(SyncError::Storage(e));
                }
            }
        }
        self.follow_index();
    }

    /// Once the index is in sync at heads not yet acted upon: purge what it
    /// says to purge, open what the device should hold and does not.
    fn follow_index(&mut self) {
        let Some(index) = self.index else {
            return;
        };
        if !self.in_sync.contains(&index) {
            return;
        }
        let heads = self.local_heads.get(&index).cloned();
        if heads.is_none() || self.index_done == heads {
            return;
        }
        self.index_done = heads;
        let Some(doc) = self.conn.hub.document(&index) else {
            return;
        };
        let read = match read_caseload_index(doc) {
            Ok(read) => read,
            Err(e) => {
                self.report.errors.push(SyncIssue::new(
                    Some(index),
                    format!("the caseload index does not read: {e}"),
                ));
                return;
            }
        };
        let told = instructions(&read);
        for key in told.bad_keys {
            self.report.errors.push(SyncIssue::new(
                Some(index),
                format!("the caseload index names {key:?}, not a document id"),
            ));
        }
        let held: BTreeSet<DocumentId> = match lock(&self.store).and_then(|s| s.document_ids()) {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => {
                self.conn.fatal = Some(SyncError::Storage(e));
                return;
            }
        };
        for id in told.purge {
            if self.purged.contains(&id) || id == index {
                continue;
            }
            if !held.contains(&id) {
                // Not stored: make sure nothing of it is stored later.
                self.purged.insert(id);
                continue;
            }
            // Deleted after the connection, once the purge is recorded.
            self.purged.insert(id);
            self.to_purge.insert(id);
        }
        // Documents already held are synced when they changed (the plan
        // says which); only the ones not held are new.
        let new: Vec<DocumentId> = told
            .hold
            .into_iter()
            .filter(|id| {
                !held.contains(id) && !self.wanted.contains(id) && !self.purged.contains(id)
            })
            .collect();
        for document in new {
            self.wanted.insert(document);
            let effects = self.conn.hub.handle(Event::Open { document });
            self.carry_out(effects);
        }
    }
}
