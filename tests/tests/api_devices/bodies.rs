//! Request bodies: malformed, oversized and undeclared ones are refused
//! clearly, and do not count as failed sign-ins.

use alongside_server::db::Db;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::json;

use crate::SERVER;
use crate::http::*;

#[tokio::test(flavor = "multi_thread")]
async fn malformed_oversized_and_undeclared_bodies_are_refused_clearly() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let json_type = [("Content-Type", "application/json")];

    let reply = request(
        server.addr,
        "POST",
        "/api/v1/devices",
        &json_type,
        br#"{"username": "alice", "#,
    )
    .await;
    assert_eq!(reply.status, 400, "{reply:?}");
    let body = reply.json();
    assert_eq!(body["error"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );

    let reply = post_json(
        server.addr,
        "/api/v1/devices",
        &json!({"username": "alice", "password": "pw"}),
    )
    .await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("deviceName"),
        "{reply:?}"
    );

    let reply = post_json(
        server.addr,
        "/api/v1/devices",
        &json!({"username": "alice", "password": "pw", "deviceName": ""}),
    )
    .await;
    assert_eq!(reply.status, 400, "{reply:?}");

    let reply = request(
        server.addr,
        "POST",
        "/api/v1/devices",
        &[("Content-Type", "text/plain")],
        br#"{"username": "a", "password": "b", "deviceName": "c"}"#,
    )
    .await;
    assert_eq!(reply.status, 415, "{reply:?}");

    let big = format!(
        r#"{{"username": "alice", "password": "{}", "deviceName": "x"}}"#,
        "p".repeat(20 * 1024)
    );
    let reply = request(
        server.addr,
        "POST",
        "/api/v1/devices",
        &json_type,
        big.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(reply.json()["error"], "payload_too_large");

    let reply = request(server.addr, "GET", "/api/v1/nothing", &[], b"").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"], "not_found");

    // None of this counted as a failed sign-in.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    assert!(db.throttle("addr:127.0.0.1").await.unwrap().is_none());
}
