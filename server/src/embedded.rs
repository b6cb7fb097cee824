//! The private Postgres the server runs when no database URL is given:
//! started from the system's PostgreSQL binaries under `<data-dir>/postgres`
//! (see [`crate::pg`]), with a database named `alongside`, and stopped when
//! the server stops (if this process started it).

use std::path::Path;

use crate::pg::{PgError, PrivateCluster};

/// The database the server uses in its private cluster.
pub const DATABASE: &str = "alongside";

/// A running private cluster and the URL of the server's database in it.
pub struct Embedded {
    cluster: PrivateCluster,
    url: String,
}

impl Embedded {
    /// Starts (initialising on first run) the private cluster under
    /// `<data_dir>/postgres` and makes sure the database exists.
    pub async fn start(data_dir: &Path) -> Result<Self, PgError> {
        let dir = data_dir.join("postgres");
        let data_dir = data_dir.to_owned();
        let target = data_dir.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| PgError::Io {
                action: "create directory",
                path: dir.clone(),
                source: e,
            })?;
            let cluster = PrivateCluster::start(&dir)?;
            cluster.create_database(DATABASE)?;
            let url = cluster.url(DATABASE);
            Ok(Self { cluster, url })
        })
        .await
        .map_err(|e| PgError::Io {
            action: "start the private cluster in",
            path: target,
            source: std::io::Error::other(e.to_string()),
        })?
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the cluster if this process started it.
    pub async fn stop(self) {
        let cluster = self.cluster;
        let _ = tokio::task::spawn_blocking(move || {
            if cluster.stops_on_drop()
                && let Err(e) = cluster.stop()
            {
                tracing::warn!(error = %e, "stopping the private cluster failed");
            }
        })
        .await;
    }
}
