//! The server's state, built once in [`super::run`], and the parts of it
//! that handlers take ([`FromRef`]): the console takes its
//! [`ConsoleState`], the device API its [`DeviceApi`], `/sync` its
//! [`SyncEdge`], authentication a [`Gate`], sign-in a [`SignInState`], the
//! client-address rewrite the [`TrustedProxies`], readiness the [`Db`].

use std::sync::Arc;

use axum::extract::FromRef;

use crate::audit::Auditor;
use crate::console::{ConsoleSettings, ConsoleState};
use crate::db::Db;
use crate::http::api::{ApiState, DeviceApi};
use crate::http::client_addr::TrustedProxies;
use crate::http::ws::SyncEdge;
use crate::http::{Gate, SignInState};
use crate::metrics::Metrics;
use crate::sync::SyncService;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The sync shards.
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
    pub api: ApiState,
    /// The supervisor console's settings.
    pub console: ConsoleSettings,
    /// The server serves TLS itself (not behind a TLS-terminating proxy):
    /// responses carry `Strict-Transport-Security`.
    pub tls: bool,
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Auditor {
    fn from_ref(state: &AppState) -> Self {
        state.audit.clone()
    }
}

impl FromRef<AppState> for Gate {
    fn from_ref(state: &AppState) -> Self {
        Gate {
            db: state.db.clone(),
            audit: state.audit.clone(),
        }
    }
}

impl FromRef<AppState> for SignInState {
    fn from_ref(state: &AppState) -> Self {
        SignInState {
            db: state.db.clone(),
            audit: state.audit.clone(),
            limits: state.api.limits,
            metrics: Arc::clone(&state.metrics),
            password_checks: Arc::clone(&state.api.password_checks),
        }
    }
}

impl FromRef<AppState> for ConsoleState {
    fn from_ref(state: &AppState) -> Self {
        ConsoleState {
            db: state.db.clone(),
            audit: state.audit.clone(),
            settings: state.console.clone(),
            sign_in: SignInState::from_ref(state),
        }
    }
}

impl FromRef<AppState> for DeviceApi {
    fn from_ref(state: &AppState) -> Self {
        DeviceApi {
            db: state.db.clone(),
            audit: state.audit.clone(),
            api: state.api.clone(),
            sync: state.sync.clone(),
            sign_in: SignInState::from_ref(state),
        }
    }
}

impl FromRef<AppState> for SyncEdge {
    fn from_ref(state: &AppState) -> Self {
        SyncEdge {
            db: state.db.clone(),
            audit: state.audit.clone(),
            sync: state.sync.clone(),
            max_message_bytes: state.max_message_bytes,
        }
    }
}

impl FromRef<AppState> for TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        state.api.trusted_proxies.clone()
    }
}
