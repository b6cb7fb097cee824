//! The field app as the server serves it (issue 15): the committed bundle
//! is what the pinned packages build; `/field/` answers with the app under
//! a strict Content-Security-Policy; and in real Chromium on a 360 × 640
//! window with a profile on disk, a worker is told a wrong password under
//! the form, signs in with the right one (enrolling the browser as a
//! device), chooses a PIN and sees their caseload over `/sync`. The browser
//! then starts again on the same profile with no network: the service
//! worker serves the app, a wrong PIN is refused and slows the next try,
//! and the right one opens the caseload from the encrypted store. Last, the
//! profile's files on disk are read: none holds the participant's name, the
//! note or the device token in the clear, and the device reported the
//! build's version (`/field/version.txt`). The browser script is
//! `tests/browser/field.mjs`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, http_get, http_response};
use alongside_tests::syncer::push;
use alongside_tests::{browser, field, stored};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[test]
fn the_committed_bundle_is_what_the_pinned_packages_build() {
    let out = field::node(&["scripts/build.mjs", "--check"]);
    assert!(out.contains("matches"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_signs_in_on_a_phone_and_sees_their_caseload() {
    browser::ready();
    let database = test_database();
    let amir = Account::peer(&database.url, "amir", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // Served under a strict policy, no inline script.
    let (status, body) = http_get(server.addr, "/field/").unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains(r#"<script type="module" src="app.js">"#),
        "{body}"
    );
    let answer = http_response(server.addr, "/field/app.js", &[]).unwrap();
    let head = answer
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(
        head.contains(
            "content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval';"
        ),
        "{head}"
    );
    let wasm = http_response(server.addr, "/field/automerge.wasm", &[]).unwrap();
    assert!(
        wasm.to_ascii_lowercase()
            .contains("content-type: application/wasm")
    );
    assert_eq!(http_get(server.addr, "/field/nothing.js").unwrap().0, 404);

    // A record on his phone, listed in his caseload.
    let name = "Jordan Reyes";
    let mut phone = RawClient::joined(&server.sync_url(), &amir.token, "amir-phone").await;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, _) = record(name, &amir, &["Walked to the clinic together."]);
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let key = id.to_string();
    stored::until_index(&db, amir.user_id, "lists the record", |d| {
        read_caseload_index(d)
            .unwrap()
            .participants
            .contains_key(&key)
    })
    .await;

    let profile = tempfile::tempdir().unwrap();
    let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("field-screenshots");
    let env = vec![
        ("FIELD_URL", format!("http://{}/field/", server.addr)),
        ("USERNAME", amir.username.clone()),
        ("PASSWORD", amir.password.clone()),
        ("PIN", "482913".to_owned()),
        ("PARTICIPANT", name.to_owned()),
        ("PROFILE", profile.path().display().to_string()),
    ];
    let mut token = String::new();
    for step in ["enrol", "offline"] {
        let env = env.clone();
        let screenshots = screenshots.clone();
        let output = tokio::task::spawn_blocking(move || {
            let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser::run_script("field.mjs", step, &pairs, &screenshots)
        })
        .await
        .unwrap();
        let report: serde_json::Value = serde_json::from_str(output.trim()).unwrap();
        assert_eq!(report["step"], step, "{output}");
        if let Some(t) = report["token"].as_str() {
            token = t.to_owned();
        }
    }
    assert!(
        token.starts_with("als_"),
        "the enrolment's token: {token:?}"
    );

    // Read from disk, the profile holds neither the participant's name nor
    // the note nor the device token in the clear.
    let mut files = 0;
    let mut stack = vec![profile.path().to_path_buf()];
    let needles: [&[u8]; 3] = [name.as_bytes(), b"Walked to the clinic", token.as_bytes()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            files += 1;
            for needle in needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} holds {:?} in the clear",
                    path.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
    }
    assert!(files > 10, "the profile was read ({files} files)");

    // The browser enrolled as a device of his.
    let deadline = Instant::now() + Duration::from_secs(10);
    let device = loop {
        let devices = db.list_devices(Some("amir")).await.unwrap();
        if let Some(d) = devices
            .into_iter()
            .find(|d| d.name.starts_with("Field app"))
        {
            break d;
        }
        assert!(Instant::now() < deadline, "no field app device");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // It reported the build's version (when it enrolled and synced).
    let (_, version) = http_get(server.addr, "/field/version.txt").unwrap();
    assert_eq!(
        device.app_version.as_deref(),
        Some(version.trim()),
        "{device:?}"
    );
}
