//! HTTP Strict Transport Security: when the server serves TLS itself,
//! every response carries `Strict-Transport-Security`, so a browser that
//! has once reached it over HTTPS never again tries it over plain HTTP
//! (where a network attacker could strip TLS and read the console) for a
//! year. Not under plain HTTP: there the header means nothing, and a proxy
//! that terminates TLS in front of the server is the one to send it.
//!
//! No `includeSubDomains`: the server cannot know what else runs under
//! its domain.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The header's value: one year.
pub const VALUE: &str = "max-age=31536000";

/// Adds the header to `response` (a `map_response` layer).
pub(crate) async fn add(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(VALUE),
    );
    response
}
