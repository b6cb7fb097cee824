//! Carrying out the hub's effects for one connection: frames to the
//! outbox, loads answered from the store, persists appended to the store
//! before they are confirmed, and what the effects say about each
//! document.

use std::collections::VecDeque;

use alongside_shared::sync::{Effect, Event, LoadResult};
use alongside_shared::wire::DocumentId;

use super::{Run, lock, sorted};
use crate::storage::{DeviceStore, StorageError};
use crate::sync::error::SyncError;
use crate::sync::report::SyncIssue;

/// Bound on the persist → confirm → send chain of one input.
const MAX_EFFECTS_PER_INPUT: usize = 1_000_000;

impl<S: DeviceStore> Run<S> {
    pub(super) fn carry_out(&mut self, effects: Vec<Effect>) {
        let mut work: VecDeque<Effect> = effects.into();
        let mut done = 0usize;
        while let Some(effect) = work.pop_front() {
            done += 1;
            if done > MAX_EFFECTS_PER_INPUT {
                self.conn.fatal = Some(SyncError::Protocol(
                    "the sync core produced too many effects".into(),
                ));
                return;
            }
            let follow = match effect {
                Effect::Send { frame, .. } => {
                    self.conn.outbox.push(frame);
                    continue;
                }
                Effect::Close { .. } => {
                    self.conn.closed = true;
                    continue;
                }
                Effect::Load { document } => {
                    let result = self.load(document);
                    self.conn.hub.handle(Event::Loaded { document, result })
                }
                Effect::Persist {
                    document,
                    seq,
                    data,
                    heads,
                    from,
                    ..
                } => match self.persist(document, &data) {
                    // A purged document is not stored again; leaving the
                    // persist unconfirmed stops the hub from syncing it.
                    None => continue,
                    Some(Ok(())) => {
                        let previous = self.local_heads.insert(document, sorted(heads));
                        if from.is_some() {
                            self.received.insert(document);
                            self.heads_before
                                .entry(document)
                                .or_insert_with(|| previous.unwrap_or_default());
                        }
                        self.conn.hub.handle(Event::Persisted { document, seq })
                    }
                    Some(Err(e)) => {
                        self.failed.insert(document);
                        self.conn.fatal = Some(SyncError::Storage(e));
                        self.conn.hub.handle(Event::PersistFailed { document, seq })
                    }
                },
                Effect::Unavailable { document, .. } => {
                    self.unavailable.insert(document);
                    continue;
                }
                Effect::Disclosed { document, .. } => {
                    self.sent.insert(document);
                    continue;
                }
                Effect::Rejected {
                    document, error, ..
                } => {
                    self.report.errors.push(SyncIssue::new(
                        document,
                        format!("the device refused the server's input: {error}"),
                    ));
                    self.conn.refused_input = Some(error.to_string());
                    continue;
                }
                Effect::PeerReady { .. }
                | Effect::Ephemeral { .. }
                | Effect::Quarantine { .. }
                | Effect::Denied { .. }
                | Effect::UnavailableFromMemory { .. }
                | Effect::Evicted { .. } => continue,
            };
            work.extend(follow);
        }
    }

    fn load(&mut self, id: DocumentId) -> LoadResult {
        let loaded = lock(&self.store).and_then(|s| s.load(&id));
        match loaded {
            Ok(Some(mut doc)) => {
                self.local_heads.insert(id, sorted(doc.get_heads()));
                LoadResult::Found(Box::new(doc))
            }
            Ok(None) => {
                self.local_heads.insert(id, Vec::new());
                LoadResult::NotFound
            }
            Err(e) => {
                self.failed.insert(id);
                self.report
                    .errors
                    .push(SyncIssue::new(Some(id), format!("could not load: {e}")));
                LoadResult::Failed(e.to_string())
            }
        }
    }

    /// Stores what the hub asks to persist; `None` for a purged document.
    fn persist(&mut self, id: DocumentId, data: &[u8]) -> Option<Result<(), StorageError>> {
        if self.purged.contains(&id) {
            return None;
        }
        Some(lock(&self.store).and_then(|mut s| s.append(&id, data)))
    }
}
