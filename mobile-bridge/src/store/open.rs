//! Opening a store: pragmas, key check, schema, then every document.
//!
//! Order matters for "a wrong key changes nothing": an existing file is
//! only read (its key-check row decrypted) before anything is written; a
//! blank file gets its tables and key-check row in one transaction.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction that
//! returned is in the WAL and fsynced — it survives the app being killed
//! and also the phone losing power (NORMAL would only survive the former:
//! the last commits could roll back on power loss, and a note typed on a
//! dying battery is exactly what must not go). One fsync per edit is
//! cheap at human editing speed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use alongside_shared::wire::DocumentId;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::crypt::{Cipher, Purpose, StoreKey};
use super::{DEFAULT_COMPACT_AFTER, SqliteStore, held, schema, sql_err};
use crate::clock::SharedClock;
use crate::storage::StorageError;

const KEY_CHECK_PLAIN: &[u8] = b"alongside store key check v1";

impl SqliteStore {
    /// Opens (or creates) the store at `path` with `key`.
    ///
    /// Fails with [`StorageError::WrongKey`] — having written nothing — if
    /// the key does not open an existing store, and with
    /// [`StorageError::Corrupt`] if the file is not a store or a document
    /// does not decrypt and load.
    pub fn open(path: &Path, key: &StoreKey, clock: SharedClock) -> Result<Self, StorageError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_err)?;
        Self::from_connection(conn, key, clock)
    }

    /// Opens a store that lives in memory only (tests).
    pub fn open_in_memory(key: &StoreKey, clock: SharedClock) -> Result<Self, StorageError> {
        let conn = Connection::open_in_memory().map_err(sql_err)?;
        Self::from_connection(conn, key, clock)
    }

    fn from_connection(
        mut conn: Connection,
        key: &StoreKey,
        clock: SharedClock,
    ) -> Result<Self, StorageError> {
        let cipher = Cipher::new(key);
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql_err)?;
        let blank = schema::is_blank(&conn)?;
        if !blank {
            check_key(&conn, &cipher)?;
        }
        // Only now may anything be written.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql_err)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(sql_err)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        if blank {
            schema::create(&tx)?;
            let sealed = cipher.seal(Purpose::KeyCheck, KEY_CHECK_PLAIN)?;
            tx.execute(
                "INSERT INTO key_check (id, sealed) VALUES (1, ?1)",
                [sealed],
            )
            .map_err(sql_err)?;
        } else {
            schema::migrate(&tx, schema::version(&tx)?)?;
        }
        tx.commit().map_err(sql_err)?;
        let docs = load_all(&conn, &cipher)?;
        let mut store = Self {
            conn,
            cipher,
            clock,
            docs,
            actor: None,
            compact_after: DEFAULT_COMPACT_AFTER,
            touched: Default::default(),
        };
        if let Some(actor) = store.device_actor()? {
            store.actor = Some(actor);
        }
        Ok(store)
    }
}

/// Decrypts the key-check row; WrongKey if it does not open.
fn check_key(conn: &Connection, cipher: &Cipher) -> Result<(), StorageError> {
    let sealed: Vec<u8> = conn
        .query_row("SELECT sealed FROM key_check WHERE id = 1", [], |r| {
            r.get(0)
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => {
                StorageError::Corrupt("the key-check row is missing".into())
            }
            rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("no such table") => {
                StorageError::Corrupt("not an Alongside store".into())
            }
            other => sql_err(other),
        })?;
    match cipher.open(Purpose::KeyCheck, &sealed) {
        Some(plain) if plain == KEY_CHECK_PLAIN => Ok(()),
        _ => Err(StorageError::WrongKey),
    }
}

/// Loading threads at most: each adds the transient memory of one
/// document being loaded (and an allocator arena) to the peak.
const MAX_LOAD_THREADS: usize = 4;

/// Reads every document's sealed chunks, then decrypts and loads the
/// documents on as many threads as the device has cores (up to
/// [`MAX_LOAD_THREADS`]): loading is Automerge's work, and a phone's cores
/// are otherwise idle while the app starts.
fn load_all(
    conn: &Connection,
    cipher: &Cipher,
) -> Result<HashMap<DocumentId, held::Held>, StorageError> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare("SELECT id FROM documents").map_err(sql_err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_err)?;
        rows.collect::<Result<_, _>>().map_err(sql_err)?
    };
    let mut sealed = Vec::with_capacity(ids.len());
    for text in ids {
        let id: DocumentId = text
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("bad document id {text:?}")))?;
        let chunks = held::read_sealed(conn, &text)?;
        sealed.push((id, text, chunks));
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_LOAD_THREADS)
        .clamp(1, sealed.len().max(1));
    // Workers take the next document until none is left, so one large
    // record does not hold up a share of small ones.
    let next = AtomicUsize::new(0);
    let take = || {
        let mut out = Vec::new();
        while let Some((id, text, chunks)) = sealed.get(next.fetch_add(1, Ordering::Relaxed)) {
            out.push((*id, held::open(cipher, text, chunks)?));
        }
        Ok(out)
    };
    let loaded: Vec<Result<Vec<(DocumentId, held::Held)>, StorageError>> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(take)).collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join().unwrap_or_else(|_| {
                        Err(StorageError::Corrupt("loading a document panicked".into()))
                    })
                })
                .collect()
        });
    let mut docs = HashMap::with_capacity(sealed.len());
    for part in loaded {
        docs.extend(part?);
    }
    Ok(docs)
}
