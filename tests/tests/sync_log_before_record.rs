//! A device that made participant records and their accompaniment logs
//! offline may send a log's changes before its record's: with several sync
//! shards (or nodes) the server's answers come back in any order, and a
//! device answers each as it comes. Each log must wait for its record,
//! not be refused as naming "no participant record you may write" (issue
//! 13's race). Run here in the worst order on purpose — every log's
//! changes before any record's, on one connection — over 16 shards and
//! over one; every record and log is then stored, with no error.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::Timestamp;
use alongside_shared::doc::accompaniment::{Accompaniment, Appointment};
use alongside_shared::doc::edit::accompaniment::create_accompaniment;
use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::participant::Profile;
use alongside_shared::doc::vocab::AppointmentKind;
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const PAIRS: usize = 24;

struct Held {
    doc: AutoCommit,
    state: sync::State,
}

fn record(n: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    create_participant(&mut doc, &Profile::new(&format!("Participant {n}"))).unwrap();
    doc.commit();
    doc
}

fn log_of(participant: DocumentId, peer: &Account) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let appointment = Appointment {
        kind: AppointmentKind::Benefits,
        place: "Benefits office".into(),
        provider: "Front desk".into(),
        scheduled_at: None,
    };
    let log = Accompaniment::planned(
        &participant.to_string(),
        &peer.user_id.to_string(),
        appointment,
        Timestamp::from_millis(1_790_000_000_000),
    );
    create_accompaniment(&mut doc, &log).unwrap();
    doc.commit();
    doc
}

/// Offers every document, waits for the server's first answer to each,
/// then sends every log's changes before any record's, and syncs on until
/// the server's heads cover everything. Returns the error, if any.
async fn sync_logs_first(
    client: &mut RawClient,
    logs: &[DocumentId],
    records: &[DocumentId],
    held: &mut HashMap<DocumentId, Held>,
) -> Result<(), String> {
    for id in logs.iter().chain(records) {
        let h = held.get_mut(id).unwrap();
        let first = h.doc.sync().generate_sync_message(&mut h.state).unwrap();
        let message = client.doc_message(*id, first.encode(), false);
        client.send(&message).await;
    }
    // The server's first answers, in whatever order they come.
    let mut answered = 0;
    while answered < held.len() {
        match client.next(Duration::from_secs(20)).await {
            Reply::Message(Message::Sync(m)) => {
                let h = held.get_mut(&m.document_id).unwrap();
                let message = sync::Message::decode(&m.data).unwrap();
                h.doc
                    .sync()
                    .receive_sync_message(&mut h.state, message)
                    .unwrap();
                answered += 1;
            }
            Reply::Message(Message::Error { message, .. }) => return Err(message),
            other => return Err(format!("before any changes: {other:?}")),
        }
    }
    // The worst order: all logs' changes, then all records'.
    for id in logs.iter().chain(records) {
        let h = held.get_mut(id).unwrap();
        let next = h.doc.sync().generate_sync_message(&mut h.state).unwrap();
        assert!(!next.changes.is_empty(), "{id} carries its changes");
        let message = client.doc_message(*id, next.encode(), false);
        client.send(&message).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let covered = held.values_mut().all(|h| {
            let theirs = h.state.their_heads.clone().unwrap_or_default();
            h.doc.get_heads().iter().all(|head| theirs.contains(head))
        });
        if covered {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the server's heads never covered every document".into());
        }
        match client.next(Duration::from_secs(20)).await {
            Reply::Message(Message::Sync(m)) => {
                let h = held.get_mut(&m.document_id).unwrap();
                let message = sync::Message::decode(&m.data).unwrap();
                h.doc
                    .sync()
                    .receive_sync_message(&mut h.state, message)
                    .unwrap();
                if let Some(next) = h.doc.sync().generate_sync_message(&mut h.state) {
                    let reply = client.doc_message(m.document_id, next.encode(), false);
                    client.send(&reply).await;
                }
            }
            Reply::Message(Message::Error { message, .. }) => return Err(message),
            Reply::Message(_) => {}
            other => return Err(format!("{other:?}")),
        }
    }
}

async fn logs_wait_for_their_records(shards: &str) {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &["--sync-shards", shards]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let amir = Account::peer(&database.url, "amir", "north").await;
    let mut held = HashMap::new();
    let (mut logs, mut records) = (Vec::new(), Vec::new());
    for n in 0..PAIRS {
        let record_id = DocumentId::from_uuid(Uuid::new_v4());
        let log_id = DocumentId::from_uuid(Uuid::new_v4());
        for (id, doc) in [(record_id, record(n)), (log_id, log_of(record_id, &amir))] {
            let state = sync::State::new();
            held.insert(id, Held { doc, state });
        }
        records.push(record_id);
        logs.push(log_id);
    }
    let mut client = RawClient::joined(&server.sync_url(), &amir.token, "amir-phone").await;
    let synced = sync_logs_first(&mut client, &logs, &records, &mut held).await;
    assert_eq!(synced, Ok(()), "every write stands, none refused");

    for id in logs.iter().chain(&records) {
        let mut ours = held.get_mut(id).unwrap().doc.get_heads();
        let mut stored = stored::heads(&db, *id).await;
        ours.sort();
        stored.sort();
        assert_eq!(stored, ours, "{id} is stored whole");
        assert!(db.quarantined(id.to_uuid()).await.unwrap().is_empty());
    }
    // Each log is filed under its record in amir's caseload.
    let keys: Vec<String> = logs.iter().map(ToString::to_string).collect();
    stored::until_index(&db, amir.user_id, "lists every log", |d| {
        let index = alongside_shared::doc::read::read_caseload_index(d).unwrap();
        keys.iter().all(|k| index.accompaniments.contains_key(k))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_sent_before_their_records_wait_for_them_over_16_shards() {
    logs_wait_for_their_records("16").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_sent_before_their_records_wait_for_them_on_one_shard() {
    logs_wait_for_their_records("1").await;
}
