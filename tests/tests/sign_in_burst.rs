//! The sign-in lockout under a burst (issue 13): many wrong passwords sent
//! at once from one address, on the device API (`POST /api/v1/devices`)
//! and on the console's sign-in form, through one server node or two on
//! one database. Every attempt takes a slot in the database before its
//! password is checked, so at most the limit are checked — counted by the
//! servers' `alongside_password_checks_total` and by the audit trail,
//! which records a checked failure as "wrong username or password" and a
//! refusal as "locked" — the others are refused with 429, and the right
//! password afterwards is refused while the lock lasts. The right password
//! alone never locks: more successes in a row than the address limit all
//! pass, and leave nothing counted.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use alongside_server::audit::AuditEvent;
use alongside_server::db::Db;
use alongside_server::db::audit::AuditFilter;
use alongside_tests::accounts::Account;
use alongside_tests::burst::{Answer, Shot, fire, tally};
use alongside_tests::console::{Browser, form_encode};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command};
use serde_json::json;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// The default limits (`--login-max-failures`, `--login-address-max-failures`).
const ACCOUNT_LIMIT: usize = 5;
const ADDRESS_LIMIT: usize = 20;

fn enrol(addr: SocketAddr, username: &str, password: &str) -> Shot {
    Shot::json(
        addr,
        "/api/v1/devices",
        &json!({"username": username, "password": password, "deviceName": "phone"}),
    )
}

/// A console sign-in form post, with the form's double-submit cookie
/// (fetched once per server; it may be reused).
struct ConsoleForm {
    addr: SocketAddr,
    cookie: String,
    csrf: String,
}

impl ConsoleForm {
    fn fetch(addr: SocketAddr) -> Self {
        let mut browser = Browser::new(addr);
        let csrf = browser.get("/signin").input("csrf").unwrap();
        let cookie = browser
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        Self { addr, cookie, csrf }
    }

    fn sign_in(&self, username: &str, password: &str) -> Shot {
        let body = format!(
            "username={}&password={}&csrf={}",
            form_encode(username),
            form_encode(password),
            form_encode(&self.csrf)
        );
        Shot::form(self.addr, "/signin", &body, &self.cookie)
    }
}

/// Waits until the audit trail holds `count` sign-in events (each answered
/// sign-in is one, written just after the answer); returns them.
async fn sign_in_events(db: &Db, count: usize) -> Vec<AuditEvent> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events: Vec<AuditEvent> = db
            .audit_events(&AuditFilter {
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "sign_in" || e.action == "sign_in_failed")
            .collect();
        if events.len() >= count {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} sign-ins audited",
            events.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sign-ins whose password was checked and found wrong, by the audit trail.
fn checked_failures(events: &[AuditEvent]) -> usize {
    events
        .iter()
        .filter(|e| e.detail.ends_with("wrong username or password"))
        .count()
}

/// Sign-ins refused unchecked, by the audit trail.
fn refused_locked(events: &[AuditEvent]) -> usize {
    events
        .iter()
        .filter(|e| e.detail.ends_with(": locked"))
        .count()
}

fn password_checks(servers: &[&TestServer]) -> i64 {
    servers
        .iter()
        .map(|s| s.metric("alongside_password_checks_total").unwrap())
        .sum()
}

fn assert_refused_locked(answer: &Answer, case: &str) {
    assert_eq!(answer.status, 429, "{case}: {answer:?}");
    let retry: u64 = answer
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{case}: no Retry-After: {answer:?}"));
    assert!((1..=900).contains(&retry), "{case}: Retry-After {retry}");
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

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_on_the_device_api_gets_at_most_the_limits_checked() {
    let database = test_database();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let bob = Account::peer(&database.url, "bob", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // 150 wrong passwords for one account at once: 5 are checked.
    let answers = fire(
        (0..150)
            .map(|i| enrol(server.addr, "alice", &format!("guess {i}")))
            .collect(),
    )
    .await;
    assert_eq!(
        tally(&answers),
        [(401, ACCOUNT_LIMIT), (429, 150 - ACCOUNT_LIMIT)]
    );
    for answer in answers.iter().filter(|a| a.status == 429) {
        assert_refused_locked(answer, "a refused attempt of the burst");
    }
    assert_eq!(password_checks(&[&server]), ACCOUNT_LIMIT as i64);
    let events = sign_in_events(&db, 150).await;
    assert_eq!(checked_failures(&events), ACCOUNT_LIMIT);
    assert_eq!(refused_locked(&events), 150 - ACCOUNT_LIMIT);
    // The right password afterwards: refused, unchecked.
    let right = fire(vec![enrol(server.addr, "alice", &alice.password)]).await;
    assert_refused_locked(&right[0], "the right password while locked");
    assert_eq!(password_checks(&[&server]), ACCOUNT_LIMIT as i64);

    // 200 wrong passwords for 200 names at once from one address: the
    // address's 15 remaining slots are checked, then it is locked for
    // everyone, bob's right password included.
    let answers = fire(
        (0..200)
            .map(|i| enrol(server.addr, &format!("user{i}"), "wrong"))
            .collect(),
    )
    .await;
    let remaining = ADDRESS_LIMIT - ACCOUNT_LIMIT;
    assert_eq!(tally(&answers), [(401, remaining), (429, 200 - remaining)]);
    assert_eq!(password_checks(&[&server]), ADDRESS_LIMIT as i64);
    let right = fire(vec![enrol(server.addr, "bob", &bob.password)]).await;
    assert_refused_locked(&right[0], "the right password from a locked address");
    let events = sign_in_events(&db, 150 + 1 + 200 + 1).await;
    assert_eq!(checked_failures(&events), ADDRESS_LIMIT);
    assert_eq!(password_checks(&[&server]), ADDRESS_LIMIT as i64);

    // Unlocked, the right password alone never locks: more successes in
    // a row than the address limit all pass, and leave nothing counted.
    admin(&["unlock", "--address", "127.0.0.1"], &database.url);
    for i in 0..ADDRESS_LIMIT + 3 {
        let answer = fire(vec![enrol(server.addr, "bob", &bob.password)]).await;
        assert_eq!(answer[0].status, 201, "success {i}: {:?}", answer[0]);
    }
    assert_eq!(db.throttle("addr:127.0.0.1").await.unwrap(), None);
    assert_eq!(db.throttle("user:bob").await.unwrap(), None);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_on_the_console_sign_in_gets_at_most_the_limit_checked() {
    let database = test_database();
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let form = ConsoleForm::fetch(server.addr);
    let answers = fire(
        (0..120)
            .map(|i| form.sign_in("sam", &format!("guess {i}")))
            .collect(),
    )
    .await;
    assert_eq!(
        tally(&answers),
        [(401, ACCOUNT_LIMIT), (429, 120 - ACCOUNT_LIMIT)]
    );
    assert!(
        answers.iter().all(|a| a.header("location").is_none()),
        "no burst attempt signed in"
    );
    assert_eq!(password_checks(&[&server]), ACCOUNT_LIMIT as i64);
    let events = sign_in_events(&db, 120).await;
    assert_eq!(checked_failures(&events), ACCOUNT_LIMIT);

    // The right password afterwards, through the form as a browser sends
    // it: 429, no session.
    let mut browser = Browser::new(server.addr);
    let answer = browser.sign_in("sam", &sam.password);
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert!(answer.body.contains("Too many failed sign-ins"));
    assert!(answer.header("retry-after").is_some());
    assert_eq!(browser.get("/overview").status, 303, "not signed in");
    assert_eq!(password_checks(&[&server]), ACCOUNT_LIMIT as i64);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_on_one_database_share_one_limit() {
    let database = test_database();
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let one = TestServer::start(SERVER, &database.url, &[]);
    let two = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // 160 wrong passwords at once, alternating between the nodes and
    // between the API and the console.
    let forms = [ConsoleForm::fetch(one.addr), ConsoleForm::fetch(two.addr)];
    let shots = (0..160)
        .map(|i| {
            let node = &forms[i % 2];
            let guess = format!("guess {i}");
            if i % 4 < 2 {
                enrol(node.addr, "sam", &guess)
            } else {
                node.sign_in("sam", &guess)
            }
        })
        .collect();
    let answers = fire(shots).await;
    assert_eq!(
        tally(&answers),
        [(401, ACCOUNT_LIMIT), (429, 160 - ACCOUNT_LIMIT)]
    );
    assert_eq!(password_checks(&[&one, &two]), ACCOUNT_LIMIT as i64);
    let events = sign_in_events(&db, 160).await;
    assert_eq!(checked_failures(&events), ACCOUNT_LIMIT);

    // The right password on either node, either door: refused.
    for node in [&one, &two] {
        let api = fire(vec![enrol(node.addr, "sam", &sam.password)]).await;
        assert_refused_locked(&api[0], "the right password on the API");
        let mut browser = Browser::new(node.addr);
        assert_eq!(browser.sign_in("sam", &sam.password).status, 429);
    }
    assert_eq!(password_checks(&[&one, &two]), ACCOUNT_LIMIT as i64);
    db.close().await;
}
