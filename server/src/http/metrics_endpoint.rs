//! `/metrics` (Prometheus text format) on a listener of its own, chosen
//! with `--metrics-bind`, never on the main one: the counters say how busy
//! the service is and how its sign-ins fail, which is for the operators'
//! scraper, not for whoever can reach the console. The endpoint has no
//! authentication; keep its address on loopback or a private network. It
//! serves plain HTTP even when the main listener serves TLS.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;

/// Serves `/metrics` from `metrics` on `listener` until the task is
/// aborted (it holds no state worth draining on shutdown).
pub fn serve(listener: TcpListener, metrics: Arc<Metrics>) -> JoinHandle<()> {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(metrics);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    })
}

async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        metrics.render(),
    )
}
