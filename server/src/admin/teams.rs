//! Adding a team (`admin team add --name T`). Peers join a team and
//! supervisors supervise it when their user is added with `--team T`.

use uuid::Uuid;

use super::{AdminError, check_name};
use crate::db::Db;

/// Creates the team `name`; returns its id. Fails with
/// [`AdminError::TeamExists`] when the name is taken.
pub async fn add_team(db: &Db, name: &str) -> Result<Uuid, AdminError> {
    check_name("team name", name, 100)?;
    let id = Uuid::new_v4();
    if db.insert_team(id, name).await? {
        Ok(id)
    } else {
        Err(AdminError::TeamExists(name.to_owned()))
    }
}
