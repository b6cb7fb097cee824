//! The access matrix over the real WebSocket protocol: peers of two teams,
//! their supervisors and an administrator each try to find and to write
//! every document, and get exactly the expected answer. Unauthorised
//! attempts change nothing stored; refused writes are quarantined.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use alongside_server::auth::Role;
use alongside_server::db::Db;
use alongside_shared::doc::Timestamp;
use alongside_shared::doc::accompaniment::{Accompaniment, Appointment};
use alongside_shared::doc::edit::accompaniment::create_accompaniment;
use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::edit::{AccompanimentText, ParticipantText};
use alongside_shared::doc::participant::Profile;
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::doc::vocab::AppointmentKind;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::{Outcome, find, push};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn new_id() -> DocumentId {
    DocumentId::from_uuid(Uuid::new_v4())
}

fn participant(name: &str) -> AutoCommit {
    let mut doc = AutoCommit::new();
    create_participant(&mut doc, &Profile::new(name)).unwrap();
    doc.commit();
    doc
}

/// A new log of `participant` started by user `peer`.
fn accompaniment(participant: DocumentId, peer: &Account) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let appointment = Appointment {
        kind: AppointmentKind::Medical,
        place: "Health centre".into(),
        provider: "Dr Osei".into(),
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

/// Waits until `user`'s caseload index lists `id`; returns the index id.
async fn index_listing(db: &Db, user: Uuid, id: DocumentId) -> DocumentId {
    let key = id.to_string();
    stored::until_index(db, user, "lists the document", |doc| {
        let index = read_caseload_index(doc).unwrap();
        index.participants.contains_key(&key) || index.accompaniments.contains_key(&key)
    })
    .await
}

/// A change someone who holds `doc` could make to it.
/// (Each edit writes a text of its own, so that it is a change.)
fn edit(doc: &AutoCommit, kind: &str, text: &str) -> AutoCommit {
    let mut doc = doc.clone().fork();
    match kind {
        "participant" => replace_text(&mut doc, ParticipantText::DisplayName, text).unwrap(),
        "accompaniment" => replace_text(&mut doc, AccompanimentText::Purpose, text).unwrap(),
        _ => {
            doc.put(ROOT, "updatedAt", automerge::ScalarValue::Timestamp(5))
                .unwrap();
        }
    }
    doc.commit();
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_gets_exactly_its_access() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-b").await;
    let sara = Account::supervisor(&database.url, "sara", "team-a").await;
    let sam = Account::supervisor(&database.url, "sam", "team-b").await;
    let ada = Account::admin(&database.url, "ada").await;

    // Alice records a participant and an accompaniment log; Bob a participant.
    let (pa, acc, pb) = (new_id(), new_id(), new_id());
    let mut originals: BTreeMap<&str, (DocumentId, AutoCommit)> = BTreeMap::new();
    for (name, who, id, mut doc) in [
        ("pa", &alice, pa, participant("Pat A")),
        ("acc", &alice, acc, accompaniment(pa, &alice)),
        ("pb", &bob, pb, participant("Pat B")),
    ] {
        let mut client = RawClient::joined(&url, &who.token, "creator").await;
        let outcome = push(&mut client, id, &mut doc).await;
        assert_eq!(outcome.name(), "synced", "{name}: {outcome:?}");
        originals.insert(name, (id, doc));
    }
    let idx_a = index_listing(&db, alice.user_id, acc).await;
    let idx_b = index_listing(&db, bob.user_id, pb).await;
    let missing = new_id();
    let docs = [
        ("pa", pa),
        ("acc", acc),
        ("pb", pb),
        ("idx_a", idx_a),
        ("idx_b", idx_b),
        ("missing", missing),
    ];

    // Expected answers: (find, write). "-" never happens.
    let s = "synced";
    let u = "unavailable";
    let r = "refused";
    let expected: [(&Account, [(&str, &str); 6]); 5] = [
        (&alice, [(s, s), (s, s), (u, u), (s, r), (u, u), (u, s)]),
        (&bob, [(u, u), (u, u), (s, s), (u, u), (s, r), (u, s)]),
        (&sara, [(s, r), (s, r), (u, u), (u, u), (u, u), (u, u)]),
        (&sam, [(u, u), (u, u), (s, r), (u, u), (u, u), (u, u)]),
        (&ada, [(u, u), (u, u), (u, u), (u, u), (u, u), (u, u)]),
    ];

    let mut failures = Vec::new();
    for (who, row) in &expected {
        for ((name, id), (want_find, want_write)) in docs.iter().zip(row.iter()) {
            let mut client = RawClient::joined(&url, &who.token, "matrix").await;
            let found = find(&mut client, *id).await;
            if found.name() != *want_find {
                failures.push(format!(
                    "{} find {name}: {found:?}, want {want_find}",
                    who.username
                ));
            }
            // Write: with the document in hand if it could be read, else
            // with a document of the same kind made from scratch.
            let kind = match *name {
                "pa" | "pb" | "missing" => "participant",
                "acc" => "accompaniment",
                _ => "index",
            };
            let base = match (&found, *name) {
                (Outcome::Synced(doc), _) => (**doc).clone(),
                (_, "acc") => accompaniment(pa, who),
                (_, n) if n.starts_with("idx") => originals["pb"].1.clone(),
                _ => participant("Intruder"),
            };
            let text = format!("Edited by {} on {name}", who.username);
            let mut changed = edit(&base, kind, &text);
            let pushed = changed.get_heads();
            let target = if *name == "missing" { new_id() } else { *id };
            let mut client = RawClient::joined(&url, &who.token, "matrix").await;
            let wrote = push(&mut client, target, &mut changed).await;
            if wrote.name() != *want_write {
                failures.push(format!(
                    "{} write {name}: {wrote:?}, want {want_write}",
                    who.username
                ));
            }
            if *want_write != "synced" && *name != "missing" {
                // None of the refused changes is stored. (Comparing heads
                // would also catch the server's own index writer, which
                // may still be listing documents written a moment ago.)
                let mut stored_doc = stored::document(&db, *id).await;
                for hash in &pushed {
                    assert!(
                        stored_doc.get_change_by_hash(hash).is_none(),
                        "{} changed {name} without access",
                        who.username
                    );
                }
            }
            if *want_write == "refused" && wrote.name() == "refused" {
                stored::quarantined(&db, *id).await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix:\n{}",
        failures.join("\n")
    );

    // Every read is in the audit trail, and so is every refusal: a denied
    // find, a quarantined write. (A peer asking for a document that does
    // not exist is not refused: it may create it.)
    for (who, row) in &expected {
        for ((name, id), (want_find, want_write)) in docs.iter().zip(row.iter()) {
            let user = who.user_id;
            if *want_find == "synced" {
                stored::audited(&db, Some(user), *id, "document_read").await;
            } else if !(*name == "missing" && who.role == Role::Peer) {
                let event = stored::audited(&db, Some(user), *id, "access_denied").await;
                assert_eq!(event.outcome, "denied");
                assert_eq!(event.device_id, Some(who.device_id));
                assert_eq!(event.address.as_deref(), Some("127.0.0.1"));
            }
            if *want_write == "refused" {
                stored::audited(&db, Some(user), *id, "write_quarantined").await;
            }
            if *want_write == "synced" && *name != "missing" {
                stored::audited(&db, Some(user), *id, "write_accepted").await;
            }
        }
    }
    db.close().await;
}
