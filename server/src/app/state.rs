//! The server's state, built once in [`super::run`], and the parts of it
//! that handlers take ([`FromRef`]): the console takes its
//! [`ConsoleState`], authentication a [`Gate`], sign-in a
//! [`SignInState`], others a field ([`Db`], [`Auditor`]).

use std::sync::Arc;

use axum::extract::FromRef;

use crate::audit::Auditor;
use crate::console::{ConsoleSettings, ConsoleState};
use crate::db::Db;
use crate::http::api::ApiState;
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
