//! The load generator end to end against an in-process server: the shared
//! sync core in [`Role::Accept`] behind tokio-tungstenite on 127.0.0.1, with
//! an in-memory store that confirms persists at once. Checks that devices
//! connect, sync and are counted as converged, without Node.

use std::collections::HashMap;
use std::time::Duration;

use alongside_shared::sync::{
    AllowAll, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Role,
};
use alongside_shared::wire::{DocumentId, PeerId, PeerMetadata, StorageId};
use automerge::AutoCommit;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{Config, Target, run};

enum Input {
    Open(ConnId, mpsc::UnboundedSender<Vec<u8>>),
    Frame(ConnId, Vec<u8>),
    Closed(ConnId),
}

/// The server's hub, fed by every connection through one channel.
async fn hub_task(mut inputs: mpsc::UnboundedReceiver<Input>, until: Instant) {
    let config = HubConfig {
        peer_id: PeerId::new("selftest-server"),
        metadata: PeerMetadata {
            storage_id: Some(StorageId::new("selftest-storage")),
            is_ephemeral: false,
        },
        role: Role::Accept,
        limits: Limits::default(),
    };
    let mut hub = Hub::new(config, AllowAll);
    let mut conns: HashMap<ConnId, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut store: HashMap<DocumentId, Vec<Vec<u8>>> = HashMap::new();
    while let Ok(Some(input)) = timeout_at(until, inputs.recv()).await {
        let mut work: Vec<Effect> = match input {
            Input::Open(conn, out) => {
                conns.insert(conn, out);
                hub.handle(Event::Connected { conn, peer: () })
            }
            Input::Frame(conn, bytes) => hub.handle(Event::Frame { conn, bytes }),
            Input::Closed(conn) => {
                conns.remove(&conn);
                hub.handle(Event::Disconnected { conn })
            }
        };
        work.reverse();
        while let Some(effect) = work.pop() {
            let more = match effect {
                Effect::Send { conn, frame } => {
                    if let Some(out) = conns.get(&conn) {
                        let _ = out.send(frame);
                    }
                    continue;
                }
                Effect::Close { conn } => {
                    conns.remove(&conn);
                    continue;
                }
                Effect::Persist {
                    document,
                    seq,
                    data,
                    ..
                } => {
                    store.entry(document).or_default().push(data);
                    hub.handle(Event::Persisted { document, seq })
                }
                Effect::Load { document } => {
                    let result = match store.get(&document) {
                        Some(chunks) => {
                            let mut doc = AutoCommit::new();
                            for chunk in chunks {
                                let _ = doc.load_incremental(chunk);
                            }
                            LoadResult::Found(Box::new(doc))
                        }
                        None => LoadResult::NotFound,
                    };
                    hub.handle(Event::Loaded { document, result })
                }
                _ => continue,
            };
            work.extend(more.into_iter().rev());
        }
    }
}

/// Accepts up to `max` connections until `until`, one task each.
async fn serve(listener: TcpListener, max: usize, until: Instant) {
    let (inputs, rx) = mpsc::unbounded_channel();
    tokio::spawn(hub_task(rx, until));
    for n in 0..max {
        let Ok(Ok((stream, _))) = timeout_at(until, listener.accept()).await else {
            return;
        };
        let inputs = inputs.clone();
        tokio::spawn(async move {
            let conn = ConnId(n as u64 + 1);
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (mut sink, mut stream) = ws.split();
            let (out, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
            let _ = inputs.send(Input::Open(conn, out));
            loop {
                tokio::select! {
                    frame = outgoing.recv() => match frame {
                        Some(frame) => {
                            if sink.send(WsMessage::Binary(frame.into())).await.is_err() {
                                break;
                            }
                        }
                        None => break,
                    },
                    message = stream.next() => match message {
                        Some(Ok(WsMessage::Binary(bytes))) => {
                            let _ = inputs.send(Input::Frame(conn, bytes.into()));
                        }
                        Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => {}
                    },
                    () = tokio::time::sleep_until(until) => break,
                }
            }
            let _ = inputs.send(Input::Closed(conn));
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_converge_against_the_sync_core_as_server() {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let until = Instant::now() + Duration::from_secs(60);
    tokio::spawn(serve(listener, 16, until));

    let config = Config {
        target: Target {
            url: format!("ws://127.0.0.1:{port}/sync"),
            token: Some("harmless".into()),
            ephemeral: false,
        },
        credentials: Vec::new(),
        devices: 4,
        docs: 3,
        edits: 2,
        concurrency: Some(2),
        timeout: Duration::from_secs(30),
        pids: vec![std::process::id()],
    };
    let report = run(&config).await.expect("run starts");
    assert!(report.all_converged(), "{report}");
    assert_eq!((report.docs_total, report.docs_synced), (12, 12));
    assert_eq!(report.converge.count, 4);
    assert_eq!(report.concurrency, 2);
    assert!(
        report.bytes_sent > report.bytes_received,
        "devices upload their notes"
    );
    // join + per document at least one sync each way.
    assert!(report.frames_sent >= 4 * (1 + 3));
    let memory = report.server_memory.expect("pid given");
    assert!(memory.hwm_after > 0 && memory.rss_peak_sampled > 0);
}

#[tokio::test]
async fn a_server_that_is_not_there_fails_every_device_quickly() {
    // Bind and drop to find a port with (most likely) no listener.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("address").port()
    };
    let config = Config {
        target: Target {
            url: format!("ws://127.0.0.1:{port}/sync"),
            token: None,
            ephemeral: true,
        },
        credentials: Vec::new(),
        devices: 2,
        docs: 1,
        edits: 0,
        concurrency: None,
        timeout: Duration::from_secs(5),
        pids: Vec::new(),
    };
    let report = run(&config).await.expect("run starts");
    assert_eq!(report.devices_failed, 2);
    assert_eq!(report.docs_synced, 0);
    assert!(
        report.errors.keys().all(|e| e.starts_with("connect")),
        "{:?}",
        report.errors
    );
}

#[test]
fn refuses_targets_off_this_machine() {
    let config = Config {
        target: Target {
            url: "ws://192.0.2.1:80/sync".into(),
            token: None,
            ephemeral: false,
        },
        credentials: Vec::new(),
        devices: 1,
        docs: 1,
        edits: 1,
        concurrency: None,
        timeout: Duration::from_secs(1),
        pids: Vec::new(),
    };
    assert!(matches!(
        super::check(&config),
        Err(super::LoadError::NotLoopback(_))
    ));
}
