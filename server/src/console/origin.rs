//! Defence in depth beside the CSRF tokens ([`super::session`]): a
//! state-changing request to the console (any method but GET, HEAD and
//! OPTIONS, the sign-in form's POST included) whose `Origin` header — or,
//! without one, `Referer` — is present and names another origin than the
//! server's own is refused with 403 before any handler runs. A request with
//! neither header (an old browser, a script) is left to the CSRF token.
//!
//! The server's own origin is the request's `Host` (or, over HTTP/2, its
//! `:authority`) with the scheme the browser used: `https` when the server
//! serves TLS itself; behind a proxy that terminates TLS, `http` or
//! `https`, since the server cannot see which (the proxy must pass the
//! `Host` header through). `Origin: null` (an opaque origin: a sandboxed
//! frame, a `data:` page, a cross-site redirect) is another origin.
//!
//! Browsers send the real origin on same-origin POSTs only when the page's
//! referrer policy allows it: the console's is `same-origin` (see
//! [`super::router`]); `no-referrer` would make them send `Origin: null`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::page::ConsoleError;

/// Refuses a cross-origin state-changing request (a `from_fn_with_state`
/// layer; the state says whether the server serves TLS itself).
pub(super) async fn check(State(tls): State<bool>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if let Some(claimed) = claimed_origin(headers)
        && !host.is_some_and(|host| same_origin(claimed, host, tls))
    {
        tracing::warn!(
            claimed,
            host,
            path = %request.uri().path(),
            "console: cross-origin request refused"
        );
        return ConsoleError::CrossOrigin.into_response();
    }
    next.run(request).await
}

/// The origin a request claims to come from: `Origin`, else `Referer`;
/// a header that is not text claims an origin that matches nothing.
fn claimed_origin(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))?;
    Some(value.to_str().unwrap_or("null"))
}

/// Whether `claimed` (an `Origin` value or a `Referer` URL) is the origin
/// of a server reached as `host`.
fn same_origin(claimed: &str, host: &str, tls: bool) -> bool {
    let Some((scheme, authority)) = origin_of(claimed) else {
        return false;
    };
    let scheme_ok = scheme == "https" || !tls;
    scheme_ok && authority == without_default_port(scheme, &host.to_ascii_lowercase())
}

/// The scheme and authority (lower case, no default port) of an `http` or
/// `https` URL or origin.
fn origin_of(url: &str) -> Option<(&'static str, String)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => "http",
        "https" => "https",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((
        scheme,
        without_default_port(scheme, &authority.to_ascii_lowercase()),
    ))
}

fn without_default_port(scheme: &str, authority: &str) -> String {
    let default = if scheme == "https" { ":443" } else { ":80" };
    authority
        .strip_suffix(default)
        .unwrap_or(authority)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_own_origin_and_nothing_else_matches() {
        // Plain HTTP (loopback, or a proxy in front terminating TLS).
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/queue?x=1",
            "HTTP://127.0.0.1:8080",
            "https://127.0.0.1:8080",
        ] {
            assert!(same_origin(ok, "127.0.0.1:8080", false), "{ok}");
        }
        for bad in [
            "null",
            "http://127.0.0.1:8081",
            "http://127.0.0.1",
            "http://evil.example",
            "http://127.0.0.1:8080.evil.example",
            "http://user@127.0.0.1:8080",
            "ftp://127.0.0.1:8080",
            "127.0.0.1:8080",
            "",
        ] {
            assert!(!same_origin(bad, "127.0.0.1:8080", false), "{bad}");
        }
        // Under TLS only https, and default ports are the same origin.
        assert!(same_origin("https://care.example", "care.example", true));
        assert!(same_origin(
            "https://care.example:443",
            "Care.Example",
            true
        ));
        assert!(same_origin(
            "https://care.example",
            "care.example:443",
            true
        ));
        assert!(!same_origin("http://care.example", "care.example", true));
        assert!(!same_origin(
            "https://care.example:8443",
            "care.example",
            true
        ));
        assert!(same_origin("http://care.example", "care.example:80", false));
    }
}
