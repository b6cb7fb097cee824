//! `GET /api/v1/changes?since=CURSOR` (Bearer): the change feed that makes a
//! device's reconnect cost what changed rather than what it holds
//! (`docs/sync-protocol.md`).
//!
//! The answer is `{cursor, full, documents}`: the documents the device's
//! user may read that were written since `since`, and the cursor to send
//! next time. `full: true` (with no documents) means "sync everything you
//! hold": there was no cursor, it is from another database epoch or from the
//! future (a restored database), more documents changed than one answer
//! lists, or this node cannot yet decide the user's access. The device
//! syncs, over the ordinary protocol, the listed documents it holds, the
//! documents it changed itself, and its caseload index (which lists what is
//! new to it); only after that sync succeeds does it keep the new cursor.
//!
//! Access is decided by the sync driver's own table, so the feed never
//! names a document the sync would not share. Listing ids discloses no
//! participant data and is not audited; the documents' content is, when
//! the sync sends it.

use std::collections::HashMap;

use alongside_shared::wire::DocumentId;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiError;
use super::DeviceApi;
use super::bearer::Device;
use crate::access::DocClass;

/// Most documents one answer lists; beyond this the device syncs in full.
pub const MAX_LISTED: usize = 10_000;

/// The query string.
#[derive(Debug, Deserialize)]
pub(super) struct ChangesQuery {
    since: Option<String>,
}

/// The answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Changes {
    cursor: String,
    full: bool,
    documents: Vec<String>,
}

/// A cursor: the database epoch and a transaction id, `EPOCH.XID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    epoch: Uuid,
    xid: u64,
}

impl Cursor {
    fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::BadRequest("since: not a cursor this server issued".into());
        let (epoch, xid) = text.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            epoch: Uuid::try_parse(epoch).map_err(|_| bad())?,
            xid: xid.parse().map_err(|_| bad())?,
        })
    }

    fn text(self) -> String {
        format!("{}.{}", self.epoch.simple(), self.xid)
    }
}

/// `GET /api/v1/changes`.
pub(super) async fn changes(
    State(state): State<DeviceApi>,
    device: Device,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<Changes>, ApiError> {
    let since = query.since.as_deref().map(Cursor::parse).transpose()?;
    let listing = state
        .db
        .changes_since(since.map(|c| c.xid), MAX_LISTED)
        .await?;
    // Only a cursor of this epoch, not beyond what this history assigned,
    // can be resumed from.
    let resumable = since.is_some_and(|c| c.epoch == listing.epoch && c.xid <= listing.xmax);
    let next = Cursor {
        epoch: listing.epoch,
        xid: listing.xmin,
    };
    let everything = |cursor: Cursor| Changes {
        cursor: cursor.text(),
        full: true,
        documents: Vec::new(),
    };
    if !resumable || listing.truncated {
        return Ok(Json(everything(next)));
    }
    let fresh: HashMap<Uuid, DocClass> = listing
        .documents
        .iter()
        .map(|(id, row)| {
            (
                *id,
                row.as_ref().map_or(DocClass::Orphan, DocClass::from_row),
            )
        })
        .collect();
    let ids = listing.documents.iter().map(|(id, _)| *id).collect();
    let Some(readable) = state.sync.readable(device.principal, ids, fresh).await else {
        return Ok(Json(everything(next)));
    };
    Ok(Json(Changes {
        cursor: next.text(),
        full: false,
        documents: readable
            .into_iter()
            .map(|id| DocumentId::from_uuid(id).url())
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let cursor = Cursor {
            epoch: Uuid::new_v4(),
            xid: 812,
        };
        assert_eq!(Cursor::parse(&cursor.text()).ok(), Some(cursor));
        for junk in ["", "812", "not-a-uuid.812", &format!("{}.x", cursor.epoch)] {
            assert!(
                matches!(Cursor::parse(junk), Err(ApiError::BadRequest(_))),
                "{junk}"
            );
        }
    }
}
