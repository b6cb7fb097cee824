//! The console in real headless Chromium: a supervisor signs in with the
//! keyboard, opens the queue and the record, approves one note and
//! requests changes on another with a comment; the worker's connected
//! phone receives both over the sync protocol; the worker edits the
//! approved note; the console shows it back in the queue as amended, with
//! the diff. Screenshots of each page are written under the target
//! directory (`console-screenshots/`), not committed.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use alongside_shared::doc::Timestamp;
use alongside_shared::doc::edit::participant::{NoteField, set_note_field};
use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::ReviewState;
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::browser;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::syncer::push;
use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const COMMENT: &str = "Please add what you agreed for next week.";

async fn receive_reviews(
    phone: &mut RawClient,
    id: DocumentId,
    doc: &mut AutoCommit,
    count: usize,
) {
    let mut state = sync::State::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while read_participant(doc).unwrap().reviews.len() < count {
        assert!(
            Instant::now() < deadline,
            "the reviews never reached the phone"
        );
        match phone.next(Duration::from_secs(10)).await {
            Reply::Message(Message::Sync(m)) if m.document_id == id => {
                let message = sync::Message::decode(&m.data).unwrap();
                doc.sync()
                    .receive_sync_message(&mut state, message)
                    .unwrap();
                if let Some(reply) = doc.sync().generate_sync_message(&mut state) {
                    let frame = phone.doc_message(id, reply.encode(), false);
                    phone.send(&frame).await;
                }
            }
            Reply::Message(_) => {}
            other => panic!("phone: expected sync, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reviews_in_chromium_and_the_worker_sees_it() {
    browser::ready();
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);

    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record(
        "Rosa Díaz",
        &alice,
        &["Walked to the housing office", "Phone call about benefits"],
    );
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");

    let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let url = format!("http://{}", server.addr);
    let (approve, changes) = (notes[0].to_string(), notes[1].to_string());
    let env: Vec<(&'static str, String)> = vec![
        ("CONSOLE_URL", url),
        ("USERNAME", sup.username.clone()),
        ("PASSWORD", sup.password.clone()),
        ("PARTICIPANT", "Rosa Díaz".into()),
        ("APPROVE_NOTE", approve),
        ("CHANGES_NOTE", changes),
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

    // The worker's phone gets both reviews, the comment included.
    receive_reviews(&mut phone, id, &mut doc, 2).await;
    let got = read_participant(&doc).unwrap();
    let of = |note: Uuid| got.reviews.values().find(|r| r.note_id == note).unwrap();
    assert_eq!(of(notes[0]).state, ReviewState::Approved);
    assert_eq!(of(notes[1]).state, ReviewState::ChangesRequested);
    assert_eq!(of(notes[1]).comment.as_str(), COMMENT);

    // The worker edits the approved note.
    set_note_field(&mut doc, notes[0], NoteField::Setting("home".into())).unwrap();
    set_note_field(
        &mut doc,
        notes[0],
        NoteField::UpdatedAt(Timestamp::from_millis(1_795_100_000_000)),
    )
    .unwrap();
    doc.commit();
    let mut tablet = RawClient::joined(&server.sync_url(), &alice.token, "alice-tablet").await;
    assert_eq!(push(&mut tablet, id, &mut doc).await.name(), "synced");

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
