//! Who may claim what in a document: the authorship and append-only rules
//! every writer is held to (device sync, the console, any server-side
//! edit), checked on a write after it is merged in memory and before it is
//! kept.
//!
//! A document says who wrote a note, who signed it, who reviewed it, who
//! stamped a step of an accompanied appointment and who ticked a
//! follow-up. Those claims are only worth something if nobody can make
//! them for somebody else, or rewrite them later:
//! - a new note names its writer as `authorId` and the writer's device as
//!   `deviceId`; `signature.by` is always the author, and only the author
//!   signs; `authorId`, `deviceId` and `createdAt` never change; a
//!   signature and `submittedAt`, once made, are never removed and only the
//!   author replaces them (their two devices may submit at once);
//! - a submitted note never goes back to draft, and a note that was
//!   submitted, signed or reviewed is never deleted; a draft is discarded
//!   by its author only;
//! - a review names the writer as `reviewerId` and is never changed or
//!   deleted;
//! - an accompaniment log names its writer as `peerId` when it is created,
//!   and `peerId` and `createdAt` never change; a step's time is stamped
//!   with the stamping writer in `<step>By`; a follow-up's `createdBy` and
//!   `doneBy` name the writer who added and ticked it;
//! - a goal's `createdBy`, when given, is the writer, and never changes.
//!
//! Who may type in a note is not limited here: a covering colleague or the
//! author's second device edits the text, and each edit stays attributed to
//! its device through the actor binding the server keeps.
//!
//! Reads are of the merged document at the heads before the write and now,
//! limited to what the write touched ([`Touched`]).

mod accompaniment;
mod participant;
pub(crate) mod views;

use automerge::{AutoCommit, ChangeHash};

use super::schema::DocKind;
use super::touched::Touched;
use accompaniment::{accompaniment, follow_up};
use participant::{goal, note, review};
use views::Views;

/// Who is writing: the authenticated user and, for device writes, the
/// authenticated device.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    /// The user's id.
    pub user_id: &'a str,
    /// The device's id; `None` for a write made by the server on the user's
    /// behalf (the console).
    pub device_id: Option<&'a str>,
}

/// A write that claims what its writer may not claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthorshipError(pub String);

fn refuse(text: impl Into<String>) -> AuthorshipError {
    AuthorshipError(text.into())
}

/// Checks the parts of `doc` that the write since `before` touched (an
/// empty `before` means the write created the document) against the rules
/// above, for a document of `kind` written by `writer`.
pub fn check_write(
    doc: &AutoCommit,
    before: &[ChangeHash],
    touched: &Touched,
    kind: DocKind,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let view = Views { doc, before };
    match kind {
        DocKind::Participant => {
            for key in view.touched_entries(touched, "notes") {
                note(&view, &key, writer)?;
            }
            for key in view.touched_entries(touched, "reviews") {
                review(&view, &key, writer)?;
            }
            for key in view.touched_entries(touched, "goals") {
                goal(&view, &key, writer)?;
            }
            Ok(())
        }
        DocKind::Accompaniment => {
            accompaniment(&view, touched, writer)?;
            for key in view.touched_entries(touched, "followUps") {
                follow_up(&view, &key, writer)?;
            }
            Ok(())
        }
        DocKind::CaseloadIndex => Ok(()),
    }
}

/// Whether two user or device ids are the same (UUIDs compare as UUIDs, so
/// case does not matter).
fn same_id(a: &str, b: &str) -> bool {
    match (uuid::Uuid::parse_str(a), uuid::Uuid::parse_str(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Whether two user ids name the same user (UUIDs compare as UUIDs).
pub(crate) fn same_user(a: &str, b: &str) -> bool {
    same_id(a, b)
}

fn is(value: Option<&str>, id: &str) -> bool {
    value.is_some_and(|v| same_id(v, id))
}
