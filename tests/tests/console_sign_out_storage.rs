//! What the console leaves in the browser (issue 13), in real headless
//! Chromium with a profile on disk: a worker's phone pushes three
//! participant records; a supervisor signs in and browses the queue and
//! each record through htmx-boosted links (each page shown with its
//! participant's text, Back once); then localStorage, sessionStorage and the
//! Cache Storage hold none of that text (htmx's history cache is off).
//! The text is planted in all three, as any other script might leave it;
//! after sign-out (`Clear-Site-Data: "cache", "storage"`) and again after a
//! browser restart on the same profile, none of them holds it. The script
//! is `tests/browser/storage.mjs`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::browser;
use alongside_tests::client::RawClient;
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::syncer::push;
use serde_json::{Value, json};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Participants and one note each, distinctive enough to find in storage.
const RECORDS: [(&str, &str); 3] = [
    ("Rosa Díaz", "Talked through the eviction letter with Rosa"),
    (
        "Tomasz Nowak",
        "Tomasz described the voices getting quieter",
    ),
    ("Amara Okafor", "Amara asked for help telling her sister"),
];

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_leaves_no_participant_data_in_the_browser() {
    browser::ready();
    let database = test_database();
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    for (name, note) in RECORDS {
        let id = DocumentId::from_uuid(Uuid::new_v4());
        let (mut doc, _) = record(name, &alice, &[note]);
        assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while db.console_notes(sam.user_id).await.unwrap().len() < RECORDS.len() {
        assert!(Instant::now() < deadline, "notes never projected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let profile = tempfile::tempdir().unwrap();
    let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let participants: Vec<Value> = RECORDS
        .iter()
        .map(|(name, note)| json!({"name": name, "note": note}))
        .collect();
    let env = [
        ("CONSOLE_URL", format!("http://{}", server.addr)),
        ("USERNAME", sam.username.clone()),
        ("PASSWORD", sam.password.clone()),
        ("PARTICIPANTS", Value::from(participants).to_string()),
        ("PROFILE", profile.path().display().to_string()),
    ];
    let output = tokio::task::spawn_blocking(move || {
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser::run_script("storage.mjs", "signout", &pairs, &screenshots)
    })
    .await
    .unwrap();
    // The script checked the contents; its report shows what it read.
    let report: Value = serde_json::from_str(output.trim()).unwrap();
    assert!(
        report["browsedKeys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k != "htmx-history-cache"),
        "{report}"
    );
    for read in ["signedOut", "restarted"] {
        assert_eq!(
            report[read],
            json!({"localStorage": 0, "sessionStorage": 0, "caches": 0}),
            "{read}: {report}"
        );
    }
    db.close().await;
}
