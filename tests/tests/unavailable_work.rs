//! A `doc-unavailable` costs the same storage work whether the document is
//! missing or forbidden, first time or repeated (issue 13): every answer
//! to a request waits for exactly one fresh read, a load of the id or a
//! probe of the same shape. Checked by accounting at `/metrics`
//! (`alongside_document_loads_total`, `alongside_unavailable_probes_total`),
//! not by timing; `tests/benches/unavailable_timing.rs` shows the times.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::syncer::push;
use automerge::AutoCommit;
use automerge::sync::{State, SyncDoc};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn new_id() -> DocumentId {
    DocumentId::from_uuid(Uuid::new_v4())
}

/// Loads and probes the node has run so far.
fn work(server: &TestServer) -> (i64, i64) {
    let get = |name| {
        server
            .metric(name)
            .unwrap_or_else(|| panic!("no {name} at /metrics"))
    };
    (
        get("alongside_document_loads_total"),
        get("alongside_unavailable_probes_total"),
    )
}

/// Requests `id` and waits for its `doc-unavailable`; returns the loads
/// and probes it cost.
async fn ask(server: &TestServer, client: &mut RawClient, id: DocumentId) -> (i64, i64) {
    let before = work(server);
    let first = AutoCommit::new()
        .sync()
        .generate_sync_message(&mut State::new())
        .unwrap();
    let request = client.doc_message(id, first.encode(), true);
    client.send(&request).await;
    match client.next(Duration::from_secs(10)).await {
        Reply::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => {}
        other => panic!("expected doc-unavailable for {id}, got {other:?}"),
    }
    let after = work(server);
    (after.0 - before.0, after.1 - before.1)
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_and_forbidden_documents_cost_one_read_every_time() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let bob = Account::peer(&database.url, "bob", "team-b").await;

    // Bob's records, which Alice may not read.
    let mut creator = RawClient::joined(&url, &bob.token, "bob-phone").await;
    let mut bobs = Vec::new();
    for i in 0..4 {
        let id = new_id();
        let (mut doc, _) = record(&format!("Participant {i}"), &bob, &["first visit"]);
        assert_eq!(push(&mut creator, id, &mut doc).await.name(), "synced");
        bobs.push(id);
    }
    drop(creator);

    let mut alice_phone = RawClient::joined(&url, &alice.token, "alice-phone").await;
    let missing = new_id();
    let forbidden = bobs[0];
    // (loads, probes) per request.
    assert_eq!(ask(&server, &mut alice_phone, missing).await, (1, 0));
    assert_eq!(ask(&server, &mut alice_phone, forbidden).await, (0, 1));
    for round in 0..3 {
        // The missing id stays in memory, empty, for Alice's waiting
        // session; it is not answered from there without a probe.
        assert_eq!(
            ask(&server, &mut alice_phone, missing).await,
            (0, 1),
            "repeated miss, round {round}"
        );
        assert_eq!(
            ask(&server, &mut alice_phone, forbidden).await,
            (0, 1),
            "repeated denial, round {round}"
        );
        assert_eq!(
            ask(&server, &mut alice_phone, new_id()).await,
            (1, 0),
            "first miss, round {round}"
        );
        assert_eq!(
            ask(&server, &mut alice_phone, bobs[round + 1]).await,
            (0, 1),
            "first denial, round {round}"
        );
    }

    // The same on a second connection, while the first still waits for
    // the missing id.
    let mut tablet = RawClient::joined(&url, &alice.token, "alice-tablet").await;
    assert_eq!(ask(&server, &mut tablet, missing).await, (0, 1));
    assert_eq!(ask(&server, &mut tablet, forbidden).await, (0, 1));
}
