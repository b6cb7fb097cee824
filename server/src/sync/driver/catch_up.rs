//! Keeping each document the hub holds in step with what is stored.
//!
//! Other writers (another server node, the console, the caseload indexes)
//! commit to documents this node holds in memory; their commits are
//! announced with `NOTIFY`. A notice names only one chunk of a commit that
//! may have written several, and notices sent while the `LISTEN`
//! connection is down are lost; so the driver never fetches what a notice
//! names. It keeps, per held document, a cursor: the last stored chunk its
//! copy covers (per document, chunk ids grow in commit order, see
//! [`crate::db::stored_since`]). On a notice it reads everything stored
//! after the cursor, one read per document at a time (a notice arriving
//! meanwhile asks for one more read once it is back), merges it as stored
//! changes and moves the cursor on. When the `LISTEN` connection is
//! (re-)established, every held document is read that way. This node's own
//! commits are in its copy already: their chunks are skipped.

use std::collections::{BTreeSet, HashMap, HashSet};

use alongside_shared::sync::Event;
use alongside_shared::wire::DocumentId;
use tracing::{debug, warn};

use super::{Driver, Internal};
use crate::db::DbError;
use crate::db::notify::Announcement;
use crate::db::stored_since::StoredSince;
use crate::sync::Input;

/// Per-document cursors into the store, and the reads in progress.
#[derive(Default)]
pub(super) struct Cursors {
    /// Per document the hub holds: the last stored chunk its copy covers.
    last: HashMap<DocumentId, i64>,
    /// This node's own chunks after the cursor (its copy holds them).
    own: HashMap<DocumentId, BTreeSet<i64>>,
    /// Documents being read; `true` when another read is due after it.
    reading: HashMap<DocumentId, bool>,
    /// Documents the hub asked to load and that are not back yet.
    loading: HashSet<DocumentId>,
    /// Documents to read once their load is back (a notice came meanwhile).
    after_load: HashSet<DocumentId>,
    /// Documents whose read failed, to read again on the next tick.
    retry: HashSet<DocumentId>,
}

impl Cursors {
    /// The hub asked to load `document`.
    pub(super) fn loading(&mut self, document: DocumentId) {
        self.loading.insert(document);
    }

    /// A load came back; `through` is the last chunk it covers, when it
    /// is now held.
    pub(super) fn loaded(&mut self, document: DocumentId, through: Option<i64>) {
        self.loading.remove(&document);
        if let Some(through) = through {
            let last = self.last.entry(document).or_insert(through);
            *last = (*last).max(through);
        }
    }

    /// This node committed `chunks` of `document`.
    pub(super) fn committed(&mut self, document: DocumentId, chunks: &[i64]) {
        let Some(last) = self.last.get(&document) else {
            return;
        };
        let own = self.own.entry(document).or_default();
        own.extend(chunks.iter().copied().filter(|id| id > last));
    }

    /// The hub dropped `document` from memory.
    pub(super) fn forget(&mut self, document: DocumentId) {
        self.last.remove(&document);
        self.own.remove(&document);
        self.after_load.remove(&document);
    }

    /// Documents whose read failed, cleared.
    pub(super) fn take_retries(&mut self) -> Vec<DocumentId> {
        self.retry.drain().collect()
    }
}

impl Driver {
    /// Another writer committed to `a.document`: catch up if this node
    /// cares about the document.
    pub(super) fn announced(&mut self, a: Announcement) {
        if a.node == self.settings.node {
            return;
        }
        let document = DocumentId::from_uuid(a.document);
        if self.hub.is_tracked(&document) {
            debug!(%document, chunk = a.chunk, node = %a.node, "another writer committed");
            self.catch_up(document);
        }
    }

    /// The `LISTEN` connection is (re-)established: notices may have been
    /// lost while it was down, so every held document catches up.
    pub(super) fn relistened(&mut self) {
        let held: Vec<DocumentId> = self.hub.resident_documents().copied().collect();
        debug!(documents = held.len(), "listening for commits; catching up");
        for document in held {
            self.catch_up(document);
        }
        let loading: Vec<DocumentId> = self.cursors.loading.iter().copied().collect();
        self.cursors.after_load.extend(loading);
    }

    /// A load came back and was handed to the hub: read what was committed
    /// meanwhile, if a notice said so.
    pub(super) fn after_load(&mut self, document: DocumentId) {
        if self.cursors.after_load.remove(&document) {
            self.catch_up(document);
        }
    }

    /// Reads what is stored of `document` after its cursor.
    pub(super) fn catch_up(&mut self, document: DocumentId) {
        if self.cursors.loading.contains(&document) {
            // The load may have read the store before the commit.
            self.cursors.after_load.insert(document);
            return;
        }
        let after = match self.cursors.last.get(&document) {
            Some(after) if self.hub.document(&document).is_some() => *after,
            _ => {
                // Not in memory though a peer syncs it: the hub loads it.
                if self.hub.is_tracked(&document) {
                    self.handle(Event::StoredChanges {
                        document,
                        bytes: Vec::new(),
                    });
                }
                return;
            }
        };
        if let Some(again) = self.cursors.reading.get_mut(&document) {
            *again = true;
            return;
        }
        self.cursors.reading.insert(document, false);
        let skip: Vec<i64> = self
            .cursors
            .own
            .get(&document)
            .map(|own| own.iter().copied().collect())
            .unwrap_or_default();
        let db = self.db.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let result = db.stored_since(document.to_uuid(), after, &skip).await;
            let _ = input.send(Input::Internal(Internal::CaughtUp { document, result }));
        });
    }

    /// A read of what `document` lacked came back.
    pub(super) fn caught_up(
        &mut self,
        document: DocumentId,
        result: Result<Option<StoredSince>, DbError>,
    ) {
        let again = self.cursors.reading.remove(&document).unwrap_or(false);
        match result {
            Ok(Some(since)) if self.hub.document(&document).is_some() => {
                if !since.pieces.is_empty() {
                    debug!(%document, pieces = since.pieces.len(), through = since.through, "merging stored changes");
                    self.handle(Event::StoredChanges {
                        document,
                        bytes: since.pieces.concat(),
                    });
                }
                if self.hub.document(&document).is_some()
                    && let Some(last) = self.cursors.last.get_mut(&document)
                {
                    *last = (*last).max(since.through);
                    let through = *last;
                    if let Some(own) = self.cursors.own.get_mut(&document) {
                        own.retain(|id| *id > through);
                    }
                }
            }
            // Dropped from memory meanwhile: a load reads it afresh.
            Ok(_) => {}
            Err(e) => {
                warn!(%document, error = %e, "cannot read what other writers committed; retrying");
                self.cursors.retry.insert(document);
            }
        }
        if again {
            self.catch_up(document);
        }
    }
}
