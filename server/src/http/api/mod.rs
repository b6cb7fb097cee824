//! The JSON API under `/api/v1`, for devices (`docs/security.md`):
//!
//! - `POST /api/v1/devices` — a peer or supervisor signs in once from a
//!   device (`{username, password, deviceName, appVersion?}`) and receives
//!   a device token and the idle lock ([`devices`]); sign-ins are throttled
//!   per account and per address ([`crate::auth::throttle`]);
//! - `POST /api/v1/devices/rotate` — the device swaps its token for a new
//!   one (Bearer);
//! - `GET /api/v1/me` — who the device's token belongs to, and the idle
//!   lock (Bearer) ([`me`]);
//! - `GET /api/v1/changes?since=CURSOR` — which documents the device's user
//!   may read changed since its last sync (Bearer) ([`changes`]);
//! - `POST /api/v1/purges` — a device records that it deletes a document it
//!   lost access to, handing over changes the server never stored, which
//!   are quarantined (Bearer) ([`purges`]).
//!
//! Request bodies are JSON of at most [`MAX_BODY_BYTES`] ([`json`]); every
//! failure is an [`ApiError`]: a status and `{"error": code, "message":
//! text}`, never internal detail. Every response says `Cache-Control:
//! no-store` (they carry tokens and account data).

pub(crate) mod bearer;
mod changes;
mod devices;
mod error;
pub(crate) mod json;
mod me;
pub mod openapi;
mod purges;

pub use error::ApiError;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::Semaphore;

use crate::admin::Lifetime;
use crate::audit::Auditor;
use crate::auth::throttle::LoginLimits;
use crate::db::Db;
use crate::http::{Gate, SignInState};
use crate::sync::SyncService;

pub use crate::db::access::DEFAULT_QUARANTINE_QUOTA_BYTES;

/// Minutes without input after which a device's app locks, unless the
/// server is told otherwise (`--device-idle-lock-mins`).
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 15;

/// The bounds of `--device-idle-lock-mins`: a minute at least, an hour at
/// most (an unattended phone must not stay open longer).
pub const IDLE_LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=60;

/// Largest request body the API reads; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Password checks run at once at most; more wait. Each Argon2id check
/// takes 19 MiB and tens of milliseconds of a core, so a flood of sign-ins
/// queues here instead of exhausting memory.
const CONCURRENT_PASSWORD_CHECKS: usize = 4;

/// What the API needs beyond the shared state: sign-in limits, the lifetime
/// of tokens it hands out, and the gate on concurrent password checks.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// Sign-in throttling.
    pub limits: LoginLimits,
    /// Lifetime of device tokens issued or rotated here.
    pub token_lifetime: Lifetime,
    /// Proxies whose `X-Forwarded-For` names the client (for the
    /// throttle and the audit trail; see [`crate::http::client_addr`]).
    pub trusted_proxies: crate::http::client_addr::TrustedProxies,
    /// What a purge's unsynced changes may decode to (the sync's limits).
    pub decode: alongside_shared::sync::DecodeLimits,
    /// Most bytes of quarantined writes kept per device.
    pub quarantine_quota_bytes: u64,
    /// Minutes without input after which a device's app locks, told to
    /// devices at enrolment and by `GET /api/v1/me` (within
    /// [`IDLE_LOCK_MINUTES`]).
    pub idle_lock_minutes: u32,
    pub(crate) password_checks: Arc<Semaphore>,
}

impl ApiState {
    /// API state with these limits and token lifetime.
    pub fn new(limits: LoginLimits, token_lifetime: Lifetime) -> Self {
        Self {
            limits,
            token_lifetime,
            trusted_proxies: Default::default(),
            decode: Default::default(),
            quarantine_quota_bytes: DEFAULT_QUARANTINE_QUOTA_BYTES,
            idle_lock_minutes: DEFAULT_IDLE_LOCK_MINUTES,
            password_checks: Arc::new(Semaphore::new(CONCURRENT_PASSWORD_CHECKS)),
        }
    }
}

impl Default for ApiState {
    fn default() -> Self {
        Self::new(LoginLimits::default(), Lifetime::default())
    }
}

/// What the device API's handlers take of the server's state.
#[derive(Clone)]
pub struct DeviceApi {
    /// The database.
    pub db: Db,
    /// The audit trail.
    pub audit: Auditor,
    /// The API's limits and settings.
    pub api: ApiState,
    /// The sync shards (the change feed asks them who may read what).
    pub sync: SyncService,
    /// What checking a password takes.
    pub sign_in: SignInState,
}

impl axum::extract::FromRef<DeviceApi> for Gate {
    fn from_ref(state: &DeviceApi) -> Self {
        Gate {
            db: state.db.clone(),
            audit: state.audit.clone(),
        }
    }
}

/// The `/api/v1` routes, to be nested under that prefix.
pub(crate) fn router() -> Router<DeviceApi> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/devices", post(devices::enrol))
        .route("/devices/rotate", post(devices::rotate))
        .route("/me", get(me::me))
        .route("/changes", get(changes::changes))
        .route(
            "/purges",
            post(purges::report).layer(DefaultBodyLimit::max(purges::MAX_PURGE_BODY_BYTES)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(map_response(no_store))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
