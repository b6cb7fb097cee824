//! A raw protocol client for tests: connects to `/sync`, sends hand-made
//! frames, reads what the server answers. Used to prove how the server
//! treats bad input; real clients (automerge-repo, samod, our devices) are
//! used for everything else.

use std::time::Duration;

use alongside_shared::wire::{self, DocMessage, DocumentId, JoinMessage, Message, PeerId};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// An open WebSocket to the server.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a WebSocket upgrade did not happen.
#[derive(Debug)]
pub enum Refused {
    /// The server answered with this HTTP status instead of 101, and this
    /// `WWW-Authenticate` header and body.
    Status {
        /// The status code.
        status: u16,
        /// The `WWW-Authenticate` header, if any.
        www_authenticate: Option<String>,
        /// The response body.
        body: String,
    },
    /// Something else failed (connect, protocol).
    Other(String),
}

/// Opens a WebSocket to `url`, sending `authorization` (a whole
/// `Authorization` header value, such as `Bearer als_…`) when given.
pub async fn open(url: &str, authorization: Option<&str>) -> Result<Socket, Refused> {
    let mut request = url
        .into_client_request()
        .map_err(|e| Refused::Other(e.to_string()))?;
    if let Some(value) = authorization {
        let value = HeaderValue::from_str(value).map_err(|e| Refused::Other(e.to_string()))?;
        request.headers_mut().insert("Authorization", value);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(Refused::Status {
            status: response.status().as_u16(),
            www_authenticate: response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        }),
        Err(e) => Err(Refused::Other(e.to_string())),
    }
}

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
pub struct RawClient<S = MaybeTlsStream<TcpStream>> {
    ws: WebSocketStream<S>,
    /// This client's peer id.
    pub peer: PeerId,
    /// The server's peer id, after [`RawClient::handshake`].
    pub server: Option<PeerId>,
}

impl RawClient {
    /// Connects with device token `token` (as `Authorization: Bearer`)
    /// without handshaking.
    pub async fn connect(url: &str, token: &str, peer: &str) -> Self {
        let ws = open(url, Some(&format!("Bearer {token}")))
            .await
            .unwrap_or_else(|e| panic!("connect to /sync: {e:?}"));
        Self::over(ws, peer)
    }

    /// Connects to `url` as is (a token, if any, in its query) without
    /// handshaking.
    pub async fn connect_url(url: &str, peer: &str) -> Self {
        let (ws, _) = connect_async(url).await.expect("connect to /sync");
        Self::over(ws, peer)
    }

    /// Connects with device token `token` and completes the handshake.
    pub async fn joined(url: &str, token: &str, peer: &str) -> Self {
        let mut client = Self::connect(url, token, peer).await;
        client.handshake().await;
        client
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawClient<S> {
    /// A client on an open socket, before the handshake.
    pub fn over(ws: WebSocketStream<S>, peer: &str) -> Self {
        Self {
            ws,
            peer: PeerId::new(peer),
            server: None,
        }
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
