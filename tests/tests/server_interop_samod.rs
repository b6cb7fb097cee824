//! Interop with a second client nobody here wrote: an unmodified `samod`
//! (the Rust automerge-repo implementation, pinned in `Cargo.lock`) dialing
//! the real server process with its own tungstenite WebSocket client. The
//! same scenario as `server_interop_js.rs`: create, find, live edit, and what
//! Postgres holds.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::{DocKind, validate};
use alongside_shared::wire::AutomergeUrl;
use alongside_tests::accounts::Account;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ObjType, ROOT, ReadDoc};
use samod::{BackoffConfig, DialerHandle, DocHandle, Repo};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const TIMEOUT: Duration = Duration::from_secs(20);

/// A fresh in-memory samod repo dialing `url`, once connected (handshake
/// done). The dialer handle keeps the connection; dropping it does not close it.
async fn connected_repo(url: &str) -> (Repo, DialerHandle<std::convert::Infallible>) {
    let repo = Repo::build_tokio().load().await;
    let dialer = repo
        .dial_websocket(url.parse().unwrap(), BackoffConfig::default())
        .unwrap();
    tokio::time::timeout(TIMEOUT, dialer.established())
        .await
        .expect("samod connects to the server within the timeout")
        .expect("samod's handshake with the server succeeds");
    (repo, dialer)
}

/// Waits until the server has told this connection it has every change the
/// handle has (the server advertises heads only once they are durable).
async fn until_server_has(handle: &DocHandle, dialer: &DialerHandle<std::convert::Infallible>) {
    let conn = dialer.connection_id().expect("connected");
    tokio::time::timeout(TIMEOUT, handle.they_have_our_changes(conn))
        .await
        .expect("the server acknowledges our changes within the timeout");
}

/// The document as JSON.
fn json(doc: &Automerge) -> serde_json::Value {
    serde_json::to_value(automerge::AutoSerde::from(doc)).unwrap()
}

/// `profile.displayName`, read as text.
fn display_name<D: ReadDoc>(doc: &D) -> Option<String> {
    let (_, profile) = doc.get(ROOT, "profile").ok()??;
    let (_, name) = doc.get(&profile, "displayName").ok()??;
    doc.text(&name).ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn samod_clients_create_find_and_edit_live() {
    let started = Instant::now();
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    // samod dials a URL: the device token rides in its query.
    let url = server.sync_url_for(&alice.token);

    // One repo creates a minimal participant document and waits until the
    // server has it.
    let (creator, creator_dialer) = connected_repo(&url).await;
    let mut initial = Automerge::new();
    initial
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "@type", "alongside/participant")?;
            tx.put(ROOT, "schema", 1_u64)?;
            let profile = tx.put_object(ROOT, "profile", ObjType::Map)?;
            let name = tx.put_object(&profile, "displayName", ObjType::Text)?;
            tx.splice_text(&name, 0, 0, "Ada")?;
            for field in ["goals", "notes", "reviews"] {
                tx.put_object(ROOT, field, ObjType::Map)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(validate(&initial), Ok(DocKind::Participant));
    let created = creator.create(initial).await.unwrap();
    until_server_has(&created, &creator_dialer).await;

    // Our own parser reads samod's URL; the document id is the same.
    let doc_url = created.url().to_string();
    let document = doc_url.parse::<AutomergeUrl>().unwrap().document_id;
    assert_eq!(
        &document.to_uuid().as_bytes()[..],
        created.document_id().as_bytes()
    );

    // A fresh repo finds it by URL and sees the same content.
    let (finder, _finder_dialer) = connected_repo(&url).await;
    let wanted = doc_url.parse::<samod::AutomergeUrl>().unwrap();
    let found = tokio::time::timeout(TIMEOUT, finder.find(wanted.document_id().clone()))
        .await
        .expect("find resolves within the timeout")
        .unwrap()
        .expect("the server has the document");
    let content = found.with_document(|doc| json(doc));
    assert_eq!(content, created.with_document(|doc| json(doc)));
    assert_eq!(content["@type"], "alongside/participant");
    assert_eq!(content["profile"]["displayName"], "Ada");

    // An edit (a text splice) from the creator reaches the finder, live.
    created
        .with_document_async(|doc| {
            let name = doc
                .get(ROOT, "profile")
                .unwrap()
                .and_then(|(_, profile)| doc.get(&profile, "displayName").unwrap())
                .map(|(_, name)| name)
                .unwrap();
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.splice_text(&name, 3, 0, " Lovelace")
            })
            .unwrap();
        })
        .await
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let seen = found.with_document(|doc| display_name(doc));
        if seen.as_deref() == Some("Ada Lovelace") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edit did not reach the second samod repo; it still shows {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until_server_has(&created, &creator_dialer).await;

    // What Postgres holds is the merged, valid document.
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let stored = db.load(document.to_uuid()).await.unwrap().expect("stored");
    let mut doc = AutoCommit::new();
    for piece in &stored.pieces {
        doc.load_incremental(piece).unwrap();
    }
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    assert_eq!(display_name(&doc).as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        doc.get_heads(),
        created.with_document(|doc| doc.get_heads()),
        "Postgres holds every change the creator made"
    );

    finder.stop().await;
    creator.stop().await;
    eprintln!("samod interop scenario took {:?}", started.elapsed());
}
