//! The device sync client (`alongside_mobile_bridge::sync`) against the
//! real server process and Postgres: a participant made offline reaches
//! the server and the caseload index; two devices of one peer editing the
//! same note offline converge without losing a word; a server killed in the
//! middle of a sync, then a retry that completes (and background sync that
//! resumes by itself); reassignment purges the old peer's copy; a refused
//! write is reported; a revoked device stops.
//! (What a reconnect costs is in `device_reconnect.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use alongside_mobile_bridge::storage::DeviceStore;
use alongside_mobile_bridge::sync::{BackgroundSync, Backoff, Schedule, SyncError, SyncStatus};
use alongside_server::db::Db;
use alongside_server::store::codec;
use alongside_shared::doc::edit::participant::note_ids;
use alongside_shared::doc::edit::text::{read_text, replace_text};
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::memory_device::{Device, add_participant, device, holds, sync_ok};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use automerge::AutoCommit;
use automerge::transaction::Transactable;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn acknowledged(device: &Device, id: &DocumentId) -> bool {
    device.store().lock().unwrap().is_acknowledged(id).unwrap()
}

/// The participants the device's copy of its caseload index lists.
fn listed(device: &Device) -> Vec<String> {
    let index = device.config().caseload_index.unwrap();
    let Some(doc) = device.store().lock().unwrap().load(&index).unwrap() else {
        return Vec::new();
    };
    read_caseload_index(&doc)
        .unwrap()
        .participants
        .into_keys()
        .collect()
}

/// Syncs until the device's index lists `id` (the server lists a new
/// record right after storing it; the next sync brings the index).
async fn sync_until_listed(device: &Device, id: &DocumentId) {
    for _ in 0..20 {
        sync_ok(device).await;
        if listed(device).contains(&id.to_string()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the index never listed {id}");
}

fn admin(args: &[&str], database_url: &str) {
    let output = Command::new(SERVER)
        .arg("admin")
        .args(args)
        .args(["--database-url", database_url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn intervention(note: Uuid) -> ParticipantText {
    ParticipantText::Narrative(note, NarrativePart::Intervention)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_made_offline_reaches_the_server_and_the_caseload_index() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let phone = device(&server, &db, &alice, &alice.token).await;

    let id = add_participant(&phone, 2);
    let mut local = phone.store().lock().unwrap().load(&id).unwrap().unwrap();

    eprintln!(
        "participant {id}, index {:?}",
        phone.config().caseload_index
    );
    let first = sync_ok(&phone).await;
    assert!(first.documents_sent >= 1, "{first:?}");
    assert!(first.bytes_sent > 0 && first.bytes_received > 0);
    assert_eq!(first.connections, 1);
    // The server stored exactly what the device has, and the device knows.
    let mut want = local.get_heads();
    want.sort();
    let mut have = stored::heads(&db, id).await;
    have.sort();
    assert_eq!(have, want);
    assert!(acknowledged(&phone, &id));

    sync_until_listed(&phone, &id).await;
    // Nothing was deleted, nothing is left to send.
    assert!(holds(&phone, &id));
    let again = sync_ok(&phone).await;
    assert_eq!(again.documents_sent, 0, "{again:?}");
    assert_eq!(again.conflicts_merged, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_devices_of_one_peer_editing_the_same_note_offline_converge() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let (_, tablet_token) = alice
        .enroll(&database.url, "alice-tablet", Default::default())
        .await;
    let phone = device(&server, &db, &alice, &alice.token).await;
    let tablet = device(&server, &db, &alice, &tablet_token).await;

    // The phone writes a note and syncs; the tablet fetches it through
    // the caseload index.
    let id = add_participant(&phone, 1);
    let note = {
        let doc = phone.store().lock().unwrap().load(&id).unwrap().unwrap();
        note_ids(&doc).unwrap()[0]
    };
    phone
        .store()
        .lock()
        .unwrap()
        .edit(&id, |doc| {
            replace_text(doc, intervention(note), "We walked to the clinic.").unwrap();
        })
        .unwrap();
    sync_until_listed(&phone, &id).await;
    sync_until_listed(&tablet, &id).await;
    assert!(holds(&tablet, &id), "the tablet fetched the listed record");

    // Both edit the same text offline, in different places.
    phone
        .store()
        .lock()
        .unwrap()
        .edit(&id, |doc| {
            replace_text(doc, intervention(note), "Early, we walked to the clinic.").unwrap();
        })
        .unwrap();
    tablet
        .store()
        .lock()
        .unwrap()
        .edit(&id, |doc| {
            replace_text(
                doc,
                intervention(note),
                "We walked to the clinic and booked a ride home.",
            )
            .unwrap();
        })
        .unwrap();

    sync_ok(&phone).await;
    let second = sync_ok(&tablet).await;
    assert_eq!(second.conflicts_merged, 1, "{second:?}");
    sync_ok(&phone).await;

    let text = |d: &Device| {
        let doc = d.store().lock().unwrap().load(&id).unwrap().unwrap();
        read_text(&doc, intervention(note)).unwrap()
    };
    let (on_phone, on_tablet) = (text(&phone), text(&tablet));
    assert_eq!(on_phone, on_tablet);
    for word in ["Early,", "walked", "clinic", "booked", "ride", "home."] {
        assert!(on_phone.contains(word), "{word:?} lost: {on_phone:?}");
    }
    assert!(acknowledged(&phone, &id) && acknowledged(&tablet, &id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_cut_by_a_server_crash_completes_on_retry() {
    let database = test_database();
    let mut server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let phone = Arc::new(device(&server, &db, &alice, &alice.token).await);
    let ids: Vec<DocumentId> = (0..150).map(|_| add_participant(&phone, 5)).collect();

    // Kill the server while the phone is pushing.
    let syncing = tokio::spawn({
        let phone = phone.clone();
        async move { phone.sync_now().await }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.kill();
    let cut = syncing.await.unwrap();
    eprintln!("first sync with the server killed: {cut:?}");
    if let Err(e) = &cut {
        assert!(e.is_retryable(), "{e}");
    }
    // Nothing the phone wrote is lost.
    for id in &ids {
        assert!(holds(&phone, id));
    }

    // While the server is down, background sync fails and backs off; once
    // it is back, the next attempt completes.
    let background = BackgroundSync::start(
        phone.client(),
        Schedule {
            interval: Duration::from_secs(3600),
            backoff: Backoff {
                base: Duration::from_millis(200),
                max: Duration::from_secs(1),
            },
        },
    );
    let mut status = background.subscribe();
    let failed = tokio::time::timeout(
        Duration::from_secs(30),
        status.wait_for(|s| matches!(s, SyncStatus::Failed { .. })),
    )
    .await
    .expect("a failure while the server is down")
    .unwrap()
    .clone();
    eprintln!("while down: {failed:?}");
    server.restart();
    let synced = tokio::time::timeout(
        Duration::from_secs(60),
        status.wait_for(|s| matches!(s, SyncStatus::Synced(_))),
    )
    .await
    .expect("a sync once the server is back")
    .unwrap()
    .clone();
    background.stop().await;
    let SyncStatus::Synced(report) = synced else {
        unreachable!()
    };
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    for id in &ids {
        assert!(acknowledged(&phone, id), "{id} not acknowledged");
        assert!(!stored::heads(&db, *id).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reassignment_purges_the_record_from_the_old_peers_device() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-a").await;
    let alices = device(&server, &db, &alice, &alice.token).await;
    let bobs = device(&server, &db, &bob, &bob.token).await;

    let id = add_participant(&alices, 1);
    let kept = add_participant(&alices, 1);
    sync_until_listed(&alices, &id).await;

    admin(
        &["assign", "--participant", &id.to_string(), "--to", "bob"],
        &database.url,
    );
    // Alice, offline, types into the record after it was reassigned.
    alices
        .store()
        .lock()
        .unwrap()
        .edit(&id, |doc| {
            replace_text(
                doc,
                ParticipantText::DisplayName,
                "typed after reassignment",
            )
            .unwrap();
        })
        .unwrap();

    // The server stops sharing the record at once and lists it under
    // `purge` in the index a moment later: until then the device keeps it
    // and reports that the server did not share it.
    let mut purged = Vec::new();
    for _ in 0..40 {
        let report = alices.sync_now().await.expect("sync");
        assert!(
            report.errors.iter().all(|e| e.document == Some(id)),
            "{report:#?}"
        );
        purged.extend(report.purged);
        if !purged.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(purged, vec![id]);
    assert!(!holds(&alices, &id), "the reassigned record is gone");
    assert!(holds(&alices, &kept), "the others stay");

    // What she typed was handed over before the copy went: it is in
    // quarantine (not merged), and the purge is audited.
    let rows = db.quarantined(id.to_uuid()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let data = db.quarantined_data(rows[0].0).await.unwrap().unwrap();
    let stored = db.load(id.to_uuid()).await.unwrap().unwrap();
    let mut merged = codec::load(&stored).unwrap();
    merged.load_incremental(&data).unwrap();
    assert_eq!(
        read_text(&merged, ParticipantText::DisplayName).unwrap(),
        "typed after reassignment"
    );
    let server_copy = codec::load(&stored).unwrap();
    assert_ne!(
        read_text(&server_copy, ParticipantText::DisplayName).unwrap(),
        "typed after reassignment",
        "quarantined, never merged"
    );
    stored::audited(&db, Some(alice.user_id), id, "purge_confirmed").await;

    // Bob's device fetches it as newly listed.
    sync_until_listed(&bobs, &id).await;
    assert!(holds(&bobs, &id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_write_is_reported_and_the_rest_still_syncs() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let phone = device(&server, &db, &alice, &alice.token).await;

    let good = add_participant(&phone, 1);
    let bad = DocumentId::from_uuid(Uuid::new_v4());
    let mut junk = AutoCommit::new();
    junk.put(automerge::ROOT, "hello", "not an alongside document")
        .unwrap();
    junk.commit();
    phone.store().lock().unwrap().insert(bad, &mut junk);

    let report = phone.sync_now().await.expect("sync");
    assert!(
        report.errors.iter().any(|e| e.document == Some(bad)),
        "{report:?}"
    );
    assert!(acknowledged(&phone, &good), "{report:?}");
    assert!(
        holds(&phone, &bad),
        "a refused document is kept on the device"
    );
    stored::quarantined(&db, bad).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_device_stops() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let phone = device(&server, &db, &alice, &alice.token).await;
    let id = add_participant(&phone, 1);
    sync_ok(&phone).await;
    assert!(holds(&phone, &id));

    admin(
        &["device", "revoke", "--device", &alice.device_id.to_string()],
        &database.url,
    );
    match phone.sync_now().await {
        Err(SyncError::Revoked { purged, failed }) => {
            assert_eq!(failed, 0);
            assert!(purged >= 1);
            assert!(phone.store().lock().unwrap().is_empty());
        }
        other => panic!("a revoked device must be told to purge: {other:?}"),
    }
}
