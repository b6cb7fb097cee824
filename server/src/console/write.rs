//! Writing a supervisor's review into a participant document, on the
//! supervisor's behalf: load the stored document, make the edit with a
//! fresh actor, and commit it through the server's one write path
//! ([`crate::store::append`]): the write rules device writes meet, the
//! projection rewritten and the audit event committed in the same
//! transaction. The commit is announced under the
//! node name [`WRITER`], which no server node uses, so every node
//! (including this one) merges it into its copy and syncs it to the
//! worker's connected devices.

use alongside_shared::doc::edit::participant::add_review;
use alongside_shared::doc::ids::heads_from_hex;
use alongside_shared::doc::participant::Review;
use alongside_shared::doc::read::read_note;
use alongside_shared::doc::vocab::ReviewState;
use alongside_shared::doc::{DocKind, Timestamp};
use automerge::ActorId;
use autosurgeon::Text;
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::db::{Db, DbError};
use crate::store::{self, codec};

/// The node name under which console writes are announced.
pub const WRITER: &str = "console";

/// A review to write.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// The reviewed note.
    pub note: Uuid,
    /// Approve or request changes.
    pub state: ReviewState,
    /// The comment (may be empty for an approval).
    pub comment: String,
    /// The supervisor.
    pub reviewer: Uuid,
    /// Their name, as the worker will read it.
    pub reviewer_name: String,
    /// The heads of the document the supervisor saw (hex), recorded in the
    /// review.
    pub seen_heads: Vec<String>,
    /// When, ms since the Unix epoch.
    pub at: i64,
}

/// Why a review could not be written. Nothing was stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No such document or note.
    #[error("no such note")]
    NotFound,
    /// The page's heads are not heads of this document.
    #[error("the heads seen are not this document's")]
    UnknownHeads,
    /// The stored document does not load or would not validate.
    #[error("document: {0}")]
    Document(String),
}

impl From<store::AppendError> for WriteError {
    fn from(e: store::AppendError) -> Self {
        match e {
            store::AppendError::Db(e) => WriteError::Db(e),
            store::AppendError::Refused(why) => WriteError::Document(why),
        }
    }
}

/// Writes `review` into participant record `document`; returns the new
/// review's id. `audit` is committed with the write.
pub async fn write_review(
    db: &Db,
    document: Uuid,
    review: &NewReview,
    audit: AuditRecord,
) -> Result<Uuid, WriteError> {
    let stored = db.load(document).await?.ok_or(WriteError::NotFound)?;
    let mut doc = codec::load(&stored).map_err(|e| WriteError::Document(e.to_string()))?;
    let heads = heads_from_hex(&review.seen_heads).ok_or(WriteError::UnknownHeads)?;
    if heads.is_empty() || heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(WriteError::UnknownHeads);
    }
    if read_note(&doc, review.note).is_err() {
        return Err(WriteError::NotFound);
    }
    let before = doc.get_heads();
    doc.set_actor(ActorId::random());
    let id = Uuid::new_v4();
    let entry = Review {
        note_id: review.note,
        state: review.state,
        comment: Text::with_value(review.comment.as_str()),
        reviewer_id: review.reviewer.to_string(),
        at: Timestamp::from_millis(review.at),
        heads: review.seen_heads.clone(),
        reviewer_name: Some(review.reviewer_name.clone()),
    };
    add_review(&mut doc, id, &entry).map_err(|e| WriteError::Document(e.to_string()))?;
    doc.commit();
    store::append(
        db,
        store::Write {
            document,
            doc: &mut doc,
            before: &before,
            kind: DocKind::Participant,
            // The review names the supervisor who writes it.
            author: store::Author::User {
                user: review.reviewer,
                device: None,
            },
            claim: None,
            audit: vec![audit],
            announce_as: WRITER,
            peer: None,
        },
    )
    .await?;
    Ok(id)
}
