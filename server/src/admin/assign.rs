//! Assigning a participant record to a peer (`admin assign`): the new peer
//! gets it (and its accompaniment logs) in their caseload index, the
//! previous peer's devices lose access at once and are told to purge it.

use std::str::FromStr;

use alongside_shared::wire::DocumentId;
use uuid::Uuid;

use super::AdminError;
use crate::access::caseload::{self, Assignment};
use crate::auth::Role;
use crate::db::Db;

/// Parses a participant record's id as typed: a bs58check document id, an
/// `automerge:` URL or a UUID.
pub fn parse_document(text: &str) -> Result<Uuid, AdminError> {
    let bare = text
        .trim()
        .strip_prefix("automerge:")
        .unwrap_or(text.trim());
    DocumentId::from_str(bare)
        .map(|id| id.to_uuid())
        .or_else(|_| Uuid::parse_str(bare))
        .map_err(|_| AdminError::Invalid {
            field: "participant",
            reason: format!("{text:?} is not a document id"),
        })
}

/// Assigns `participant` to the peer `username`.
pub async fn assign(db: &Db, participant: Uuid, username: &str) -> Result<Assignment, AdminError> {
    let (user, role) = db
        .user_role_by_name(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?;
    if Role::parse(&role) != Some(Role::Peer) {
        return Err(AdminError::Invalid {
            field: "to",
            reason: format!("{username} is a {role}; participants are assigned to peers"),
        });
    }
    let name = db.participant_name(participant).await?.unwrap_or_default();
    Ok(caseload::assign(db, participant, user, &name).await?)
}
