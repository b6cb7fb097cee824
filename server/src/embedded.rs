//! The private Postgres the server runs when no database URL is given:
//! started from the system's PostgreSQL binaries under `<data-dir>/postgres`
//! (see [`crate::pg`]), with a database named `alongside`, stopped when the
//! server stops.

use std::path::Path;

/// A running private cluster and the URL of the server's database in it.
pub struct Embedded {
    url: String,
}

impl Embedded {
    /// Starts (initialising on first run) the private cluster.
    pub async fn start(data_dir: &Path) -> Result<Self, std::io::Error> {
        let _ = data_dir;
        Err(std::io::Error::other(
            "private Postgres not wired yet: pass --database-url",
        ))
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the cluster.
    pub async fn stop(self) {}
}
