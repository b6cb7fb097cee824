//! A fresh PostgreSQL database for each test (`docs/operations.md`, `docs/architecture.md#conventions`: a real
//! Postgres, never a mock).
//!
//! With `DATABASE_URL` set, databases are created on that server. Without it,
//! every test binary and process built into one target directory shares one
//! private cluster in `<target dir>/alongside-test-pg` (the target directory
//! is `CARGO_TARGET_DIR`, else the workspace's `target/`). The first test to
//! ask starts it; the lock file [`PrivateCluster::start`] holds while starting
//! makes concurrent test processes start it exactly once, and later ones (and
//! later runs) adopt the running server. Its settings do not wait for the
//! disk ([`Durability::Throwaway`]). It is left running on purpose:
//! `scripts/stop-test-postgres.sh` stops it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use alongside_server::pg::{self, Durability, PrivateCluster};

/// A database of one's own for one test. Dropping it drops the database
/// (closing its connections) unless the test is failing: then it is kept for
/// a look and its name printed.
#[derive(Debug)]
pub struct TestDatabase {
    /// Its `postgres://` URL.
    pub url: String,
    /// Its name, `t_<uuid>`.
    pub name: String,
    /// A URL of the same server to create and drop databases through.
    maintenance_url: String,
}

/// Creates a fresh database, starting the shared private cluster first if
/// this is the first call and `DATABASE_URL` is not set.
///
/// Blocks (the first call of a run for a few seconds, later ones for about a
/// tenth of a second): call it at the start of a test, async or not.
///
/// # Panics
/// When PostgreSQL cannot be started or the database cannot be created; the
/// message says why and what to do.
pub fn test_database() -> TestDatabase {
    let maintenance_url = maintenance_url();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let url = pg::with_database(maintenance_url, &name)
        .unwrap_or_else(|| panic!("DATABASE_URL must be a postgres:// URL"));
    if let Err(error) = pg::create_database_at(maintenance_url, &name) {
        panic!("could not create test database {name}: {error}");
    }
    TestDatabase {
        url,
        name,
        maintenance_url: maintenance_url.to_string(),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the failed test's database: {}", self.url);
        } else if let Err(error) = pg::drop_database_at(&self.maintenance_url, &self.name) {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

/// `DATABASE_URL`, else the shared private cluster's `postgres` database;
/// worked out once per process.
fn maintenance_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => shared_cluster_url(),
    })
}

/// Starts or adopts the shared cluster and leaves it running. Its data is
/// throwaway: per-test databases are created and dropped ten times faster.
fn shared_cluster_url() -> String {
    let dir = shared_cluster_dir();
    match PrivateCluster::start_with(&dir, Durability::Throwaway) {
        Ok(mut cluster) => {
            cluster.keep_running();
            cluster.url("postgres")
        }
        Err(error) => panic!(
            "could not start the shared test PostgreSQL in {}: {error} \
             (or set DATABASE_URL to a server of your own)",
            dir.display()
        ),
    }
}

/// `<target dir>/alongside-test-pg`.
pub fn shared_cluster_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        // Cargo resolves a relative CARGO_TARGET_DIR against where it runs,
        // usually the workspace; tests run in their package directory.
        Some(dir) if !dir.is_empty() => workspace.join(dir),
        _ => workspace.join("target"),
    };
    target.join("alongside-test-pg")
}
