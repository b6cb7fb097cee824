//! The HTTP edge: the `/sync` WebSocket handler (it only moves frames
//! between the socket and the sync shards), the device API under `/api/v1`
//! ([`api`]) with its extractors and error mapping, the app version a
//! device reports ([`app_version`]), the client address behind a proxy
//! ([`client_addr`]), the field app's files ([`field`]),
//! sign-in, HSTS, health, and `/metrics`
//! served apart ([`metrics_endpoint`]). The router is built in
//! [`crate::app`], which holds the state; handlers take the part of it
//! they need ([`Gate`], [`SignInState`], or the state's fields).

pub mod api;
pub mod app_version;
pub mod client_addr;
pub mod field;
pub(crate) mod hsts;
pub mod metrics_endpoint;
pub(crate) mod sign_in;
pub(crate) mod ws;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::audit::Auditor;
use crate::db::Db;
use crate::metrics::Metrics;

/// What authenticating a request takes: the accounts, and the audit
/// trail for a refused token.
#[derive(Clone)]
pub struct Gate {
    /// The database.
    pub db: Db,
    /// The audit trail.
    pub audit: Auditor,
}

/// What checking a password takes (device enrolment and console sign-in).
#[derive(Clone)]
pub struct SignInState {
    /// The database.
    pub db: Db,
    /// The audit trail.
    pub audit: Auditor,
    /// Sign-in throttling.
    pub limits: crate::auth::throttle::LoginLimits,
    /// Counts password checks and throttled sign-ins.
    pub metrics: Arc<Metrics>,
    /// The gate on concurrent password checks (shared by every door).
    pub(crate) password_checks: Arc<tokio::sync::Semaphore>,
}

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

pub(crate) async fn readyz(State(db): State<Db>) -> impl IntoResponse {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Records a refused device token in the audit trail (not when the
/// database could not be asked: nothing was decided).
pub(crate) async fn audit_refused_token(
    audit: &Auditor,
    addr: std::net::SocketAddr,
    error: &crate::auth::device::AuthError,
) {
    use crate::auth::device::AuthError;
    let device = match error {
        AuthError::Unavailable(_) => return,
        AuthError::Expired(d)
        | AuthError::Revoked(d)
        | AuthError::UserDisabled(d)
        | AuthError::BadRole(d) => Some(*d),
        AuthError::Missing | AuthError::Malformed | AuthError::Unknown => None,
    };
    let revoked = matches!(error, AuthError::Revoked(_));
    crate::audit::edge::token_rejected(audit, addr, device, &error.to_string(), revoked).await;
}
