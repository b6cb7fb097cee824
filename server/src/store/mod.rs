//! The document store: the layer every server-side reader and writer of
//! documents goes through, between the database ([`crate::db`], which
//! speaks SQL and nothing else) and the sync shards, access rules, console
//! and demo above it.
//!
//! - [`codec`]: stored pieces ↔ documents.
//! - [`append`]: the one commit for the server's own writes, held to the
//!   rules device writes meet.
//! - [`rebuild_projection`]: every document's projection, from storage.
//!
//! Device writes come through the sync shards, which check them with the
//! same rules in the hub's policy hook and commit them with the same
//! `Db::persist`.

pub mod append;
pub mod codec;

pub use append::{AppendError, Author, Write, append};

use crate::db::{Db, DbError};
use crate::projection;

/// Rebuilds every document's projection from the stored documents; returns
/// how many documents were projected. Rows of a document are replaced in one
/// transaction per document, so a running server may keep merging.
pub async fn rebuild_projection(db: &Db) -> Result<usize, DbError> {
    let mut count = 0;
    for id in db.document_ids().await? {
        let Some(stored) = db.load(id).await? else {
            continue;
        };
        let doc =
            codec::load(&stored).map_err(|e| DbError::Corrupt(format!("document {id}: {e}")))?;
        db.write_projection(id, &projection::project(&doc)).await?;
        count += 1;
    }
    Ok(count)
}
