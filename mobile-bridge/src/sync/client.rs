//! The sync client: [`SyncClient::sync_now`] asks the server's change feed
//! which held documents changed (see [`super::feed`]), connects, syncs those
//! and the ones with local changes (every held document when there is no
//! feed) and the caseload index, obeys the index's purge list, fetches
//! newly listed documents, and reports what happened.
//!
//! A write the server refuses closes the connection (the protocol answers
//! it with `error`, which does not name the document). The suspects are the
//! documents whose changes the server had not acknowledged. One suspect is
//! the refused document: it is reported and set aside for this sync. With
//! several, half of them are held back and the client reconnects, halving
//! until the refused document is found; the documents held back are synced
//! on a later connection. Connections per sync are bounded; whatever is
//! left is reported, never dropped silently. Any other failure
//! ends the sync with an error; what was stored before it stays stored, and
//! the next attempt starts over on a new connection.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use alongside_shared::wire::DocumentId;
use tokio::time::Instant;

use super::config::SyncConfig;
use super::error::SyncError;
use super::report::{News, SyncIssue, SyncReport};
use super::session::{Ended, Run, lock};
use super::transport::{self, Refusal};
use super::{feed, purge};
use crate::storage::DeviceStore;

/// Most connections one sync opens (each refused write costs a few).
const MAX_CONNECTIONS: u32 = 12;

/// Syncs a device's store with its server.
pub struct SyncClient<S> {
    config: SyncConfig,
    store: Arc<Mutex<S>>,
    running: tokio::sync::Mutex<()>,
}

impl<S: DeviceStore + 'static> SyncClient<S> {
    /// A client for `store`, shared with the app's editing API (each store
    /// call holds the lock briefly; none is held while waiting on the
    /// network).
    pub fn new(config: SyncConfig, store: Arc<Mutex<S>>) -> Self {
        Self {
            config,
            store,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// The store this client syncs.
    pub fn store(&self) -> &Arc<Mutex<S>> {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Syncs once: see the [module documentation](self). Returns
    /// [`SyncError::Busy`] if a sync is already running.
    pub async fn sync_now(&self) -> Result<SyncReport, SyncError> {
        let Ok(_running) = self.running.try_lock() else {
            return Err(SyncError::Busy);
        };
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        let (held, unacknowledged, cursor) = {
            let store = lock(&self.store)?;
            let held: BTreeSet<DocumentId> = store.document_ids()?.into_iter().collect();
            (held, store.unacknowledged()?, store.sync_cursor()?)
        };
        let plan = match feed::plan(&self.config, cursor.as_deref(), held, unacknowledged).await {
            Ok(plan) => plan,
            Err(SyncError::Revoked { .. }) => return Err(self.purge_everything()),
            Err(e) => return Err(e),
        };
        let mut run = Run::new(
            self.store.clone(),
            self.config.caseload_index,
            self.config.peer_id.clone(),
            plan.wanted,
        );
        run.report.narrowed_by_change_feed = plan.narrowed;
        if let Some((sent, received)) = plan.exchanged {
            // The feed's request and answer count as one message each way.
            run.report.messages_sent += 1;
            run.report.messages_received += 1;
            run.report.bytes_sent += sent;
            run.report.bytes_received += received;
        }
        loop {
            let socket = match transport::connect(&self.config).await {
                Ok(socket) => socket,
                Err(Ok(Refusal::Revoked)) => return Err(self.purge_everything()),
                Err(Ok(Refusal::Unauthorized)) => return Err(SyncError::Unauthorized),
                Err(Err(e)) => return Err(e),
            };
            let ended = run.connection(socket, deadline).await?;
            if let Ended::Refused(message) = ended {
                let suspects = run.unacknowledged_sent();
                match suspects.as_slice() {
                    [] => {
                        return Err(SyncError::Protocol(format!(
                            "the server closed the connection: {message}"
                        )));
                    }
                    [refused] => {
                        run.failed.insert(*refused);
                        run.report.errors.push(SyncIssue::new(
                            Some(*refused),
                            format!("the server refused the changes: {message}"),
                        ));
                    }
                    several => {
                        let keep = several.len().div_ceil(2);
                        run.deferred.extend(several[keep..].iter().copied());
                    }
                }
                // A new connection re-offers what was not acknowledged.
                for id in &suspects {
                    run.sent.remove(id);
                }
            } else if run.deferred.is_empty() {
                break;
            } else {
                run.deferred.clear();
            }
            if run.report.connections >= MAX_CONNECTIONS {
                run.deferred.clear();
                break;
            }
            if run.finished() && run.deferred.is_empty() {
                break;
            }
        }
        for id in std::mem::take(&mut run.to_purge) {
            match purge::hand_over(&self.config, &self.store, &id).await {
                Ok(()) => run.report.purged.push(id),
                Err(e) => run.report.errors.push(SyncIssue::new(
                    Some(id),
                    format!("access ended; the copy is kept until its purge can be recorded: {e}"),
                )),
            }
        }
        // Refused writes stay unacknowledged and unpurged copies stay
        // listed under purge: both are retried whatever the cursor says.
        let complete = run.remaining().next().is_none() && run.deferred.is_empty();
        if let (true, Some(cursor)) = (complete, &plan.cursor) {
            lock(&self.store)?.set_sync_cursor(cursor)?;
        }
        run.report.news = self.news(&run.heads_before)?;
        Ok(finish(run, started))
    }

    /// The review news in the documents that received changes.
    fn news(
        &self,
        heads_before: &std::collections::HashMap<DocumentId, Vec<automerge::ChangeHash>>,
    ) -> Result<Vec<News>, SyncError> {
        let store = lock(&self.store)?;
        let mut news: Vec<News> = heads_before
            .iter()
            .filter(|(_, before)| !before.is_empty())
            .flat_map(|(document, before)| {
                store
                    .review_news(document, before)
                    .into_iter()
                    .map(|review| News {
                        document: *document,
                        review,
                    })
            })
            .collect();
        news.sort_by_key(|n| (n.review.at, n.review.review_id));
        Ok(news)
    }

    /// A revoked device deletes every document it holds.
    fn purge_everything(&self) -> SyncError {
        let (mut purged, mut failed) = (0, 0);
        let ids = lock(&self.store).and_then(|s| s.document_ids());
        match ids {
            Ok(ids) => {
                for id in ids {
                    match lock(&self.store).and_then(|mut s| s.purge(&id)) {
                        Ok(()) => purged += 1,
                        Err(_) => failed += 1,
                    }
                }
            }
            Err(_) => failed += 1,
        }
        SyncError::Revoked { purged, failed }
    }
}

/// The report of a completed run.
fn finish<S: DeviceStore>(mut run: Run<S>, started: Instant) -> SyncReport {
    for id in run.remaining().copied().collect::<Vec<_>>() {
        run.report.errors.push(SyncIssue::new(
            Some(id),
            "not in sync after the server refused a write",
        ));
    }
    for id in &run.unavailable {
        if !run.purged.contains(id) && !run.failed.contains(id) {
            run.report.errors.push(SyncIssue::new(
                Some(*id),
                "the server did not share this document",
            ));
        }
    }
    let mut report = std::mem::take(&mut run.report);
    report.documents_sent = run.sent.len();
    report.documents_received = run.received.len();
    report.conflicts_merged = run.sent.intersection(&run.received).count();
    report.in_sync = run.in_sync.len();
    report.duration = started.elapsed();
    report
}
