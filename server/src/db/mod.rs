//! The database boundary: the only module that speaks SQL (sqlx).
//!
//! It maps every database error once, into [`DbError`], and offers the
//! operations the rest of the server needs as plain functions over plain
//! data: documents ([`documents`]), change notifications between server
//! nodes ([`notify`]) and what a node's copy of a document lacks
//! ([`stored_since`]), the hash-chained audit trail ([`audit`]), the
//! sign-in throttle ([`throttle`]) and the supervisor console's sessions
//! and read models ([`console`]).

pub mod access;
pub mod accounts;
pub mod audit;
pub mod changes;
pub mod console;
pub mod coverage;
pub mod demo;
pub mod documents;
pub mod notify;
pub mod projection;
pub mod rows;
pub mod stored_since;
pub mod throttle;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or the connection broke.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error("database error: {0}")]
    Query(String),
    /// Stored data could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(String),
    /// The write conflicts with stored access data (a document claimed by
    /// someone else, an actor bound to another device); nothing was written.
    #[error("write refused: {0}")]
    Refused(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(e.to_string()),
            sqlx::Error::Database(ref db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) =>
            {
                // admin shutdown, crash shutdown, cannot connect now, connection failures
                DbError::Unavailable(e.to_string())
            }
            other => DbError::Query(other.to_string()),
        }
    }
}

/// A pool of connections to the system of record.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Connects lazily: the pool opens connections on first use, so a server
    /// can start (and report not-ready) while the database is down.
    pub fn connect_lazy(url: &str, max_connections: u32) -> Result<Self, DbError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| DbError::Unavailable(format!("bad database URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    /// Applies the migrations in `migrations/` that have not been applied.
    pub async fn migrate(&self) -> Result<(), DbError> {
        sqlx::migrate!("../migrations")
            .run(&self.pool)
            .await
            .map_err(|e| DbError::Migrate(e.to_string()))
    }

    /// Whether the database answers now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Starts a transaction, to compose operations that take one (such as
    /// [`audit::append`]) and commit them together.
    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        Ok(self.pool.begin().await?)
    }

    /// Starts a read-only transaction that sees one snapshot of the
    /// database throughout (repeatable read), for reads that must agree
    /// with each other while writers commit.
    pub(crate) async fn begin_snapshot(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Commits a transaction from [`Db::begin`], mapping its error.
    pub async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), DbError> {
        Ok(tx.commit().await?)
    }
}
