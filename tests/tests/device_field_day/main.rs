//! A field day, all through the `alongside-device` command line against
//! the real server process and Postgres.
//!
//! Peer A (alice) has a phone and a tablet; peer B (bob) covers for her
//! while she is in clinic (`admin cover`: bob writes her participant's
//! record besides her, `docs/architecture.md#users-and-their-flows` "a covering colleague").
//!
//! 1. Morning, online: alice's phone creates a participant, a note, an
//!    accompaniment log and a follow-up and syncs; the tablet (enrolled
//!    with a provisioned token) fetches them through the caseload index;
//!    an administrator lets bob cover the record and bob's phone fetches it
//!    the same way.
//! 2. In the field, all three offline: each device types marker words into
//!    the same note body and the same accompaniment outcome at random word
//!    boundaries; the log's steps are stamped on different devices and all
//!    three tick the same follow-up.
//! 3. Back in signal: syncs in a random order (seeded, printed;
//!    `ALONGSIDE_FIELD_DAY_SEED` replays one), some device processes
//!    killed mid-sync (the connection cut), the server killed and started
//!    again while a device syncs; then every device syncs until nothing is
//!    pending and all hold the server's heads.
//! 4. The cover ends: bob's phone drops the record (it had nothing
//!    unsynced). The three devices showed the same documents as the
//!    server, and every word typed on any of them is in the note and the
//!    outcome on alice's devices, on the server and in the Postgres
//!    projection.
//!
//! The day runs against one server, and again against two server nodes on
//! one database behind a balancing relay (each connection to the next
//! node; the node holding the stalled sync is the one restarted).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod day;

use alongside_server::db::Db;
use alongside_shared::doc::edit::text::read_text;
use alongside_shared::doc::edit::{AccompanimentText, NarrativePart, ParticipantText};
use alongside_tests::accounts::Account;
use alongside_tests::cut_proxy::CutProxy;
use alongside_tests::device_cli::{Phone, sorted};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use uuid::Uuid;

use crate::day::{Day, Ids, assert_all_words, id_of, seed, texts_on};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

/// Marker words each device types into the note and into the outcome.
const WORDS: usize = 4;
/// Rounds of random syncs before the devices are left to settle.
const ROUNDS: usize = 4;

#[tokio::test(flavor = "multi_thread")]
async fn a_field_day_of_three_devices_converges_without_losing_a_word() {
    field_day(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_day_through_two_server_nodes_converges_without_losing_a_word() {
    field_day(2).await;
}

/// The day, against `nodes` server nodes.
async fn field_day(nodes: usize) {
    let seed = seed();
    eprintln!("ALONGSIDE_FIELD_DAY_SEED={seed} ({nodes} node(s))");
    let database = test_database();
    let servers: Vec<TestServer> = (0..nodes)
        .map(|_| TestServer::start(SERVER, &database.url, &[]))
        .collect();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let bob = Account::peer(&database.url, "bob", "north").await;
    let (_, tablet_token) = alice
        .enroll(&database.url, "alice tablet", Default::default())
        .await;
    let proxy = CutProxy::balanced(servers.iter().map(|s| s.addr).collect());
    let mut day = Day {
        rng: StdRng::seed_from_u64(seed),
        servers,
        proxy,
        db,
        database_url: database.url.clone(),
        restarted: false,
    };
    let url = format!("http://{}", day.proxy.addr);
    let dir = tempfile::tempdir().unwrap();
    let a_phone = Phone::new(DEVICE, dir.path(), "a-phone");
    let a_tablet = Phone::new(DEVICE, dir.path(), "a-tablet");
    let b_phone = Phone::new(DEVICE, dir.path(), "b-phone");
    let out = a_phone.enroll_with_password(&url, "alice", &alice.password);
    assert!(out.success(), "{out:?}");
    let out = a_tablet.enroll_with_token(&url, &tablet_token);
    assert!(out.success(), "{out:?}");
    let out = b_phone.enroll_with_password(&url, "bob", &bob.password);
    assert!(out.success(), "{out:?}");

    // 1. Morning, online.
    let participant = id_of(&a_phone.ok(&["participant", "add", "--name", "Rosa Diaz"]));
    let note = id_of(&a_phone.ok(&[
        "note",
        "add",
        "--participant",
        &participant,
        "--intervention",
        "Met Rosa at the library and walked to the clinic together.",
    ]));
    a_phone.sync_until("synced the record", |p| {
        p.status()["pending"] == Value::Array(vec![])
    });
    let log = id_of(&a_phone.ok(&[
        "accompany",
        "start",
        "--participant",
        &participant,
        "--kind",
        "medical",
        "--place",
        "Riverside clinic",
        "--purpose",
        "Medication review",
    ]));
    a_phone.ok(&[
        "accompany",
        "outcome",
        "--id",
        &log,
        "--text",
        "Dose reviewed with the nurse.",
    ]);
    let follow_up = id_of(&a_phone.ok(&[
        "followup",
        "add",
        "--accompaniment",
        &log,
        "--text",
        "Collect the new prescription",
    ]));
    let ids = Ids {
        participant,
        note,
        log,
        follow_up,
    };
    let docs = ids.docs();
    a_phone.sync_until("synced the log", |p| {
        p.status()["pending"] == Value::Array(vec![])
    });
    let holds_the_day = |p: &Phone| {
        let held = p.held();
        docs.iter().all(|d| held.contains(d))
    };
    a_tablet.sync_until("fetched the record and the log", holds_the_day);
    // Before the cover, bob's phone gets nothing of alice's.
    let out = b_phone.sync();
    assert!(out.success(), "{out:?}");
    assert!(b_phone.held().iter().all(|d| !docs.contains(d)));
    day.cover(&ids.participant, "bob", false);
    b_phone.sync_until("fetched the covered record and its log", holds_the_day);

    // 2. In the field, all offline: the same note body, the same outcome,
    // the same follow-up, on all three devices.
    let phones = [&a_phone, &a_tablet, &b_phone];
    let mut typed: Vec<String> = Vec::new();
    let mut typed_outcome: Vec<String> = Vec::new();
    for i in 1..=WORDS {
        for phone in phones {
            let tag = phone.name.replace('-', "");
            let word = format!("{tag}n{i}");
            day.type_in_note(phone, &ids, &word);
            typed.push(word);
            let word = format!("{tag}o{i}");
            day.type_in_outcome(phone, &ids, &word);
            typed_outcome.push(word);
        }
    }
    a_phone.ok(&["accompany", "arrive", "--id", &ids.log]);
    a_tablet.ok(&["accompany", "seen", "--id", &ids.log]);
    b_phone.ok(&["accompany", "end", "--id", &ids.log]);
    b_phone.ok(&["accompany", "return", "--id", &ids.log]);
    for phone in phones {
        let log = phone.ok(&[
            "followup",
            "done",
            "--accompaniment",
            &ids.log,
            "--id",
            &ids.follow_up,
        ]);
        assert_eq!(log["follow_ups"][0]["done"], true);
        let pending = phone.status()["pending"].as_array().unwrap().len();
        assert_eq!(pending, 2, "{}: both documents wait to sync", phone.name);
    }

    // 3. Back in signal: random syncs, kills, a server restart.
    day.storm(&phones, true);
    assert!(day.restarted, "the server was restarted during a sync");
    assert!(day.proxy.cuts() >= 1, "no connection was cut mid-sync");
    assert!(
        day.proxy.stalls() >= 1,
        "no sync was held across the restart"
    );
    day.settle(&phones, &docs).await;

    // Same documents on every device and the server.
    for doc in &docs {
        let server = sorted(stored::heads(&day.db, *doc).await);
        for phone in phones {
            assert_eq!(phone.heads(doc), server, "{}, {doc}", phone.name);
        }
    }
    let (note_b, outcome_b, _) = texts_on(&b_phone, &ids);

    // 4. The cover ends: bob's phone drops the record and its log.
    day.cover(&ids.participant, "bob", true);
    b_phone.sync_until("dropped the record", |b| {
        let held = b.held();
        docs.iter().all(|d| !held.contains(d))
    });
    let out = b_phone.run(
        &[
            "note",
            "show",
            "--participant",
            &ids.participant,
            "--note",
            &ids.note,
        ],
        None,
    );
    assert!(!out.success(), "bob's phone still shows the note: {out:?}");

    // Every word, on each device and on the server.
    let note_id: Uuid = ids.note.parse().unwrap();
    let record = day.server_doc(docs[0]).await;
    let on_server_note = read_text(
        &record,
        ParticipantText::Narrative(note_id, NarrativePart::Intervention),
    )
    .unwrap();
    let log_doc = day.server_doc(docs[1]).await;
    let on_server_outcome = read_text(&log_doc, AccompanimentText::Outcome).unwrap();
    assert_all_words("server note", &on_server_note, &typed);
    assert_all_words("server outcome", &on_server_outcome, &typed_outcome);
    assert_eq!(note_b, on_server_note, "bob's phone before the cover ended");
    assert_eq!(
        outcome_b, on_server_outcome,
        "bob's phone before the cover ended"
    );
    for phone in [&a_phone, &a_tablet] {
        let (note, outcome, log) = texts_on(phone, &ids);
        assert_eq!(note, on_server_note, "{}", phone.name);
        assert_eq!(outcome, on_server_outcome, "{}", phone.name);
        assert_eq!(log["follow_ups"][0]["done"], true, "{}", phone.name);
        assert_eq!(log["status"], "completed", "{}: {log}", phone.name);
        assert!(
            log["arrived_at"].is_i64() && log["seen_at"].is_i64(),
            "{log}"
        );
    }
    for phone in phones {
        assert_eq!(
            phone.status()["pending"],
            Value::Array(vec![]),
            "{}",
            phone.name
        );
    }

    // The Postgres projection shows the merged text.
    let rows = day.db.projection_dump().await.unwrap();
    let row = |table: &str, key: &str, value: &str| -> Value {
        rows.iter()
            .filter_map(|r| r.strip_prefix(&format!("{table} ")))
            .map(|r| serde_json::from_str::<Value>(r).unwrap())
            .find(|r| r[key] == value)
            .unwrap_or_else(|| panic!("no {table} row with {key} = {value}"))
    };
    let projected_note = row("notes", "note_id", &ids.note);
    assert_eq!(projected_note["intervention"], on_server_note.as_str());
    assert_all_words(
        "projected note",
        projected_note["intervention"].as_str().unwrap(),
        &typed,
    );
    let log_uuid = docs[1].to_uuid().to_string();
    let projected_log = row("accompaniments", "document_id", &log_uuid);
    assert_eq!(projected_log["outcome"], on_server_outcome.as_str());
    assert_eq!(projected_log["status"], "completed");
    let projected_follow_up = row("follow_ups", "follow_up_id", &ids.follow_up);
    assert_eq!(projected_follow_up["done"], true);
}
