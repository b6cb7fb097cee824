//! The client side of the server's change feed (`GET /api/v1/changes`,
//! `docs/sync-protocol.md`): which held documents a reconnect must sync.
//!
//! A reconnect syncs the documents the feed lists as changed on the server
//! since the stored cursor, the documents holding local changes the server
//! has not acknowledged, and the caseload index (which lists what is new to
//! the device); the rest are known to be in sync and cost nothing. Without
//! a cursor, when the server answers `full`, or when the feed cannot be
//! asked (an older server, a failed request), every held document is synced,
//! as a plain automerge-repo peer would. The new cursor is stored only
//! after a sync that left nothing behind.

use std::collections::BTreeSet;

use alongside_shared::wire::DocumentId;
use serde::Deserialize;

use super::api_client::ApiClient;
use super::config::SyncConfig;
use super::error::SyncError;
use super::server_url::ServerUrl;

/// The feed's answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Changes {
    cursor: String,
    full: bool,
    documents: Vec<String>,
}

/// What to sync, and the cursor to keep if the sync completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The documents to sync.
    pub wanted: BTreeSet<DocumentId>,
    /// The cursor to store after a complete sync (`None`: the feed was not
    /// available).
    pub cursor: Option<String>,
    /// Whether the feed narrowed the sync (false: every held document).
    pub narrowed: bool,
    /// Bytes of path sent and of answer received, when the feed was asked.
    pub exchanged: Option<(u64, u64)>,
}

/// Asks the feed what changed since `cursor`.
async fn ask(config: &SyncConfig, cursor: Option<&str>) -> Result<(Changes, u64, u64), SyncError> {
    let server = ServerUrl::parse(&config.url)?;
    let client = ApiClient {
        server: &server,
        extra_ca_pem: config.extra_ca_pem.as_deref(),
        token: Some(&config.token),
    };
    let path = match cursor {
        // Cursors are `HEX.DIGITS`; anything else was not issued by a server.
        Some(c) if c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') => {
            format!("/api/v1/changes?since={c}")
        }
        _ => "/api/v1/changes".to_owned(),
    };
    let (changes, received) = client.get_sized(&path).await?;
    Ok((changes, path.len() as u64, received as u64))
}

/// Decides what to sync: `held` documents, of which `unacknowledged` have
/// local changes, given the stored `cursor`.
pub(crate) async fn plan(
    config: &SyncConfig,
    cursor: Option<&str>,
    held: BTreeSet<DocumentId>,
    unacknowledged: Vec<DocumentId>,
) -> Result<Plan, SyncError> {
    if !config.use_change_feed {
        return Ok(everything(held, None));
    }
    let answer = ask(config, cursor).await;
    let (changes, sent, received) = match answer {
        Ok(answer) => answer,
        // The token itself is refused: the sync would be refused too.
        Err(e @ (SyncError::Revoked { .. } | SyncError::Unauthorized)) => return Err(e),
        // Anything else (an older server, a hiccup): sync everything.
        Err(_) => return Ok(everything(held, None)),
    };
    let exchanged = Some((sent, received));
    if changes.full || cursor.is_none() {
        return Ok(Plan {
            exchanged,
            ..everything(held, Some(changes.cursor))
        });
    }
    let mut wanted: BTreeSet<DocumentId> = changes
        .documents
        .iter()
        .filter_map(|text| text.parse().ok())
        .filter(|id| held.contains(id))
        .collect();
    wanted.extend(unacknowledged.into_iter().filter(|id| held.contains(id)));
    Ok(Plan {
        wanted,
        cursor: Some(changes.cursor),
        narrowed: true,
        exchanged,
    })
}

fn everything(held: BTreeSet<DocumentId>, cursor: Option<String>) -> Plan {
    Plan {
        wanted: held,
        cursor,
        narrowed: false,
        exchanged: None,
    }
}
