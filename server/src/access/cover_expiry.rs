//! Covers granted until a day end by themselves (`admin cover --until`).
//!
//! Each server node checks for covers whose end has passed every
//! `--cover-check-secs` and ends them as `admin cover --end` would: the
//! colleague's live sessions lose access (the change is announced to every
//! node), their caseload index tells their devices to purge the record and
//! its logs, and the end is audited as `cover_ended`. Nodes checking at
//! once end each cover once: the delete only succeeds for one of them, and
//! not at all for a cover an administrator extended meanwhile. Until a
//! check runs, reloading access already leaves an expired cover out.

use std::time::Duration;

use tokio::sync::watch;
use tracing::{info, warn};

use super::caseload::{self, CaseloadError};
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::db::Db;

/// Ends every cover whose end has passed; returns how many this call
/// ended.
pub async fn end_expired(db: &Db) -> Result<usize, CaseloadError> {
    let mut ended = 0;
    for (participant, peer) in db.expired_covers().await? {
        let record = AuditRecord::new(AuditAction::CoverEnded, AuditOutcome::Allowed)
            .document(participant)
            .detail(format!("cover by user {peer} reached its end"));
        if caseload::end_expired_cover(db, participant, peer, &record).await? {
            info!(%participant, %peer, "cover ended at its end time");
            ended += 1;
        }
    }
    Ok(ended)
}

/// Runs [`end_expired`] every `every` until `stop` turns true.
pub async fn run(db: Db, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                if let Err(e) = end_expired(&db).await {
                    // The database may be away: the next tick tries again.
                    warn!(error = %e, "checking covers' end times failed");
                }
            }
            _ = stop.changed() => return,
        }
    }
}
