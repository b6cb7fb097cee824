//! The store's SQLite schema, its version and its migrations.
//!
//! The version lives in `PRAGMA user_version`. A new file is created at
//! [`SCHEMA_VERSION`] in one transaction together with its key-check row;
//! an existing one is migrated step by step, but only after the key has
//! been checked (see [`super::open`]), so a wrong key never writes.
//!
//! Tables:
//! - `key_check`: one sealed constant; opening it proves the key.
//! - `meta`: sealed values by key (identity, caseload index id, last sync).
//! - `documents`: id (bs58check), kind (`participant`, ... or NULL until
//!   known), created/updated times (ms). No participant data.
//! - `chunks`: append-only sealed Automerge chunks per document, in `seq`
//!   order; `snapshot` marks a compacted chunk.
//! - `server_heads`: the heads the server last acknowledged (32-byte
//!   hashes concatenated) and when.
//! - `pending`: documents with local changes the server's heads do not yet
//!   cover, and how many changes.

use rusqlite::Connection;

use super::sql_err;
use crate::storage::StorageError;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 1;

const CREATE_V1: &str = "
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL
);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    sealed BLOB NOT NULL
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    kind TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE chunks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    snapshot INTEGER NOT NULL DEFAULT 0,
    sealed BLOB NOT NULL
);
CREATE INDEX chunks_by_document ON chunks(document_id, seq);
CREATE TABLE server_heads (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    heads BLOB NOT NULL,
    acked_at INTEGER NOT NULL
);
CREATE TABLE pending (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    changes INTEGER NOT NULL,
    since INTEGER NOT NULL
);
";

/// The version recorded in the file (0: a new, empty file).
pub fn version(conn: &Connection) -> Result<i64, StorageError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_err)
}

/// Whether the file holds no tables at all (a brand-new store).
pub fn is_blank(conn: &Connection) -> Result<bool, StorageError> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(sql_err)?;
    Ok(n == 0)
}

/// Creates every table of the current version (inside the caller's
/// transaction).
pub fn create(conn: &Connection) -> Result<(), StorageError> {
    conn.execute_batch(CREATE_V1).map_err(sql_err)?;
    set_version(conn, SCHEMA_VERSION)
}

/// Brings a checked store from `from` up to [`SCHEMA_VERSION`] (inside
/// the caller's transaction). There is only version 1 so far; later
/// versions add a step here each.
pub fn migrate(_conn: &Connection, from: i64) -> Result<(), StorageError> {
    match from {
        SCHEMA_VERSION => Ok(()),
        v if v > SCHEMA_VERSION => Err(StorageError::Corrupt(format!(
            "store schema {v} is newer than this app ({SCHEMA_VERSION})"
        ))),
        v => Err(StorageError::Corrupt(format!("unknown store schema {v}"))),
    }
}

fn set_version(conn: &Connection, v: i64) -> Result<(), StorageError> {
    conn.execute_batch(&format!("PRAGMA user_version = {v}"))
        .map_err(sql_err)
}
