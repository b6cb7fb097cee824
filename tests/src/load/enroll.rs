//! Device tokens for a load run against an Alongside server: one peer user
//! per simulated device, each with one enrolled device, created up front
//! through the server's administration library in the server's database
//! (`alongside-load --database-url …`). Users are named
//! `load-<run>-<n>` in team `load-<run>`, so runs do not collide.

use alongside_server::admin::{self, Lifetime, NewUser};
use alongside_server::auth::Role;
use alongside_server::db::Db;
use tokio::task::JoinSet;

use super::Credential;
use super::workload::Author;

/// Users created at once (each costs an Argon2id hash).
const PARALLEL: usize = 4;

/// Creates `devices` peers with one device each in the database at `db_url`
/// (migrating it first) and returns their tokens and identities, device
/// `d`'s at `d`.
pub async fn enroll_devices(db_url: &str, devices: usize) -> Result<Vec<Credential>, String> {
    let db = Db::connect_lazy(db_url, PARALLEL as u32 + 1).map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let team = format!("load-{run}");
    admin::add_team(&db, &team)
        .await
        .map_err(|e| e.to_string())?;
    let mut tokens: Vec<Option<Credential>> = vec![None; devices];
    let mut set = JoinSet::new();
    let mut next = 0;
    while next < devices || !set.is_empty() {
        while next < devices && set.len() < PARALLEL {
            let (db, team, username) = (db.clone(), team.clone(), format!("load-{run}-{next}"));
            let d = next;
            set.spawn(async move {
                admin::add_user(
                    &db,
                    NewUser {
                        username: username.clone(),
                        role: Role::Peer,
                        display_name: None,
                        password: None,
                        team: Some(team),
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                let enrolled =
                    admin::enroll_device(&db, &username, "load device", Lifetime::days(1))
                        .await
                        .map_err(|e| e.to_string())?;
                Ok::<_, String>((
                    d,
                    Credential {
                        token: enrolled.token,
                        author: Author {
                            user_id: enrolled.user_id.to_string(),
                            device_id: enrolled.device_id.to_string(),
                        },
                    },
                ))
            });
            next += 1;
        }
        if let Some(joined) = set.join_next().await {
            let (d, token) = joined.map_err(|e| e.to_string())??;
            tokens[d] = Some(token);
        }
    }
    db.close().await;
    tokens
        .into_iter()
        .map(|t| t.ok_or_else(|| "a device was not enrolled".to_owned()))
        .collect()
}
