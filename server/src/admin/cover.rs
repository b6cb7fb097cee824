//! Covering a colleague's participant (`admin cover`): while the assigned
//! peer is away, another peer may write the record and its accompaniment
//! logs too. Both peers' devices hold it and their offline edits merge;
//! the assigned peer keeps it throughout. `--end` ends the cover: the
//! colleague's devices lose access at once and are told to purge it.

use uuid::Uuid;

use super::AdminError;
use crate::access::caseload;
use crate::auth::Role;
use crate::db::Db;

/// What `admin cover` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoverChange {
    /// The colleague covers the record, with this many accompaniment logs.
    Granted {
        /// Logs listed with the record.
        accompaniments: usize,
    },
    /// The cover ended.
    Ended,
    /// There was no cover to end.
    NoCover,
}

/// Lets peer `username` write `participant` besides its assigned peer, or
/// (when `end`) ends that.
pub async fn cover(
    db: &Db,
    participant: Uuid,
    username: &str,
    end: bool,
) -> Result<CoverChange, AdminError> {
    let (user, role) = db
        .user_role_by_name(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))?;
    if end {
        return Ok(if caseload::end_cover(db, participant, user).await? {
            CoverChange::Ended
        } else {
            CoverChange::NoCover
        });
    }
    if Role::parse(&role) != Some(Role::Peer) {
        return Err(AdminError::Invalid {
            field: "by",
            reason: format!("{username} is a {role}; only peers cover participants"),
        });
    }
    let name = db.participant_name(participant).await?.unwrap_or_default();
    let logs = caseload::cover(db, participant, user, &name).await?;
    Ok(CoverChange::Granted {
        accompaniments: logs.len(),
    })
}
