//! The server's router, composed in one place: `/sync`, `/healthz`,
//! `/readyz`, the JSON API under `/api/v1` (the device API and the
//! console's data API, with its OpenAPI document), the field app at
//! `/field/` and the supervisor console at `/`, behind the client-address rewrite and, under TLS, HSTS.

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

use super::AppState;
use crate::console::ConsoleState;
use crate::http::api::DeviceApi;
use crate::http::{self, client_addr, hsts, ws};

/// The router over `state`.
pub fn router(state: AppState) -> Router {
    let console = ConsoleState::from_ref(&state);
    let router = Router::new()
        .route("/sync", get(ws::upgrade))
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        .nest(
            "/api/v1",
            crate::console::api::router()
                .with_state(console.clone())
                .merge(http::api::router().with_state(DeviceApi::from_ref(&state))),
        )
        .merge(http::field::router())
        .merge(crate::console::router(state.tls).with_state(console))
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
