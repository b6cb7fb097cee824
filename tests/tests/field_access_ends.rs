//! The field app when access ends (issue 15, proof 6), in real Chromium on
//! a profile on disk (`tests/browser/field-access.mjs`).
//!
//! A worker's phone enrols and holds twelve records; the token never
//! appears in a WebSocket URL. Started again with nothing changed, the app
//! sends a handful of sync frames, not one per record (the change feed).
//! Offline, the worker drafts a note on a record that is then reassigned
//! to another worker. Back online, the app hands the unsynced draft to the
//! server (it lands in quarantine, words intact), deletes the record from
//! IndexedDB and says so. Then the device is revoked: the app wipes its
//! store and the sign-in screen says why.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_server::store::codec;
use alongside_shared::doc::read::{read_caseload_index, read_participant};
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::browser;
use alongside_tests::client::RawClient;
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::push;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Records held besides the one that moves.
const KEPT: usize = 11;

#[tokio::test(flavor = "multi_thread")]
async fn a_reassigned_record_is_handed_over_then_deleted_and_a_revoked_phone_is_wiped() {
    browser::ready();
    let database = test_database();
    let amir = Account::peer(&database.url, "amir", "north").await;
    let _bea = Account::peer(&database.url, "bea", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // Twelve records on his caseload; one of them will move.
    let mut phone = RawClient::joined(&server.sync_url(), &amir.token, "amir-phone").await;
    let moved = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, _) = record("Jordan Reyes", &amir, &[]);
    assert_eq!(push(&mut phone, moved, &mut doc).await.name(), "synced");
    for i in 0..KEPT {
        let (mut doc, _) = record(&format!("Kept Person {i:02}"), &amir, &[]);
        let id = DocumentId::from_uuid(Uuid::new_v4());
        assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    }
    stored::until_index(&db, amir.user_id, "lists every record", |d| {
        read_caseload_index(d).unwrap().participants.len() == KEPT + 1
    })
    .await;
    drop(phone);

    let profile = tempfile::tempdir().unwrap();
    let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("field-screenshots");
    let env = vec![
        ("FIELD_URL", format!("http://{}/field/", server.addr)),
        ("USERNAME", amir.username.clone()),
        ("PASSWORD", amir.password.clone()),
        ("PIN", "305718".to_owned()),
        ("MOVED", "Jordan Reyes".to_owned()),
        ("MOVED_ID", moved.to_string()),
        ("KEPT", "Kept Person 07".to_owned()),
        ("PROFILE", profile.path().display().to_string()),
    ];
    let run = |step: &'static str| {
        let env = env.clone();
        let screenshots = screenshots.clone();
        async move {
            let output = tokio::task::spawn_blocking(move || {
                let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                browser::run_script("field-access.mjs", step, &pairs, &screenshots)
            })
            .await
            .unwrap();
            let report: serde_json::Value = serde_json::from_str(output.trim()).unwrap();
            assert_eq!(report["step"], step, "{output}");
            report
        }
    };

    // The token goes in the subprotocol, never the URL.
    let enrolled = run("enrol").await;
    for step in [&enrolled, &run("reconnect").await] {
        let sockets = step["sockets"].as_array().unwrap();
        assert!(!sockets.is_empty(), "{step}");
        for url in sockets {
            let url = url.as_str().unwrap();
            assert!(
                !url.contains("token") && !url.contains("als_"),
                "a WebSocket URL names the token: {url}"
            );
        }
    }
    // Nothing changed: the join, the index and little else — not a round
    // per record held (that would be at least 13 frames).
    let reconnect = run("reconnect").await;
    let sent = reconnect["framesSent"].as_u64().unwrap();
    assert!(
        sent <= 6,
        "an idle reconnect sent {sent} frames with {} records held",
        KEPT + 1
    );

    // A draft typed offline on the record that then moves to Bea.
    run("offline").await;
    let output = Command::new(SERVER)
        .args(["admin", "assign", "--participant", &moved.to_string()])
        .args(["--to", "bea", "--database-url", &database.url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "admin assign: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    run("purge").await;

    // The words typed reached the quarantine before the copy went.
    let deadline = Instant::now() + Duration::from_secs(10);
    let held =
        loop {
            let rows = db.quarantined(moved.to_uuid()).await.unwrap();
            let mut found = None;
            for (row, _, _) in rows {
                // Merged into the server's copy (never stored so), the
                // handed-over changes hold the draft.
                let data = db.quarantined_data(row).await.unwrap().unwrap();
                let stored = db.load(moved.to_uuid()).await.unwrap().unwrap();
                let mut merged = codec::load(&stored).unwrap();
                merged.load_incremental(&data).unwrap();
                let record = read_participant(&merged).unwrap();
                if record.notes.values().any(|n| {
                    n.narrative.intervention.as_str() == "Typed before the record moved away."
                }) {
                    found = Some(row);
                }
            }
            if let Some(row) = found {
                break row;
            }
            assert!(
                Instant::now() < deadline,
                "the draft never reached the quarantine"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
    assert!(held > 0);

    // Revoked: the next start wipes the phone.
    assert!(
        db.revoke_device(field_device(&db, &amir).await)
            .await
            .unwrap()
    );
    let revoked = run("revoked").await;
    assert!(revoked["databases"].is_array(), "{revoked}");
}

/// The device the browser enrolled as.
async fn field_device(db: &Db, account: &Account) -> Uuid {
    db.list_devices(Some(&account.username))
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name.starts_with("Field app"))
        .map(|d| d.id)
        .unwrap()
}
