//! Device enrolment from the library (`alongside_mobile_bridge::sync::enrol`
//! and `who_am_i`) against the real server: the token it gets syncs, a wrong
//! password and a revoked token are told apart, and the library refuses a
//! server URL with a path before sending anything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alongside_mobile_bridge::sync::{ServerUrl, SyncError, enrol, who_am_i};
use alongside_tests::accounts::Account;
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test]
async fn a_device_enrols_learns_who_it_is_and_is_told_when_revoked() {
    let db = test_database();
    let server = TestServer::start(SERVER, &db.url, &[]);
    let alice = Account::peer(&db.url, "alice", "north").await;
    let url = ServerUrl::parse(&server.sync_url()).unwrap();

    let wrong = enrol(&url, None, "alice", "not her password", "phone").await;
    assert!(
        matches!(wrong, Err(SyncError::InvalidCredentials)),
        "{wrong:?}"
    );

    let enrolled = enrol(&url, None, "alice", &alice.password, "alice's phone")
        .await
        .unwrap();
    assert!(enrolled.token.starts_with("als_"), "{enrolled:?}");
    assert_eq!(enrolled.user_id, alice.user_id.to_string());

    let me = who_am_i(&url, None, &enrolled.token).await.unwrap();
    assert_eq!(me.username, "alice");
    assert_eq!(me.role, "peer");
    assert_eq!(me.device_id, enrolled.device_id);
    assert_eq!(
        me.caseload_index().unwrap(),
        enrolled.caseload_index().unwrap()
    );

    let unknown = who_am_i(
        &url,
        None,
        "als_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    .await;
    assert!(
        matches!(unknown, Err(SyncError::Unauthorized)),
        "{unknown:?}"
    );

    let revoke = admin_command(
        SERVER,
        &[
            "device",
            "revoke",
            "--device",
            &enrolled.device_id,
            "--database-url",
            &db.url,
        ],
        None,
    );
    assert!(revoke.status.success(), "{revoke:?}");
    let revoked = who_am_i(&url, None, &enrolled.token).await;
    assert!(
        matches!(revoked, Err(SyncError::Revoked { .. })),
        "{revoked:?}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let url = ServerUrl::parse("http://127.0.0.1:9").unwrap();
    let answer = enrol(&url, None, "alice", "pw", "phone").await;
    assert!(
        matches!(answer, Err(SyncError::Connection(_))),
        "{answer:?}"
    );
}
