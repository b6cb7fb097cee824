//! The layout every console page shares (skip link, navigation, sign-out
//! form with its CSRF token, a viewport for tablets) and the error pages:
//! [`ConsoleError`] is every way a console request can fail, rendered as a
//! short page that says what to do and never carries internal detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::Supervisor;
use crate::db::DbError;

/// Which section a page belongs to (marked in the navigation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The team overview.
    Overview,
    /// The review queue and participant pages.
    Queue,
    /// Accompaniment logs.
    Accompaniments,
    /// Signing in.
    SignIn,
}

/// A whole page: `title`, and `body` inside the layout.
pub fn layout(title: &str, who: Option<&Supervisor>, section: Section, body: Markup) -> Markup {
    let nav = [
        (Section::Overview, "/overview", "Team overview"),
        (Section::Queue, "/queue", "Review queue"),
        (Section::Accompaniments, "/accompaniments", "Accompaniments"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No copies of pages in localStorage (htmx's history cache
                // would keep the last ten, participant notes and all, past
                // sign-out and browser restarts); Back reloads the page
                // from the server instead.
                meta name="htmx-config"
                    content=r#"{"includeIndicatorStyles":false,"historyCacheSize":0,"refreshOnHistoryMiss":true}"#;
                title { (title) " · Alongside console" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/htmx.min.js" defer {}
            }
            body hx-boost="true" {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "Alongside" }
                    @if let Some(who) = who {
                        nav aria-label="Console" {
                            ul {
                                @for (s, href, label) in nav {
                                    li {
                                        @if s == section {
                                            a href=(href) aria-current="page" { (label) }
                                        } @else {
                                            a href=(href) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        // A full page load, not an htmx swap: nothing of
                        // the signed-in page stays in the document.
                        form.signout method="post" action="/signout" hx-boost="false" {
                            input type="hidden" name="csrf" value=(who.csrf);
                            span { "Signed in as " (who.display_name) }
                            " "
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// Why a console request failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session (never signed in, signed out, idle too long).
    #[error("not signed in")]
    SignedOut,
    /// A form without this session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// A state-changing request from another origin ([`super::origin`]).
    #[error("cross-origin request")]
    CrossOrigin,
    /// Nothing here, or nothing this supervisor may see (one answer).
    #[error("not found")]
    NotFound,
    /// The request itself is wrong; the text says how, for the user.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed on our side (logged, not shown).
    #[error("internal error: {0}")]
    Internal(String),
}

fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = html! {
        p { (text) }
        p { a href="/queue" { "Back to the review queue" } }
    };
    (
        status,
        Html(layout(title, None, Section::SignIn, body).into_string()),
    )
        .into_response()
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::SignedOut => {
                let mut response = Redirect::to("/signin").into_response();
                // htmx follows this instead of swapping a sign-in page into
                // the middle of another.
                response
                    .headers_mut()
                    .insert("hx-redirect", HeaderValue::from_static("/signin"));
                response
            }
            ConsoleError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form could not be checked (it is from another session or a \
                 stale page). Nothing was changed. Go back, reload the page and try again.",
            ),
            ConsoleError::CrossOrigin => error_page(
                StatusCode::FORBIDDEN,
                "Form refused",
                "This form was sent from another site, so it was not accepted. Nothing \
                 was changed. Open the console's own page and try again.",
            ),
            ConsoleError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such record in your teams' caseloads.",
            ),
            ConsoleError::BadRequest(why) => error_page(
                StatusCode::BAD_REQUEST,
                "Could not do that",
                &format!("{why} Nothing was changed."),
            ),
            ConsoleError::Db(DbError::Unavailable(e)) => {
                tracing::warn!(error = %e, "console: database unavailable");
                let mut response = error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Temporarily unavailable",
                    "The database cannot be reached right now. Nothing was changed; try again in a minute.",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                response
            }
            ConsoleError::Db(e) => {
                tracing::error!(error = %e, "console: database error");
                internal()
            }
            ConsoleError::Internal(e) => {
                tracing::error!(error = %e, "console: internal error");
                internal()
            }
        }
    }
}

fn internal() -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete this request; it has been logged.",
    )
}

/// A rendered page as a response.
pub fn respond(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}
