//! Access that changes or is abused: reassignment moves a participant to
//! another peer and tells the old peer's devices to purge it; a covering
//! colleague writes a record (and logs it) besides its assigned peer until
//! the cover ends, by hand or at the end of the day it was granted through;
//! a device
//! writing under another device's actor is refused, both when the server
//! has the binding in memory and when only the database knows it.

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::Timestamp;
use alongside_shared::doc::accompaniment::{Accompaniment, Appointment};
use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::accompaniment::create_accompaniment;
use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::participant::Profile;
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::doc::vocab::AppointmentKind;
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::{find, push};
use automerge::{ActorId, AutoCommit};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn participant(name: &str, actor: Option<ActorId>) -> AutoCommit {
    let mut doc = AutoCommit::new();
    if let Some(actor) = actor {
        doc.set_actor(actor);
    }
    create_participant(&mut doc, &Profile::new(name)).unwrap();
    doc.commit();
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn reassignment_moves_access_and_tells_the_old_devices_to_purge() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-b").await;

    let id = DocumentId::from_uuid(Uuid::new_v4());
    let mut phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let mut doc = participant("Pat", None);
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let key = id.to_string();
    stored::until_index(&db, alice.user_id, "lists the participant", |d| {
        read_caseload_index(d)
            .unwrap()
            .participants
            .contains_key(&key)
    })
    .await;

    // The administrator reassigns it while Alice's phone is connected.
    let output = Command::new(SERVER)
        .args(["admin", "assign", "--participant", &key, "--to", "bob"])
        .args(["--database-url", &database.url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "admin assign: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let event = stored::audited(&db, None, id, "assigned").await;
    assert!(event.detail.contains("assign to bob"), "{}", event.detail);

    // The phone is told at once that the document is gone ...
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match phone.next(Duration::from_secs(15)).await {
            Reply::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => {
                break;
            }
            Reply::Message(_) => {}
            other => panic!("expected doc-unavailable, got {other:?}"),
        }
        assert!(Instant::now() < deadline, "no doc-unavailable");
    }
    // ... and its index says to purge it; Bob's lists it.
    stored::until_index(&db, alice.user_id, "purges the participant", |d| {
        let index = read_caseload_index(d).unwrap();
        index.purge.contains_key(&key) && !index.participants.contains_key(&key)
    })
    .await;
    stored::until_index(&db, bob.user_id, "lists the participant", |d| {
        read_caseload_index(d)
            .unwrap()
            .participants
            .contains_key(&key)
    })
    .await;
    let mut tablet = RawClient::joined(&url, &alice.token, "alice-tablet").await;
    assert_eq!(find(&mut tablet, id).await.name(), "unavailable");
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-phone").await;
    assert_eq!(find(&mut bobs, id).await.name(), "synced");
    db.close().await;
}

fn admin(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(SERVER)
        .arg("admin")
        .args(args)
        .args(["--database-url", database_url])
        .output()
        .unwrap()
}

/// A new log of `participant` started by user `peer`.
fn accompaniment_of(participant: DocumentId, peer: &Account) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let appointment = Appointment {
        kind: AppointmentKind::Housing,
        place: "Housing office".into(),
        provider: "Ms Adeyemi".into(),
        scheduled_at: None,
    };
    let log = Accompaniment::planned(
        &participant.to_string(),
        &peer.user_id.to_string(),
        appointment,
        Timestamp::from_millis(1_700_000_000_000),
    );
    create_accompaniment(&mut doc, &log).unwrap();
    doc.commit();
    doc
}

/// Waits for `doc-unavailable` for `id` on `client`'s connection.
async fn told_unavailable(client: &mut RawClient, id: DocumentId) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match client.next(Duration::from_secs(15)).await {
            Reply::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => {
                return;
            }
            Reply::Message(_) => {}
            other => panic!("expected doc-unavailable, got {other:?}"),
        }
        assert!(Instant::now() < deadline, "no doc-unavailable");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_covering_colleague_writes_beside_the_owner_until_the_cover_ends() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-b").await;
    Account::supervisor(&database.url, "sam", "team-a").await;

    let id = DocumentId::from_uuid(Uuid::new_v4());
    let key = id.to_string();
    let mut phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let mut doc = participant("Pat", None);
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-phone").await;
    assert_eq!(find(&mut bobs, id).await.name(), "unavailable");

    // Refused covers change nothing and say why.
    let refused = [
        (vec!["--by", "alice"], "assigned to this peer already"),
        (vec!["--by", "sam"], "only peers cover"),
        (vec!["--by", "nobody"], "no user named"),
    ];
    for (who, why) in refused {
        let mut args = vec!["cover", "--participant", &key];
        args.extend(who);
        let out = admin(&database.url, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(why),
            "{args:?}: {stderr}"
        );
    }
    let nowhere = DocumentId::from_uuid(Uuid::new_v4()).to_string();
    let out = admin(
        &database.url,
        &["cover", "--participant", &nowhere, "--by", "bob"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no such participant record"),
        "{stderr}"
    );

    // Granted: bob's index lists it, bob reads and writes it, alice keeps it.
    let out = admin(
        &database.url,
        &["cover", "--participant", &key, "--by", "bob"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let event = stored::audited(&db, None, id, "cover_granted").await;
    assert!(event.detail.contains("cover by bob"), "{}", event.detail);
    stored::until_index(&db, bob.user_id, "lists the covered record", |d| {
        read_caseload_index(d)
            .unwrap()
            .participants
            .contains_key(&key)
    })
    .await;
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-phone").await;
    let mut bobs_copy = doc.fork();
    replace_text(
        &mut bobs_copy,
        ParticipantText::DisplayName,
        "Pat (covered)",
    )
    .unwrap();
    bobs_copy.commit();
    assert_eq!(push(&mut bobs, id, &mut bobs_copy).await.name(), "synced");
    let heads = stored::heads(&db, id).await;
    assert!(
        heads.contains(&bobs_copy.get_heads()[0]),
        "bob's edit is stored"
    );

    // A log bob starts for the record is listed for both of them.
    let log = DocumentId::from_uuid(Uuid::new_v4());
    let log_key = log.to_string();
    let mut log_doc = accompaniment_of(id, &bob);
    assert_eq!(push(&mut bobs, log, &mut log_doc).await.name(), "synced");
    for user in [alice.user_id, bob.user_id] {
        stored::until_index(&db, user, "lists bob's new log", |d| {
            read_caseload_index(d)
                .unwrap()
                .accompaniments
                .contains_key(&log_key)
        })
        .await;
    }

    // The cover ends while bob's phone is connected: told at once, told to
    // purge; alice keeps the record and bob's edit.
    let out = admin(
        &database.url,
        &["cover", "--participant", &key, "--by", "bob", "--end"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stored::audited(&db, None, id, "cover_ended").await;
    told_unavailable(&mut bobs, id).await;
    stored::until_index(&db, bob.user_id, "purges the record and the log", |d| {
        let index = read_caseload_index(d).unwrap();
        index.purge.contains_key(&key)
            && index.purge.contains_key(&log_key)
            && !index.participants.contains_key(&key)
    })
    .await;
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-tablet").await;
    assert_eq!(find(&mut bobs, id).await.name(), "unavailable");
    assert_eq!(find(&mut bobs, log).await.name(), "unavailable");
    let mut tablet = RawClient::joined(&url, &alice.token, "alice-tablet").await;
    assert_eq!(find(&mut tablet, id).await.name(), "synced");
    assert_eq!(find(&mut tablet, log).await.name(), "synced");
    let out = admin(
        &database.url,
        &["cover", "--participant", &key, "--by", "bob", "--end"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("did not cover"));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cover_granted_through_a_day_ends_by_itself() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &["--cover-check-secs", "1"]);
    let url = server.sync_url();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-b").await;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let key = id.to_string();
    let mut phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let mut doc = participant("Pat", None);
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");

    // A day that is over, or not a day, is refused.
    for (until, why) in [("2020-01-01", "that day is over"), ("friday", "YYYY-MM-DD")] {
        let out = admin(
            &database.url,
            &[
                "cover",
                "--participant",
                &key,
                "--by",
                "bob",
                "--until",
                until,
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(why),
            "{until}: {stderr}"
        );
    }
    assert!(db.covering(id.to_uuid()).await.unwrap().is_empty());

    // Granted through tomorrow: bob works on the record.
    let tomorrow = alongside_server::console::time::date(
        alongside_server::console::time::now_ms() + 86_400_000,
    );
    let out = admin(
        &database.url,
        &[
            "cover",
            "--participant",
            &key,
            "--by",
            "bob",
            "--until",
            &tomorrow,
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(&format!("through {tomorrow}")),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let granted = stored::audited(&db, None, id, "cover_granted").await;
    assert!(
        granted.detail.contains(&format!("through {tomorrow}")),
        "{}",
        granted.detail
    );
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-phone").await;
    assert_eq!(find(&mut bobs, id).await.name(), "synced");

    // The day passes (its end set in the past, as time would): within a
    // check, bob's phone is told, his index purges the record, and the end
    // is audited.
    let past = alongside_server::console::time::now_ms() - 1_000;
    db.grant_cover(id.to_uuid(), bob.user_id, Some(past))
        .await
        .unwrap();
    told_unavailable(&mut bobs, id).await;
    stored::until_index(&db, bob.user_id, "purges the record", |d| {
        let index = read_caseload_index(d).unwrap();
        index.purge.contains_key(&key) && !index.participants.contains_key(&key)
    })
    .await;
    let ended = stored::audited(&db, None, id, "cover_ended").await;
    assert!(ended.detail.contains("reached its end"), "{}", ended.detail);
    assert!(db.covering(id.to_uuid()).await.unwrap().is_empty());
    let mut bobs = RawClient::joined(&url, &bob.token, "bob-tablet").await;
    assert_eq!(find(&mut bobs, id).await.name(), "unavailable");
    let mut tablet = RawClient::joined(&url, &alice.token, "alice-tablet").await;
    assert_eq!(find(&mut tablet, id).await.name(), "synced");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_cannot_write_under_another_devices_actor() {
    let database = test_database();
    let mut server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let (_, tablet_token) = alice
        .enroll(&database.url, "alice-tablet", Default::default())
        .await;

    // The phone writes under actor X.
    let actor = ActorId::random();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let mut phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let mut doc = participant("Pat", Some(actor.clone()));
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let stored = stored::heads(&db, id).await;

    // The tablet (same user, so it may write the document) uses X too:
    // refused from the server's memory of the binding.
    let mut tablet = RawClient::joined(&url, &tablet_token, "alice-tablet").await;
    let mut spoofed = doc.fork().with_actor(actor.clone());
    replace_text(&mut spoofed, ParticipantText::DisplayName, "Spoofed").unwrap();
    spoofed.commit();
    let outcome = push(&mut tablet, id, &mut spoofed).await;
    assert_eq!(outcome.name(), "refused", "{outcome:?}");
    assert_eq!(stored::heads(&db, id).await, stored, "nothing stored");
    stored::quarantined(&db, id).await;

    // After a restart the server has forgotten; a new document under X is
    // refused by the binding in the database.
    server.restart();
    let url = server.sync_url();
    let other = DocumentId::from_uuid(Uuid::new_v4());
    let mut tablet = RawClient::joined(&url, &tablet_token, "alice-tablet").await;
    let mut fresh = participant("Sam", Some(actor));
    let outcome = push(&mut tablet, other, &mut fresh).await;
    assert_eq!(outcome.name(), "refused", "{outcome:?}");
    assert!(stored::heads(&db, other).await.is_empty(), "nothing stored");
    stored::quarantined(&db, other).await;

    // The phone, the actor's owner, still writes.
    let mut phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let mut edited = doc.fork().with_actor(ActorId::random());
    replace_text(&mut edited, ParticipantText::DisplayName, "Pat R.").unwrap();
    edited.commit();
    let mut ours = doc;
    ours.merge(&mut edited).unwrap();
    assert_eq!(push(&mut phone, id, &mut ours).await.name(), "synced");
    db.close().await;
}
