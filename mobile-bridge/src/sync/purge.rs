//! Deleting a document the user lost access to without losing what was
//! typed into it: before the copy is deleted, the purge is recorded with the
//! server (`POST /api/v1/purges`, `docs/security.md`), carrying the changes the
//! server never acknowledged. The server cannot merge them (the user may no
//! longer write the document) and keeps them in quarantine for an
//! administrator. If the server cannot be told, the copy stays and the next
//! sync tries again; nothing is deleted unrecorded.

use std::sync::{Arc, Mutex};

use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::api_client::ApiClient;
use super::config::SyncConfig;
use super::error::SyncError;
use super::server_url::ServerUrl;
use super::session::lock;
use crate::storage::DeviceStore;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PurgeReport {
    document: String,
    unsynced: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recorded {
    #[allow(dead_code)]
    quarantined: Option<i64>,
}

/// The changes of `doc` not covered by `server_heads`, as chunk bytes
/// (`None`: the server has everything). Heads the document does not know
/// (never the case for heads the store recorded) count as nothing known.
pub(crate) fn unsynced(doc: &mut AutoCommit, server_heads: &[ChangeHash]) -> Option<Vec<u8>> {
    let known = server_heads
        .iter()
        .all(|h| doc.get_change_by_hash(h).is_some());
    let since: &[ChangeHash] = if known { server_heads } else { &[] };
    if doc.get_changes(since).is_empty() {
        return None;
    }
    Some(if since.is_empty() {
        doc.save()
    } else {
        doc.save_after(since)
    })
}

/// Records the purge of `id` with the server, then deletes the local copy.
pub(crate) async fn hand_over<S: DeviceStore>(
    config: &SyncConfig,
    store: &Arc<Mutex<S>>,
    id: &DocumentId,
) -> Result<(), SyncError> {
    let unsynced = {
        let store = lock(store)?;
        let Some(mut doc) = store.load(id)? else {
            return Ok(());
        };
        let server = store.server_heads(id)?;
        unsynced(&mut doc, &server)
    };
    let server = ServerUrl::parse(&config.url)?;
    let client = ApiClient {
        server: &server,
        extra_ca_pem: config.extra_ca_pem.as_deref(),
        token: Some(&config.token),
    };
    let report = PurgeReport {
        document: id.to_string(),
        unsynced: unsynced.as_deref().map(|bytes| STANDARD.encode(bytes)),
    };
    let answer: Result<Recorded, SyncError> = client.post("/api/v1/purges", &report).await;
    match answer {
        Ok(_) => {}
        // A server without the endpoint cannot keep changes, but a copy
        // without any may go.
        Err(SyncError::Api { status: 404, .. }) if unsynced.is_none() => {}
        Err(e) => return Err(e),
    }
    lock(store)?.purge(id)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    #[test]
    fn only_what_the_server_lacks_is_handed_over() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        let acked = doc.get_heads();
        let mut server = doc.fork();
        assert!(unsynced(&mut doc, &acked).is_none());

        doc.put(ROOT, "typed offline", 2).unwrap();
        let bytes = unsynced(&mut doc, &acked).unwrap();
        // The server's copy plus the bytes is the device's copy.
        server.load_incremental(&bytes).unwrap();
        assert_eq!(server.get_heads(), doc.get_heads());

        // Nothing acknowledged (or unknown heads): everything travels.
        for heads in [Vec::new(), vec![ChangeHash([7; 32])]] {
            let all = unsynced(&mut doc, &heads).unwrap();
            let mut copy = AutoCommit::new();
            copy.load_incremental(&all).unwrap();
            assert_eq!(copy.get_heads(), doc.get_heads());
        }
    }
}
