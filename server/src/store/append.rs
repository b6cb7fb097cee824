//! The one way the server writes a document of its own accord: a
//! supervisor's review, a caseload index, a demo record. The edit is made
//! by the caller on a loaded copy; [`append`] holds it to the write rules
//! every device write meets, then commits it the way a device write
//! commits (`Db::persist`): the chunk and one row per change, the actors'
//! bindings, an access claim for a new document, the projection (with the
//! stale-copy check), the audit records and the `NOTIFY` that tells every
//! node — this one too — to merge it.
//!
//! The rules: the document validates against its schema in what the write
//! touched (whole, for a new document) and is of the expected kind; when a
//! user writes (a supervisor's review, a seeded note), the authorship
//! rules of `alongside_shared::doc::authorship` hold it to being that user
//! on that device. The server itself writes only caseload indexes, which
//! no device may write.

use alongside_shared::doc::authorship::{self, Writer};
use alongside_shared::doc::{DocKind, Touched, validate, validate_touched};
use alongside_shared::sync::ChangeMeta;
use automerge::{AutoCommit, ChangeHash};
use uuid::Uuid;

use super::codec;
use crate::audit::AuditRecord;
use crate::db::access::{DocumentAccessRow, WriteGuard};
use crate::db::documents::{Committed, Projected};
use crate::db::{Db, DbError};
use crate::projection;

/// Fold a document's chunks into its snapshot once it has this many: the
/// sync shards fold what devices write, but caseload indexes are written
/// only here, and a busy caseload would otherwise load from ever more
/// chunks.
const COMPACT_AFTER_CHUNKS: i64 = 32;

/// Who makes a server-side write.
#[derive(Debug, Clone, Copy)]
pub enum Author {
    /// The server itself (caseload indexes).
    Server,
    /// A user, through the server: a supervisor's review (no device), or
    /// a seeded record as written on a device.
    User {
        /// The user.
        user: Uuid,
        /// Their device, when the write stands for one.
        device: Option<Uuid>,
    },
}

/// An edit made on `doc` since `before`, to commit.
pub struct Write<'a> {
    /// The document.
    pub document: Uuid,
    /// Its copy with the edit made and committed.
    pub doc: &'a mut AutoCommit,
    /// Its heads before the edit (empty: the write creates it).
    pub before: &'a [ChangeHash],
    /// What the document must be.
    pub kind: DocKind,
    /// Who writes it.
    pub author: Author,
    /// The access row a new document commits with.
    pub claim: Option<DocumentAccessRow>,
    /// Audit records committed in the same transaction.
    pub audit: Vec<AuditRecord>,
    /// The node name the commit is announced under. A name no node uses
    /// makes every node, this one too, merge it from the store.
    pub announce_as: &'a str,
    /// The peer the chunk is recorded as coming from, if any.
    pub peer: Option<String>,
}

/// Why a server-side write was not committed. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The database failed or refused the write.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The write breaks the write rules.
    #[error("{0}")]
    Refused(String),
}

/// Commits `write`; `None` when the edit changed nothing.
pub async fn append(db: &Db, write: Write<'_>) -> Result<Option<Committed>, AppendError> {
    let Write {
        document,
        doc,
        before,
        kind,
        author,
        claim,
        audit,
        announce_as,
        peer,
    } = write;
    let metas = ChangeMeta::since(doc, before);
    if metas.is_empty() {
        return Ok(None);
    }
    check(doc, before, kind, author)?;
    let device = match author {
        Author::User { device, .. } => device,
        Author::Server => None,
    };
    let guard = WriteGuard {
        claim,
        bindings: metas
            .iter()
            .map(|m| (m.actor.to_bytes().to_vec(), device))
            .collect(),
        audit,
    };
    let chunk = codec::chunk(
        document,
        Some(kind.type_name().to_owned()),
        doc.save_after(before),
        &metas,
        peer,
    );
    // Caseload indexes have no projection.
    let rows = (kind != DocKind::CaseloadIndex).then(|| projection::project(doc));
    let heads = codec::head_bytes(&doc.get_heads());
    let projected = rows.as_ref().map(|rows| Projected {
        rows,
        heads: &heads,
        from_stored: codec::project_stored,
    });
    let committed = db.persist(announce_as, &[chunk], projected, &guard).await?;
    if committed.pending_chunks >= COMPACT_AFTER_CHUNKS {
        db.compact(document, codec::fold).await?;
    }
    Ok(Some(committed))
}

/// The write rules for a server-side write.
fn check(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    kind: DocKind,
    author: Author,
) -> Result<(), AppendError> {
    let invalid = |problems| AppendError::Refused(format!("does not validate: {problems:?}"));
    let (touched, found) = if before.is_empty() {
        (Touched::whole(&*doc), validate(&*doc).map_err(invalid)?)
    } else {
        let touched = Touched::since(doc, before);
        let found = validate_touched(&*doc, &touched).map_err(invalid)?;
        (touched, found)
    };
    if found != kind {
        return Err(AppendError::Refused(format!(
            "a {} where a {} was expected",
            found.type_name(),
            kind.type_name()
        )));
    }
    match author {
        Author::Server if kind == DocKind::CaseloadIndex => Ok(()),
        Author::Server => Err(AppendError::Refused(
            "the server writes only caseload indexes of its own accord".into(),
        )),
        Author::User { user, device } => {
            let user = user.to_string();
            let device = device.map(|d| d.to_string());
            let writer = Writer {
                user_id: &user,
                device_id: device.as_deref(),
            };
            authorship::check_write(doc, before, &touched, kind, writer)
                .map_err(|e| AppendError::Refused(e.0))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alongside_shared::doc::Timestamp;
    use alongside_shared::doc::edit::participant::{add_note, add_review, create_participant};
    use alongside_shared::doc::participant::{Profile, Review};
    use alongside_shared::doc::vocab::ReviewState;
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    use autosurgeon::Text;

    use super::*;

    /// Nothing listens on port 1: a write that reached the database would
    /// fail with a database error, not a refusal.
    fn nowhere() -> Db {
        Db::connect_lazy("postgres://nobody@127.0.0.1:1/none", 1).unwrap()
    }

    fn write<'a>(
        doc: &'a mut AutoCommit,
        before: &'a [ChangeHash],
        kind: DocKind,
        author: Author,
    ) -> Write<'a> {
        Write {
            document: Uuid::new_v4(),
            doc,
            before,
            kind,
            author,
            claim: None,
            audit: Vec::new(),
            announce_as: "test",
            peer: None,
        }
    }

    async fn refusal(write: Write<'_>) -> String {
        match append(&nowhere(), write).await {
            Err(AppendError::Refused(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn record() -> AutoCommit {
        let mut doc = AutoCommit::new();
        create_participant(&mut doc, &Profile::new("Rosa")).unwrap();
        doc.commit();
        doc
    }

    #[tokio::test]
    async fn server_writes_meet_the_rules_device_writes_meet() {
        let supervisor = Uuid::new_v4();
        let user = Author::User {
            user: supervisor,
            device: None,
        };

        // The server of its own accord writes caseload indexes only.
        let mut doc = record();
        let why = refusal(write(&mut doc, &[], DocKind::Participant, Author::Server)).await;
        assert!(why.contains("only caseload indexes"), "{why}");

        // A record where an index was expected.
        let mut doc = record();
        let why = refusal(write(&mut doc, &[], DocKind::CaseloadIndex, Author::Server)).await;
        assert!(why.contains("expected"), "{why}");

        // The schema, in what the write touched.
        let mut doc = record();
        let before = doc.get_heads();
        doc.put(ROOT, "schema", "not a number").unwrap();
        doc.commit();
        let why = refusal(write(&mut doc, &before, DocKind::Participant, user)).await;
        assert!(why.contains("does not validate"), "{why}");

        // Authorship: a new note is the writer's own.
        let mut doc = record();
        let before = doc.get_heads();
        let theirs = crate::console::record::tests::note();
        add_note(&mut doc, Uuid::new_v4(), &theirs).unwrap();
        doc.commit();
        let why = refusal(write(&mut doc, &before, DocKind::Participant, user)).await;
        assert!(why.contains("authorId"), "{why}");

        // A review that would break the schema (its state not one of the
        // vocabulary's) is refused, though it names its supervisor.
        let mut doc = record();
        let note = Uuid::new_v4();
        add_note(&mut doc, note, &crate::console::record::tests::note()).unwrap();
        doc.commit();
        let before = doc.get_heads();
        let review = Review {
            note_id: note,
            state: ReviewState::Approved,
            comment: Text::with_value("Thank you."),
            reviewer_id: supervisor.to_string(),
            at: Timestamp::from_millis(0),
            heads: before.iter().map(ToString::to_string).collect(),
            reviewer_name: Some("Dana".into()),
        };
        let made = add_review(&mut doc, Uuid::new_v4(), &review).unwrap();
        doc.put(&made, "state", "looks fine to me").unwrap();
        doc.commit();
        let why = refusal(write(&mut doc, &before, DocKind::Participant, user)).await;
        assert!(why.contains("does not validate"), "{why}");

        // An edit that changed nothing commits nothing, and asks nothing
        // of the database.
        let mut doc = record();
        let heads = doc.get_heads();
        let db = nowhere();
        let unchanged = append(&db, write(&mut doc, &heads, DocKind::Participant, user)).await;
        assert!(matches!(unchanged, Ok(None)));
    }
}
