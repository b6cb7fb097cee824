//! The supervisor console (issue 6, `docs/architecture.md#users-and-their-flows`): the web pages a
//! supervisor reviews their teams' merged caseloads in, served at `/`.
//!
//! - [`session`]: sign-in sessions (a random id in an HttpOnly,
//!   SameSite=Strict cookie, stored only as a hash), the idle timeout, the
//!   [`session::Supervisor`] extractor and CSRF tokens;
//! - [`signin`]: `GET/POST /signin` and `POST /signout`;
//! - [`queue`]: the team-wide review queue;
//! - [`participant`]: one participant's merged record;
//! - [`record`]: what the participant page reads from the Automerge
//!   document: notes, changes since an approval, concurrent values;
//! - [`review`]: approving or requesting changes, and [`write`], which
//!   puts the review into the participant document on the supervisor's
//!   behalf through the server's one write path ([`crate::store`]);
//! - [`overview`] and [`accompaniments`]: the team overview and the
//!   accompaniment logs (with CSV export);
//! - [`api`]: the same data as JSON under `/api/v1` for supervisors'
//!   devices, described with the device API by
//!   [`crate::http::api::openapi`];
//! - [`page`]: the layout every page shares and the error pages;
//! - [`ConsoleState`]: the part of the server's state the console takes;
//!   its audit events are in [`crate::audit::console`];
//! - [`form`]: form bodies and their errors; [`assets`]: the stylesheet and
//!   the vendored htmx; [`time`]: dates and times as shown;
//! - [`origin`]: state-changing requests from another origin are refused.
//!
//! Pages are server-rendered with **maud**: templates are Rust expressions
//! checked by the compiler (a misspelt field is a build error, not a blank
//! on a clinical page), every interpolation is HTML-escaped unless marked
//! otherwise, and there are no template files to ship or find at run time.
//! htmx (vendored from npm, pinned: `scripts/vendor-htmx.sh`) adds small
//! progressive enhancement; every page works without JavaScript.
//!
//! Every page that shows participant data is an audit event
//! (`console_view`), and so is a refusal (`access_denied`).

pub mod accompaniments;
pub mod api;
pub mod assets;
pub mod form;
pub mod origin;
pub mod overview;
pub mod page;
pub mod participant;
pub mod queue;
pub mod record;
pub mod review;
pub mod session;
pub mod signin;
pub mod time;
pub mod write;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};

use crate::audit::Auditor;
use crate::db::Db;
use crate::http::{Gate, SignInState};

/// What the console's handlers take of the server's state.
#[derive(Clone)]
pub struct ConsoleState {
    /// The database.
    pub db: Db,
    /// The audit trail.
    pub audit: Auditor,
    /// The console's settings.
    pub settings: ConsoleSettings,
    /// What signing in takes.
    pub sign_in: SignInState,
}

/// The console's API authenticates supervisors' devices.
impl axum::extract::FromRef<ConsoleState> for Gate {
    fn from_ref(state: &ConsoleState) -> Self {
        Gate {
            db: state.db.clone(),
            audit: state.audit.clone(),
        }
    }
}

/// Largest form body the console reads.
pub const MAX_FORM_BYTES: usize = 32 * 1024;

/// The console's settings (`serve` flags).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleSettings {
    /// A session unused for this long ends (seconds).
    pub idle_secs: f64,
    /// A session ends this long after sign-in whatever happens (seconds).
    pub lifetime_secs: i64,
    /// Cookies carry `Secure` (the server serves TLS).
    pub secure_cookies: bool,
    /// A device silent for longer than this stands out (hours).
    pub stale_device_hours: i64,
}

impl Default for ConsoleSettings {
    /// 15 minutes idle, 12 hours at most, plain-HTTP cookies, 48 hours.
    fn default() -> Self {
        Self {
            idle_secs: 15.0 * 60.0,
            lifetime_secs: 12 * 60 * 60,
            secure_cookies: false,
            stale_device_hours: 48,
        }
    }
}

impl ConsoleSettings {
    /// Settings with an idle timeout of `minutes` (fractions allowed).
    pub fn with_idle_minutes(minutes: f64, secure_cookies: bool) -> Self {
        Self {
            idle_secs: minutes * 60.0,
            secure_cookies,
            ..Self::default()
        }
    }
}

/// The console's routes, merged at the root of the server's router; `tls`:
/// the server serves TLS itself.
pub fn router(tls: bool) -> Router<ConsoleState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/overview") }))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::sign_out))
        .route("/overview", get(overview::page))
        .route("/queue", get(queue::page))
        .route("/participants/{document}", get(participant::page))
        .route(
            "/participants/{document}/notes/{note}/review",
            post(review::submit),
        )
        .route("/accompaniments", get(accompaniments::page))
        .route("/accompaniments.csv", get(accompaniments::csv))
        .route("/assets/console.css", get(assets::stylesheet))
        .route("/assets/htmx.min.js", get(assets::htmx))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(from_fn_with_state(tls, origin::check))
        .layer(map_response(headers))
}

/// Pages carry participant data: never cached, never framed, no referrer
/// to other sites (their addresses name participants' records). Same-origin
/// requests keep theirs, so that browsers send the console's origin on its
/// own forms ([`origin`]).
async fn headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}
