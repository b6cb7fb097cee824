//! Reviews through the console, end to end: a worker's phone pushes a
//! participant record over the real sync protocol; the supervisor sees its
//! notes in the queue, approves one and requests changes on another; the
//! reviews reach the still-connected phone as sync messages and land in
//! the projection; the worker edits the approved note and the console
//! shows it back in the queue as amended, with what changed. And a
//! supervisor sees nothing of another team's records. A write from a copy
//! that lacked a review does not take the review out of the projection.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_server::db::access::WriteGuard;
use alongside_server::db::documents::Projected;
use alongside_server::projection;
use alongside_server::store::codec;
use alongside_shared::doc::Timestamp;
use alongside_shared::doc::edit::participant::{NoteField, set_note_field};
use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::{ReviewState, Setting};
use alongside_shared::sync::ChangeMeta;
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::console::{Browser, Page, record};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::syncer::push;
use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Waits until the projection lists `count` notes for `supervisor`.
async fn projected(db: &Db, supervisor: Uuid, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while db.console_notes(supervisor).await.unwrap().len() < count {
        assert!(Instant::now() < deadline, "notes never projected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn review_path(id: DocumentId, note: Uuid) -> String {
    format!("/participants/{id}/notes/{note}/review")
}

/// Receives sync messages for `id` on `phone` into `doc` until `done`.
async fn receive_until(
    phone: &mut RawClient,
    id: DocumentId,
    doc: &mut AutoCommit,
    done: impl Fn(&AutoCommit) -> bool,
) {
    let mut state = sync::State::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(doc) {
        assert!(
            Instant::now() < deadline,
            "the review never reached the phone"
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

fn row_state(page: &Page, note: Uuid) -> Option<String> {
    let marker = format!("data-note=\"{note}\" data-state=\"");
    let at = page.body.find(&marker)? + marker.len();
    let end = page.body[at..].find('"')?;
    Some(page.body[at..at + end].to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_written_by_the_console_reaches_the_device_and_the_projection() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // Alice's phone writes a record with two submitted notes and stays
    // connected.
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record(
        "Rosa Díaz",
        &alice,
        &["Walked to the housing office", "Phone call about benefits"],
    );
    let (first, second) = (notes[0], notes[1]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    projected(&db, sup.user_id, 2).await;

    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    let queue = browser.get("/queue");
    assert_eq!(queue.status, 200);
    assert_eq!(row_state(&queue, first).as_deref(), Some("awaiting"));
    assert_eq!(row_state(&queue, second).as_deref(), Some("awaiting"));
    assert!(queue.body.contains("Rosa Díaz"));

    let path = format!("/participants/{id}");
    let page = browser.get(&path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Walked to the housing office"));
    assert!(page.body.contains("alice-device"), "the device is named");
    assert!(page.body.contains("Synced"), "the sync time is shown");
    let csrf = page.input("csrf").unwrap();
    let heads = page.input("heads").unwrap();
    let seen: Vec<String> = heads.split(',').map(str::to_owned).collect();
    assert_eq!(
        seen,
        doc.get_heads()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        "the page offers the heads it shows"
    );

    // Approve the first note.
    let answer = browser.post(
        &review_path(id, first),
        &[
            ("csrf", &csrf),
            ("heads", &heads),
            ("decision", "approve"),
            ("comment", "Clear and complete."),
        ],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    // The connected phone receives it over the sync protocol.
    receive_until(&mut phone, id, &mut doc, |d| {
        read_participant(d)
            .unwrap()
            .reviews
            .values()
            .any(|r| r.note_id == first)
    })
    .await;
    let record = read_participant(&doc).unwrap();
    let review = record
        .reviews
        .values()
        .find(|r| r.note_id == first)
        .unwrap();
    assert_eq!(review.state, ReviewState::Approved);
    assert_eq!(review.comment.as_str(), "Clear and complete.");
    assert_eq!(review.reviewer_id, sup.user_id.to_string());
    assert_eq!(
        review.heads, seen,
        "the review records the heads the supervisor saw"
    );
    // ... and the projection has it.
    let rows = db.console_notes(sup.user_id).await.unwrap();
    let row = rows.iter().find(|r| r.note_id == first).unwrap();
    assert_eq!(
        row.review.as_ref().map(|r| r.state.as_str()),
        Some("approved")
    );

    // A request for changes without a comment: a clear 400, nothing written.
    let answer = browser.post(
        &review_path(id, second),
        &[
            ("csrf", &csrf),
            ("heads", &heads),
            ("decision", "request-changes"),
        ],
    );
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("needs a comment"), "{}", answer.body);
    // Without the CSRF token: 403, nothing written.
    let answer = browser.post(
        &review_path(id, second),
        &[
            ("heads", &heads),
            ("decision", "approve"),
            ("comment", "no token"),
        ],
    );
    assert_eq!(answer.status, 403);
    let rows = db.console_notes(sup.user_id).await.unwrap();
    assert!(
        rows.iter()
            .find(|r| r.note_id == second)
            .unwrap()
            .review
            .is_none()
    );

    let answer = browser.post(
        &review_path(id, second),
        &[
            ("csrf", &csrf),
            ("heads", &heads),
            ("decision", "request-changes"),
            ("comment", "Please add what you agreed for next week."),
        ],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    receive_until(&mut phone, id, &mut doc, |d| {
        read_participant(d)
            .unwrap()
            .reviews
            .values()
            .any(|r| r.note_id == second)
    })
    .await;
    let record = read_participant(&doc).unwrap();
    let review = record
        .reviews
        .values()
        .find(|r| r.note_id == second)
        .unwrap();
    assert_eq!(review.state, ReviewState::ChangesRequested);
    assert_eq!(
        review.comment.as_str(),
        "Please add what you agreed for next week."
    );
    let queue = browser.get("/queue?state=all");
    assert_eq!(row_state(&queue, first).as_deref(), Some("approved"));
    assert_eq!(
        row_state(&queue, second).as_deref(),
        Some("changes-requested")
    );
    assert!(
        row_state(&browser.get("/queue"), first).is_none(),
        "nothing to do"
    );

    // The worker edits the approved note: it is back in the queue as
    // amended, with what changed.
    set_note_field(&mut doc, first, NoteField::Setting(Setting::Home)).unwrap();
    set_note_field(
        &mut doc,
        first,
        NoteField::UpdatedAt(Timestamp::from_millis(1_795_100_000_000)),
    )
    .unwrap();
    doc.commit();
    let mut tablet = RawClient::joined(&server.sync_url(), &alice.token, "alice-tablet").await;
    assert_eq!(push(&mut tablet, id, &mut doc).await.name(), "synced");
    let queue = browser.get("/queue");
    assert_eq!(
        row_state(&queue, first).as_deref(),
        Some("amended"),
        "{}",
        queue.body
    );
    let page = browser.get(&path);
    assert!(page.body.contains("Changed since the last review"));
    assert!(page.body.contains("<del>community</del>"), "{}", page.body);
    assert!(page.body.contains("<ins>home</ins>"));

    // Page views and the writes are audited.
    stored::audited(&db, Some(sup.user_id), id, "console_view").await;
    stored::audited(&db, Some(sup.user_id), id, "write_accepted").await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_sees_only_their_teams() {
    let database = test_database();
    let sam = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let bob = Account::peer(&database.url, "bob", "south").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    let north = DocumentId::from_uuid(Uuid::new_v4());
    let (mut north_doc, _) = record("Ana North", &alice, &["Coffee and a plan"]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(
        push(&mut phone, north, &mut north_doc).await.name(),
        "synced"
    );
    let south = DocumentId::from_uuid(Uuid::new_v4());
    let (mut south_doc, south_notes) = record("Ben South", &bob, &["Court support"]);
    let mut bobs = RawClient::joined(&server.sync_url(), &bob.token, "bob-phone").await;
    assert_eq!(
        push(&mut bobs, south, &mut south_doc).await.name(),
        "synced"
    );
    projected(&db, sam.user_id, 1).await;

    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sam.username, &sam.password).status, 303);
    for path in ["/queue?state=all", "/overview", "/accompaniments"] {
        let page = browser.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("Ben South"),
            "{path} leaks another team's participant"
        );
        assert!(
            !page.body.contains(">bob<") && !page.body.contains("bob-device"),
            "{path} leaks bob"
        );
    }
    assert!(browser.get("/queue").body.contains("Ana North"));

    // Another team's record is answered like one that does not exist.
    let theirs = browser.get(&format!("/participants/{south}"));
    let nowhere = browser.get(&format!(
        "/participants/{}",
        DocumentId::from_uuid(Uuid::new_v4())
    ));
    assert_eq!(theirs.status, 404);
    assert_eq!(nowhere.status, 404);
    assert_eq!(theirs.body, nowhere.body, "nothing tells them apart");
    assert!(!theirs.body.contains("Ben South"));
    assert_eq!(
        browser
            .get(&format!("/participants/{}", south.to_uuid()))
            .status,
        404
    );
    assert_eq!(browser.get("/participants/not-an-id").status, 404);

    // Nor can it be reviewed, even with a good token and real heads.
    let page = browser.get(&format!("/participants/{north}"));
    let csrf = page.input("csrf").unwrap();
    let heads: Vec<String> = south_doc
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect();
    let answer = browser.post(
        &review_path(south, south_notes[0]),
        &[
            ("csrf", &csrf),
            ("heads", &heads.join(",")),
            ("decision", "approve"),
        ],
    );
    assert_eq!(answer.status, 404);
    let dump = db.projection_dump().await.unwrap();
    assert!(
        !dump.iter().any(|r| r.starts_with("reviews ")),
        "nothing was written: {dump:?}"
    );
    stored::audited(&db, Some(sam.user_id), south, "access_denied").await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_from_a_copy_without_the_review_keeps_the_review_in_the_rows() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let alice = Account::peer(&database.url, "alice", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, notes) = record("Rosa Díaz", &alice, &["Walked to the housing office"]);
    let mut phone = RawClient::joined(&server.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    projected(&db, sup.user_id, 1).await;

    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    let page = browser.get(&format!("/participants/{id}"));
    let answer = browser.post(
        &review_path(id, notes[0]),
        &[
            ("csrf", &page.input("csrf").unwrap()),
            ("heads", &page.input("heads").unwrap()),
            ("decision", "approve"),
        ],
    );
    assert_eq!(answer.status, 303);
    let reviewed = |rows: &[alongside_server::db::console::QueueRow]| {
        rows.iter()
            .any(|r| r.note_id == notes[0] && r.review.is_some())
    };
    assert!(reviewed(&db.console_notes(sup.user_id).await.unwrap()));
    // A writer whose copy lacks the review (a node that has not merged it
    // yet) commits an edit with the projection of that copy ...
    let before = doc.get_heads();
    doc.set_actor(ActorId::random());
    set_note_field(&mut doc, notes[0], NoteField::Setting(Setting::Telehealth)).unwrap();
    doc.commit();
    let metas = ChangeMeta::since(&mut doc, &before);
    let chunk = codec::chunk(
        id.to_uuid(),
        Some("alongside/participant".into()),
        doc.save_after(&before),
        &metas,
        Some("stale-node".into()),
    );
    let guard = WriteGuard {
        claim: None,
        bindings: metas
            .iter()
            .map(|m| (m.actor.to_bytes().to_vec(), None))
            .collect(),
        audit: Vec::new(),
    };
    let stale_rows = projection::project(&doc);
    let committed = db
        .persist(
            "stale-node",
            &[chunk],
            Some(Projected {
                rows: &stale_rows,
                heads: &codec::head_bytes(&doc.get_heads()),
                from_stored: codec::project_stored,
            }),
            &guard,
        )
        .await
        .unwrap();
    // ... and the rows show both: the stored document was projected.
    assert!(committed.reprojected, "the stale copy's rows were not used");
    assert!(reviewed(&db.console_notes(sup.user_id).await.unwrap()));
    let dump = db.projection_dump().await.unwrap();
    assert!(
        dump.iter().any(|r| r.contains("telehealth")),
        "the stale writer's edit is projected too: {dump:?}"
    );
    // A writer whose copy is current has its own rows written.
    let mut current = codec::load(&db.load(id.to_uuid()).await.unwrap().unwrap()).unwrap();
    let before = current.get_heads();
    set_note_field(&mut current, notes[0], NoteField::Setting(Setting::Clinic)).unwrap();
    current.commit();
    let metas = ChangeMeta::since(&mut current, &before);
    let chunk = codec::chunk(
        id.to_uuid(),
        Some("alongside/participant".into()),
        current.save_after(&before),
        &metas,
        Some("current-node".into()),
    );
    let rows = projection::project(&current);
    let committed = db
        .persist(
            "current-node",
            &[chunk],
            Some(Projected {
                rows: &rows,
                heads: &codec::head_bytes(&current.get_heads()),
                from_stored: codec::project_stored,
            }),
            &guard,
        )
        .await
        .unwrap();
    assert!(!committed.reprojected);
    assert!(reviewed(&db.console_notes(sup.user_id).await.unwrap()));
    assert!(
        db.projection_dump()
            .await
            .unwrap()
            .iter()
            .any(|r| r.contains("clinic"))
    );
    db.close().await;
}
