//! Covering a colleague's participant (`admin cover`): while the assigned
//! peer is away, another peer may write the record and its accompaniment
//! logs too. Both peers' devices hold it and their offline edits merge;
//! the assigned peer keeps it throughout. `--until DATE` lets the cover end
//! by itself after that day (UTC); `--end` ends it now. Either way the
//! colleague's devices lose access at once and are told to purge it.

use alongside_shared::time::{DAY_MS, date, now_ms};
use uuid::Uuid;

use super::AdminError;
use crate::access::caseload;
use crate::auth::Role;
use crate::db::Db;
use alongside_shared::time::parse_date;

/// What `admin cover` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoverChange {
    /// The colleague covers the record, with this many accompaniment logs.
    Granted {
        /// Logs listed with the record.
        accompaniments: usize,
        /// The last day of the cover (`YYYY-MM-DD`, UTC), if it ends by
        /// itself.
        through: Option<String>,
    },
    /// The cover ended.
    Ended,
    /// There was no cover to end.
    NoCover,
}

/// The end of a cover through `day` (`YYYY-MM-DD`): the start of the next
/// day, UTC, in ms. Refused unless that is still to come.
fn end_after(day: &str, now_ms: i64) -> Result<i64, AdminError> {
    let invalid = |reason: &str| AdminError::Invalid {
        field: "until",
        reason: reason.to_owned(),
    };
    let start = parse_date(day).ok_or_else(|| invalid("expected a date, YYYY-MM-DD"))?;
    let end = start + DAY_MS;
    if end <= now_ms {
        return Err(invalid("that day is over"));
    }
    Ok(end)
}

/// Lets peer `username` write `participant` besides its assigned peer
/// (through the day `until`, when given), or (when `end`) ends that.
pub async fn cover(
    db: &Db,
    participant: Uuid,
    username: &str,
    until: Option<&str>,
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
    let ends_at = until.map(|day| end_after(day, now_ms())).transpose()?;
    let name = db.participant_name(participant).await?.unwrap_or_default();
    let logs = caseload::cover(db, participant, user, &name, ends_at).await?;
    Ok(CoverChange::Granted {
        accompaniments: logs.len(),
        through: ends_at.map(|end| date(end - DAY_MS)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_runs_through_the_day_given() {
        let now = parse_date("2026-11-22").unwrap_or_default() + 10 * 3_600_000;
        assert_eq!(end_after("2026-11-22", now).ok(), parse_date("2026-11-23"));
        assert!(end_after("2026-11-21", now).is_err(), "over");
        assert!(end_after("2026-11-31", now).is_err(), "no such day");
        assert!(end_after("next friday", now).is_err());
    }
}
