//! One writer of caseload index edits per server process.
//!
//! Every new document is listed in its owner's index. Done one task per
//! document, a storm of new documents would open as many database
//! transactions at once, each loading and rewriting the same few indexes,
//! and starve the persists that devices wait for. This task takes edits
//! from a queue instead, groups what has queued by user, and applies each
//! user's edits as one change — one database connection, and a cost that
//! falls as the load rises.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::warn;
use uuid::Uuid;

use super::caseload::{self, IndexEdit};
use crate::db::Db;

/// Most edits taken from the queue per round.
const BATCH: usize = 4096;
/// Attempts per user and round before the edits are given up (and logged).
const ATTEMPTS: u32 = 5;

/// A handle on the writer task.
#[derive(Clone, Debug)]
pub struct IndexWriter {
    queue: mpsc::UnboundedSender<(Uuid, IndexEdit)>,
}

impl IndexWriter {
    /// Starts the writer task.
    pub fn start(db: Db) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<(Uuid, IndexEdit)>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut by_user: BTreeMap<Uuid, Vec<IndexEdit>> = BTreeMap::new();
                by_user.entry(first.0).or_default().push(first.1);
                let mut taken = 1;
                while taken < BATCH {
                    let Ok((user, edit)) = rx.try_recv() else {
                        break;
                    };
                    by_user.entry(user).or_default().push(edit);
                    taken += 1;
                }
                for (user, edits) in by_user {
                    write(&db, user, &edits).await;
                }
            }
        });
        Self { queue }
    }

    /// Queues an edit of `user`'s index.
    pub fn queue(&self, user: Uuid, edit: IndexEdit) {
        if self.queue.send((user, edit)).is_err() {
            warn!(%user, "caseload index writer stopped; edit dropped");
        }
    }
}

async fn write(db: &Db, user: Uuid, edits: &[IndexEdit]) {
    let mut pause = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match caseload::update(db, user, edits).await {
            Ok(()) => return,
            Err(e) if attempt == ATTEMPTS => {
                warn!(%user, error = %e, edits = edits.len(), "caseload index not updated; giving up");
            }
            Err(e) => {
                warn!(%user, error = %e, attempt, "caseload index not updated; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
}
