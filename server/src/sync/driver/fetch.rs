//! Loading a document together with what access decisions need about it.

use alongside_shared::sync::LoadResult;
use alongside_shared::wire::DocumentId;
use uuid::Uuid;

use crate::db::Db;
use crate::db::access::DocumentAccessRow;
use crate::store::codec as storage;

/// A document as loaded, with what access decisions need about it.
pub(super) struct Fetched {
    pub(super) result: LoadResult,
    pub(super) bytes: usize,
    /// The last stored chunk the document as loaded covers.
    pub(super) through: i64,
    pub(super) access: Option<DocumentAccessRow>,
    pub(super) bindings: Vec<(Vec<u8>, Option<Uuid>)>,
}

/// Loads a document, its access row and its actors' bindings. The access
/// row is read after the document: a claim commits with the document's
/// first chunk, so a document found here has its row by now if it will
/// ever have one.
pub(super) async fn fetch(db: &Db, document: DocumentId) -> Fetched {
    let (result, bytes, through) = match db.load(document.to_uuid()).await {
        Ok(None) => (LoadResult::NotFound, 0, 0),
        Ok(Some(stored)) => {
            let bytes = stored.pieces.iter().map(Vec::len).sum();
            match storage::load(&stored) {
                Ok(doc) => (LoadResult::Found(Box::new(doc)), bytes, stored.through),
                Err(e) => (
                    LoadResult::Failed(format!("stored document does not load: {e}")),
                    0,
                    0,
                ),
            }
        }
        Err(e) => (LoadResult::Failed(e.to_string()), 0, 0),
    };
    let access = db.document_access(document.to_uuid()).await;
    let bindings = db.actor_bindings_of(document.to_uuid()).await;
    match (access, bindings) {
        (Ok(access), Ok(bindings)) => Fetched {
            result,
            bytes,
            through,
            access,
            bindings,
        },
        (Err(e), _) | (_, Err(e)) => Fetched {
            result: LoadResult::Failed(e.to_string()),
            bytes: 0,
            through: 0,
            access: None,
            bindings: Vec::new(),
        },
    }
}
