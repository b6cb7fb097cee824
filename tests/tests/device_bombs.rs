//! Decompression bombs the other way (issue 13): a server that answers a
//! device's request with a sync message whose changes inflate to a
//! gigabyte, or describe a trillion operations. The device's sync client
//! refuses it before automerge decodes it — an `error` to the server, a
//! failed sync naming the limit — keeps nothing of it, and its memory stays
//! where it was. (Its own test binary, so that the process's peak memory is
//! this test's alone.)

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alongside_mobile_bridge::storage::DeviceStore;
use alongside_mobile_bridge::sync::{MemoryStore, SyncClient, SyncConfig};
use alongside_shared::sync::hostile::{deflate_bomb, rle_bomb, sync_message_carrying};
use alongside_shared::wire::{self, DocMessage, DocumentId, Message, PeerId, PeerMessage};
use alongside_tests::load::rss::status_field;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as Frame;

const HEADROOM: u64 = 48 * 1024 * 1024;

/// A one-connection server: completes the handshake, answers the first
/// document message with `data`, and returns what the device sent next.
async fn hostile_server(listener: TcpListener, data: Vec<u8>) -> Option<Message> {
    let (tcp, _) = listener.accept().await.ok()?;
    let mut ws = tokio_tungstenite::accept_async(tcp).await.ok()?;
    let us = PeerId::new("hostile-server");
    let mut device = None;
    while let Some(Ok(frame)) = ws.next().await {
        let Frame::Binary(bytes) = frame else {
            continue;
        };
        match wire::decode(&bytes, usize::MAX).ok()? {
            Message::Join(join) => {
                device = Some(join.sender_id.clone());
                let peer = Message::Peer(PeerMessage {
                    sender_id: us.clone(),
                    target_id: join.sender_id,
                    selected_protocol_version: "1".into(),
                    metadata: None,
                });
                ws.send(Frame::binary(wire::encode(&peer))).await.ok()?;
            }
            Message::Request(m) | Message::Sync(m) => {
                let answer = Message::Sync(DocMessage {
                    sender_id: us.clone(),
                    target_id: device.clone()?,
                    document_id: m.document_id,
                    data: data.clone(),
                });
                ws.send(Frame::binary(wire::encode(&answer))).await.ok()?;
                // What the device says back.
                while let Some(Ok(frame)) = ws.next().await {
                    if let Frame::Binary(bytes) = frame
                        && let Ok(reply) = wire::decode(&bytes, usize::MAX)
                        && !matches!(reply, Message::Request(_) | Message::Sync(_))
                    {
                        return Some(reply);
                    }
                }
                return None;
            }
            _ => {}
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_refuses_bombs_from_a_server() {
    let hwm_before = status_field(std::process::id(), "VmHWM").unwrap();
    let bombs = [
        ("deflate", deflate_bomb(1 << 30)),
        ("run-length", rle_bomb(1 << 40)),
    ];
    for (case, bomb) in bombs {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(hostile_server(listener, sync_message_carrying(bomb)));

        let index = DocumentId::from_uuid(uuid::Uuid::new_v4());
        let mut config = SyncConfig::new(format!("ws://{addr}/sync"), "als_token", "phone");
        config.caseload_index = Some(index);
        config.use_change_feed = false;
        config.timeout = Duration::from_secs(30);
        let store = Arc::new(Mutex::new(MemoryStore::new()));
        let phone = SyncClient::new(config, Arc::clone(&store));
        let outcome = phone.sync_now().await;
        let told = tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .unwrap()
            .unwrap();

        let said = format!("{outcome:?}");
        assert!(said.contains("decodes to more than"), "{case}: {said}");
        match told {
            Some(Message::Error { message, .. }) => {
                assert!(
                    message.contains("decodes to more than"),
                    "{case}: {message}"
                );
            }
            other => panic!("{case}: the device should answer with an error: {other:?}"),
        }
        assert!(
            store.lock().unwrap().load(&index).unwrap().is_none(),
            "{case}: nothing of it is kept"
        );
        let hwm = status_field(std::process::id(), "VmHWM").unwrap();
        assert!(
            hwm < hwm_before + HEADROOM,
            "{case}: peak memory grew from {} to {} MiB",
            hwm_before >> 20,
            hwm >> 20
        );
    }
}
