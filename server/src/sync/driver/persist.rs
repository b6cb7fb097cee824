//! Storage work of a shard: loading a document, committing what its hub
//! handed out to persist (everything queued for a document in one
//! transaction, with its claim, actor bindings and audit records), and
//! compacting a document's chunks. Each runs as a task on the runtime and
//! reports back through the shard's input.

use std::time::Instant;

use alongside_shared::sync::ConnId;
use alongside_shared::wire::DocumentId;
use tracing::warn;

use super::access::{self, Batch, claim_row};
use super::fetch::fetch;
use super::{Driver, Internal};
use crate::audit::{AuditAction, AuditOutcome};
use crate::db::access::WriteGuard;
use crate::db::documents::{NewChunk, Projected};
use crate::metrics::Metrics;
use crate::projection::Projection;
use crate::store::codec;
use crate::sync::Input;
use crate::sync::policy::ConnPeer;

/// A merge waiting to be committed.
pub(super) struct Pending {
    pub(super) seq: u64,
    pub(super) chunk: NewChunk,
    /// The document's projection right after this merge.
    pub(super) projection: Projection,
    /// The document's heads right after this merge.
    pub(super) heads: Vec<[u8; 32]>,
    /// The connection the changes came from, and who it is.
    pub(super) from: Option<(ConnId, ConnPeer)>,
}

impl Driver {
    pub(super) fn load(&mut self, document: DocumentId) {
        Metrics::inc(&self.metrics.loads);
        self.cursors.loading(document);
        let db = self.db.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let fetched = fetch(&db, document).await;
            let _ = input.send(Input::Internal(Internal::Loaded {
                document,
                result: fetched.result,
                bytes: fetched.bytes,
                through: fetched.through,
                access: fetched.access,
                bindings: fetched.bindings,
            }));
        });
    }

    /// Commits everything queued for `document` in one transaction, unless a
    /// persist of it is already running.
    pub(super) fn start_persist(&mut self, document: DocumentId) {
        if self.in_flight.contains(&document) {
            return;
        }
        let Some(queue) = self.queued.remove(&document) else {
            return;
        };
        let Some(last) = queue.back() else {
            return;
        };
        let seq = last.seq;
        // The latest projection covers every merge in the batch.
        let projection = last.projection.clone();
        let heads = last.heads.clone();
        let display_name = match &projection {
            Projection::Participant(rows) => Some(rows.display_name.clone()),
            _ => None,
        };
        let claim = self.hub.policy_mut().take_claim(document.to_uuid());
        let mut batch = Batch {
            guard: WriteGuard {
                claim: claim.and_then(|c| claim_row(document, c)),
                bindings: Vec::new(),
                audit: Vec::new(),
            },
            claim,
            writers: Vec::new(),
            display_name,
        };
        let mut chunks: Vec<NewChunk> = Vec::with_capacity(queue.len());
        for pending in queue {
            let device = pending
                .from
                .as_ref()
                .and_then(|(_, p)| p.principal.device_id);
            batch.guard.bindings.extend(
                pending
                    .chunk
                    .changes
                    .iter()
                    .map(|c| (c.actor.clone(), device)),
            );
            if let Some((conn, peer)) = pending.from {
                let detail = format!("{} change(s)", pending.chunk.changes.len());
                batch.guard.audit.push(
                    access::record(&peer, AuditAction::WriteAccepted, AuditOutcome::Allowed)
                        .document(document.to_uuid())
                        .detail(detail),
                );
                batch.writers.push((conn, peer, pending.chunk.data.clone()));
            }
            chunks.push(pending.chunk);
        }
        let bytes = chunks.iter().map(|c| c.data.len()).sum();
        self.in_flight.insert(document);
        let db = self.db.clone();
        let node = self.settings.node.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = db
                .persist(
                    &node,
                    &chunks,
                    Some(Projected {
                        rows: &projection,
                        heads: &heads,
                        from_stored: codec::project_stored,
                    }),
                    &batch.guard,
                )
                .await;
            let _ = input.send(Input::Internal(Internal::Persisted {
                document,
                seq,
                result,
                bytes,
                took: started.elapsed(),
                batch,
            }));
        });
    }

    pub(super) fn compact(&self, document: DocumentId) {
        let db = self.db.clone();
        let metrics = self.metrics.clone();
        tokio::spawn(async move {
            match db.compact(document.to_uuid(), codec::fold).await {
                Ok(n) if n > 0 => Metrics::inc(&metrics.compactions),
                Ok(_) => {}
                Err(e) => warn!(%document, error = %e, "compaction failed"),
            }
        });
    }
}
