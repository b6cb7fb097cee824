//! The node's tasks that feed every shard: the clock, the `LISTEN`
//! connection (each notice goes to the shard of its document), and the
//! first load of the access table, which the shards wait for.

use std::sync::Arc;
use std::time::Duration;

use alongside_shared::wire::DocumentId;
use tokio::sync::watch;
use tracing::{debug, warn};

use super::Internal;
use crate::access::AccessTable;
use crate::db::Db;
use crate::db::access::AccessSnapshot;
use crate::db::notify::Notice;
use crate::sync::Input;
use crate::sync::node_access::NodeAccess;
use crate::sync::router::Router;

/// Loads the access table, retrying while the database is unreachable,
/// then tells the shards they may start.
pub(super) fn load_access(db: Db, access: Arc<NodeAccess>, loaded: watch::Sender<bool>) {
    tokio::spawn(async move {
        let snapshot = loop {
            match db.access_snapshot(true).await {
                Ok(snapshot) => break snapshot,
                Err(e) => {
                    warn!(error = %e, "cannot load access data yet; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        *access.table_mut() = AccessTable::from_snapshot(&snapshot);
        let _ = loaded.send(true);
    });
}

/// Ticks every shard once a second.
pub(super) fn ticker(router: Router) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            if !router.to_all(|| Input::Internal(Internal::Tick)) {
                return;
            }
        }
    });
}

/// Listens for other nodes' commits; reconnects with a pause on failure.
/// Each time listening (re)starts, every shard is told, so that it catches
/// up with what was committed while nobody listened.
pub(super) fn listener(db: Db, router: Router) {
    tokio::spawn(async move {
        let relistened = || router.to_all(|| Input::Internal(Internal::Relistened));
        loop {
            match db.listen().await {
                Ok(mut listener) => {
                    if !relistened() {
                        return;
                    }
                    loop {
                        match listener.next().await {
                            Ok(Some(notice)) => {
                                if !route_notice(&router, notice) {
                                    return;
                                }
                            }
                            Ok(None) => {
                                warn!("notification connection lost; reconnected");
                                if !relistened() {
                                    return;
                                }
                            }
                            Err(e) => {
                                warn!(error = %e, "notification listener failed");
                                break;
                            }
                        }
                    }
                }
                Err(e) => debug!(error = %e, "cannot listen for notifications yet"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// Sends a notice to the shard it concerns: a commit or an access row to
/// its document's shard; a change of accounts to shard 0, which reloads
/// them for all.
fn route_notice(router: &Router, notice: Notice) -> bool {
    match notice {
        Notice::Commit(a) => {
            let document = DocumentId::from_uuid(a.document);
            router.to_document(&document, Input::Internal(Internal::Announced(a)))
        }
        Notice::Access(Some(row)) => {
            let document = DocumentId::from_uuid(row.document);
            router.to_document(
                &document,
                Input::Internal(Internal::AccessRow {
                    document,
                    row: Some(row),
                }),
            )
        }
        Notice::Access(None) => router.to_shard(
            0,
            Input::Internal(Internal::Accounts(AccessSnapshot::default())),
        ),
    }
}
