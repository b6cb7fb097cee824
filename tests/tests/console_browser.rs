//! The console in real headless Chromium, with the worker's phone played
//! by the `alongside-device` command line: the worker writes and submits
//! two notes offline and syncs; a supervisor signs in with the keyboard,
//! opens the queue and the record, approves one note and requests changes
//! on the other with a comment; the phone syncs and shows both reviews,
//! the comment included; the worker edits the approved note and syncs; the
//! console shows it back in the queue as amended, with the diff.
//! Screenshots of each page are written under the target directory
//! (`console-screenshots/`), not committed.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use alongside_tests::accounts::Account;
use alongside_tests::browser;
use alongside_tests::device_cli::Phone;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use serde_json::Value;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");
const COMMENT: &str = "Please add what you agreed for next week.";

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The reviews `phone` shows for a note, as (state, comment).
fn reviews_on(phone: &Phone, participant: &str, note: &str) -> Vec<(String, String)> {
    let shown = phone.ok(&["note", "show", "--participant", participant, "--note", note]);
    shown["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["state"].as_str().unwrap().to_owned(),
                r["comment"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reviews_in_chromium_and_the_worker_sees_it() {
    browser::ready();
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = format!("http://{}", server.addr);

    // The worker's phone: enrolled, then two notes written and submitted
    // offline, then a sync.
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "alice-phone");
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert!(out.success(), "{out:?}");
    let participant = id_of(&phone.ok(&["participant", "add", "--name", "Rosa Díaz"]));
    let mut notes = Vec::new();
    for (intervention, plan) in [
        (
            "Walked to the housing office together",
            "Call the housing officer on Thursday",
        ),
        ("Phone call about benefits", "Bring the letters next time"),
    ] {
        let note = id_of(&phone.ok(&[
            "note",
            "add",
            "--participant",
            &participant,
            "--intervention",
            intervention,
            "--plan",
            plan,
        ]));
        phone.ok(&[
            "note",
            "submit",
            "--participant",
            &participant,
            "--note",
            &note,
        ]);
        notes.push(note);
    }
    let out = phone.sync();
    assert!(out.success(), "{out:?}");
    let (approve, changes) = (notes[0].clone(), notes[1].clone());

    let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let env: Vec<(&'static str, String)> = vec![
        ("CONSOLE_URL", url),
        ("USERNAME", sup.username.clone()),
        ("PASSWORD", sup.password.clone()),
        ("PARTICIPANT", "Rosa Díaz".into()),
        ("APPROVE_NOTE", approve.clone()),
        ("CHANGES_NOTE", changes.clone()),
        ("COMMENT", COMMENT.into()),
    ];
    let in_chromium = |step: &'static str| {
        let env = env.clone();
        let shots = screenshots.clone();
        tokio::task::spawn_blocking(move || {
            let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser::run(step, &pairs, &shots)
        })
    };
    in_chromium("review").await.unwrap();

    // The phone syncs and shows both reviews, the comment included.
    phone.sync_until("received both reviews", |p| {
        !reviews_on(p, &participant, &approve).is_empty()
            && !reviews_on(p, &participant, &changes).is_empty()
    });
    assert_eq!(reviews_on(&phone, &participant, &approve)[0].0, "approved");
    assert_eq!(
        reviews_on(&phone, &participant, &changes),
        [("changes-requested".to_owned(), COMMENT.to_owned())]
    );
    let for_people = phone.run_for_people(&[
        "note",
        "show",
        "--participant",
        &participant,
        "--note",
        &changes,
    ]);
    assert!(
        for_people.stdout.contains("Review (changes-requested)")
            && for_people.stdout.contains(COMMENT),
        "{}",
        for_people.stdout
    );

    // The worker edits the approved note and syncs.
    phone.ok(&[
        "note",
        "edit",
        "--participant",
        &participant,
        "--note",
        &approve,
        "--field",
        "plan",
        "--text",
        "Call the housing officer on Friday with Rosa",
    ]);
    let out = phone.sync();
    assert!(out.success(), "{out:?}");

    in_chromium("amended").await.unwrap();
    for name in [
        "review-queue",
        "review-participant",
        "review-reviewed",
        "amended-diff",
    ] {
        assert!(
            screenshots.join(format!("{name}.png")).exists(),
            "{name}.png"
        );
    }
}
