//! Store tests: round trips, the key, pending marks, compaction, purge,
//! and surviving a store that was never closed.

use std::path::Path;
use std::sync::Arc;

use alongside_shared::doc::DocKind;
use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::edit::text::{read_text, replace_text};
use alongside_shared::doc::participant::Profile;
use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;

use super::*;
use crate::clock::ManualClock;
use crate::storage::DeviceStore;

fn clock() -> SharedClock {
    Arc::new(ManualClock::new(1_700_000_000_000))
}

fn open(path: &Path, key: &StoreKey) -> SqliteStore {
    SqliteStore::open(path, key, clock()).expect("open")
}

fn new_participant(store: &mut SqliteStore, name: &str) -> DocumentId {
    let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
    store
        .create(id, |doc| {
            create_participant(doc, &Profile::new(name)).map_err(Box::new)
        })
        .expect("create");
    id
}

fn name_of(store: &SqliteStore, id: &DocumentId) -> String {
    let doc = store.load(id).expect("load").expect("held");
    read_text(&doc, ["profile", "displayName"]).expect("name")
}

fn rename(store: &mut SqliteStore, id: &DocumentId, name: &str) {
    store
        .edit(id, |doc| {
            replace_text(doc, ["profile", "displayName"], name).map_err(Box::new)
        })
        .expect("edit");
}

#[test]
fn documents_survive_reopening() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    let id = {
        let mut store = open(&path, &key);
        let id = new_participant(&mut store, "Ana");
        rename(&mut store, &id, "Ana María");
        id
    };
    let store = open(&path, &key);
    assert_eq!(store.document_ids().expect("ids"), vec![id]);
    assert_eq!(store.kind(&id), Some(DocKind::Participant));
    assert_eq!(name_of(&store, &id), "Ana María");
}

#[test]
fn many_documents_reopen_and_a_tampered_chunk_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    let names: Vec<String> = (0..40).map(|i| format!("Person {i}")).collect();
    let ids: Vec<DocumentId> = {
        let mut store = open(&path, &key);
        names
            .iter()
            .map(|n| new_participant(&mut store, n))
            .collect()
    };
    // Loaded on several threads, every document comes back as it was.
    let store = open(&path, &key);
    for (id, name) in ids.iter().zip(&names) {
        assert_eq!(&name_of(&store, id), name);
    }
    drop(store);
    // One flipped bit in one document's chunk: opening fails and says which.
    let victim = ids[17].to_string();
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        let mut sealed: Vec<u8> = conn
            .query_row(
                "SELECT sealed FROM chunks WHERE document_id = ?1 ORDER BY seq LIMIT 1",
                [&victim],
                |r| r.get(0),
            )
            .expect("a chunk");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        conn.execute(
            "UPDATE chunks SET sealed = ?1 WHERE document_id = ?2",
            rusqlite::params![sealed, victim],
        )
        .expect("tamper");
    }
    match SqliteStore::open(&path, &key, clock()) {
        Err(StorageError::Corrupt(why)) => assert!(why.contains(&victim), "{why}"),
        other => panic!("expected a corrupt store, got {other:?}"),
    }
}

#[test]
fn a_wrong_key_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    let id = {
        let mut store = open(&path, &key);
        new_participant(&mut store, "Ben")
    };
    let before = std::fs::read(&path).expect("read");
    let wrong = StoreKey::generate().expect("key");
    assert!(matches!(
        SqliteStore::open(&path, &wrong, clock()),
        Err(StorageError::WrongKey)
    ));
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let store = open(&path, &key);
    assert_eq!(name_of(&store, &id), "Ben");
}

#[test]
fn a_file_that_is_not_a_store_is_corrupt() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    std::fs::write(&path, vec![7u8; 4096]).expect("write");
    let key = StoreKey::generate().expect("key");
    assert!(matches!(
        SqliteStore::open(&path, &key, clock()),
        Err(StorageError::Corrupt(_))
    ));
}

#[test]
fn an_edit_survives_a_store_that_is_never_closed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    let mut store = open(&path, &key);
    let id = new_participant(&mut store, "Cleo");
    rename(&mut store, &id, "Cleo R.");
    // As if the app were killed: no close, no checkpoint, no destructor.
    std::mem::forget(store);
    let again = open(&path, &key);
    assert_eq!(name_of(&again, &id), "Cleo R.");
    assert!(again.is_pending(&id).expect("pending"));
}

#[test]
fn a_refused_edit_leaves_the_document_alone() {
    let key = StoreKey::generate().expect("key");
    let mut store = SqliteStore::open_in_memory(&key, clock()).expect("open");
    let id = new_participant(&mut store, "Dev");
    let chunks = store.chunk_count(&id);
    let refused: Result<(), EditError<&str>> = store.edit(&id, |doc| {
        replace_text(doc, ["profile", "displayName"], "half done").map_err(|_| "x")?;
        Err("no")
    });
    assert!(matches!(refused, Err(EditError::Rejected("no"))));
    assert_eq!(name_of(&store, &id), "Dev");
    assert_eq!(store.chunk_count(&id), chunks);
}

#[test]
fn server_heads_clear_the_pending_mark() {
    let key = StoreKey::generate().expect("key");
    let mut store = SqliteStore::open_in_memory(&key, clock()).expect("open");
    let id = new_participant(&mut store, "Eli");
    rename(&mut store, &id, "Eli K.");
    assert_eq!(store.status().expect("status").pending_changes, 2);
    assert_eq!(store.take_locally_changed(), vec![id]);
    assert!(store.take_locally_changed().is_empty());
    let doc = store.load(&id).expect("load").expect("held");
    let mut first = doc.clone();
    let partial = first.get_changes(&[]).first().map(|c| c.hash());
    let partial: Vec<_> = partial.into_iter().collect();
    store.set_server_heads(&id, &partial).expect("heads");
    assert_eq!(store.status().expect("status").pending_changes, 1);
    let heads = store.heads(&id);
    store.set_server_heads(&id, &heads).expect("heads");
    assert_eq!(store.server_heads(&id).expect("heads"), heads);
    assert!(!store.is_pending(&id).expect("pending"));
    assert_eq!(store.status().expect("status").pending_changes, 0);
}

#[test]
fn appended_changes_merge_and_are_not_pending() {
    let key = StoreKey::generate().expect("key");
    let mut store = SqliteStore::open_in_memory(&key, clock()).expect("open");
    let mut remote = AutoCommit::new();
    create_participant(&mut remote, &Profile::new("Fay")).expect("create");
    let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
    store.append(&id, &remote.save()).expect("append");
    assert_eq!(store.kind(&id), Some(DocKind::Participant));
    assert!(!store.is_pending(&id).expect("pending"));
    let before = remote.get_heads();
    replace_text(&mut remote, ["profile", "displayName"], "Fay L.").expect("edit");
    store
        .append(&id, &remote.save_after(&before))
        .expect("append");
    assert_eq!(name_of(&store, &id), "Fay L.");
    let _ = store.append(&id, b"not automerge");
    store.append(&id, &remote.save()).expect("already held");
    assert_eq!(name_of(&store, &id), "Fay L.");
    assert_eq!(store.chunk_count(&id), 2);
}

#[test]
fn compaction_folds_chunks_and_keeps_content() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    let id = {
        let mut store = open(&path, &key);
        store.set_compact_after(4);
        let id = new_participant(&mut store, "G");
        for i in 0..10 {
            rename(&mut store, &id, &format!("G{i}"));
        }
        assert!(store.chunk_count(&id) < 4);
        id
    };
    let store = open(&path, &key);
    assert_eq!(name_of(&store, &id), "G9");
    assert!(store.is_pending(&id).expect("pending"));
}

#[test]
fn purge_forgets_everything() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let key = StoreKey::generate().expect("key");
    {
        let mut store = open(&path, &key);
        let id = new_participant(&mut store, "Hal");
        store.purge(&id).expect("purge");
        assert!(store.load(&id).expect("load").is_none());
        assert!(store.pending().expect("pending").is_empty());
    }
    assert!(open(&path, &key).document_ids().expect("ids").is_empty());
}

#[test]
fn metadata_is_sealed_and_round_trips() {
    let key = StoreKey::generate().expect("key");
    let mut store = SqliteStore::open_in_memory(&key, clock()).expect("open");
    assert_eq!(store.meta(MetaKey::UserId).expect("meta"), None);
    store.set_meta(MetaKey::UserId, "u-1").expect("set");
    store.set_last_sync_at(42).expect("set");
    assert_eq!(
        store.meta(MetaKey::UserId).expect("meta").as_deref(),
        Some("u-1")
    );
    assert_eq!(store.status().expect("status").last_sync_at, Some(42));
}
