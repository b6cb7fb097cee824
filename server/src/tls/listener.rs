//! Accepting TLS connections for `axum::serve`.
//!
//! [`TlsListener`] owns an accept task: it takes TCP connections and runs
//! each handshake in a task of its own, bounded by
//! [`TlsSettings::handshake_timeout`] and
//! [`TlsSettings::max_pending_handshakes`], so a slow or failing client
//! never holds up others and never stops the loop. Finished handshakes are
//! handed to axum through a channel. When axum drops the listener (graceful
//! shutdown), the accept task ends and the port is released.
//!
//! `axum` gives `ConnectInfo<SocketAddr>` for listeners wrapped in
//! `ListenerExt::tap_io`, which [`crate::app::run`] does.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::{debug, warn};

use super::TlsSettings;

/// What [`crate::app::run`] serves on: plain HTTP or TLS.
#[derive(Debug)]
pub enum ServeListener {
    /// Plain HTTP (loopback, or behind a TLS-terminating proxy).
    Plain(TcpListener),
    /// HTTPS and WSS.
    Tls(TlsListener),
}

impl From<TcpListener> for ServeListener {
    fn from(listener: TcpListener) -> Self {
        ServeListener::Plain(listener)
    }
}

impl From<TlsListener> for ServeListener {
    fn from(listener: TlsListener) -> Self {
        ServeListener::Tls(listener)
    }
}

/// A TLS listener for `axum::serve`.
#[derive(Debug)]
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` (on the current runtime).
    pub fn new(listener: TcpListener, settings: TlsSettings) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(listener, settings, tx));
        Ok(Self {
            accepted,
            local_addr,
            task,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            // The accept task only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_loop(
    listener: TcpListener,
    settings: TlsSettings,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let acceptor = TlsAcceptor::from(settings.config.clone());
    let pending = Arc::new(Semaphore::new(settings.max_pending_handshakes.max(1)));
    loop {
        let (tcp, addr) = tokio::select! {
            () = tx.closed() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
        };
        let Ok(permit) = pending.clone().try_acquire_owned() else {
            warn!(%addr, "too many TLS handshakes in progress; connection dropped");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        let timeout = settings.handshake_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send((stream, addr)).await;
                }
                Ok(Err(e)) => debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => debug!(%addr, "TLS handshake timed out"),
            }
        });
    }
}

/// Errors of one connection (reset before accept) are skipped; others
/// (out of file descriptors) are waited out, as axum does for TCP.
async fn accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    warn!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
