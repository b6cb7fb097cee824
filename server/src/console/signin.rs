//! `GET /signin`, `POST /signin` and `POST /signout` (which also tells the
//! browser to clear the origin's cache and storage).
//!
//! The password check is the device enrolment's
//! ([`crate::http::sign_in::check_password`]: throttled per account and
//! address, Argon2id, audited). Only a supervisor gets a session; a peer's
//! or an administrator's correct password gets the same 401 page as a wrong
//! one (and counts as a failure), so the console does not confirm it. The
//! sign-in form is protected against login CSRF by a double-submit cookie
//! ([`session::signin_cookie_name`]).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::ConsoleState;
use super::form::{ConsoleForm, non_blank};
use super::page::{ConsoleError, Section, layout, respond};
use super::session::{self, Supervisor};
use crate::auth::{password, token};
use crate::http::sign_in::{CONSOLE, SignInRefused, check_password};

/// Longest username accepted.
const MAX_USERNAME_CHARS: usize = 64;

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    username: Option<String>,
    password: Option<String>,
    csrf: Option<String>,
}

/// The sign-out form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SignOutForm {
    csrf: Option<String>,
}

fn form_markup(csrf: &str, username: &str, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
        form.card method="post" action="/signin" hx-boost="false" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label for="username" { "Username" }
                input #username name="username" type="text" autocomplete="username"
                    required value=(username) autofocus;
            }
            p {
                label for="password" { "Password" }
                input #password name="password" type="password"
                    autocomplete="current-password" required;
            }
            button type="submit" { "Sign in" }
        }
        p { "The console is for supervisors. Peer workers use the Alongside app." }
    };
    layout("Sign in", None, Section::SignIn, body)
}

/// A page with the sign-in form and a fresh double-submit cookie.
fn form_response(
    state: &ConsoleState,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let secret = token::generate().secret;
    let cookie = session::set_cookie(
        &state.settings,
        session::signin_cookie_name(&state.settings),
        &secret,
        None,
    );
    let mut response = (status, respond(form_markup(&secret, username, error))).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /signin`.
pub async fn form(State(state): State<ConsoleState>) -> Response {
    form_response(&state, StatusCode::OK, "", None)
}

/// `POST /signin`.
pub async fn submit(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ConsoleForm(form): ConsoleForm<SignInForm>,
) -> Result<Response, ConsoleError> {
    let expected = session::cookie(&headers, session::signin_cookie_name(&state.settings));
    match (expected, form.csrf.as_deref()) {
        (Some(e), Some(p))
            if token::well_formed(e) && session::constant_time_eq(e.as_bytes(), p.as_bytes()) => {}
        _ => return Err(ConsoleError::Csrf),
    }
    let username = non_blank(form.username.as_deref())
        .unwrap_or_default()
        .to_owned();
    let pass = form.password.unwrap_or_default();
    if username.is_empty() || pass.is_empty() {
        return Ok(form_response(
            &state,
            StatusCode::BAD_REQUEST,
            &username,
            Some("Enter your username and password."),
        ));
    }
    if username.chars().count() > MAX_USERNAME_CHARS || pass.len() > password::MAX_PASSWORD_BYTES {
        return Ok(form_response(
            &state,
            StatusCode::BAD_REQUEST,
            "",
            Some("That username or password is too long."),
        ));
    }
    let login = match check_password(&state.sign_in, addr, &username, pass, CONSOLE).await {
        Ok(login) => login,
        Err(SignInRefused::Locked(secs)) => {
            let minutes = secs.div_ceil(60);
            let mut response = form_response(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &username,
                Some(&format!(
                    "Too many failed sign-ins. Try again in {minutes} minute(s), or ask an administrator to unlock the account."
                )),
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
        Err(SignInRefused::Invalid) => {
            return Ok(form_response(
                &state,
                StatusCode::UNAUTHORIZED,
                &username,
                Some("Wrong username or password."),
            ));
        }
        Err(SignInRefused::Db(e)) => return Err(e.into()),
        Err(SignInRefused::Internal(e)) => return Err(ConsoleError::Internal(e)),
    };
    let session = token::generate();
    state
        .db
        .create_console_session(
            &session.hash,
            login.id,
            state.settings.lifetime_secs,
            Some(&addr.ip().to_string()),
        )
        .await?;
    tracing::info!(%username, %addr, "console session started");
    let mut response = Redirect::to("/overview").into_response();
    let name = session::cookie_name(&state.settings);
    let cookies = [
        session::set_cookie(&state.settings, name, &session.secret, None),
        session::set_cookie(
            &state.settings,
            session::signin_cookie_name(&state.settings),
            "",
            Some(0),
        ),
    ];
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// What sign-out asks the browser to forget of this origin: its HTTP cache
/// and all its storage (localStorage, sessionStorage, IndexedDB, the Cache
/// Storage, service workers), so that nothing of a participant's record
/// outlives the session in the browser.
pub const CLEAR_SITE_DATA: &str = "\"cache\", \"storage\"";

/// `POST /signout`: ends the session and tells the browser to clear this
/// origin's data. A session that has already ended (idle, signed out in
/// another tab) is not asked for its CSRF token, which died with it; the
/// browser is still told to clear.
pub async fn sign_out(
    State(state): State<ConsoleState>,
    who: Result<Supervisor, ConsoleError>,
    ConsoleForm(form): ConsoleForm<SignOutForm>,
) -> Result<Response, ConsoleError> {
    match who {
        Ok(who) => {
            who.check_csrf(form.csrf.as_deref())?;
            state.db.end_console_session(who.id_hash()).await?;
            tracing::info!(username = %who.username, "console session ended");
        }
        Err(ConsoleError::SignedOut) => {}
        Err(other) => return Err(other),
    }
    let mut response = Redirect::to("/signin").into_response();
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static(CLEAR_SITE_DATA),
    );
    let name = session::cookie_name(&state.settings);
    if let Ok(value) =
        HeaderValue::from_str(&session::set_cookie(&state.settings, name, "", Some(0)))
    {
        headers.append(header::SET_COOKIE, value);
    }
    Ok(response)
}
