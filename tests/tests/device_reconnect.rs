//! What a reconnect costs (`docs/sync-protocol.md`): with the server's change feed
//! (`GET /api/v1/changes`) a device syncs only the documents that changed
//! on either side, plus its caseload index, instead of one round per
//! document held; the feed lists only what the user may read; bad cursors
//! are refused or answered with "sync everything".
//!
//! The figures (messages, bytes, time with N documents held, against the
//! plain full sync measured in the same run) come from the benchmark
//! `cargo bench -p alongside-tests --bench reconnect`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alongside_mobile_bridge::storage::DeviceStore;
use alongside_server::db::Db;
use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::text::read_text;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::memory_device::{
    Device, add_participant, device, rename, settle, sync_ok, sync_patiently, without_feed,
};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, admin_command, http_get_with};
use alongside_tests::stored;
use serde_json::Value;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn name_on(device: &Device, id: &DocumentId) -> String {
    let doc = device.store().lock().unwrap().load(id).unwrap().unwrap();
    read_text(&doc, ParticipantText::DisplayName).unwrap()
}

/// `GET /api/v1/changes?since=…` with `token`: status and JSON body.
fn feed(server: &TestServer, token: &str, since: Option<&str>) -> (u16, Value) {
    let path = match since {
        Some(cursor) => format!("/api/v1/changes?since={cursor}"),
        None => "/api/v1/changes".to_owned(),
    };
    let auth = format!("Authorization: Bearer {token}");
    let (status, body) = http_get_with(server.addr, &path, &[&auth]).expect("an answer");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn listed(answer: &Value) -> Vec<DocumentId> {
    answer["documents"]
        .as_array()
        .expect("a document list")
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnect_syncs_only_what_changed_on_either_side() {
    const HELD: usize = 30;
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let (_, tablet_token) = alice
        .enroll(&database.url, "alice-tablet", Default::default())
        .await;
    let phone = device(&server, &db, &alice, &alice.token).await;
    let ids: Vec<DocumentId> = (0..HELD).map(|_| add_participant(&phone, 1)).collect();
    let first = sync_patiently(&phone).await;
    // New records are local changes: all of them go up.
    assert_eq!(first.documents_sent, HELD, "{first:?}");
    settle(&phone).await;
    let tablet = device(&server, &db, &alice, &tablet_token).await;
    settle(&tablet).await;
    for id in &ids {
        assert!(tablet.store().lock().unwrap().load(id).unwrap().is_some());
    }

    // Nothing changed: the feed, then the index alone.
    let idle = sync_ok(&phone).await;
    let reference = sync_ok(&without_feed(&phone)).await;
    assert!(idle.narrowed_by_change_feed, "{idle:?}");
    assert_eq!((idle.documents_sent, idle.documents_received), (0, 0));
    assert!(
        idle.messages_sent <= 4,
        "an idle reconnect costs a constant: {idle:?}"
    );
    assert!(
        reference.messages_sent > HELD as u64,
        "the reference syncs each document: {reference:?}"
    );

    // Three records changed on another device: exactly those come down.
    for id in &ids[..3] {
        rename(&tablet, id, "Renamed on the tablet");
    }
    sync_ok(&tablet).await;
    let pulled = sync_ok(&phone).await;
    assert!(pulled.narrowed_by_change_feed);
    assert_eq!(pulled.documents_received, 3, "{pulled:?}");
    assert!(
        pulled.messages_sent <= idle.messages_sent + 3 * 3,
        "{pulled:?}"
    );
    for id in &ids[..3] {
        assert_eq!(name_on(&phone, id), "Renamed on the tablet");
    }

    // Two changed here: exactly those go up, and the server has them.
    for id in &ids[10..12] {
        rename(&phone, id, "Renamed on the phone");
    }
    let pushed = sync_ok(&phone).await;
    assert!(pushed.narrowed_by_change_feed);
    assert_eq!(pushed.documents_sent, 2, "{pushed:?}");
    for id in &ids[10..12] {
        let mut doc = phone.store().lock().unwrap().load(id).unwrap().unwrap();
        let mut want = doc.get_heads();
        want.sort();
        let mut have = stored::heads(&db, *id).await;
        have.sort();
        assert_eq!(have, want);
    }
    // And the tablet, reconnecting, gets exactly those two.
    let tablet_pull = sync_ok(&tablet).await;
    assert_eq!(tablet_pull.documents_received, 2, "{tablet_pull:?}");
    assert_eq!(name_on(&tablet, &ids[10]), "Renamed on the phone");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_lists_only_what_the_user_may_read_and_refuses_bad_cursors() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let bob = Account::peer(&database.url, "bob", "north").await;
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let sue = Account::supervisor(&database.url, "sue", "south").await;
    let phone = device(&server, &db, &alice, &alice.token).await;

    // A first cursor comes with "sync everything".
    let (status, first) = feed(&server, &bob.token, None);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["full"], true);
    let cursors: Vec<(String, &Account)> = [&alice, &bob, &sam, &sue]
        .into_iter()
        .map(|who| {
            let (_, answer) = feed(&server, &who.token, None);
            (answer["cursor"].as_str().unwrap().to_owned(), who)
        })
        .collect();

    let id = add_participant(&phone, 1);
    sync_patiently(&phone).await;

    for (cursor, who) in &cursors {
        let (status, answer) = feed(&server, &who.token, Some(cursor));
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["full"], false, "{answer}");
        let sees = listed(&answer).contains(&id);
        let may = who.username == "alice" || who.username == "sam";
        assert_eq!(sees, may, "{} sees {answer}", who.username);
    }

    // A reassignment counts as a change for the record's new reader.
    let (_, before) = feed(&server, &bob.token, None);
    let assign = admin_command(
        SERVER,
        &[
            "assign",
            "--participant",
            &id.to_string(),
            "--to",
            "bob",
            "--database-url",
            &database.url,
        ],
        None,
    );
    assert!(assign.status.success(), "{assign:?}");
    let (_, after) = feed(&server, &bob.token, before["cursor"].as_str());
    assert!(listed(&after).contains(&id), "{after}");

    // Junk, another database's epoch, and the future.
    let (cursor, _) = &cursors[0];
    let (status, _) = feed(&server, &alice.token, Some("junk"));
    assert_eq!(status, 400);
    let (_, xid) = cursor.split_once('.').unwrap();
    let foreign = format!("{}.{xid}", uuid::Uuid::new_v4().simple());
    let (status, answer) = feed(&server, &alice.token, Some(&foreign));
    assert_eq!((status, answer["full"].clone()), (200, Value::Bool(true)));
    let (epoch, _) = cursor.split_once('.').unwrap();
    let future = format!("{epoch}.{}", u64::MAX / 2);
    let (status, answer) = feed(&server, &alice.token, Some(&future));
    assert_eq!((status, answer["full"].clone()), (200, Value::Bool(true)));
    // No token, no feed.
    let (status, _) = http_get_with(server.addr, "/api/v1/changes", &[]).unwrap();
    assert_eq!(status, 401);
}
