//! Forged authorship (issue 13), through an unmodified automerge-repo JS
//! client with a covering peer's token: a submitted note signed in another
//! worker's name, authorId and signature.by rewritten on an approved note,
//! and every note of a record deleted. Each is refused by the server's
//! write rules (rolled back, quarantined, audited), the stored record does
//! not move, and a fresh device of the record's worker finds it as it was.

#![allow(clippy::unwrap_used)]

use alongside_mobile_bridge::storage::DeviceStore;
use alongside_server::audit::{AuditAction, AuditOutcome, AuditRecord};
use alongside_server::console::write::{NewReview, write_review};
use alongside_server::db::Db;
use alongside_shared::doc::ids::heads_to_hex;
use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::ReviewState;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::record;
use alongside_tests::interop;
use alongside_tests::memory_device::{device, sync_ok};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command};
use alongside_tests::stored;
use alongside_tests::syncer::push;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn a_covering_peer_cannot_forge_rewrite_or_delete_notes() {
    assert!(interop::ready(), "npm ci --prefix interop failed");
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let mallory = Account::peer(&database.url, "mallory", "north").await;

    // Alice's record: two submitted notes; Sam approves the first.
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record(
        "Rosa",
        &alice,
        &[
            "Walked to the clinic together.",
            "Phoned housing with Rosa.",
        ],
    );
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    drop(phone);
    let mut stored_doc = stored::document(&db, id).await;
    let seen = heads_to_hex(&stored_doc.get_heads());
    write_review(
        &db,
        id.to_uuid(),
        &NewReview {
            note: notes[0],
            state: ReviewState::Approved,
            comment: String::new(),
            reviewer: sam.user_id,
            reviewer_name: "Sam".into(),
            seen_heads: seen,
            at: 1_795_000_000_000,
        },
        AuditRecord::new(AuditAction::WriteAccepted, AuditOutcome::Allowed)
            .user(sam.user_id, &sam.username),
    )
    .await
    .unwrap();
    // Mallory covers the record: she may write it, beside Alice.
    let covered = admin_command(
        SERVER,
        &[
            "cover",
            "--participant",
            &id.to_string(),
            "--by",
            "mallory",
            "--database-url",
            &database.url,
        ],
        None,
    );
    assert!(covered.status.success(), "{covered:?}");
    let before = stored::heads(&db, id).await;

    let url = server.sync_url_for(&mallory.token);
    let doc_url = format!("automerge:{id}");
    let attacks = [
        ("forge-note", "authorId must be its writer"),
        ("rewrite-author", "never change"),
        ("delete-notes", "never deleted"),
    ];
    for (attack, why) in attacks {
        let output = interop::command(&["clients/tamper.mjs", &url, &doc_url, attack])
            .env("VICTIM_USER", alice.user_id.to_string())
            .env("VICTIM_DEVICE", alice.device_id.to_string())
            .env("NOTE_ID", notes[0].to_string())
            .env("NEW_AUTHOR", mallory.user_id.to_string())
            .env("TIMEOUT_MS", "5000")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("attempted"),
            "{attack}: the client made its change: {stdout}"
        );
        assert_eq!(
            output.status.code(),
            Some(3),
            "{attack}: the server must never confirm the change: {stdout}"
        );
        assert_eq!(stored::heads(&db, id).await, before, "{attack}: stored");
        let reasons = stored::quarantined(&db, id).await;
        assert!(
            reasons.iter().any(|r| r.contains(why)),
            "{attack}: quarantined for '{why}': {reasons:?}"
        );
    }
    let refusal = stored::audited(&db, Some(mallory.user_id), id, "write_quarantined").await;
    assert_eq!(refusal.device_id, Some(mallory.device_id));

    // A fresh device of Alice's receives the record as it was.
    let fresh = device(&server, &db, &alice, &alice.token).await;
    let mut held = None;
    for _ in 0..20 {
        sync_ok(&fresh).await;
        held = fresh.store().lock().unwrap().load(&id).unwrap();
        if held.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let held = held.expect("the record reached the fresh device");
    let record = read_participant(&held).unwrap();
    assert_eq!(record.notes.len(), 2, "no note added or deleted");
    for note in record.notes.values() {
        assert_eq!(note.author_id, alice.user_id.to_string());
        assert_eq!(note.device_id, alice.device_id.to_string());
        let signature = note.signature.as_ref().unwrap();
        assert_eq!(signature.by, alice.user_id.to_string());
    }
    assert_eq!(record.reviews.len(), 1, "the approval stands");
}
