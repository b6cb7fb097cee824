//! The composition root: the server's state ([`AppState`], and the parts
//! of it handlers take) and its router ([`router`]) are built here, and
//! [`run`] is a testable launch of the server: given a database and a
//! bound listener, serve until the shutdown future resolves, then close
//! sockets and finish in-flight commits.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use tracing::info;

use crate::access::cover_expiry;
use crate::audit::{Auditor, AuditorSettings};
use crate::console::ConsoleSettings;
use crate::db::{Db, DbError};
use crate::http::api::ApiState;
use crate::http::metrics_endpoint;
use crate::metrics::Metrics;
use crate::sync::{SyncService, SyncSettings};
use crate::tls::ServeListener;

mod routes;
mod state;

pub use routes::router;
pub use state::AppState;

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be prepared.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The listener failed.
    #[error("listener failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves `/sync`, `/healthz`, `/readyz`, the API and the console on
/// `listener` until `shutdown` resolves, and `/metrics` on
/// `metrics_listener` when there is one. Migrates the database first.
/// `listener` is a `TcpListener` (plain HTTP) or a
/// [`crate::tls::TlsListener`] (HTTPS/WSS).
/// On shutdown, audit records still queued are written before it returns.
pub async fn run(
    db: Db,
    listener: impl Into<ServeListener>,
    settings: SyncSettings,
    api: ApiState,
    console: ConsoleSettings,
    metrics_listener: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    db.migrate().await?;
    let metrics = Arc::new(Metrics::default());
    let max_message_bytes = settings.limits.max_frame_bytes.saturating_add(1024 * 1024);
    let (audit, audit_writer) = Auditor::start(db.clone(), AuditorSettings::default());
    let (stop_covers, stopping) = tokio::sync::watch::channel(false);
    let covers = tokio::spawn(cover_expiry::run(
        db.clone(),
        settings.cover_check,
        stopping,
    ));
    let sync = SyncService::start(db.clone(), settings, metrics.clone(), audit.clone())?;
    let metrics_task = match metrics_listener {
        Some(l) => {
            info!(addr = %l.local_addr()?, "serving /metrics");
            Some(metrics_endpoint::serve(l, metrics.clone()))
        }
        None => None,
    };
    let listener = listener.into();
    let state = AppState {
        tls: matches!(listener, ServeListener::Tls(_)),
        api,
        console,
        sync: sync.clone(),
        db: db.clone(),
        metrics,
        max_message_bytes,
        audit,
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    match listener {
        ServeListener::Plain(listener) => {
            info!(addr = %listener.local_addr()?, "serving HTTP");
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await?;
        }
        ServeListener::Tls(listener) => {
            info!(addr = %axum::serve::Listener::local_addr(&listener)?, "serving HTTPS");
            axum::serve(listener.tap_io(|_| {}), app)
                .with_graceful_shutdown(shutdown)
                .await?;
        }
    }
    if let Some(task) = metrics_task {
        task.abort();
    }
    let _ = stop_covers.send(true);
    let _ = covers.await;
    sync.shutdown().await;
    audit_writer.finish().await;
    db.close().await;
    info!("stopped");
    Ok(())
}
