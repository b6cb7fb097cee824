//! Interop with a client nobody here wrote: an unmodified
//! `@automerge/automerge-repo` 2.5.6 with its WebSocket client adapter
//! (pinned in `interop/package-lock.json`) against the real server process.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;

use alongside_server::db::Db;
use alongside_shared::doc::{DocKind, validate};
use alongside_shared::wire::AutomergeUrl;
use alongside_tests::accounts::Account;
use alongside_tests::interop;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use automerge::AutoCommit;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn automerge_repo_clients_create_find_and_edit_live() {
    assert!(interop::ready(), "npm ci --prefix interop failed");
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    // automerge-repo's adapter takes a URL: the token rides in its query.
    let url = server.sync_url_for(&alice.token);

    // One client creates a minimal participant document.
    let (ok, out) = interop::run(&["clients/create.mjs", &url]);
    assert!(ok, "create.mjs failed: {out}");
    let created: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let doc_url = created["url"].as_str().unwrap().to_owned();
    let document = doc_url.parse::<AutomergeUrl>().unwrap().document_id;

    // A fresh client finds it by URL and sees the same content.
    let (ok, out) = interop::run(&["clients/find.mjs", &url, &doc_url]);
    assert!(ok, "find.mjs failed: {out}");
    let found: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let content = found.get("doc").unwrap_or(&found);
    assert_eq!(content["@type"], "alongside/participant");
    assert_eq!(content["profile"]["displayName"], "Ada");

    // An edit from one client reaches another, live.
    let watcher = interop::command(&["clients/live.mjs", &url, &doc_url, "watch", "Ada Lovelace"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the watcher load the document before the edit is made.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (ok, out) = interop::run(&["clients/live.mjs", &url, &doc_url, "edit", "Ada Lovelace"]);
    assert!(ok, "live.mjs edit failed: {out}");
    let watched = watcher.wait_with_output().unwrap();
    assert!(watched.status.success(), "the watcher did not see the edit");

    // What Postgres holds is the merged, valid document.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let stored = db.load(document.to_uuid()).await.unwrap().expect("stored");
    let mut doc = AutoCommit::new();
    for piece in &stored.pieces {
        doc.load_incremental(piece).unwrap();
    }
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    let json = serde_json::to_value(automerge::AutoSerde::from(&doc)).unwrap();
    assert_eq!(json["profile"]["displayName"], "Ada Lovelace");

    // The projection was kept up to date by the merges, and equals a rebuild.
    let live = db.projection_dump().await.unwrap();
    assert!(
        live.iter()
            .any(|row| row.starts_with("participants ") && row.contains("Ada Lovelace")),
        "{live:?}"
    );
    // (Two documents: the participant record and Alice's caseload index.)
    assert_eq!(
        alongside_server::store::rebuild_projection(&db)
            .await
            .unwrap(),
        2
    );
    assert_eq!(db.projection_dump().await.unwrap(), live);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_document_from_automerge_repo_is_refused_and_quarantined() {
    assert!(interop::ready(), "npm ci --prefix interop failed");
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let url = server.sync_url_for(&alice.token);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // A participant record whose note is nothing like a note.
    let invalid = r#"{"@type": "alongside/participant", "schema": 1,
        "profile": {"displayName": "Ada"}, "goals": {}, "reviews": {},
        "notes": {"not-a-uuid": {"status": "whatever"}}}"#;
    let output = interop::command(&["clients/create.mjs", &url])
        .env("DOC_JSON", invalid)
        .env("TIMEOUT_MS", "5000")
        .output()
        .unwrap();
    // The server never acknowledges it: the client times out (exit 3).
    assert_eq!(output.status.code(), Some(3), "create.mjs should time out");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pending: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let document = pending["pending"]
        .as_str()
        .unwrap()
        .parse::<AutomergeUrl>()
        .unwrap()
        .document_id;

    assert!(
        stored::heads(&db, document).await.is_empty(),
        "never stored"
    );
    let reasons = stored::quarantined(&db, document).await;
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("does not match its schema")),
        "{reasons:?}"
    );
    stored::audited(&db, Some(alice.user_id), document, "write_quarantined").await;
    db.close().await;
}
