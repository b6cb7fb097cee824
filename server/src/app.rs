//! A testable launch of the server: given a database and a bound listener,
//! serve until the shutdown future resolves, then close sockets and finish
//! in-flight commits.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::info;

use crate::db::{Db, DbError};
use crate::http::api::ApiState;
use crate::http::{AppState, router};
use crate::metrics::Metrics;
use crate::sync::{SyncService, SyncSettings};

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

/// Serves `/sync`, `/healthz`, `/readyz` and `/metrics` on `listener` until
/// `shutdown` resolves. Migrates the database first.
pub async fn run(
    db: Db,
    listener: TcpListener,
    settings: SyncSettings,
    api: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    db.migrate().await?;
    let metrics = Arc::new(Metrics::default());
    let max_message_bytes = settings.limits.max_frame_bytes.saturating_add(1024 * 1024);
    let sync = SyncService::start(db.clone(), settings, metrics.clone());
    let state = AppState {
        api,
        sync: sync.clone(),
        db: db.clone(),
        metrics,
        max_message_bytes,
    };
    info!(addr = %listener.local_addr()?, "serving");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    sync.shutdown().await;
    db.close().await;
    info!("stopped");
    Ok(())
}
