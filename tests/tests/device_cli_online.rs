//! The `alongside-device` command line's online commands against the real
//! server process: `sync` before enrolment, `enroll` with a wrong
//! password, with the right one and with a provisioned token, `status`
//! before and after a sync, the token kept out of output and out of the
//! store file in clear, a second device fetching the first one's record,
//! an unreachable server, and a revoked device that stops and says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alongside_server::db::Db;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::device_cli::{Phone, sorted};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command, free_port};
use alongside_tests::stored;
use serde_json::Value;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

fn base_url(server: &TestServer) -> String {
    format!("http://{}", server.addr)
}

/// Whether `needle` appears in any of the store's files (the database and
/// its write-ahead log).
fn store_files_contain(phone: &Phone, needle: &str) -> bool {
    let path = phone.store_path();
    let mut found = false;
    for suffix in ["", "-wal", "-journal"] {
        let file = format!("{}{suffix}", path.display());
        if let Ok(bytes) = std::fs::read(&file) {
            found |= bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn enroll_sync_and_status_from_the_command_line() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "phone");
    let url = base_url(&server);

    // Before enrolment: `sync` says what to do; `status` works offline.
    let out = phone.sync();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("not enrolled"), "{}", out.stderr);
    assert_eq!(out.json()["kind"], "not_enrolled");
    let before = phone.status();
    assert_eq!(before["enrolled"], false);
    assert_eq!(before["last_sync_at"], Value::Null);
    assert_eq!(before["last_sync"], Value::Null);

    // A wrong password: a clear refusal, nothing stored.
    let out = phone.enroll_with_password(&url, "alice", "not her password");
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(
        out.stderr.contains("wrong username or password"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["kind"], "invalid_credentials");
    assert_eq!(phone.status()["enrolled"], false);

    // Enrolment tells who the device is and keeps the token secret.
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert!(out.success(), "{out:?}");
    let enrolled = out.json();
    assert_eq!(enrolled["user_id"], alice.user_id.to_string());
    assert_eq!(enrolled["username"], "alice");
    assert_eq!(enrolled["role"], "peer");
    let device_id = enrolled["device_id"].as_str().unwrap().to_owned();
    let status = phone.status();
    assert_eq!(status["enrolled"], true);
    assert_eq!(status["device_id"], device_id.as_str());
    assert_eq!(status["server"], url.as_str());
    assert!(status.get("token").is_none(), "{status}");
    let token = phone.ok(&["status", "--show-token"])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("als_"), "{token}");
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token));
    assert!(
        !store_files_contain(&phone, &token),
        "the token is in the store file in clear"
    );
    // Status for people does not show it either.
    let plain = phone.run_for_people(&["status"]).stdout;
    assert!(plain.contains("alice (peer)"), "{plain}");
    assert!(!plain.contains(&token), "{plain}");

    // Work offline, then status, sync, status.
    let p = phone.ok(&["participant", "add", "--name", "Rosa Díaz"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    phone.ok(&[
        "note",
        "add",
        "--participant",
        &p,
        "--intervention",
        "Walked to the clinic",
    ]);
    let pending = phone.status();
    assert_eq!(pending["pending"].as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending["pending"][0]["id"], p.as_str());
    assert_eq!(pending["last_sync_at"], Value::Null);

    let out = phone.sync();
    assert!(out.success(), "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["documents_sent"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["bytes_sent"].as_u64().unwrap() > 0, "{report}");

    let after = phone.status();
    assert_eq!(after["pending"], serde_json::json!([]), "{after}");
    assert_eq!(after["pending_changes"], 0);
    assert!(after["last_sync_at"].as_i64().is_some(), "{after}");
    assert_eq!(after["last_sync"]["ok"], true, "{after}");

    // The server holds exactly what the phone holds.
    let id: DocumentId = p.parse().unwrap();
    assert_eq!(sorted(stored::heads(&db, id).await), phone.heads(&id));

    // A store is one device: another password enrolment is refused before
    // anything is asked of the server, and another server is refused.
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("already enrolled"), "{}", out.stderr);
    let out = phone.run(&["--server", "http://127.0.0.1:9", "sync"], None);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("enrolled with"), "{}", out.stderr);
    assert_eq!(phone.status()["device_id"], device_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provisioned_token_enrols_a_second_device_that_fetches_the_caseload() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "north").await;
    let dir = tempfile::tempdir().unwrap();
    let url = base_url(&server);
    let phone = Phone::new(DEVICE, dir.path(), "phone");
    assert!(
        phone
            .enroll_with_password(&url, "alice", &alice.password)
            .success()
    );
    let p = phone.ok(&["participant", "add", "--name", "Sam"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id: DocumentId = p.parse().unwrap();
    phone.sync_until("the record is acknowledged", |ph| {
        ph.status()["pending"] == serde_json::json!([])
    });

    // An administrator provisions the tablet's token.
    let provision = admin_command(
        SERVER,
        &[
            "device",
            "enroll",
            "--username",
            "alice",
            "--device-name",
            "alice tablet",
            "--database-url",
            &database.url,
        ],
        None,
    );
    assert!(provision.status.success(), "{provision:?}");
    let token = String::from_utf8_lossy(&provision.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    let tablet = Phone::new(DEVICE, dir.path(), "tablet");
    let out = tablet.enroll_with_token(&url, &token);
    assert!(out.success(), "{out:?}");
    let me = out.json();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["user_id"], alice.user_id.to_string());
    assert!(me["caseload_index"].as_str().is_some());
    assert!(!out.stdout.contains(&token));

    // The tablet fetches the record through the caseload index.
    tablet.sync_until("the tablet holds the record", |t| t.held().contains(&id));
    assert_eq!(tablet.heads(&id), phone.heads(&id));
    let caseload = tablet.ok(&["caseload"]);
    assert_eq!(caseload[0]["display_name"], "Sam", "{caseload}");

    // Revoked: the device says so, deletes what it held and stops for good.
    let revoke = admin_command(
        SERVER,
        &[
            "device",
            "revoke",
            "--device",
            me["device_id"].as_str().unwrap(),
            "--database-url",
            &database.url,
        ],
        None,
    );
    assert!(revoke.status.success(), "{revoke:?}");
    let out = tablet.sync();
    assert_eq!(out.code, Some(6), "{out:?}");
    assert!(out.stderr.contains("revoked"), "{}", out.stderr);
    assert_eq!(out.json()["kind"], "revoked");
    assert!(tablet.held().is_empty(), "a revoked device keeps nothing");
    let again = tablet.sync();
    assert_eq!(again.code, Some(6), "{again:?}");
    assert!(
        again.stderr.contains("will not sync again"),
        "{}",
        again.stderr
    );
    let status = tablet.status();
    assert!(status["revoked_at"].as_i64().is_some(), "{status}");
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["last_sync"]["error"], "revoked");
    // The phone is not affected.
    assert!(phone.sync().success());
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "phone");
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = phone.enroll_with_password(&url, "alice", "pw");
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(out.stderr.contains("cannot reach"), "{}", out.stderr);
    assert_eq!(out.json()["kind"], "unreachable");
    let out = phone.run(
        &["--server", "ftp://example", "enroll", "--token", "x"],
        None,
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("scheme"), "{}", out.stderr);
    let out = phone.run(&["--server", &url, "enroll"], None);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("--username"), "{}", out.stderr);
    assert_eq!(phone.status()["enrolled"], false);
}
