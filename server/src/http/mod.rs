//! HTTP routes: `/sync` (automerge-repo WebSocket), `/healthz`, `/readyz`,
//! the JSON API under `/api/v1` ([`api`]) and the supervisor console at `/`
//! ([`crate::console`]); `/metrics` is served apart ([`metrics_endpoint`]).
//! Thin: the
//! WebSocket handler only moves frames between the socket and the sync
//! driver.

pub mod api;
pub mod client_addr;
mod hsts;
pub mod metrics_endpoint;
pub(crate) mod sign_in;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::audit::Auditor;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::sync::SyncService;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The sync driver.
    pub sync: SyncService,
    /// The database.
    pub db: Db,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Largest WebSocket message accepted at the transport; frames between
    /// the protocol limit and this get a protocol `error`, larger ones a
    /// close with status 1009.
    pub max_message_bytes: usize,
    /// Queues audit events ([`crate::audit`]).
    pub audit: Auditor,
    /// The JSON API's limits and settings.
    pub api: api::ApiState,
    /// The supervisor console's settings.
    pub console: crate::console::ConsoleSettings,
    /// The server serves TLS itself (not behind a TLS-terminating proxy):
    /// responses carry `Strict-Transport-Security`.
    pub tls: bool,
}

/// The router.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .route("/sync", get(ws::upgrade))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest(
            "/api/v1",
            crate::console::api::router().merge(api::router()),
        )
        .merge(crate::console::router(state.tls))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_addr::rewrite,
        ));
    let router = if state.tls {
        router.layer(axum::middleware::map_response(hsts::add))
    } else {
        router
    };
    router.with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
