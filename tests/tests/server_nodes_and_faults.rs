//! Several server nodes on one database (seeing each other's edits live;
//! committing to one record at once without losing rows of the
//! projection; keeping a busy record's live copy whole), and Postgres
//! going away under a running server.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_server::pg::PrivateCluster;
use alongside_shared::doc::edit::participant::add_note;
use alongside_shared::doc::read::read_participant;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::console::{note, record};
use alongside_tests::interop;
use alongside_tests::live_writer::{Writer, Written, note_count, write_live};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, http_get};
use alongside_tests::stored;
use alongside_tests::syncer::{Outcome, find, push};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_on_one_database_see_each_others_edits_live() {
    assert!(interop::ready());
    let database = test_database();
    let a = TestServer::start(SERVER, &database.url, &[]);
    let b = TestServer::start(SERVER, &database.url, &[]);
    let token = Account::peer(&database.url, "alice", "team-a").await.token;

    let doc_url = interop::create(&a.sync_url_for(&token), "Bea");
    // A device on node B finds what a device on node A created...
    let (ok, out) = interop::run(&["clients/find.mjs", &b.sync_url_for(&token), &doc_url]);
    assert!(ok, "find on node B failed: {out}");
    assert!(out.contains("Bea"));

    // ...and sees the next edit made on node A live (LISTEN/NOTIFY).
    let watcher = interop::command(&[
        "clients/live.mjs",
        &b.sync_url_for(&token),
        &doc_url,
        "watch",
        "Bea Ortiz",
    ])
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (ok, out) = interop::run(&[
        "clients/live.mjs",
        &a.sync_url_for(&token),
        &doc_url,
        "edit",
        "Bea Ortiz",
    ]);
    assert!(ok, "edit on node A failed: {out}");
    let watched = watcher.wait_with_output().unwrap();
    assert!(
        watched.status.success(),
        "node B's device did not see node A's edit"
    );
}

/// Rounds in which a device on each node adds a note to one record at once.
const ROUNDS: i64 = 12;

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_writing_one_record_at_once_keep_its_projection_whole() {
    let database = test_database();
    let a = TestServer::start(SERVER, &database.url, &[]);
    let b = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut on_phone, _) = record("Rosa Díaz", &alice, &["First visit"]);
    let mut phone = RawClient::joined(&a.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut on_phone).await.name(), "synced");
    let mut on_tablet = on_phone.fork();

    // Each round, the phone syncs through node A and the tablet through
    // node B at once, each with a new note: the node that commits second
    // may hold a copy without the other's note (it has not heard of that
    // commit yet). Once both are acknowledged, the rows hold every note so
    // far.
    for round in 0..ROUNDS {
        for (doc, device) in [(&mut on_phone, "phone"), (&mut on_tablet, "tablet")] {
            let text = format!("{device} note {round}");
            add_note(doc, Uuid::new_v4(), &note(&alice, &text, round)).unwrap();
            doc.commit();
        }
        // A new connection per sync, as the devices make.
        let mut phone = RawClient::joined(&a.sync_url(), &alice.token, "alice-phone").await;
        let mut tablet = RawClient::joined(&b.sync_url(), &alice.token, "alice-tablet").await;
        let (p, t) = tokio::join!(
            push(&mut phone, id, &mut on_phone),
            push(&mut tablet, id, &mut on_tablet)
        );
        assert!(
            matches!((&p, &t), (Outcome::Synced(_), Outcome::Synced(_))),
            "round {round}: phone {}, tablet {}",
            described(&p),
            described(&t)
        );
        let rows = db.projection_dump().await.unwrap();
        let notes = rows.iter().filter(|r| r.starts_with("notes ")).count();
        assert_eq!(
            notes,
            1 + 2 * (round as usize + 1),
            "round {round}: {rows:#?}"
        );
        for device in ["phone", "tablet"] {
            let text = format!("{device} note {round}");
            assert!(
                rows.iter().any(|r| r.contains(&text)),
                "round {round}: {text} missing"
            );
        }
    }

    // The rows are what a projection rebuilt from the stored document has.
    let stored = stored::document(&db, id).await;
    assert_eq!(
        read_participant(&stored).unwrap().notes.len(),
        1 + 2 * ROUNDS as usize
    );
    let live = db.projection_dump().await.unwrap();
    alongside_server::store::rebuild_projection(&db)
        .await
        .unwrap();
    assert_eq!(db.projection_dump().await.unwrap(), live);
    let stale: Vec<i64> = [&a, &b]
        .iter()
        .map(|node| metric(node, "alongside_stale_projections_total").expect("the metric"))
        .collect();
    eprintln!("commits projected from the stored document, per node: {stale:?}");
    db.close().await;
}

/// Devices writing live into one record at once, alternating between the
/// two nodes, and the notes each writes.
const WRITERS: usize = 24;
const NOTES_EACH: usize = 10;
/// Records written that way, one after the other, on the same two nodes.
const BUSY_RECORDS: usize = 2;

/// Many devices write into one record at once through two nodes. Each
/// node's copy of the record must end up with every stored note: a device
/// that connects afresh to either node gets all of them, and every writer
/// ends with everyone's notes.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_keep_a_busy_records_live_copy_whole() {
    let database = test_database();
    let a = TestServer::start(SERVER, &database.url, &[]);
    let b = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let expected = WRITERS * NOTES_EACH;
    for round in 0..BUSY_RECORDS {
        let id = DocumentId::from_uuid(Uuid::new_v4());
        let (mut doc, _) = record(&format!("Rosa {round}"), &alice, &[]);
        let mut phone = RawClient::joined(&a.sync_url(), &alice.token, "alice-phone").await;
        assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
        drop(phone);

        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..WRITERS {
            let node = if w % 2 == 0 { &a } else { &b };
            let writer = Writer {
                url: node.sync_url(),
                token: alice.token.clone(),
                name: format!("writer-{w}"),
                doc: doc.fork(),
                notes: NOTES_EACH,
                pace: Duration::from_millis(40),
            };
            let alice = alice.clone();
            writers.spawn(async move { write_live(writer, &alice, id, expected, deadline).await });
        }
        let written: Vec<Written> = writers.join_all().await;

        let stored = stored::document(&db, id).await;
        let mut fresh = Vec::new();
        for (name, node) in [("A", &a), ("B", &b)] {
            fresh.push((name, fresh_copy(node, &alice, id, &stored).await));
        }
        let short: Vec<String> = written
            .iter()
            .filter(|w| w.notes != expected || !w.acknowledged || w.error.is_some())
            .map(|w| {
                format!(
                    "{}: {} notes, acknowledged {}, {:?}",
                    w.name, w.notes, w.acknowledged, w.error
                )
            })
            .collect();
        eprintln!(
            "record {round}: stored {} notes; fresh copies {fresh:?}; writers short: {short:#?}",
            note_count(&stored)
        );
        assert_eq!(
            note_count(&stored),
            expected,
            "record {round}: notes stored"
        );
        for (name, notes) in &fresh {
            assert_eq!(
                *notes, expected,
                "record {round}: a fresh device on node {name}"
            );
        }
        assert!(short.is_empty(), "record {round}: writers short of notes");
    }
    db.close().await;
}

/// Notices sent while a node's `LISTEN` connection is down are lost to it.
/// Once it listens again, the node reads what it missed of the records it
/// holds. The node is paused while its connection is ended and another
/// node commits, so that it cannot reconnect in between.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_catches_up_on_commits_made_while_it_was_not_listening() {
    let database = test_database();
    let a = TestServer::start(SERVER, &database.url, &[]);
    let b = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let (mut doc, _) = record("Rosa Díaz", &alice, &["First visit"]);
    let mut phone = RawClient::joined(&a.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    let stored = stored::document(&db, id).await;
    assert_eq!(
        fresh_copy(&b, &alice, id, &stored).await,
        1,
        "node B holds it"
    );

    let paused = b.pause();
    assert_eq!(
        db.end_listeners().await.unwrap(),
        2,
        "both nodes' listening connections ended"
    );
    add_note(
        &mut doc,
        Uuid::new_v4(),
        &note(&alice, "While B was away", 60),
    )
    .unwrap();
    doc.commit();
    let mut phone = RawClient::joined(&a.sync_url(), &alice.token, "alice-phone").await;
    assert_eq!(push(&mut phone, id, &mut doc).await.name(), "synced");
    drop(paused);

    let stored = stored::document(&db, id).await;
    assert_eq!(note_count(&stored), 2);
    assert_eq!(
        fresh_copy(&b, &alice, id, &stored).await,
        2,
        "node B caught up once it listened again"
    );
    db.close().await;
}

/// The notes a device that connects afresh to `node` gets of `id`, once
/// that node's copy has the heads of `stored` (tried for a while, as the
/// node may still be merging the last commits).
async fn fresh_copy(
    node: &TestServer,
    account: &Account,
    id: DocumentId,
    stored: &automerge::AutoCommit,
) -> usize {
    let mut stored = stored.clone();
    let mut heads = stored.get_heads();
    heads.sort();
    let mut notes = 0;
    for attempt in 0..20 {
        let mut client = RawClient::joined(
            &node.sync_url(),
            &account.token,
            &format!("fresh-{attempt}"),
        )
        .await;
        if let Outcome::Synced(mut doc) = find(&mut client, id).await {
            notes = note_count(&doc);
            let mut theirs = doc.get_heads();
            theirs.sort();
            if theirs == heads {
                return notes;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    notes
}

fn wait_for(addr: std::net::SocketAddr, path: &str, status: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http_get(addr, path).is_some_and(|(s, _)| s == status) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_restarted_under_a_running_server() {
    assert!(interop::ready());
    // A cluster of this test's own, since it is stopped midway.
    let dir = tempdir_for("pg-restart");
    let cluster = PrivateCluster::start(&dir).unwrap();
    cluster.create_database("alongside").unwrap();
    let url = cluster.url("alongside");
    let server = TestServer::start(SERVER, &url, &[]);
    let token = Account::peer(&url, "alice", "team-a").await.token;
    let first = interop::create(&server.sync_url_for(&token), "Cy");

    cluster.stop().unwrap();
    assert!(
        wait_for(server.addr, "/readyz", 503),
        "server reports not-ready"
    );
    assert!(
        matches!(http_get(server.addr, "/healthz"), Some((200, _))),
        "but stays alive"
    );

    let cluster = PrivateCluster::start(&dir).unwrap();
    assert!(wait_for(server.addr, "/readyz", 200), "server recovers");
    // Writes work again, and nothing written before is lost.
    let second = interop::create(&server.sync_url_for(&token), "Dee");
    for (doc_url, name) in [(&first, "Cy"), (&second, "Dee")] {
        let (ok, out) = interop::run(&["clients/find.mjs", &server.sync_url_for(&token), doc_url]);
        assert!(
            ok && out.contains(name),
            "{name}'s record after the restart: {out}"
        );
    }
    drop(server);
    cluster.stop().unwrap();
}

/// A fresh folder under the target directory that the `postgres` user can
/// reach (system temp folders may not be).
fn tempdir_for(name: &str) -> PathBuf {
    let dir = alongside_tests::pg::shared_cluster_dir()
        .with_file_name(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_folds_chunks_and_keeps_every_change() {
    assert!(interop::ready());
    let database = test_database();
    let mut server = TestServer::start(SERVER, &database.url, &["--compact-after-chunks", "3"]);
    let token = Account::peer(&database.url, "alice", "team-a").await.token;
    let doc_url = interop::create(&server.sync_url_for(&token), "Eve");
    for name in ["Eve A", "Eve B", "Eve C", "Eve D"] {
        let (ok, out) = interop::run(&[
            "clients/live.mjs",
            &server.sync_url_for(&token),
            &doc_url,
            "edit",
            name,
        ]);
        assert!(ok, "edit failed: {out}");
    }
    let document = doc_url
        .parse::<alongside_shared::wire::AutomergeUrl>()
        .unwrap()
        .document_id
        .to_uuid();
    let db = alongside_server::db::Db::connect_lazy(&database.url, 2).unwrap();
    // Compaction runs after the commit that crossed the threshold.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (snapshot, chunks) = loop {
        let shape = db.storage_shape(document).await.unwrap();
        if shape.0 || Instant::now() > deadline {
            break shape;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(snapshot, "a snapshot was written");
    assert!(chunks < 3, "chunks were folded ({chunks} left)");
    // Every change ever received is still in the document.
    let stored = db.load(document).await.unwrap().unwrap();
    let mut doc = automerge::AutoCommit::new();
    for piece in &stored.pieces {
        doc.load_incremental(piece).unwrap();
    }
    let hashes = db.change_hashes(document).await.unwrap();
    assert!(hashes.len() >= 5);
    for hash in hashes {
        let hash = automerge::ChangeHash(hash.try_into().unwrap());
        assert!(doc.get_change_by_hash(&hash).is_some(), "history kept");
    }
    // A node whose copy is behind the compaction reads the snapshot too,
    // not only the chunks that are left; one whose copy covers it reads
    // nothing more.
    let behind = db.stored_since(document, 1, &[]).await.unwrap().unwrap();
    let mut caught_up = automerge::AutoCommit::new();
    caught_up.load_incremental(&behind.pieces.concat()).unwrap();
    assert_eq!(caught_up.get_heads(), doc.get_heads());
    assert_eq!(behind.through, stored.through);
    let current = db.stored_since(document, stored.through, &[]).await;
    assert!(current.unwrap().unwrap().pieces.is_empty());
    // And a restarted server serves it from the snapshot.
    server.kill();
    server.restart();
    let (ok, out) = interop::run(&["clients/find.mjs", &server.sync_url_for(&token), &doc_url]);
    assert!(ok && out.contains("Eve D"), "{out}");
}

/// An outcome's name, with the reason when there is one.
fn described(outcome: &Outcome) -> String {
    match outcome {
        Outcome::NoAnswer(why) | Outcome::Refused(why) => format!("{} ({why})", outcome.name()),
        _ => outcome.name().to_owned(),
    }
}

fn metric(server: &TestServer, name: &str) -> Option<i64> {
    server.metric(name)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cache_keeps_to_its_budget_and_sigterm_stops_cleanly() {
    assert!(interop::ready());
    let database = test_database();
    // A budget smaller than any document: everything is evicted on the next
    // tick, and reloaded from Postgres on demand.
    let mut server = TestServer::start(SERVER, &database.url, &["--cache-budget-bytes", "1"]);
    let token = Account::peer(&database.url, "alice", "team-a").await.token;
    let doc_url = interop::create(&server.sync_url_for(&token), "Fay");
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&server, "alongside_cached_documents") != Some(0) {
        assert!(Instant::now() < deadline, "the document was not evicted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metric(&server, "alongside_cached_bytes"), Some(0));
    let (ok, out) = interop::run(&["clients/find.mjs", &server.sync_url_for(&token), &doc_url]);
    assert!(ok && out.contains("Fay"), "reloaded on demand: {out}");
    assert!(metric(&server, "alongside_document_loads_total").unwrap_or(0) >= 1);
    assert!(server.terminate(), "SIGTERM: graceful exit with status 0");
}
