//! Refused sign-ins: wrong passwords, unknown users and refused right
//! passwords look and count alike; repeated failures lock an account or an
//! address, also behind a trusted proxy, until `admin unlock`.

use std::net::SocketAddr;
use std::time::Duration;

use alongside_server::db::Db;
use alongside_server::db::audit::AuditFilter;
use alongside_tests::accounts::Account;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::json;

use crate::SERVER;
use crate::http::*;

fn assert_locked(reply: &Reply, case: &str) {
    assert_eq!(reply.status, 429, "{case}: {reply:?}");
    let retry: u64 = reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{case}: Retry-After: {reply:?}"));
    assert!((1..=900).contains(&retry), "{case}: Retry-After {retry}");
    assert_eq!(reply.json()["error"], "too_many_attempts", "{case}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_unknown_users_and_refused_right_ones_look_alike() {
    let database = test_database();
    // A generous address limit: the account limit is under test here.
    let server = TestServer::start(
        SERVER,
        &database.url,
        &["--login-address-max-failures", "100"],
    );
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let root = Account::admin(&database.url, "root").await;

    let wrong = sign_in(server.addr, "alice", "not her password", "phone").await;
    let unknown = sign_in(server.addr, "nobody", "whatever", "phone").await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert_eq!(unknown.status, 401, "{unknown:?}");
    assert_eq!(wrong.body, unknown.body, "one body for both");
    assert_eq!(wrong.json()["error"], "invalid_credentials");
    assert!(wrong.header("www-authenticate").is_none());

    // An admin's right password gets the very answer of a wrong one, and
    // counts as a failure like one: the lockout does not tell either.
    let reply = sign_in(server.addr, "root", &root.password, "root's phone").await;
    assert_eq!((reply.status, &reply.body), (401, &wrong.body), "{reply:?}");
    for _ in 0..4 {
        let reply = sign_in(server.addr, "root", "guess", "root's phone").await;
        assert_eq!((reply.status, &reply.body), (401, &wrong.body));
    }
    assert_locked(
        &sign_in(server.addr, "root", &root.password, "root's phone").await,
        "an admin after 1 right and 4 wrong passwords",
    );

    // A disabled user is refused with the same 401.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    assert!(db.set_user_disabled(alice.user_id, true).await.unwrap());
    let reply = sign_in(server.addr, "alice", &alice.password, "phone").await;
    assert_eq!((reply.status, &reply.body), (401, &wrong.body));

    // The audit trail keeps what each was.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let failed = loop {
        let failed: Vec<String> = db
            .audit_events(&AuditFilter::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "sign_in_failed")
            .map(|e| e.detail)
            .collect();
        if failed.len() >= 9 {
            break failed;
        }
        assert!(std::time::Instant::now() < deadline, "audited: {failed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let has = |text: &str| failed.iter().filter(|d| d.contains(text)).count();
    assert_eq!(
        has("\"root\": right password, but role admin may not use device enrolment"),
        1,
        "{failed:?}"
    );
    assert_eq!(
        has("\"alice\": right password, but the account is disabled"),
        1
    );
    assert_eq!(has("wrong username or password"), 6);
    assert_eq!(has(": locked"), 1);
    assert!(
        !db.audit_events(&AuditFilter::default())
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "device_enrolled"),
        "no device was enrolled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_failures_lock_an_account_until_an_admin_unlocks_it() {
    let database = test_database();
    // A generous address limit: this test is about the account limit.
    let server = TestServer::start(
        SERVER,
        &database.url,
        &["--login-address-max-failures", "100"],
    );
    let alice = Account::peer(&database.url, "alice", "team-a").await;

    for i in 0..5 {
        let reply = sign_in(server.addr, "alice", "wrong", "phone").await;
        assert_eq!(reply.status, 401, "failure {i}: {reply:?}");
    }
    let reply = sign_in(server.addr, "alice", &alice.password, "phone").await;
    assert_locked(&reply, "the right password while locked");

    // Unknown usernames lock the same way (a lock reveals nothing).
    for _ in 0..5 {
        sign_in(server.addr, "nobody", "wrong", "phone").await;
    }
    assert_locked(
        &sign_in(server.addr, "nobody", "wrong", "phone").await,
        "unknown user",
    );

    admin(&["unlock", "--username", "alice"], &database.url);
    let reply = sign_in(server.addr, "alice", &alice.password, "phone").await;
    assert_eq!(reply.status, 201, "after unlock: {reply:?}");

    // A success clears the account's count: 4 + 4 failures around one
    // success do not lock.
    for _ in 0..4 {
        assert_eq!(
            sign_in(server.addr, "alice", "wrong", "p").await.status,
            401
        );
    }
    assert_eq!(
        sign_in(server.addr, "alice", &alice.password, "p")
            .await
            .status,
        201
    );
    for _ in 0..4 {
        assert_eq!(
            sign_in(server.addr, "alice", "wrong", "p").await.status,
            401
        );
    }
    assert_eq!(
        sign_in(server.addr, "alice", &alice.password, "p")
            .await
            .status,
        201
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_across_usernames_lock_the_address() {
    let database = test_database();
    let server = TestServer::start(
        SERVER,
        &database.url,
        &["--login-address-max-failures", "6"],
    );
    let bob = Account::peer(&database.url, "bob", "team-a").await;

    for name in ["ann", "ben", "cat"] {
        for _ in 0..2 {
            let reply = sign_in(server.addr, name, "wrong", "phone").await;
            assert_eq!(reply.status, 401, "{name}: {reply:?}");
        }
    }
    // Bob has no failures of his own, but the address is locked.
    assert_locked(
        &sign_in(server.addr, "bob", &bob.password, "phone").await,
        "address locked",
    );
    // Unlocking bob's account does not help; unlocking the address does.
    admin(&["unlock", "--username", "bob"], &database.url);
    assert_locked(
        &sign_in(server.addr, "bob", &bob.password, "phone").await,
        "still locked",
    );
    admin(&["unlock", "--address", "127.0.0.1"], &database.url);
    let reply = sign_in(server.addr, "bob", &bob.password, "phone").await;
    assert_eq!(reply.status, 201, "{reply:?}");
}

async fn sign_in_via(
    addr: SocketAddr,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> Reply {
    let body = serde_json::to_vec(
        &json!({"username": username, "password": password, "deviceName": "phone"}),
    )
    .unwrap();
    request(
        addr,
        "POST",
        "/api/v1/devices",
        &[
            ("Content-Type", "application/json"),
            ("X-Forwarded-For", forwarded_for),
        ],
        &body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_audited() {
    let database = test_database();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let bob = Account::peer(&database.url, "bob", "team-a").await;

    // The tests connect from 127.0.0.1: here that is the trusted proxy.
    let server = TestServer::start(
        SERVER,
        &database.url,
        &[
            "--login-address-max-failures",
            "3",
            "--trusted-proxy",
            "127.0.0.1/32",
        ],
    );
    for _ in 0..3 {
        let reply = sign_in_via(server.addr, "203.0.113.7", "ann", "wrong").await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
    // That client is locked out; another client behind the same proxy is
    // not, nor is the client the proxy's own address would stand for.
    assert_locked(
        &sign_in_via(server.addr, "203.0.113.7", "bob", &bob.password).await,
        "the forwarded client is locked",
    );
    let reply = sign_in_via(
        server.addr,
        "198.51.100.1, 203.0.113.9",
        "bob",
        &bob.password,
    )
    .await;
    assert_eq!(reply.status, 201, "another client: {reply:?}");
    // A client cannot dodge the lock by writing its own header entry: the
    // proxy appends the address it saw, which is the one that counts.
    assert_locked(
        &sign_in_via(
            server.addr,
            "192.0.2.200, 203.0.113.7",
            "bob",
            &bob.password,
        )
        .await,
        "a forged leftmost entry changes nothing",
    );
    // The audit trail names the client, not the proxy.
    let failures: Vec<_> = db
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sign_in_failed")
        .collect();
    assert!(!failures.is_empty());
    assert!(
        failures
            .iter()
            .all(|e| e.address.as_deref() == Some("203.0.113.7")),
        "{:?}",
        failures.iter().map(|e| &e.address).collect::<Vec<_>>()
    );
    drop(server);

    // Without --trusted-proxy the header is ignored: the TCP peer counts.
    let server = TestServer::start(
        SERVER,
        &database.url,
        &["--login-address-max-failures", "3"],
    );
    for forwarded in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        let reply = sign_in_via(server.addr, forwarded, "cat", "wrong").await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
    assert_locked(
        &sign_in_via(server.addr, "192.0.2.99", "bob", &bob.password).await,
        "the header does not split an untrusted peer",
    );
    db.close().await;
}
