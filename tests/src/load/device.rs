//! One simulated device's reconnect: a [`Hub`] in [`Role::Initiate`] holding
//! the documents the device wrote offline, driven over one WebSocket.
//!
//! The driver is the thin kind the sync core expects: frames in become
//! [`Event::Frame`], effects out are carried out in order — `Send` is written
//! to the socket, `Persist` goes to an in-memory store and is confirmed at
//! once with [`Event::Persisted`], `Load` is answered from that store with
//! [`Event::Loaded`], `Close` ends the session.
//!
//! The device counts a document as converged when the server has sent a
//! `sync` (or `request`) message for it whose Automerge sync message
//! announces exactly the device's heads: the server holds every change the
//! device holds. The hub keeps those heads ([`Hub::peer_heads`]); the
//! driver decodes each frame once, to see the server's `error` and which
//! document a message is about, and hands it to the hub decoded
//! ([`Event::Received`]). The session ends when every document has
//! converged, when the deadline passes, or when either side closes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use alongside_shared::sync::{
    AllowAll, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Role,
};
use alongside_shared::time::now_ms;
use alongside_shared::wire::{self, DocumentId, Message, PeerId, PeerMetadata, StorageId};
use automerge::{AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, MissedTickBehavior, sleep_until, timeout_at};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::workload::OfflineDoc;

/// The only connection a device has.
const CONN: ConnId = ConnId(1);

/// Most effects carried out for one input before the driver gives up: a
/// bound on the persist → confirm → send chain, far above what one frame
/// can cause.
const MAX_EFFECTS_PER_INPUT: usize = 1_000_000;

/// Where and how a device connects.
#[derive(Clone, Debug)]
pub struct Target {
    /// `ws://127.0.0.1:PORT/path`.
    pub url: String,
    /// Sent as `Authorization: Bearer <token>` when present.
    pub token: Option<String>,
    /// Announce the device as an ephemeral peer (no storage id).
    pub ephemeral: bool,
}

/// What one device saw.
#[derive(Clone, Debug, Default)]
pub struct DeviceResult {
    /// Documents the device holds.
    pub docs: usize,
    /// Documents the server confirmed.
    pub converged_docs: usize,
    /// From the start of the TCP connect to the server's `peer` message.
    pub handshake: Option<Duration>,
    /// From the start of the TCP connect to the last document confirmed;
    /// `None` unless every document converged.
    pub converged: Option<Duration>,
    /// When the session ended (converged or failed), from the storm's start.
    pub finished_at: Duration,
    /// WebSocket payload bytes the device sent.
    pub bytes_sent: u64,
    /// WebSocket payload bytes the device received.
    pub bytes_received: u64,
    /// Binary frames sent.
    pub frames_sent: u64,
    /// Binary frames received.
    pub frames_received: u64,
    /// Why the device did not converge.
    pub error: Option<String>,
}

/// A device that has written its documents offline: its hub, its store,
/// and the heads it waits for the server to confirm.
pub struct Device {
    hub: Hub<AllowAll>,
    /// Persisted chunks per document.
    store: HashMap<DocumentId, Vec<Vec<u8>>>,
    /// The device's current heads per document, sorted (kept from persists).
    heads: HashMap<DocumentId, Vec<ChangeHash>>,
    converged: HashSet<DocumentId>,
    /// Frames the hub asked to send, in order.
    outbox: Vec<Vec<u8>>,
    /// Set when the hub closes the connection, with the reason.
    closed: Option<String>,
    last_rejection: Option<String>,
    ready: bool,
    /// The hub's frame limit, which frames handed over decoded must keep.
    max_frame_bytes: usize,
}

impl Device {
    /// A device named `peer_id` holding `docs` (handed to its hub, which
    /// persists and opens each). Without a `storage_id` the device announces
    /// itself as an ephemeral peer. `limits` bound the device's hub (the
    /// load generator waits for the server's handshake as long as the run
    /// lasts, so that a slow server shows as slow, not as failed).
    pub fn offline(
        peer_id: String,
        storage_id: Option<String>,
        limits: Limits,
        docs: Vec<OfflineDoc>,
    ) -> Result<Self, String> {
        let mut device = Self::new(peer_id, storage_id, limits);
        device.add_offline(docs)?;
        Ok(device)
    }

    /// The documents the server has confirmed, with the heads it confirmed:
    /// the server announced exactly these heads, so it must hold them.
    pub fn acknowledged(&self) -> Vec<(DocumentId, Vec<ChangeHash>)> {
        self.converged
            .iter()
            .filter_map(|id| self.heads.get(id).map(|h| (*id, h.clone())))
            .collect()
    }

    /// Documents the device holds.
    pub fn document_count(&self) -> usize {
        self.heads.len()
    }

    fn new(peer_id: String, storage_id: Option<String>, limits: Limits) -> Self {
        let max_frame_bytes = limits.max_frame_bytes;
        let config = HubConfig {
            peer_id: PeerId::new(peer_id),
            metadata: PeerMetadata {
                is_ephemeral: storage_id.is_none(),
                storage_id: storage_id.map(StorageId::new),
            },
            role: Role::Initiate,
            limits,
        };
        Self {
            hub: Hub::new(config, AllowAll),
            store: HashMap::new(),
            heads: HashMap::new(),
            converged: HashSet::new(),
            outbox: Vec::new(),
            closed: None,
            last_rejection: None,
            ready: false,
            max_frame_bytes,
        }
    }

    /// Hands the offline documents to the hub (it persists and opens each).
    fn add_offline(&mut self, docs: Vec<OfflineDoc>) -> Result<(), String> {
        for OfflineDoc { id, doc, heads } in docs {
            self.heads.insert(id, heads);
            let effects = self.hub.create(id, doc).map_err(|e| e.to_string())?;
            self.carry_out(effects)?;
        }
        Ok(())
    }

    /// Feeds one event to the hub and carries out the effects.
    fn handle(&mut self, event: Event<()>) -> Result<(), String> {
        let effects = self.hub.handle(event);
        self.carry_out(effects)
    }

    /// Carries out effects in order; confirmations the driver gives (persist,
    /// load) are fed back at once and their effects carried out in turn.
    fn carry_out(&mut self, effects: Vec<Effect>) -> Result<(), String> {
        let mut work: VecDeque<Effect> = effects.into();
        let mut done = 0usize;
        while let Some(effect) = work.pop_front() {
            done += 1;
            if done > MAX_EFFECTS_PER_INPUT {
                return Err("hub produced too many effects for one input".into());
            }
            let follow = match effect {
                Effect::Send { frame, .. } => {
                    self.outbox.push(frame);
                    continue;
                }
                Effect::Close { .. } => {
                    let reason = self
                        .last_rejection
                        .clone()
                        .unwrap_or_else(|| "device hub closed the connection".into());
                    self.closed.get_or_insert(reason);
                    continue;
                }
                Effect::Persist {
                    document,
                    seq,
                    data,
                    mut heads,
                    ..
                } => {
                    self.store.entry(document).or_default().push(data);
                    heads.sort();
                    self.heads.insert(document, heads);
                    self.hub.handle(Event::Persisted { document, seq })
                }
                Effect::Load { document } => {
                    let result = self.load(&document);
                    self.hub.handle(Event::Loaded { document, result })
                }
                Effect::PeerReady { .. } => {
                    self.ready = true;
                    continue;
                }
                Effect::Unavailable { document, .. } => {
                    self.last_rejection = Some(format!("server: {document} unavailable"));
                    continue;
                }
                Effect::Rejected {
                    error, document, ..
                } => {
                    self.last_rejection = Some(match document {
                        Some(d) => format!("device refused server input on {d}: {error}"),
                        None => format!("device refused server input: {error}"),
                    });
                    continue;
                }
                Effect::Ephemeral { .. }
                | Effect::Evicted { .. }
                | Effect::Quarantine { .. }
                | Effect::Denied { .. }
                | Effect::UnavailableFromMemory { .. }
                | Effect::Disclosed { .. } => continue,
            };
            work.extend(follow);
        }
        Ok(())
    }

    fn load(&self, id: &DocumentId) -> LoadResult {
        let Some(chunks) = self.store.get(id) else {
            return LoadResult::NotFound;
        };
        let mut doc = AutoCommit::new();
        for chunk in chunks {
            if let Err(e) = doc.load_incremental(chunk) {
                return LoadResult::Failed(e.to_string());
            }
        }
        LoadResult::Found(Box::new(doc))
    }

    /// Hands a frame from the server to the hub, decoded here once: an
    /// `error` becomes the session's failure; a `sync`/`request` names the
    /// document whose heads the server announced, returned for
    /// [`Self::settle`]. A frame that does not decode goes to the hub as it
    /// came, for the hub to refuse.
    fn frame(&mut self, bytes: Vec<u8>) -> Result<Option<DocumentId>, String> {
        let message = match wire::decode(&bytes, self.max_frame_bytes) {
            Ok(message) => message,
            Err(_) => {
                self.handle(Event::Frame { conn: CONN, bytes })?;
                return Ok(None);
            }
        };
        let announced = match &message {
            Message::Sync(m) | Message::Request(m) => Some(m.document_id),
            Message::Error { message, .. } => {
                self.last_rejection = Some(format!("server error: {message}"));
                None
            }
            _ => None,
        };
        self.handle(Event::Received {
            conn: CONN,
            message,
        })?;
        Ok(announced)
    }

    /// After the hub took a frame: the document converged if the server
    /// announced the device's current heads.
    fn settle(&mut self, announced: Option<DocumentId>) {
        let Some(id) = announced else {
            return;
        };
        let Some(server) = self.hub.peer_heads(CONN, &id) else {
            return;
        };
        let mut server = server.to_vec();
        server.sort();
        if self.heads.get(&id) == Some(&server) {
            self.converged.insert(id);
        }
    }
}

/// Plays one prepared device: connects and syncs until every document
/// converged or `deadline` passes. `storm_start` is the common origin of
/// [`DeviceResult::finished_at`].
pub async fn run_device(
    device: &mut Device,
    target: &Target,
    storm_start: Instant,
    deadline: Instant,
) -> DeviceResult {
    let mut result = DeviceResult {
        docs: device.document_count(),
        ..DeviceResult::default()
    };
    let outcome = session(device, target, storm_start, deadline, &mut result).await;
    result.converged_docs = device.converged.len();
    if result.finished_at.is_zero() {
        result.finished_at = Instant::now().saturating_duration_since(storm_start);
    }
    if let Err(e) = outcome {
        result.error = Some(e);
        result.converged = None;
    }
    result
}

/// The connected part of a device's run. Sets `result.finished_at` when the
/// sync ends, before the polite close.
async fn session(
    device: &mut Device,
    target: &Target,
    storm_start: Instant,
    deadline: Instant,
    result: &mut DeviceResult,
) -> Result<(), String> {
    let mut request = target
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("bad url: {e}"))?;
    if let Some(token) = &target.token {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|e| format!("bad token: {e}"))?;
        request.headers_mut().insert("Authorization", value);
    }
    let started = Instant::now();
    let connect = tokio_tungstenite::connect_async_with_config(request, None, true);
    let (ws, _response) = timeout_at(deadline, connect)
        .await
        .map_err(|_| "timed out connecting".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sink, mut stream) = ws.split();

    device.handle(Event::Tick {
        now_ms: now_ms().unsigned_abs(),
    })?;
    device.handle(Event::Connected {
        conn: CONN,
        peer: (),
    })?;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let total = device.heads.len();

    let outcome = loop {
        // Write what the hub asked to send, then check for the end.
        let frames = std::mem::take(&mut device.outbox);
        if let Err(e) = write_frames(&mut sink, frames, result).await {
            break Err(e);
        }
        if result.handshake.is_none() && device.ready {
            result.handshake = Some(started.elapsed());
        }
        if let Some(reason) = device.closed.take() {
            break Err(reason);
        }
        if device.converged.len() == total {
            result.converged = Some(started.elapsed());
            break Ok(());
        }
        tokio::select! {
            () = sleep_until(deadline) => {
                break Err(format!(
                    "timed out with {} of {total} documents confirmed",
                    device.converged.len()
                ));
            }
            _ = ticks.tick() => device.handle(Event::Tick { now_ms: now_ms().unsigned_abs() })?,
            message = stream.next() => match message {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    result.bytes_received += bytes.len() as u64;
                    result.frames_received += 1;
                    let announced = device.frame(bytes.into())?;
                    device.settle(announced);
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    let why = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    let last = device.last_rejection.clone().unwrap_or_default();
                    break Err(format!("server closed the connection {why} {last}").trim().to_string());
                }
                // Pings are answered by tungstenite on the next flush.
                Some(Ok(_)) => {}
                Some(Err(e)) => break Err(format!("receive: {e}")),
                None => break Err("server dropped the connection".into()),
            },
        }
    };
    result.finished_at = Instant::now().saturating_duration_since(storm_start);
    device.handle(Event::Disconnected { conn: CONN })?;
    // A polite close, bounded; the result does not depend on it.
    let close = async {
        let _ = sink.send(WsMessage::Close(None)).await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
    outcome
}

/// Writes frames and flushes (which also sends any pong tungstenite owes).
async fn write_frames<S>(
    sink: &mut S,
    frames: Vec<Vec<u8>>,
    result: &mut DeviceResult,
) -> Result<(), String>
where
    S: futures_util::Sink<WsMessage, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    for frame in frames {
        result.bytes_sent += frame.len() as u64;
        result.frames_sent += 1;
        sink.feed(WsMessage::Binary(frame.into()))
            .await
            .map_err(|e| format!("send: {e}"))?;
    }
    sink.flush().await.map_err(|e| format!("send: {e}"))
}

/// Whether a WebSocket URL points at this machine (the load generator
/// refuses any other target).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(request) = url.into_client_request() else {
        return false;
    };
    let uri = request.uri();
    let scheme_ok = matches!(uri.scheme_str(), Some("ws" | "wss"));
    let host = uri.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    scheme_ok && loopback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_accepted() {
        assert!(is_loopback_url("ws://127.0.0.1:8080/sync"));
        assert!(is_loopback_url("ws://localhost:1/"));
        assert!(is_loopback_url("ws://[::1]:9/sync"));
        assert!(is_loopback_url("ws://127.3.2.1:9/sync"));
        assert!(!is_loopback_url("ws://10.0.0.1:8080/sync"));
        assert!(!is_loopback_url("ws://example.com/sync"));
        assert!(!is_loopback_url("http://127.0.0.1/sync"));
        assert!(!is_loopback_url("not a url"));
    }
}
