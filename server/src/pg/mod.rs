//! A private PostgreSQL cluster run from the system's PostgreSQL binaries
//! (`docs/operations.md`): when no database URL is configured, `serve` keeps one in
//! its data folder, and the test harness shares one per target directory.
//!
//! Driven by plain child processes: [`PgBinaries`] finds `initdb`, `pg_ctl`,
//! `postgres` and `createdb`; [`PrivateCluster::start`] initialises the
//! cluster on first use and starts (or adopts) its server on 127.0.0.1;
//! [`create_database_at`] and [`drop_database_at`] work on any server through
//! `createdb`/`dropdb`. No SQL client here: only the server's database module
//! speaks SQL. As root, the server programs run as the `postgres` account.

mod binaries;
mod cluster;
mod databases;
mod error;
mod layout;
mod runner;

pub use binaries::{PgBinaries, SERVER_PROGRAMS, find_tool};
pub use cluster::{Durability, PrivateCluster};
pub use databases::{create_database_at, drop_database_at, with_database};
pub use error::PgError;
