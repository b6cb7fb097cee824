//! The field app's proofs of issue 15 beyond a working day, in real
//! Chromium (`tests/browser/field.mjs`), each screen audited with axe-core:
//!
//! - concurrent edits: the worker edits the narrative of a note in the app,
//!   offline, while their second device (`alongside-device`, the terminal
//!   phone) edits the same text; after both sync, every word of both edits
//!   is on the app's screen, in the CLI device's `note show` and in the
//!   Postgres projection;
//! - a full disk: IndexedDB refuses a write for quota (Chromium's quota
//!   for the origin lowered through CDP); the editor says it is not saved
//!   and why, nothing saved before goes, and the held edit is saved once
//!   there is room again, survives a restart and reaches the projection.

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
use alongside_tests::console::record;
use alongside_tests::device_cli::Phone;
use alongside_tests::pg::{TestDatabase, test_database};
use alongside_tests::server::TestServer;
use alongside_tests::syncer::push;
use alongside_tests::{browser, stored};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

/// A server with a peer worker whose caseload holds one record with a
/// goal and one submitted note; the record's id and the note's.
struct Setup {
    server: TestServer,
    db: Db,
    amir: Account,
    id: DocumentId,
    note: Uuid,
    profile: tempfile::TempDir,
    _database: TestDatabase,
}

const NAME: &str = "Jordan Reyes";
const FIRST: &str = "Walked to the clinic together.";
const GOAL: &str = "Find a flat near my sister";

async fn setup() -> Setup {
    browser::ready();
    let database = test_database();
    let amir = Account::peer(&database.url, "amir", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let mut phone = RawClient::joined(&server.sync_url(), &amir.token, "amir-seed").await;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record(NAME, &amir, &[FIRST]);
    add_goal(
        &mut doc,
        Uuid::new_v4(),
        &Goal {
            text: GOAL.into(),
            status: GoalStatus::Active,
            created_at: Timestamp::from_millis(1_795_000_000_000),
            created_by: Some(amir.user_id.to_string()),
        },
    )
    .unwrap();
    doc.commit();
    let pushed = push(&mut phone, id, &mut doc).await;
    assert_eq!(pushed.name(), "synced", "{pushed:?}");
    let key = id.to_string();
    stored::until_index(&db, amir.user_id, "lists the record", |d| {
        read_caseload_index(d)
            .unwrap()
            .participants
            .contains_key(&key)
    })
    .await;
    Setup {
        server,
        db,
        amir,
        id,
        note: notes[0],
        profile: tempfile::tempdir().unwrap(),
        _database: database,
    }
}

impl Setup {
    /// Runs `node field.mjs STEP` with this setup and `extra`; its report,
    /// which must name every screen it audited.
    async fn run(&self, step: &'static str, extra: &[(&str, &str)]) -> serde_json::Value {
        let mut env: Vec<(String, String)> = vec![
            (
                "FIELD_URL".into(),
                format!("http://{}/field/", self.server.addr),
            ),
            ("USERNAME".into(), self.amir.username.clone()),
            ("PASSWORD".into(), self.amir.password.clone()),
            ("PIN".into(), "482913".into()),
            ("PARTICIPANT".into(), NAME.into()),
            ("GOAL".into(), GOAL.into()),
            ("PROFILE".into(), self.profile.path().display().to_string()),
        ];
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("field-screenshots");
        let output = tokio::task::spawn_blocking(move || {
            let pairs: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            browser::run_script("field.mjs", step, &pairs, &screenshots)
        })
        .await
        .unwrap();
        let report: serde_json::Value = serde_json::from_str(output.trim()).unwrap();
        assert_eq!(report["step"], step, "{output}");
        // What axe found below "serious", for whoever reads the log.
        eprintln!("{step}: axe {}", report["axe"]);
        report
    }

    /// The projection's notes rows, polled until `done` holds of one.
    async fn note_row(
        &self,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let rows: Vec<serde_json::Value> = self
                .db
                .projection_dump()
                .await
                .unwrap()
                .iter()
                .filter_map(|line| line.strip_prefix("notes "))
                .map(|row| serde_json::from_str(row).unwrap())
                .collect();
            if let Some(row) = rows.into_iter().find(&done) {
                return row;
            }
            assert!(Instant::now() < deadline, "the projection never {what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_note_edited_offline_in_the_app_and_on_a_second_device_keeps_every_word() {
    let s = setup().await;
    let url = format!("http://{}", s.server.addr);
    let app_words = "Then we practised the phone call twice.";
    let cli_words = "Met at the bus stop first.";

    // His second device: the terminal phone, enrolled as him, holding the
    // record.
    let dir = tempfile::tempdir().unwrap();
    let cli = Phone::new(DEVICE, dir.path(), "amir-tablet");
    let out = cli.enroll_with_password(&url, &s.amir.username, &s.amir.password);
    assert!(out.success(), "{out:?}");
    cli.sync_until("holds the record", |p| p.held().contains(&s.id));

    // The app enrols, then edits the note offline: the end of the text.
    let enrolled = s.run("enrol", &[]).await;
    assert_audited(&enrolled, &["signin", "wrong-password", "pin", "caseload"]);
    let words = [("APP_WORDS", app_words), ("CLI_WORDS", cli_words)];
    let offline = s.run("concurrent-offline", &words).await;
    assert_eq!(
        offline["intervention"],
        format!("{FIRST} {app_words}"),
        "{offline}"
    );

    // Meanwhile the tablet puts its words at the start and syncs.
    let (participant, note) = (s.id.to_string(), s.note.to_string());
    let splice = format!("0,0,{cli_words} ");
    let edited = cli.ok(&[
        "note",
        "edit",
        "--participant",
        &participant,
        "--note",
        &note,
        "--field",
        "intervention",
        "--splice",
        &splice,
    ]);
    assert_eq!(edited["text"], format!("{cli_words} {FIRST}"), "{edited}");
    cli.sync_until("sent its edit", |p| {
        p.status()["pending"] == serde_json::json!([])
    });

    // Both merged, word for word: on the app's screen…
    let merged = format!("{cli_words} {FIRST} {app_words}");
    let online = s.run("concurrent-online", &words).await;
    assert_eq!(online["intervention"], merged.as_str(), "{online}");
    assert_audited(&online, &["concurrent-merged"]);
    // …on the tablet, once it synced again…
    cli.sync_until("has the app's words", |p| {
        p.ok(&[
            "note",
            "show",
            "--participant",
            &participant,
            "--note",
            &note,
        ])["intervention"]
            .as_str()
            .is_some_and(|t| t.contains(app_words))
    });
    let shown = cli.ok(&[
        "note",
        "show",
        "--participant",
        &participant,
        "--note",
        &note,
    ]);
    assert_eq!(shown["intervention"], merged.as_str(), "{shown}");
    // …and in Postgres.
    let row = s
        .note_row("merged both edits", |n| {
            n["note_id"] == note.as_str() && n["intervention"] == merged.as_str()
        })
        .await;
    assert_eq!(row["intervention"], merged.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_is_said_where_the_worker_looks_and_the_edit_is_saved_when_there_is_room() {
    let s = setup().await;
    s.run("enrol", &[]).await;
    let report = s.run("quota", &[]).await;
    assert_eq!(report["lost"], 0, "{report}");
    assert!(report["before"].as_u64().unwrap() >= 2, "{report}");
    assert_audited(&report, &["storage-full", "storage-room-again"]);
    let row = s
        .note_row("has the edit held while the disk was full", |n| {
            n["plan"] == "Kept while the storage was full."
        })
        .await;
    assert_eq!(row["intervention"], "Called to confirm the appointment.");
    assert_eq!(row["status"], "draft");
}

/// The step audited at least `screens` with axe-core (and found nothing
/// serious: the step fails otherwise).
fn assert_audited(report: &serde_json::Value, screens: &[&str]) {
    let audited: Vec<&str> = report["audited"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for screen in screens {
        assert!(
            audited.contains(screen),
            "{screen} was not audited: {report}"
        );
    }
}
