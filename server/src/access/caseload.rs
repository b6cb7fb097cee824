//! The caseload index documents (`docs/architecture.md#documents`), assignment and covers.
//!
//! Each user has one `alongside/caseload-index` document listing what their
//! devices should hold, and what they must purge. Only the server writes
//! it: these functions load it from the database, edit it, and append the
//! new change like any other persist. The commit is announced under the
//! node name [`WRITER`], which no server node uses, so every node —
//! including the one that wrote it — merges it into its copy and syncs it
//! to the user's connected devices. The admin CLI uses the same path.
//!
//! An index is created with a fixed actor and time derived from its user,
//! so that two processes creating it at once write the very same change
//! rather than two competing roots.

use alongside_shared::doc::caseload::{CaseloadAccompaniment, CaseloadParticipant};
use alongside_shared::doc::edit::caseload as edit;
use alongside_shared::doc::{DocError, DocKind, Timestamp};
use alongside_shared::wire::DocumentId;
use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::db::access::DocumentAccessRow;
use crate::db::{Db, DbError};
use crate::store::{self, codec};

/// The node name under which index edits are announced.
pub const WRITER: &str = "caseload-index";

/// Why an index could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum CaseloadError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The stored index could not be edited.
    #[error("caseload index: {0}")]
    Doc(Box<DocError>),
    /// The stored index does not load.
    #[error("caseload index does not load: {0}")]
    Corrupt(String),
    /// No such user.
    #[error("no such user")]
    UnknownUser,
    /// The edit breaks the write rules (a server bug, not bad input).
    #[error("caseload index edit refused: {0}")]
    Refused(String),
}

impl From<store::AppendError> for CaseloadError {
    fn from(e: store::AppendError) -> Self {
        match e {
            store::AppendError::Db(e) => CaseloadError::Db(e),
            store::AppendError::Refused(why) => CaseloadError::Refused(why),
        }
    }
}

impl From<DocError> for CaseloadError {
    fn from(e: DocError) -> Self {
        CaseloadError::Doc(Box::new(e))
    }
}

/// One edit of an index.
#[derive(Debug, Clone)]
pub enum IndexEdit {
    /// List a participant record.
    Participant {
        /// Its document.
        document: Uuid,
        /// The name shown in the caseload.
        display_name: String,
    },
    /// List an accompaniment log.
    Accompaniment {
        /// Its document.
        document: Uuid,
        /// Its participant record.
        participant: Uuid,
    },
    /// Tell the devices to delete a document.
    Purge {
        /// The document.
        document: Uuid,
        /// Why, for the user.
        reason: String,
    },
}

fn now() -> Timestamp {
    Timestamp::from_millis(alongside_shared::time::now_ms())
}

fn id_text(document: Uuid) -> String {
    DocumentId::from_uuid(document).to_string()
}

/// The first change of a user's index, identical wherever it is made.
fn genesis(user: Uuid) -> Result<AutoCommit, CaseloadError> {
    let seed = Sha256::digest(format!("alongside caseload index {user}").as_bytes());
    let mut doc = AutoCommit::new().with_actor(ActorId::from(&seed[..16]));
    edit::create_caseload_index(&mut doc, &user.to_string(), Timestamp::from_millis(0))?;
    doc.commit_with(CommitOptions::default().with_time(0));
    Ok(doc)
}

/// Applies `edits` to `user`'s caseload index (creating it if needed) and
/// stores the change.
pub async fn update(db: &Db, user: Uuid, edits: &[IndexEdit]) -> Result<(), CaseloadError> {
    let index = db
        .caseload_index_of(user)
        .await?
        .ok_or(CaseloadError::UnknownUser)?;
    let (mut doc, created) = match db.load(index).await? {
        Some(stored) => (
            codec::load(&stored).map_err(|e| CaseloadError::Corrupt(e.to_string()))?,
            false,
        ),
        None => (genesis(user)?, true),
    };
    let before = if created { Vec::new() } else { doc.get_heads() };
    if !created {
        doc.set_actor(ActorId::random());
    }
    let at = now();
    for e in edits {
        match e {
            IndexEdit::Participant {
                document,
                display_name,
            } => {
                let entry = CaseloadParticipant {
                    display_name: display_name.clone(),
                    assigned_at: at,
                };
                edit::put_participant(&mut doc, &id_text(*document), &entry, at)?;
            }
            IndexEdit::Accompaniment {
                document,
                participant,
            } => {
                let entry = CaseloadAccompaniment {
                    participant_id: id_text(*participant),
                };
                edit::put_accompaniment(&mut doc, &id_text(*document), &entry, at)?;
            }
            IndexEdit::Purge { document, reason } => {
                edit::purge(&mut doc, &id_text(*document), reason, at)?;
            }
        }
    }
    doc.commit();
    store::append(
        db,
        store::Write {
            document: index,
            doc: &mut doc,
            before: &before,
            kind: DocKind::CaseloadIndex,
            author: store::Author::Server,
            claim: created.then(|| DocumentAccessRow {
                document: index,
                kind: "caseload-index".into(),
                owner: Some(user),
                participant: None,
            }),
            audit: Vec::new(),
            announce_as: WRITER,
            peer: None,
        },
    )
    .await?;
    Ok(())
}

/// Whether `user`'s caseload index lists `document`, as held or as to be
/// purged: the documents their devices were ever given through it.
pub async fn lists(db: &Db, user: Uuid, document: Uuid) -> Result<bool, CaseloadError> {
    let Some(index) = db.caseload_index_of(user).await? else {
        return Ok(false);
    };
    let Some(stored) = db.load(index).await? else {
        return Ok(false);
    };
    let doc = codec::load(&stored).map_err(|e| CaseloadError::Corrupt(e.to_string()))?;
    let index = alongside_shared::doc::read::read_caseload_index(&doc)?;
    let named = |key: &String| {
        key.parse::<DocumentId>()
            .is_ok_and(|id| id.to_uuid() == document)
    };
    Ok(index.participants.keys().any(named)
        || index.accompaniments.keys().any(named)
        || index.purge.keys().any(named))
}

/// Creates `user`'s index if it does not exist yet (so that a device
/// finds it at once).
pub async fn ensure(db: &Db, user: Uuid) -> Result<(), CaseloadError> {
    update(db, user, &[]).await
}

/// What an assignment changed.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The peer it was assigned to before, if any.
    pub previous: Option<Uuid>,
    /// Accompaniment logs that moved with it.
    pub accompaniments: Vec<Uuid>,
}

/// Assigns participant record `participant` to `owner`, lists it (and its
/// accompaniment logs) in the new owner's index and tells the previous
/// owner's devices to purge them.
pub async fn assign(
    db: &Db,
    participant: Uuid,
    owner: Uuid,
    display_name: &str,
) -> Result<Assignment, CaseloadError> {
    let previous = db.assign_participant(participant, owner).await?;
    let accompaniments = db.accompaniments_of(participant).await?;
    let mut listed = vec![IndexEdit::Participant {
        document: participant,
        display_name: display_name.to_owned(),
    }];
    listed.extend(accompaniments.iter().map(|a| IndexEdit::Accompaniment {
        document: *a,
        participant,
    }));
    update(db, owner, &listed).await?;
    if let Some(previous) = previous.filter(|p| *p != owner) {
        let purged: Vec<IndexEdit> = std::iter::once(participant)
            .chain(accompaniments.iter().copied())
            .map(|document| IndexEdit::Purge {
                document,
                reason: "reassigned".into(),
            })
            .collect();
        update(db, previous, &purged).await?;
    }
    Ok(Assignment {
        previous,
        accompaniments,
    })
}

/// Lists participant record `participant` and its accompaniment logs in
/// `peer`'s index and lets them write it besides its assigned peer.
/// Returns the logs listed (empty too when the cover already existed).
pub async fn cover(
    db: &Db,
    participant: Uuid,
    peer: Uuid,
    display_name: &str,
    ends_at: Option<i64>,
) -> Result<Vec<Uuid>, CaseloadError> {
    db.grant_cover(participant, peer, ends_at).await?;
    let accompaniments = db.accompaniments_of(participant).await?;
    let mut listed = vec![IndexEdit::Participant {
        document: participant,
        display_name: display_name.to_owned(),
    }];
    listed.extend(accompaniments.iter().map(|a| IndexEdit::Accompaniment {
        document: *a,
        participant,
    }));
    update(db, peer, &listed).await?;
    Ok(accompaniments)
}

/// Ends `peer`'s cover of `participant`: their devices lose access at once
/// and are told to purge the record and its logs (handing over what they
/// had not synced first). Returns whether there was a cover.
pub async fn end_cover(db: &Db, participant: Uuid, peer: Uuid) -> Result<bool, CaseloadError> {
    if !db.end_cover(participant, peer).await? {
        return Ok(false);
    }
    purge_covered(db, participant, peer).await?;
    Ok(true)
}

/// Ends `peer`'s cover of `participant` if its end time has passed, as
/// [`end_cover`] does, with `audit` recorded in the same transaction.
/// Returns whether it ended (not when it was extended or ended meanwhile).
pub async fn end_expired_cover(
    db: &Db,
    participant: Uuid,
    peer: Uuid,
    audit: &AuditRecord,
) -> Result<bool, CaseloadError> {
    if !db.end_expired_cover(participant, peer, audit).await? {
        return Ok(false);
    }
    purge_covered(db, participant, peer).await?;
    Ok(true)
}

/// Tells `peer`'s devices to purge `participant` and its logs.
async fn purge_covered(db: &Db, participant: Uuid, peer: Uuid) -> Result<(), CaseloadError> {
    let purged: Vec<IndexEdit> = std::iter::once(participant)
        .chain(db.accompaniments_of(participant).await?)
        .map(|document| IndexEdit::Purge {
            document,
            reason: "cover ended".into(),
        })
        .collect();
    update(db, peer, &purged).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_creations_of_an_index_are_one_change() {
        let user = Uuid::new_v4();
        let mut a = genesis(user).expect("genesis");
        let mut b = genesis(user).expect("genesis");
        assert_eq!(a.get_heads(), b.get_heads());
        assert_eq!(
            alongside_shared::doc::validate(&a),
            Ok(alongside_shared::doc::DocKind::CaseloadIndex)
        );
        let mut other = genesis(Uuid::new_v4()).expect("genesis");
        assert_ne!(a.get_heads(), other.get_heads());
    }
}
