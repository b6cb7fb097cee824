//! Bad input over a real WebSocket to a real server process: each kind gets
//! its `error` (and a close) or `doc-unavailable`, other connections are
//! unaffected, and nothing is written to Postgres.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use alongside_server::db::Db;
use alongside_shared::wire::{DocumentId, JoinMessage, Message, PeerId};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const WAIT: Duration = Duration::from_secs(10);

async fn expect_error_then_close(client: &mut RawClient, case: &str) {
    match client.next(WAIT).await {
        Reply::Message(Message::Error { message, .. }) => assert!(!message.is_empty(), "{case}"),
        other => panic!("{case}: expected an error message, got {other:?}"),
    }
    assert_eq!(
        client.next(WAIT).await,
        Reply::Closed,
        "{case}: connection closed"
    );
}

fn corrupt_sync_message() -> Vec<u8> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/participant").unwrap();
    let mut state = automerge::sync::State::new();
    let mut message = doc.sync().generate_sync_message(&mut state).unwrap();
    let mut change = doc.save_after(&[]);
    let last = change.len() - 1;
    change[last] ^= 0x5a;
    message.changes = automerge::sync::ChunkList::from(vec![change]);
    message.encode()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_and_nothing_is_written() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &["--max-frame-bytes", "65536"]);
    let url = server.sync_url();
    let alice = Account::peer(&database.url, "alice", "team-a").await;
    let token = alice.token.clone();
    let token = token.as_str();
    let mut bystander = RawClient::joined(&url, token, "bystander").await;

    // Undecodable CBOR after the handshake.
    let mut client = RawClient::joined(&url, token, "garbage").await;
    client.send_raw(vec![0xff, 0x00, 0x13]).await;
    expect_error_then_close(&mut client, "undecodable CBOR").await;

    // A protocol version the server does not speak.
    let mut client = RawClient::connect(&url, token, "future").await;
    client
        .send(&Message::Join(JoinMessage {
            sender_id: PeerId::new("future"),
            supported_protocol_versions: Some(vec!["99".into()]),
            metadata: None,
        }))
        .await;
    expect_error_then_close(&mut client, "wrong protocol version").await;

    // A frame over the limit.
    let mut client = RawClient::joined(&url, token, "big").await;
    client.send_raw(vec![0xa0; 70_000]).await;
    expect_error_then_close(&mut client, "oversized frame").await;

    // A sync message whose changes do not decode.
    let mut client = RawClient::joined(&url, token, "corrupt").await;
    let document = DocumentId::from_bytes([7; 16]);
    let message = client.doc_message(document, corrupt_sync_message(), false);
    client.send(&message).await;
    expect_error_then_close(&mut client, "corrupt changes").await;

    // A valid request for a document nobody has: doc-unavailable, and the
    // connection stays usable.
    let mut client = RawClient::joined(&url, token, "asker").await;
    let mut empty = AutoCommit::new();
    let data = empty
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .unwrap()
        .encode();
    for n in 0..2u8 {
        let unknown = DocumentId::from_bytes([100 + n; 16]);
        client
            .send(&client.doc_message(unknown, data.clone(), true))
            .await;
        match client.next(WAIT).await {
            Reply::Message(Message::DocUnavailable { document_id, .. }) => {
                assert_eq!(document_id, unknown)
            }
            other => panic!("unknown document: expected doc-unavailable, got {other:?}"),
        }
    }

    // The bystander was not disturbed.
    let unknown = DocumentId::from_bytes([42; 16]);
    bystander
        .send(&bystander.doc_message(unknown, data, true))
        .await;
    assert!(matches!(
        bystander.next(WAIT).await,
        Reply::Message(Message::DocUnavailable { .. })
    ));

    // Nothing reached the database: the only document is the caseload
    // index made with the account.
    let db = Db::connect_lazy(&database.url, 1).unwrap();
    let index = db.caseload_index_of(alice.user_id).await.unwrap().unwrap();
    assert_eq!(db.document_ids().await.unwrap(), vec![index]);
    let (status, metrics) = server.metrics().unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("alongside_frames_rejected_total 4"),
        "{metrics}"
    );
}
