//! Enrolment and tokens: a peer's password enrols a device whose token
//! syncs and knows its user, a token rotates, and a revoked device is told
//! to purge where other refused tokens are not.

use alongside_server::admin::Lifetime;
use alongside_server::auth::token;
use alongside_server::db::Db;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::json;

use crate::SERVER;
use crate::http::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_enrols_a_device_whose_token_syncs_and_knows_its_user() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let sam = Account::supervisor(&database.url, "sam", "team-a").await;

    let reply = sign_in(server.addr, "alice", &alice.password, "alice's phone").await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let enrolled = reply.json();
    let token = enrolled["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("als_"));
    assert_eq!(enrolled["userId"], alice.user_id.to_string());
    assert!(enrolled["expiresAt"].as_str().unwrap().ends_with('Z'));
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let user = db.user_by_name("alice").await.unwrap().unwrap();
    let index = DocumentId::from_uuid(user.caseload_index).url();
    assert_eq!(enrolled["caseloadIndex"], index.as_str());
    let device_id = enrolled["deviceId"].as_str().unwrap().to_owned();
    let devices = db.list_devices(Some("alice")).await.unwrap();
    assert!(
        devices
            .iter()
            .any(|d| d.id.to_string() == device_id && d.name == "alice's phone")
    );

    // The new token completes the /sync handshake and answers /me.
    RawClient::joined(&server.sync_url(), &token, "alice-phone").await;
    let me = with_bearer(server.addr, "GET", "/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(
        me.json(),
        json!({
            "userId": alice.user_id.to_string(),
            "username": "alice",
            "role": "peer",
            "displayName": "alice",
            "deviceId": device_id,
            "caseloadIndex": index,
            "idleLockMinutes": 15,
        })
    );

    // A supervisor enrols too.
    let reply = sign_in(server.addr, "sam", &sam.password, "sam's laptop").await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let me = with_bearer(
        server.addr,
        "GET",
        "/api/v1/me",
        reply.json()["token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(me.json()["role"], "supervisor");

    // /me without a token.
    let reply = request(server.addr, "GET", "/api/v1/me", &[], b"").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.json()["error"], "unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_token_replaces_the_old_one_at_once() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let enrolled = sign_in(server.addr, "alice", &alice.password, "phone")
        .await
        .json();
    let old = enrolled["token"].as_str().unwrap().to_owned();

    let reply = with_bearer(server.addr, "POST", "/api/v1/devices/rotate", &old).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let rotated = reply.json();
    let new = rotated["token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["expiresAt"].as_str().is_some());

    let reply = with_bearer(server.addr, "GET", "/api/v1/me", &old).await;
    assert_eq!(reply.status, 401, "the old token: {reply:?}");
    let reply = with_bearer(server.addr, "POST", "/api/v1/devices/rotate", &old).await;
    assert_eq!(reply.status, 401, "rotating with the old token: {reply:?}");
    let reply = with_bearer(server.addr, "GET", "/api/v1/me", &new).await;
    assert_eq!(reply.status, 200, "the new token: {reply:?}");
    assert_eq!(reply.json()["deviceId"], enrolled["deviceId"]);
    RawClient::joined(&server.sync_url(), &new, "rotated").await;
    let reply = with_bearer(server.addr, "GET", "/sync", &old).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_device_is_told_to_purge_and_other_refusals_are_not() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let enrolled = sign_in(server.addr, "alice", &alice.password, "phone")
        .await
        .json();
    let token = enrolled["token"].as_str().unwrap().to_owned();
    let device = enrolled["deviceId"].as_str().unwrap().to_owned();
    RawClient::joined(&server.sync_url(), &token, "before").await;
    admin(&["device", "revoke", "--device", &device], &database.url);

    let revoked_sync = with_bearer(server.addr, "GET", "/sync", &token).await;
    let revoked_me = with_bearer(server.addr, "GET", "/api/v1/me", &token).await;
    for reply in [&revoked_sync, &revoked_me] {
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(
            reply.header("alongside-purge"),
            Some("revoked"),
            "{reply:?}"
        );
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }

    let (_, expired) = alice
        .enroll(&database.url, "old phone", Lifetime::seconds(-60))
        .await;
    let unknown = token::generate().secret;
    for other in [unknown.as_str(), expired.as_str(), alice.token.as_str()] {
        let refused = other != alice.token;
        let sync = with_bearer(server.addr, "GET", "/sync", other).await;
        let me = with_bearer(server.addr, "GET", "/api/v1/me", other).await;
        assert!(sync.header("alongside-purge").is_none(), "{sync:?}");
        assert!(me.header("alongside-purge").is_none(), "{me:?}");
        if refused {
            // Identical but for the purge header.
            assert_eq!((sync.status, &sync.body), (401, &revoked_sync.body));
            assert_eq!((me.status, &me.body), (401, &revoked_me.body));
        } else {
            assert_eq!(me.status, 200, "alice's other device still works");
        }
    }

    // The instruction is recorded on the revoked device only.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let device: uuid::Uuid = device.parse().unwrap();
    assert!(db.purge_instructed_at(device).await.unwrap().is_some());
    assert!(
        db.purge_instructed_at(alice.device_id)
            .await
            .unwrap()
            .is_none()
    );
}
