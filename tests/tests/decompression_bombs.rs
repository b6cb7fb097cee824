//! Decompression bombs (issue 13): automerge bytes that weigh a megabyte
//! and decode to a gigabyte of zeros, or to a trillion operations, sent to
//! a real server over `/sync` and `/api/v1/purges`. Each is refused with an
//! `error` and a close (or a 413) before automerge decodes it: nothing is
//! applied, stored or quarantined, the server's peak memory stays where it
//! was, and a bystander's sync carries on.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::participant::Profile;
use alongside_shared::sync::hostile::{deflate_bomb, rle_bomb, sync_message_carrying};
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::load::rss::status_field;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use automerge::AutoCommit;
use automerge::sync::SyncDoc;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const WAIT: Duration = Duration::from_secs(20);
/// What the server's peak memory may grow by while refusing the bombs:
/// the frames themselves and their decoding, not what they inflate to.
const HEADROOM: u64 = 48 * 1024 * 1024;

/// Sends a new participant record from `client` and waits until the
/// server acknowledges its heads: the bystander's normal sync.
async fn sync_a_record(client: &mut RawClient, name: &str) -> Duration {
    let started = Instant::now();
    let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
    let mut doc = AutoCommit::new();
    create_participant(&mut doc, &Profile::new(name)).unwrap();
    let mut state = automerge::sync::State::new();
    let first = doc.sync().generate_sync_message(&mut state).unwrap();
    client
        .send(&client.doc_message(id, first.encode(), false))
        .await;
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "the bystander's sync stalled");
        match client.next(WAIT).await {
            Reply::Message(Message::Sync(m)) if m.document_id == id => {
                let message = automerge::sync::Message::decode(&m.data).unwrap();
                let heads = message.heads.clone();
                doc.sync()
                    .receive_sync_message(&mut state, message)
                    .unwrap();
                if heads == doc.get_heads() {
                    return started.elapsed();
                }
                if let Some(next) = doc.sync().generate_sync_message(&mut state) {
                    client
                        .send(&client.doc_message(id, next.encode(), false))
                        .await;
                }
            }
            Reply::Message(_) => {}
            other => panic!("the bystander's connection failed: {other:?}"),
        }
    }
}

async fn refused_with_error_and_close(client: &mut RawClient, case: &str) -> String {
    let message = match client.next(WAIT).await {
        Reply::Message(Message::Error { message, .. }) => message,
        other => panic!("{case}: expected an error, got {other:?}"),
    };
    assert_eq!(client.next(WAIT).await, Reply::Closed, "{case}: closed");
    message
}

#[tokio::test(flavor = "multi_thread")]
async fn bombs_over_sync_and_purges_are_refused_before_they_inflate() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let mallory = Account::peer(&database.url, "mallory", "north").await;
    let bob = Account::peer(&database.url, "bob", "south").await;
    let mut bystander = RawClient::joined(&url, &bob.token, "bob-phone").await;
    sync_a_record(&mut bystander, "Warm-up").await;
    let hwm_before = status_field(server.pid(), "VmHWM").unwrap();

    // A 1 GiB deflate bomb and a trillion-operation run-length bomb, each
    // the changes of a sync message for a new record.
    let gigabyte = deflate_bomb(1 << 30);
    let bombs = [
        ("deflate", gigabyte.clone()),
        ("run-length", rle_bomb(1 << 40)),
    ];
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let mut attacked = Vec::new();
    for (case, bomb) in bombs {
        assert!(bomb.len() < 2 * 1024 * 1024, "{case}: {} bytes", bomb.len());
        let mut attacker = RawClient::joined(&url, &mallory.token, "mallory-phone").await;
        let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
        attacked.push(id.to_uuid());
        attacker
            .send(&attacker.doc_message(id, sync_message_carrying(bomb), false))
            .await;
        let error = refused_with_error_and_close(&mut attacker, case).await;
        let hwm = status_field(server.pid(), "VmHWM").unwrap();
        assert!(
            hwm < hwm_before + HEADROOM,
            "{case}: peak memory grew from {} to {} MiB",
            hwm_before >> 20,
            hwm >> 20
        );
        assert!(error.contains("decodes to more than"), "{case}: {error}");
        // The bystander keeps syncing while and after the bomb lands.
        sync_a_record(&mut bystander, case).await;
        assert!(
            db.quarantined(id.to_uuid()).await.unwrap().is_empty(),
            "{case}"
        );
    }

    // The purge endpoint: a 1 GiB bomb as the unsynced changes of a record
    // mallory was told to purge.
    let given = uuid::Uuid::new_v4();
    alongside_server::access::caseload::ensure(&db, mallory.user_id)
        .await
        .unwrap();
    alongside_server::access::caseload::update(
        &db,
        mallory.user_id,
        &[alongside_server::access::caseload::IndexEdit::Purge {
            document: given,
            reason: "reassigned".into(),
        }],
    )
    .await
    .unwrap();
    let body = serde_json::json!({
        "document": DocumentId::from_uuid(given).to_string(),
        "unsynced": base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &gigabyte,
        ),
    });
    let reply = post_purge(
        server.addr,
        &mallory.token,
        &serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(db.quarantined(given).await.unwrap().is_empty());

    // Nothing of the bombs was stored.
    let documents = db.document_ids().await.unwrap();
    assert!(
        attacked.iter().all(|id| !documents.contains(id)),
        "{documents:?}"
    );
    let hwm_after = status_field(server.pid(), "VmHWM").unwrap();
    assert!(
        hwm_after < hwm_before + HEADROOM,
        "peak memory grew from {} to {} MiB",
        hwm_before >> 20,
        hwm_after >> 20
    );
    sync_a_record(&mut bystander, "After").await;
}

/// `POST /api/v1/purges` with `body`; the raw HTTP answer.
async fn post_purge(addr: std::net::SocketAddr, token: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/purges HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_is_bounded_in_operations_and_junk_past_it_is_refused() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &["--max-document-ops", "5000"]);
    let url = server.sync_url();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let db = Db::connect_lazy(&database.url, 2).unwrap();

    // A record of a few hundred operations is fine.
    let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
    let (mut doc, _) = alongside_tests::console::record("Rosa", &alice, &["Walked to the clinic."]);
    let mut phone = RawClient::joined(&url, &alice.token, "phone").await;
    assert_eq!(
        alongside_tests::syncer::push(&mut phone, id, &mut doc)
            .await
            .name(),
        "synced"
    );
    let before = alongside_tests::stored::heads(&db, id).await;

    // Unknown fields are allowed, but 20,000 characters of junk in one are
    // more operations than the document may hold.
    let junk = "x".repeat(20_000);
    let mut grown = doc.fork();
    let field = automerge::transaction::Transactable::put_object(
        &mut grown,
        automerge::ROOT,
        "junk",
        automerge::ObjType::Text,
    )
    .unwrap();
    automerge::transaction::Transactable::splice_text(&mut grown, &field, 0, 0, &junk).unwrap();
    grown.commit();
    let outcome = alongside_tests::syncer::push(&mut phone, id, &mut grown).await;
    assert_eq!(outcome.name(), "refused", "{outcome:?}");
    assert_eq!(alongside_tests::stored::heads(&db, id).await, before);
    let reasons = alongside_tests::stored::quarantined(&db, id).await;
    assert!(
        reasons.iter().any(|r| r.contains("operations")),
        "{reasons:?}"
    );
}
