//! Purge reports (`POST /api/v1/purges`): unsynced changes handed over are
//! kept, within a device's quarantine quota, and bad input is refused.

use std::net::SocketAddr;
use std::time::Duration;

use alongside_server::db::Db;
use alongside_server::db::audit::AuditFilter;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::json;

use crate::SERVER;
use crate::http::*;

/// `POST /api/v1/purges` with `body` and device token `token`.
async fn post_purge(addr: SocketAddr, token: &str, body: &[u8]) -> Reply {
    let auth = format!("Bearer {token}");
    request(
        addr,
        "POST",
        "/api/v1/purges",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body,
    )
    .await
}

/// Lists `document` under "purge" in `user`'s caseload index, as a
/// reassignment does.
async fn told_to_purge(db_url: &str, user: uuid::Uuid, document: uuid::Uuid) {
    let db = Db::connect_lazy(db_url, 2).unwrap();
    alongside_server::access::caseload::ensure(&db, user)
        .await
        .unwrap();
    alongside_server::access::caseload::update(
        &db,
        user,
        &[alongside_server::access::caseload::IndexEdit::Purge {
            document,
            reason: "reassigned".into(),
        }],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_devices_quarantine_is_bounded_and_a_full_one_keeps_nothing() {
    let database = test_database();
    let server = TestServer::start(
        SERVER,
        &database.url,
        &["--quarantine-quota-bytes", "100000"],
    );
    let alice = Account::peer(&database.url, "alice", "north").await;
    let given = uuid::Uuid::new_v4();
    told_to_purge(&database.url, alice.user_id, given).await;
    let document = DocumentId::from_uuid(given);
    // About 60 KB of typing each time (random hex: it barely compresses).
    let typed = |_: u8| {
        let mut doc = automerge::AutoCommit::new();
        let text: String = (0..3_500)
            .map(|_| uuid::Uuid::new_v4().simple().to_string())
            .collect();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "note", text).unwrap();
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, doc.save())
    };
    let hand_over = |n: u8| {
        let body =
            serde_json::to_vec(&json!({"document": document.to_string(), "unsynced": typed(n)}))
                .unwrap();
        let token = alice.token.clone();
        async move { post_purge(server.addr, &token, &body).await }
    };
    let first = hand_over(1).await;
    assert_eq!(first.status, 200, "{first:?}");
    let second = hand_over(2).await;
    assert_eq!(second.status, 507, "{second:?}");
    assert_eq!(second.json()["error"], "quarantine_full");
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    assert_eq!(
        db.quarantined(given).await.unwrap().len(),
        1,
        "the refused hand-over is not kept"
    );
    // The refusal is audited as what it was (the auditor writes shortly
    // after the fact).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = db
            .audit_events(&AuditFilter {
                document: Some(given),
                user: None,
                before_seq: None,
                limit: 100,
            })
            .await
            .unwrap();
        if events.iter().any(|e| {
            e.action == "purge_confirmed"
                && e.outcome == "denied"
                && e.detail.contains("quarantine quota")
        }) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{events:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn purge_reports_keep_unsynced_changes_and_refuse_bad_input() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "north").await;
    // A record alice's devices were told to purge (as after a reassignment).
    let given = uuid::Uuid::new_v4();
    let document = DocumentId::from_uuid(given).to_string();
    told_to_purge(&database.url, alice.user_id, given).await;
    let post = |body: Vec<u8>| {
        let token = alice.token.clone();
        async move { post_purge(server.addr, &token, &body).await }
    };
    let mut doc = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "note", "typed").unwrap();
    let changes = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, doc.save());

    let kept =
        post(serde_json::to_vec(&json!({"document": document, "unsynced": changes})).unwrap())
            .await;
    assert_eq!(kept.status, 200, "{kept:?}");
    assert!(kept.json()["quarantined"].as_i64().is_some(), "{kept:?}");
    // A day's typing is larger than the API's usual 16 KiB bodies.
    let day: String = (0..6_000)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    let mut long = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut long, automerge::ROOT, "note", day).unwrap();
    let long = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, long.save());
    assert!(long.len() > 64 * 1024, "{}", long.len());
    let big =
        post(serde_json::to_vec(&json!({"document": document, "unsynced": long})).unwrap()).await;
    assert_eq!(big.status, 200, "{big:?}");
    let plain = post(serde_json::to_vec(&json!({"document": document})).unwrap()).await;
    assert_eq!(plain.status, 200, "{plain:?}");
    assert!(plain.json()["quarantined"].is_null());

    for (body, why) in [
        (json!({"document": "nope"}), "a bad id"),
        (
            json!({"document": document, "unsynced": "%%%"}),
            "not base64",
        ),
        (
            json!({"document": document, "unsynced": "aGVsbG8="}),
            "not automerge",
        ),
        (json!({"unsynced": changes}), "no document"),
    ] {
        let reply = post(serde_json::to_vec(&body).unwrap()).await;
        assert_eq!(reply.status, 400, "{why}: {reply:?}");
        assert_eq!(reply.json()["error"], "bad_request", "{why}");
    }
    let huge = vec![b'a'; 9 * 1024 * 1024];
    assert_eq!(post(huge).await.status, 413);

    // A record she was never given, existing or not, is one answer.
    let never = DocumentId::from_uuid(uuid::Uuid::new_v4()).to_string();
    let foreign =
        post(serde_json::to_vec(&json!({"document": never, "unsynced": changes})).unwrap()).await;
    assert_eq!(foreign.status, 404, "{foreign:?}");
    assert_eq!(foreign.json()["error"], "unknown_document");
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let never_id: DocumentId = never.parse().unwrap();
    assert!(
        db.quarantined(never_id.to_uuid()).await.unwrap().is_empty(),
        "nothing was kept for it"
    );

    // Changes that would inflate past the limit are refused before
    // automerge inflates them, and nothing is kept.
    let bomb = alongside_shared::sync::hostile::deflate_bomb(256 * 1024 * 1024);
    let bomb = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bomb);
    let refused =
        post(serde_json::to_vec(&json!({"document": document, "unsynced": bomb})).unwrap()).await;
    assert_eq!(refused.status, 413, "{refused:?}");
    assert_eq!(refused.json()["error"], "payload_too_large");
    let given_id: DocumentId = document.parse().unwrap();
    assert_eq!(
        db.quarantined(given_id.to_uuid()).await.unwrap().len(),
        2,
        "only the two hand-overs above are kept"
    );
    let anonymous = post_json(
        server.addr,
        "/api/v1/purges",
        &json!({"document": document}),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}
