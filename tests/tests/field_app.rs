//! The field app as the server serves it (issue 15): the committed bundle
//! is what the pinned packages build; `/field/` answers with the app under
//! a strict Content-Security-Policy; and in real Chromium on a 360 × 640
//! window with a profile on disk, a worker is told a wrong password under
//! the form, signs in with the right one (enrolling the browser as a
//! device), chooses a PIN and sees their caseload over `/sync`. The browser
//! then starts again on the same profile with no network: the service
//! worker serves the app, a wrong PIN is refused and slows the next try,
//! and the right one opens the caseload from the encrypted store. Still
//! offline, the worker writes a note with every field (a wrong end is
//! refused under its field first) and signs it, logs an accompanied
//! appointment through every step with a follow-up ticked, and writes its
//! note as a draft; on a second appointment a stamp out of order is refused
//! on screen and the missed steps are entered late. Started again online, the app sends it all, and the
//! Postgres projection holds every field, with times typed in Chicago
//! stored as UTC, and the missed steps' times between their neighbours. The profile's files on disk are read: none holds the
//! participant's name, the note or the device token in the clear. Then the
//! review loop runs through the console (the app's news line says what
//! came back until the record is opened), and Chromium is SIGKILLed the moment
//! a draft says "saved": started again, the draft is there, and it syncs.
//! The device reported the build's version (`/field/version.txt`). Every
//! screen on the way is audited with axe-core in the page (serious or
//! critical violations fail).
//! The browser script is
//! `tests/browser/field.mjs`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::edit::participant::add_goal;
use alongside_shared::doc::participant::Goal;
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::doc::timestamp::Timestamp;
use alongside_shared::doc::vocab::GoalStatus;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::{Browser, Page, record};
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
async fn a_worker_enrols_then_works_a_day_offline_and_it_all_reaches_postgres() {
    browser::ready();
    let database = test_database();
    let amir = Account::peer(&database.url, "amir", "north").await;
    let sam = Account::supervisor(&database.url, "sam", "north").await;
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
    let (mut doc, seeded) = record(name, &amir, &["Walked to the clinic together."]);
    let goal = "Find a flat near my sister";
    add_goal(
        &mut doc,
        Uuid::new_v4(),
        &Goal {
            text: goal.into(),
            status: GoalStatus::Active,
            created_at: Timestamp::from_millis(1_795_000_000_000),
            created_by: Some(amir.user_id.to_string()),
        },
    )
    .unwrap();
    doc.commit();
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
        ("GOAL", goal.to_owned()),
        ("PROFILE", profile.path().display().to_string()),
    ];
    let run = |step: &'static str| {
        let env = env.clone();
        let screenshots = screenshots.clone();
        async move {
            let output = tokio::task::spawn_blocking(move || {
                let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                browser::run_script("field.mjs", step, &pairs, &screenshots)
            })
            .await
            .unwrap();
            let report: serde_json::Value = serde_json::from_str(output.trim()).unwrap();
            assert_eq!(report["step"], step, "{output}");
            report
        }
    };
    let mut token = String::new();
    // Every screen shown is audited with axe-core (a serious or critical
    // violation fails the step); these are the ones each step must reach.
    let screens: [&[&str]; 3] = [
        &["signin", "wrong-password", "pin", "caseload"],
        &[
            "wrong-pin",
            "caseload",
            "record",
            "note-empty",
            "note-refused",
            "note-signed",
            "log-refused",
            "accompaniment-refused",
            "accompaniment",
            "record-after",
        ],
        &["synced"],
    ];
    for (step, screens) in ["enrol", "offline", "online"].into_iter().zip(screens) {
        let report = run(step).await;
        let audited = report["audited"].as_array().cloned().unwrap_or_default();
        for screen in screens {
            assert!(
                audited.iter().any(|a| a == screen),
                "{step}: {screen} was not audited: {report}"
            );
        }
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

    // The day's work, written offline, is in the projection: both notes
    // with every field (times typed in Chicago, stored as UTC), the log
    // through every step, its follow-up ticked.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (notes, logs, follow_ups) = loop {
        let dump: Vec<serde_json::Value> = db
            .projection_dump()
            .await
            .unwrap()
            .iter()
            .filter_map(|line| line.split_once(' '))
            .map(|(table, row)| serde_json::json!({"table": table, "row": serde_json::from_str::<serde_json::Value>(row).unwrap()}))
            .collect();
        let of = |table: &str| -> Vec<serde_json::Value> {
            dump.iter()
                .filter(|r| r["table"] == table)
                .map(|r| r["row"].clone())
                .collect()
        };
        let notes: Vec<_> = of("notes")
            .into_iter()
            .filter(|n| n["intervention"] != "Walked to the clinic together.")
            .collect();
        let logs = of("accompaniments");
        if notes.len() == 2 && logs.len() == 2 && logs.iter().any(|l| l["note_id"].is_string()) {
            break (notes, logs, of("follow_ups"));
        }
        assert!(
            Instant::now() < deadline,
            "the day's work did not reach the projection: {notes:?} {logs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let signed = notes.iter().find(|n| n["status"] == "submitted").unwrap();
    assert_eq!(signed["service_date"], "2026-12-03");
    assert_eq!(signed["encounter_at"], "2026-12-03T15:00:00+00:00");
    assert_eq!(signed["encounter_end_at"], "2026-12-03T15:50:00+00:00");
    assert_eq!(signed["billing_units"], 3);
    assert_eq!(signed["setting"], "community");
    assert_eq!(signed["service_code"], "H0038");
    assert_eq!(signed["part2"], true);
    assert_eq!(
        signed["intervention"],
        "Rode the 12 together and role-played the intake questions."
    );
    assert_eq!(
        signed["participant_comment"],
        "Next time I want to make the call myself."
    );
    assert_eq!(signed["author_id"], amir.user_id.to_string());
    let draft = notes.iter().find(|n| n["status"] == "draft").unwrap();
    assert_eq!(draft["encounter_at"], "2026-12-03T19:15:00+00:00");
    assert_eq!(draft["plan"], "Follow up on the blood test booking.");
    let log = logs.iter().find(|l| l["provider"] == "Dr. Osei").unwrap();
    let linked: DocumentId = draft["accompaniment_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        log["document_id"],
        linked.to_uuid().to_string(),
        "the note names its log"
    );
    for step in [
        "departed_at",
        "arrived_at",
        "started_at",
        "ended_at",
        "returned_at",
    ] {
        assert!(log[step].is_string(), "{step} stamped: {log}");
    }
    assert_eq!(log["provider"], "Dr. Osei");
    assert_eq!(log["outcome"], "Prescription renewed; blood test booked.");
    assert_eq!(log["barriers"], "The bus was 25 minutes late.");
    assert_eq!(log["status"], "completed");
    // The log whose missed steps were entered late: set off an hour before
    // seen, arrived half an hour before, between its neighbours.
    let late = logs
        .iter()
        .find(|l| l["provider"] == "Housing Options")
        .unwrap();
    let at = |step: &str| instant(&late[step]).unwrap_or_else(|| panic!("{step}: {late}"));
    let (departed, arrived, seen) = (at("departed_at"), at("arrived_at"), at("started_at"));
    assert!(departed < arrived && arrived < seen, "{late}");
    assert!(
        seen - departed > 50 * 60_000,
        "set off an hour before: {late}"
    );
    assert!(
        late["ended_at"].is_null() && late["returned_at"].is_null(),
        "{late}"
    );
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    assert_eq!(follow_ups[0]["text"], "Book the blood test");
    assert_eq!(follow_ups[0]["done"], true);

    // The review loop: the supervisor asks for changes on the signed note
    // and approves the earlier one; the app shows the comment; the worker
    // revises the one and amends the other, and the console shows both,
    // with what changed.
    let signed_id: Uuid = signed["note_id"].as_str().unwrap().parse().unwrap();
    let mut console = Browser::new(server.addr);
    assert_eq!(console.sign_in(&sam.username, &sam.password).status, 303);
    let path = format!("/participants/{id}");
    let page = console.get(&path);
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, heads) = (page.input("csrf").unwrap(), page.input("heads").unwrap());
    for (note, decision, comment) in [
        (
            signed_id,
            "request-changes",
            "Please add the bus number to the plan.",
        ),
        (seeded[0], "approve", "Clear and complete."),
    ] {
        let answer = console.post(
            &format!("/participants/{id}/notes/{note}/review"),
            &[
                ("csrf", &csrf),
                ("heads", &heads),
                ("decision", decision),
                ("comment", comment),
            ],
        );
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
    run("review").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let queue = console.get("/queue?state=all");
        let (revised, amended) = (row_state(&queue, signed_id), row_state(&queue, seeded[0]));
        if revised.as_deref() == Some("revised") && amended.as_deref() == Some("amended") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the console shows {revised:?} and {amended:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = console.get(&path);
    assert!(
        page.body.contains("Changed since the last review"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<ins>Meet Thursday at the library to fill in the forms. Take the 12 bus.</ins>"
        ),
        "{}",
        page.body
    );

    // Killed right after "saved": nothing is lost, and it syncs.
    let killed = run("kill").await;
    assert_eq!(killed["killed"], "SIGKILL", "{killed}");
    run("after-kill").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !db
        .projection_dump()
        .await
        .unwrap()
        .iter()
        .any(|row| row.starts_with("notes ") && row.contains("Written just before the phone died."))
    {
        assert!(
            Instant::now() < deadline,
            "the note saved before the kill reached the projection"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The milliseconds of a projected UTC timestamp, as `to_jsonb` writes it
/// (`2026-12-03T15:00:00.25+00:00`).
fn instant(value: &serde_json::Value) -> Option<i64> {
    let (date, time) = value.as_str()?.strip_suffix("+00:00")?.split_once('T')?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    Some(alongside_shared::time::parse_date(date)? + ((h * 60 + m) * 60 + s) * 1000 + millis)
}

/// The review standing the console's queue gives note `note`.
fn row_state(page: &Page, note: Uuid) -> Option<String> {
    let marker = format!("data-note=\"{note}\" data-state=\"");
    let at = page.body.find(&marker)? + marker.len();
    let end = page.body[at..].find('"')?;
    Some(page.body[at..at + end].to_owned())
}
