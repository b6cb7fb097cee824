//! The device API (`/api/v1`) against a real server process and a real
//! Postgres (`docs/security.md`): a peer enrols a device with their password and
//! the token syncs; wrong passwords, unknown users, and an admin's or a
//! disabled user's right password get one identical 401 (and count alike;
//! the audit trail tells them apart); repeated failures lock an account or
//! an address (429 with `Retry-After`, even for the right password) until
//! `admin unlock`; a token rotates; malformed and oversized bodies are 400
//! and 413; a revoked device's token gets 401 with `Alongside-Purge:
//! revoked`, and other refused tokens do not.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use alongside_server::admin::Lifetime;
use alongside_server::auth::token;
use alongside_server::db::Db;
use alongside_server::db::audit::AuditFilter;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// An HTTP response, as read off the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    // The server may answer (413) and close before reading all of a body.
    let _ = stream.write_all(&bytes).await;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers")
        .ok();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap();
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        &bytes,
    )
    .await
}

async fn sign_in(addr: SocketAddr, username: &str, password: &str, device: &str) -> Reply {
    post_json(
        addr,
        "/api/v1/devices",
        &json!({"username": username, "password": password, "deviceName": device}),
    )
    .await
}

async fn with_bearer(addr: SocketAddr, method: &str, path: &str, token: &str) -> Reply {
    let auth = format!("Bearer {token}");
    request(addr, method, path, &[("Authorization", &auth)], b"").await
}

fn admin(args: &[&str], database_url: &str) {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--database-url", database_url]);
    let out = admin_command(SERVER, &all, None);
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

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
