//! Device tokens on the WebSocket upgrade, against a real server process and
//! a real Postgres (`docs/sync-protocol.md`, `docs/security.md`): a missing, malformed, unknown,
//! tampered, expired or revoked token, or a disabled user, gets HTTP 401 with
//! `WWW-Authenticate: Bearer` and the same generic body, and no upgrade; a
//! rotated token's old value stops working and the new one works; a valid
//! token, as a header or in the query, completes the automerge-repo
//! handshake; a database that is down answers 503, not 401.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alongside_server::admin::{self, Lifetime};
use alongside_server::auth::{Role, token};
use alongside_server::db::Db;
use alongside_server::pg::PrivateCluster;
use alongside_tests::accounts::{Account, with_token};
use alongside_tests::client::{RawClient, Refused, open};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Asserts the upgrade is refused with a bare 401; returns the body.
async fn refused(url: &str, authorization: Option<&str>, case: &str) -> String {
    match open(url, authorization).await {
        Err(Refused::Status {
            status,
            www_authenticate,
            body,
        }) => {
            assert_eq!(status, 401, "{case}: status");
            assert_eq!(
                www_authenticate.as_deref(),
                Some("Bearer"),
                "{case}: WWW-Authenticate"
            );
            body
        }
        Ok(_) => panic!("{case}: the upgrade was accepted"),
        Err(other) => panic!("{case}: {other:?}"),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `secret` with one character in the middle changed.
fn tampered(secret: &str) -> String {
    let mut chars: Vec<char> = secret.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_get_401_before_the_upgrade_and_good_ones_sync() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let alice = Account::peer(&database.url, "alice", "team-a").await;

    // A valid token, as a header and in the query: the handshake completes.
    let client = RawClient::joined(&url, &alice.token, "alice-header").await;
    assert!(
        client.server.is_some(),
        "the server answered join with peer"
    );
    let mut client = RawClient::connect_url(&alice.url(&url), "alice-query").await;
    client.handshake().await;

    // Every refusal looks the same from outside.
    let mut bodies = vec![
        refused(&url, None, "missing").await,
        refused(&url, Some("Bearer"), "empty bearer").await,
        refused(&url, Some("Basic YWxpY2U6cHc="), "another scheme").await,
        refused(&url, Some(&bearer("not-a-token")), "malformed").await,
        refused(&with_token(&url, "garbage"), None, "malformed in the query").await,
        refused(
            &url,
            Some(&bearer(&token::generate().secret)),
            "never issued",
        )
        .await,
        refused(&url, Some(&bearer(&tampered(&alice.token))), "tampered").await,
        refused(
            &with_token(&url, &tampered(&alice.token)),
            None,
            "tampered query",
        )
        .await,
    ];

    // Expired: enrolled with a lifetime in the past.
    let (_, expired) = alice
        .enroll(&database.url, "old phone", Lifetime::seconds(-60))
        .await;
    bodies.push(refused(&url, Some(&bearer(&expired)), "expired").await);

    // Revoked with the command line while the server runs: refused at once.
    let (tablet, tablet_token) = alice
        .enroll(&database.url, "tablet", Lifetime::default())
        .await;
    RawClient::joined(&url, &tablet_token, "tablet").await;
    let out = admin_command(
        SERVER,
        &[
            "device",
            "revoke",
            "--device",
            &tablet.to_string(),
            "--database-url",
            &database.url,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "admin device revoke: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bodies.push(refused(&url, Some(&bearer(&tablet_token)), "revoked").await);
    bodies.push(refused(&with_token(&url, &tablet_token), None, "revoked query").await);

    // Rotated: the old value is refused, the new one works.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let rotated = admin::rotate_device_token(&db, alice.device_id, Lifetime::default())
        .await
        .unwrap();
    bodies.push(refused(&url, Some(&bearer(&alice.token)), "rotated away").await);
    RawClient::joined(&url, &rotated.token, "alice-rotated").await;

    // A disabled user's devices are refused.
    let bob = Account::create(
        &database.url,
        "bob",
        Role::Supervisor,
        Some("team-a"),
        Lifetime::default(),
    )
    .await;
    RawClient::joined(&url, &bob.token, "bob").await;
    assert!(db.set_user_disabled(bob.user_id, true).await.unwrap());
    bodies.push(refused(&url, Some(&bearer(&bob.token)), "disabled user").await);

    bodies.dedup();
    assert_eq!(
        bodies.len(),
        1,
        "one generic body for every refusal: {bodies:?}"
    );
    assert!(!bodies[0].contains("revoked") && !bodies[0].contains("expired"));

    // The device list shows what happened.
    let devices = admin::list_devices(&db, Some("alice")).await.unwrap();
    let tablet_row = devices.iter().find(|d| d.id == tablet).unwrap();
    assert!(tablet_row.revoked_at.is_some());
    let phone = devices.iter().find(|d| d.id == alice.device_id).unwrap();
    assert!(phone.rotated_at.is_some() && phone.last_seen_at.is_some());
    assert_eq!(phone.last_seen_addr.as_deref(), Some("127.0.0.1"));
    assert!(devices.iter().any(|d| d.name == "old phone" && d.expired));
}

/// A fresh folder under the target directory that the `postgres` user can
/// reach (system temp folders may not be).
fn tempdir_for(name: &str) -> PathBuf {
    let dir = alongside_tests::pg::shared_cluster_dir()
        .with_file_name(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_is_a_503_not_a_401() {
    let dir = tempdir_for("auth-outage");
    let cluster = PrivateCluster::start(&dir).unwrap();
    cluster.create_database("alongside").unwrap();
    let db_url = cluster.url("alongside");
    let server = TestServer::start(SERVER, &db_url, &[]);
    let alice = Account::peer(&db_url, "alice", "team-a").await;
    let url = server.sync_url();
    RawClient::joined(&url, &alice.token, "before").await;

    cluster.stop().unwrap();
    let status = match open(&url, Some(&bearer(&alice.token))).await {
        Err(Refused::Status { status, .. }) => status,
        Ok(_) => panic!("upgraded without a database"),
        Err(other) => panic!("{other:?}"),
    };
    assert_eq!(status, 503, "the token cannot be checked: try again later");

    let cluster = PrivateCluster::start(&dir).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match open(&url, Some(&bearer(&alice.token))).await {
            Ok(ws) => {
                RawClient::over(ws, "after").handshake().await;
                break;
            }
            Err(e) => assert!(Instant::now() < deadline, "no recovery: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
