//! The app version a device reports (issue 15): at enrolment
//! (`appVersion`, optional; a hostile one is 400 and enrols nothing) and
//! on every `/sync` upgrade (`Alongside-App-Version`, or `?appVersion=`
//! for browsers; a malformed one is 400 before the upgrade and changes
//! nothing), kept per device and shown in the supervisor's team overview
//! and `GET /api/v1/team`; the `alongside-device` CLI reports its own.
//! And the idle lock: `--device-idle-lock-mins` reaches devices at
//! enrolment and through `GET /api/v1/me`, within 1 to 60 minutes.

use std::process::Command;

use alongside_server::db::Db;
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Refused, open};
use alongside_tests::console::Browser;
use alongside_tests::device_cli::Phone;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::SERVER;
use crate::http::*;

const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

/// The version the console's read model holds for `device` (seen by
/// `supervisor`), and whether a time of the report is kept.
async fn stored_version(db: &Db, supervisor: &Account, device: &str) -> (Option<String>, bool) {
    let devices = db.team_devices(supervisor.user_id, 48).await.unwrap();
    let d = devices
        .iter()
        .find(|d| d.device_id.to_string() == device)
        .unwrap_or_else(|| panic!("device {device} not in {devices:?}"));
    (d.app_version.clone(), d.app_version_seen_at.is_some())
}

async fn enrol_with(addr: std::net::SocketAddr, peer: &Account, app_version: Value) -> Reply {
    post_json(
        addr,
        "/api/v1/devices",
        &json!({"username": peer.username, "password": peer.password,
                "deviceName": "phone", "appVersion": app_version}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolment_records_the_app_version_and_refuses_a_hostile_one() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let sam = Account::supervisor(&database.url, "sam", "team-a").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // Without a version: enrolled, nothing reported, the default idle lock.
    let reply = sign_in(server.addr, "alice", &alice.password, "old phone").await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["idleLockMinutes"], 15);
    let old = reply.json()["deviceId"].as_str().unwrap().to_owned();
    assert_eq!(stored_version(&db, &sam, &old).await, (None, false));

    // With one: kept as sent, with when.
    let reply = enrol_with(server.addr, &alice, json!("alongside-app/1.4.2+b7")).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let new = reply.json()["deviceId"].as_str().unwrap().to_owned();
    assert_eq!(
        stored_version(&db, &sam, &new).await,
        (Some("alongside-app/1.4.2+b7".to_owned()), true)
    );

    // Hostile ones are refused before the password is looked at: nothing
    // enrolled, nothing counted, nothing echoed.
    let before = db.list_devices(Some("alice")).await.unwrap().len();
    let long = "9".repeat(65);
    for bad in [
        json!("<script>alert(1)</script>"),
        json!(long),
        json!(""),
        json!("1.0 beta"),
        json!("1.0\r\nX-Injected: 1"),
        json!("versión"),
    ] {
        let reply = enrol_with(server.addr, &alice, bad.clone()).await;
        assert_eq!(reply.status, 400, "{bad}: {reply:?}");
        let body = reply.json();
        assert_eq!(body["error"], "bad_request", "{bad}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("appVersion: "), "{message}");
        assert!(!message.contains("script") && !message.contains("Injected"));
    }
    for not_a_string in [json!(5), json!(["1.0"]), json!({"v": 1})] {
        let reply = enrol_with(server.addr, &alice, not_a_string.clone()).await;
        assert_eq!(reply.status, 400, "{not_a_string}: {reply:?}");
    }
    // `null` is the same as leaving it out.
    assert_eq!(
        enrol_with(server.addr, &alice, Value::Null).await.status,
        201
    );
    assert_eq!(
        db.list_devices(Some("alice")).await.unwrap().len(),
        before + 1,
        "only the null one enrolled"
    );
    // The refusals did not count towards a lock (the limit is five).
    assert_eq!(
        sign_in(server.addr, "alice", &alice.password, "phone")
            .await
            .status,
        201
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_version_reported_on_sync_is_stored_and_shown_in_the_console() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let sam = Account::supervisor(&database.url, "sam", "team-a").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let reply = enrol_with(server.addr, &alice, json!("1.0.0")).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let device = reply.json()["deviceId"].as_str().unwrap().to_owned();
    let token = reply.json()["token"].as_str().unwrap().to_owned();

    // A browser's way: the query, beside the token (percent-encoded).
    let url = format!(
        "{}&appVersion=field%2F5b8bda4edde4",
        server.sync_url_for(&token)
    );
    let mut browser_like = RawClient::connect_url(&url, "alice-browser").await;
    browser_like.handshake().await;
    assert_eq!(
        stored_version(&db, &sam, &device).await.0.as_deref(),
        Some("field/5b8bda4edde4")
    );

    // A native app's way: the header, which wins over the query.
    let mut request = url.as_str().into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("Alongside-App-Version", HeaderValue::from_static("2.0.1"));
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    RawClient::over(ws, "alice-app").handshake().await;
    assert_eq!(
        stored_version(&db, &sam, &device).await.0.as_deref(),
        Some("2.0.1")
    );

    // A malformed one: 400, no upgrade, the stored version unchanged —
    // even with a token that is not valid (it is checked first).
    for query in ["appVersion=%3Cscript%3E", "appVersion=", "appVersion=1+0"] {
        let bad = format!("{}&{query}", server.sync_url_for(&token));
        match open(&bad, None).await {
            Err(Refused::Status { status, body, .. }) => {
                assert_eq!(status, 400, "{query}: {body}");
                assert!(body.starts_with("appVersion: "), "{body}");
            }
            other => panic!("{query}: upgraded or failed otherwise: {other:?}"),
        }
    }
    let mut request = server.sync_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "Alongside-App-Version",
        HeaderValue::from_static("way too long and spaced"),
    );
    request.headers_mut().insert(
        "Authorization",
        HeaderValue::from_static("Bearer als_not_a_token"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 400);
        }
        other => panic!("a bad header upgraded: {other:?}"),
    }
    assert_eq!(
        stored_version(&db, &sam, &device).await.0.as_deref(),
        Some("2.0.1")
    );

    // The CLI reports its own crate version on enrolment and sync.
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "alice cli");
    let base = format!("http://{}", server.addr);
    let out = phone.enroll_with_password(&base, "alice", &alice.password);
    assert!(out.success(), "{out:?}");
    let cli = db
        .list_devices(Some("alice"))
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "alice cli")
        .unwrap();
    let cli_version = cli.app_version.clone().unwrap_or_default();
    assert!(
        cli_version.starts_with("alongside-device/"),
        "{cli_version:?}"
    );
    assert!(cli.app_version_seen_at.is_some());
    assert!(phone.sync().success());

    // The console's device list shows each device's version.
    let mut console = Browser::new(server.addr);
    assert_eq!(console.sign_in("sam", &sam.password).status, 303);
    let overview = console.get("/overview");
    assert_eq!(overview.status, 200);
    assert!(
        overview.body.contains(">App version</th>"),
        "{}",
        overview.body
    );
    let row_of = |id: &str| {
        overview
            .body
            .split("<tr")
            .find(|r| r.contains(&format!("data-device=\"{id}\"")))
            .unwrap_or_else(|| panic!("no row for {id}: {}", overview.body))
            .to_owned()
    };
    let row = row_of(&device);
    assert!(row.contains("data-app-version=\"2.0.1\""), "{row}");
    assert!(row.contains("<code>2.0.1</code>"), "{row}");
    assert!(row_of(&cli.id.to_string()).contains(&format!("<code>{cli_version}</code>")));
    assert!(row_of(&alice.device_id.to_string()).contains("not reported"));

    // And so does the team API, with when it was reported.
    let team = console.api("GET", "/api/v1/team", Some(&sam.token), None);
    assert_eq!(team.status, 200, "{}", team.body);
    let team: Value = serde_json::from_str(&team.body).unwrap();
    let entry = team["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["deviceId"] == device.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["appVersion"], "2.0.1");
    assert!(entry["appVersionSeenAt"].as_i64().unwrap() > 0, "{entry}");

    // Administrators see it in `admin device list`.
    let out = alongside_tests::server::admin_command(
        SERVER,
        &[
            "device",
            "list",
            "--username",
            "alice",
            "--database-url",
            &database.url,
        ],
        None,
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.lines().next().unwrap().ends_with("\tapp version"));
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with(&device) && l.ends_with("\t2.0.1")),
        "{listing}"
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_idle_lock_is_the_servers_setting_within_an_hour() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &["--device-idle-lock-mins", "7"]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;

    let reply = sign_in(server.addr, "alice", &alice.password, "phone").await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["idleLockMinutes"], 7);
    let me = with_bearer(server.addr, "GET", "/api/v1/me", &alice.token).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.json()["idleLockMinutes"], 7);

    // Out of bounds, the server does not start.
    for bad in ["0", "61", "15.5"] {
        let out = Command::new(SERVER)
            .args(["serve", "--database-url", &database.url])
            .arg(format!("--device-idle-lock-mins={bad}"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("from 1 to 60"), "{bad}: {stderr}");
    }
}
