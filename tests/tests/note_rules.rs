//! The domain rules of issue 15 over the wire: a device's write that sets
//! a note's setting outside the vocabulary, or its end before its start, is
//! refused by the server's write rules, quarantined with a reason naming the
//! note and the field, and not stored; an accompaniment whose steps two
//! devices stamped concurrently out of order is accepted (honest work is
//! never quarantined).

#![allow(clippy::unwrap_used)]

use alongside_server::db::Db;
use alongside_shared::doc::Timestamp;
use alongside_shared::doc::accompaniment::{Accompaniment, Appointment};
use alongside_shared::doc::edit::accompaniment::{Step, create_accompaniment, stamp_step};
use alongside_shared::doc::edit::participant::{NoteField, set_note_field};
use alongside_shared::doc::vocab::AppointmentKind;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::push;
use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn note_writes_against_the_rules_are_refused_and_quarantined() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record("Rosa", &alice, &["Walked to the clinic together."]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    drop(phone);
    let stored_heads = stored::heads(&db, id).await;

    // A free-text setting, as an old client would write it.
    let mut free_text = doc.fork();
    let (_, notes_map) = free_text.get(ROOT, "notes").unwrap().unwrap();
    let (_, note) = free_text
        .get(&notes_map, notes[0].to_string())
        .unwrap()
        .unwrap();
    free_text.put(&note, "setting", "the library").unwrap();
    free_text.commit();
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    let answer = push(&mut phone, id, &mut free_text).await;
    assert_eq!(answer.name(), "refused", "{answer:?}");
    drop(phone);
    let reasons = stored::quarantined(&db, id).await;
    let named = format!("notes.{}.setting: expected one of community", notes[0]);
    assert!(
        reasons.iter().any(|r| r.contains(&named)),
        "{named}: {reasons:?}"
    );
    assert_eq!(stored::heads(&db, id).await, stored_heads, "not stored");

    // An end before the start.
    let mut inverted = doc.fork();
    set_note_field(
        &mut inverted,
        notes[0],
        NoteField::EncounterEndAt(Timestamp::from_millis(0)),
    )
    .unwrap();
    inverted.commit();
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut inverted).await.name(), "refused");
    drop(phone);
    let named = format!("notes.{}.encounterEndAt: ", notes[0]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !stored::quarantined(&db, id)
        .await
        .iter()
        .any(|r| r.contains(&named))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{named} never quarantined"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(stored::heads(&db, id).await, stored_heads, "not stored");

    // A vocabulary setting goes through.
    let mut home = doc.fork();
    set_note_field(
        &mut home,
        notes[0],
        NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
    )
    .unwrap();
    home.commit();
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut home).await.name(), "synced");
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_merged_out_of_order_are_accepted() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let participant = DocumentId::from_uuid(Uuid::new_v4());
    let (mut record_doc, _) = record("Rosa", &alice, &[]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(
        push(&mut phone, participant, &mut record_doc).await.name(),
        "synced"
    );
    let user = alice.user_id.to_string();
    let mut log = automerge::AutoCommit::new();
    let planned = Accompaniment::planned(
        &participant.to_string(),
        &user,
        Appointment {
            kind: AppointmentKind::Housing,
            place: "Housing office".into(),
            provider: "Front desk".into(),
            scheduled_at: None,
        },
        Timestamp::from_millis(1_795_000_000_000),
    );
    create_accompaniment(&mut log, &planned).unwrap();
    log.commit();
    // The phone stamps the return; the tablet, not having seen it, the
    // arrival afterwards: merged, arrival is after return.
    let mut tablet = log.fork();
    stamp_step(
        &mut log,
        Step::Returned,
        Timestamp(1_795_000_600_000),
        &user,
    )
    .unwrap();
    log.commit();
    stamp_step(
        &mut tablet,
        Step::Arrived,
        Timestamp(1_795_000_900_000),
        &user,
    )
    .unwrap();
    tablet.commit();
    log.merge(&mut tablet).unwrap();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    assert_eq!(push(&mut phone, id, &mut log).await.name(), "synced");
    let stored_log = stored::document(&db, id).await;
    let times = alongside_shared::doc::rules::StepTimes::read(&stored_log).unwrap();
    assert_eq!(
        alongside_shared::doc::rules::out_of_order(&times),
        Some((Step::Arrived, Step::Returned))
    );
}
