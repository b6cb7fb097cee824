//! The console's data as JSON under `/api/v1`: a supervisor's device token
//! reads the queue and a record and writes a review that a peer's device
//! then receives; a peer's token gets 403, none 401, another team's
//! record 404; bad bodies get a clear 400 and write nothing; the OpenAPI
//! document is served and lists what is routed.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::ReviewState;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::{Browser, record};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::{Outcome, find, push};
use serde_json::Value;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn json(page: &alongside_tests::console::Page) -> Value {
    serde_json::from_str(&page.body).unwrap_or_else(|e| panic!("{e}: {}", page.body))
}

#[tokio::test(flavor = "multi_thread")]
async fn supervisors_devices_read_and_review_through_the_json_api() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let bob = Account::peer(&database.url, "bob", "south").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record("Rosa Díaz", &alice, &["Walked to the housing office"]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let south = DocumentId::from_uuid(Uuid::new_v4());
    let (mut south_doc, _) = record("Ben South", &bob, &["Court support"]);
    let mut bobs = RawClient::joined(&server.sync_url(), &bob.token, "bob-phone").await;
    assert_eq!(
        push(&mut bobs, south, &mut south_doc).await.name(),
        "synced"
    );

    let mut http = Browser::new(server.addr);
    let spec = http.api("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(spec.status, 200);
    let spec = json(&spec);
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/review-queue"]["get"].is_object());
    // Every documented path is routed: the API's fallback answers 404
    // before authentication, routed paths ask for it (or a body) first.
    for path in alongside_server::http::api::openapi::PATHS {
        let methods = spec["paths"][path].as_object().expect("documented");
        let concrete = path
            .replace(
                "{document}",
                &DocumentId::from_uuid(uuid::Uuid::new_v4()).to_string(),
            )
            .replace("{note}", &uuid::Uuid::new_v4().to_string());
        for method in methods.keys() {
            let answer = http.api(
                &method.to_uppercase(),
                &format!("/api/v1{concrete}"),
                None,
                None,
            );
            assert_ne!(answer.status, 404, "{method} {path} is not routed");
        }
    }
    assert_eq!(http.api("GET", "/api/v1/nowhere", None, None).status, 404);

    // Who may ask.
    assert_eq!(
        http.api("GET", "/api/v1/review-queue", None, None).status,
        401
    );
    let refused = http.api("GET", "/api/v1/review-queue", Some(&alice.token), None);
    assert_eq!(refused.status, 403);
    assert_eq!(json(&refused)["error"], "forbidden");

    let queue = http.api("GET", "/api/v1/review-queue", Some(&sup.token), None);
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert_eq!(queue.header("cache-control"), Some("no-store"));
    let queue = json(&queue);
    let listed = queue["notes"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "only the supervisor's team: {queue}");
    assert_eq!(listed[0]["participantName"], "Rosa Díaz");
    assert_eq!(listed[0]["state"], "awaiting");
    assert_eq!(
        http.api(
            "GET",
            "/api/v1/review-queue?state=soon",
            Some(&sup.token),
            None
        )
        .status,
        400
    );

    let path = format!("/api/v1/participants/{id}");
    let record = json(&http.api("GET", &path, Some(&sup.token), None));
    assert_eq!(record["profile"]["displayName"], "Rosa Díaz");
    assert_eq!(record["notes"][0]["state"], "awaiting");
    assert!(record["notes"][0]["syncedAt"].is_i64());
    let heads = record["heads"].clone();
    let theirs = http.api(
        "GET",
        &format!("/api/v1/participants/{south}"),
        Some(&sup.token),
        None,
    );
    assert_eq!(theirs.status, 404);
    assert!(!theirs.body.contains("Ben South"));

    // Bad bodies: a clear 400, nothing written.
    let reviews = format!("{path}/notes/{}/reviews", notes[0]);
    for bad in [
        r#"{"decision":"request-changes","heads":HEADS}"#,
        r#"{"decision":"maybe","heads":HEADS}"#,
        r#"{"decision":"approve","heads":["nope"]}"#,
        r#"{"decision":"approve""#,
    ] {
        let body = bad.replace("HEADS", &heads.to_string());
        let answer = http.api("POST", &reviews, Some(&sup.token), Some(&body));
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert_eq!(json(&answer)["error"], "bad_request");
    }
    let dump = db.projection_dump().await.unwrap();
    assert!(!dump.iter().any(|r| r.starts_with("reviews ")));

    let body = format!(
        r#"{{"decision":"request-changes","comment":"Add the plan, please.","heads":{heads}}}"#
    );
    let answer = http.api("POST", &reviews, Some(&sup.token), Some(&body));
    assert_eq!(answer.status, 201, "{}", answer.body);
    // A peer's device fetching the record gets the review (once this node
    // has merged the committed write, announced through the database).
    let deadline = Instant::now() + Duration::from_secs(15);
    let got = loop {
        let mut tablet = RawClient::joined(&server.sync_url(), &alice.token, "alice-tablet").await;
        let Outcome::Synced(fetched) = find(&mut tablet, id).await else {
            panic!("the record syncs");
        };
        let got = read_participant(&*fetched).unwrap();
        if !got.reviews.is_empty() {
            break got;
        }
        assert!(
            Instant::now() < deadline,
            "the review never reached a device"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let review = got.reviews.values().next().unwrap();
    assert_eq!(review.state, ReviewState::ChangesRequested);
    assert_eq!(review.comment.as_str(), "Add the plan, please.");
    let queue = json(&http.api(
        "GET",
        "/api/v1/review-queue?state=all",
        Some(&sup.token),
        None,
    ));
    assert_eq!(queue["notes"][0]["state"], "changes-requested");

    let team = json(&http.api("GET", "/api/v1/team", Some(&sup.token), None));
    let peers = team["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0]["username"], "alice");
    assert_eq!(peers[0]["caseload"], 1);
    let logs = http.api("GET", "/api/v1/accompaniments", Some(&sup.token), None);
    assert_eq!(logs.status, 200);
    assert!(json(&logs)["accompaniments"].as_array().unwrap().is_empty());

    stored::audited(&db, Some(sup.user_id), id, "console_view").await;
    db.close().await;
}
