//! A raw protocol client for tests: connects to `/sync`, sends hand-made
//! frames, reads what the server answers. Used to prove how the server
//! treats bad input; real clients (automerge-repo, samod, our devices) are
//! used for everything else.

use std::time::Duration;

use alongside_shared::wire::{self, DocMessage, DocumentId, JoinMessage, Message, PeerId};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// What the server did next.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// A protocol message.
    Message(Message),
    /// A frame that did not decode.
    Garbage(Vec<u8>),
    /// The socket closed.
    Closed,
    /// Nothing within the wait.
    Silence,
}

/// A connection speaking raw frames.
pub struct RawClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// This client's peer id.
    pub peer: PeerId,
    /// The server's peer id, after [`RawClient::handshake`].
    pub server: Option<PeerId>,
}

impl RawClient {
    /// Connects without handshaking.
    pub async fn connect(url: &str, peer: &str) -> Self {
        let (ws, _) = connect_async(url).await.expect("connect to /sync");
        Self {
            ws,
            peer: PeerId::new(peer),
            server: None,
        }
    }

    /// Connects and completes the handshake.
    pub async fn joined(url: &str, peer: &str) -> Self {
        let mut client = Self::connect(url, peer).await;
        client.handshake().await;
        client
    }

    /// Sends `join` and expects `peer`.
    pub async fn handshake(&mut self) {
        let join = Message::Join(JoinMessage {
            sender_id: self.peer.clone(),
            supported_protocol_versions: Some(vec!["1".into()]),
            metadata: None,
        });
        self.send(&join).await;
        match self.next(Duration::from_secs(10)).await {
            Reply::Message(Message::Peer(p)) => self.server = Some(p.sender_id),
            other => panic!("expected peer, got {other:?}"),
        }
    }

    /// Sends a message.
    pub async fn send(&mut self, message: &Message) {
        self.send_raw(wire::encode(message)).await;
    }

    /// Sends raw bytes as one binary frame. Errors are ignored (the server
    /// may already have closed).
    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        let _ = self.ws.send(WsMessage::Binary(bytes.into())).await;
    }

    /// A `sync` or `request` for `document` carrying `data`.
    pub fn doc_message(&self, document: DocumentId, data: Vec<u8>, request: bool) -> Message {
        let m = DocMessage {
            sender_id: self.peer.clone(),
            target_id: self.server.clone().unwrap_or_else(|| PeerId::new("server")),
            document_id: document,
            data,
        };
        if request {
            Message::Request(m)
        } else {
            Message::Sync(m)
        }
    }

    /// The next thing the server does, waiting at most `wait`.
    pub async fn next(&mut self, wait: Duration) -> Reply {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Err(_) => return Reply::Silence,
                Ok(None | Some(Err(_))) => return Reply::Closed,
                Ok(Some(Ok(WsMessage::Binary(bytes)))) => {
                    return match wire::decode(&bytes, usize::MAX) {
                        Ok(m) => Reply::Message(m),
                        Err(_) => Reply::Garbage(bytes.to_vec()),
                    };
                }
                Ok(Some(Ok(WsMessage::Close(_)))) => return Reply::Closed,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}
