//! The `/sync` WebSocket: refuses a malformed app version (400), then
//! authenticates the device before the upgrade (401 or 503 and no upgrade
//! otherwise), records the app version it reports
//! ([`super::app_version`]), and takes one of the user's and the
//! device's connection slots (429 when they have none left), then runs one
//! reader loop feeding frames to the sync shards — waiting, and so not
//! reading the socket, while the connection's bytes in flight are at their
//! bound — and one writer loop sending what the shards return.

use std::net::SocketAddr;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};

use axum::http::{StatusCode, header};

use super::app_version::AppVersion;
use crate::audit::Auditor;
use crate::auth::device::{SYNC_SUBPROTOCOL, authenticate_request};
use crate::db::Db;
use crate::sync::{Connection, Outbound, SyncService};

/// What the `/sync` handler takes of the server's state.
#[derive(Clone)]
pub struct SyncEdge {
    /// The accounts (to authenticate the upgrade).
    pub db: Db,
    /// The audit trail (a refused token).
    pub audit: Auditor,
    /// The sync shards.
    pub sync: SyncService,
    /// Largest WebSocket message accepted at the transport; frames between
    /// the protocol limit and this get a protocol `error`, larger ones a
    /// close with status 1009.
    pub max_message_bytes: usize,
}

pub(crate) async fn upgrade(
    State(state): State<SyncEdge>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // Parsed before the database is asked anything.
    let app_version = match AppVersion::from_upgrade(&headers, &uri) {
        Ok(version) => version,
        Err(bad) => {
            tracing::info!(%addr, "sync upgrade refused: malformed app version");
            return (StatusCode::BAD_REQUEST, format!("{bad}\n")).into_response();
        }
    };
    let principal = match authenticate_request(&state.db, &headers, uri.query(), Some(addr)).await {
        Ok(principal) => principal,
        Err(refused) => {
            super::audit_refused_token(&state.audit, addr, &refused).await;
            return refused.into_response();
        }
    };
    if let (Some(version), Some(device)) = (&app_version, principal.device_id) {
        // Best effort: a version not recorded is no reason to refuse a sync.
        if let Err(error) = state.db.record_app_version(device, version.as_str()).await {
            tracing::warn!(%device, %error, "could not record the app version");
        }
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let connection = match state.sync.connect(principal, Some(addr)) {
        Ok(connection) => connection,
        Err(too_many) => {
            tracing::info!(%addr, %too_many, "sync upgrade refused");
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "30")],
                too_many.to_string(),
            )
                .into_response();
        }
    };
    // A browser that offered its token as a subprotocol is answered with
    // the plain one (never the token); others offer none and get none.
    ws.protocols([SYNC_SUBPROTOCOL])
        .max_message_size(state.max_message_bytes)
        .max_frame_size(state.max_message_bytes)
        .on_upgrade(move |socket| serve(socket, connection))
}

async fn serve(socket: WebSocket, mut connection: Connection) {
    let (mut sink, mut stream) = socket.split();
    let mut outbound = connection.take_outbound();
    let closing = connection.closing();
    let mut writer = tokio::spawn(async move {
        loop {
            let message = tokio::select! {
                message = outbound.recv() => message,
                // Too slow to read its frames: cut off, queue and all.
                () = closing.cut_off() => Some(Outbound::Close),
            };
            match message {
                Some(Outbound::Frame(frame)) => {
                    if sink.send(Message::Binary(frame.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close) => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
                None => break,
            }
        }
        let _ = sink.close().await;
    });
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Binary(bytes))) => connection.frame(bytes.to_vec()).await,
                // automerge-repo sends binary frames only; a text frame is
                // handed on as bytes and refused by the protocol.
                Some(Ok(Message::Text(text))) => connection.frame(text.as_bytes().to_vec()).await,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            _ = &mut writer => break,
        }
    }
    writer.abort();
    drop(connection);
}
