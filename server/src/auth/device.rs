//! Authenticating a device by its token (`docs/sync-protocol.md`, `docs/security.md`).
//!
//! A request presents its device token as `Authorization: Bearer <token>` or,
//! for browser clients that cannot set headers on a WebSocket, as
//! `?token=<token>`. [`authenticate`] finds the token's device by hash and
//! turns it into a [`Principal`], or refuses with an [`AuthError`]: the
//! response says only "401, use a bearer token" whatever the reason; the
//! reason goes to the log. A database that cannot be reached is a 503, not
//! a 401, so devices retry instead of giving up their token.
//!
//! One exception to "only 401": a token that matches a revoked device is
//! answered with the same 401 plus `Alongside-Purge: revoked`, the purge
//! instruction of `docs/security.md` (the holder of a revoked device's token is
//! that device, and learns nothing it did not know). The instruction is
//! recorded on the device row. Unknown, expired and tampered tokens get no
//! such header.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::{Principal, Role, token};
use crate::db::{Db, DbError};

/// The response header that tells a revoked device to purge its local
/// store; its value is [`PURGE_REVOKED`].
pub const PURGE_HEADER: &str = "alongside-purge";

/// The value of [`PURGE_HEADER`] for a revoked device.
pub const PURGE_REVOKED: &str = "revoked";

/// Why a request was not authenticated. The variants are for the log;
/// every one but [`AuthError::Unavailable`] answers the same 401.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token in the header or the query.
    #[error("no device token presented")]
    Missing,
    /// Something that is not a token.
    #[error("malformed device token")]
    Malformed,
    /// A well-formed token that matches no device.
    #[error("unknown device token")]
    Unknown,
    /// The device's token has expired.
    #[error("device {0}: token expired")]
    Expired(Uuid),
    /// The device was revoked.
    #[error("device {0}: revoked")]
    Revoked(Uuid),
    /// The device's user is disabled.
    #[error("device {0}: user disabled")]
    UserDisabled(Uuid),
    /// The stored role is not one this server knows.
    #[error("device {0}: stored role is unknown")]
    BadRole(Uuid),
    /// The database could not be asked.
    #[error("cannot check the token: {0}")]
    Unavailable(DbError),
}

impl AuthError {
    /// The HTTP status the request gets.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// Whether the response tells the device to purge (a revoked device).
    pub fn purge(&self) -> bool {
        matches!(self, AuthError::Revoked(_))
    }
}

impl IntoResponse for AuthError {
    /// 401 with `WWW-Authenticate: Bearer` and a generic body (plus the
    /// purge instruction for a revoked device), or 503 when the database is
    /// down. Nothing else of the reason is in the response.
    fn into_response(self) -> Response {
        match self.status() {
            StatusCode::UNAUTHORIZED => {
                let mut response = (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "unauthorized\n",
                )
                    .into_response();
                if self.purge() {
                    response.headers_mut().insert(
                        PURGE_HEADER,
                        header::HeaderValue::from_static(PURGE_REVOKED),
                    );
                }
                response
            }
            status => (status, "service unavailable\n").into_response(),
        }
    }
}

/// The WebSocket subprotocol a browser offers (with
/// [`TOKEN_SUBPROTOCOL_PREFIX`]`<token>`) and the server selects: a browser
/// cannot set `Authorization` on a WebSocket, and a token in the URL ends
/// up in proxy and server logs.
pub const SYNC_SUBPROTOCOL: &str = "alongside-sync";

/// What a token offered as a WebSocket subprotocol starts with (tokens are
/// `als_` and base64url, all valid subprotocol characters).
pub const TOKEN_SUBPROTOCOL_PREFIX: &str = "alongside.token.";

/// The token a request presents: the `Authorization: Bearer` header, else
/// a `Sec-WebSocket-Protocol` value [`TOKEN_SUBPROTOCOL_PREFIX`]`<token>`,
/// else the `token` query parameter (`query` is the URI's query string).
/// Presence only; shape and validity are [`authenticate`]'s business.
pub fn presented_token<'a>(
    headers: &'a HeaderMap,
    query: Option<&'a str>,
) -> Result<&'a str, AuthError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| AuthError::Malformed)?;
        let (scheme, rest) = value.split_once(' ').ok_or(AuthError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Malformed);
        }
        return Ok(rest.trim());
    }
    for value in headers.get_all(header::SEC_WEBSOCKET_PROTOCOL) {
        let value = value.to_str().map_err(|_| AuthError::Malformed)?;
        if let Some(token) = value
            .split(',')
            .find_map(|p| p.trim().strip_prefix(TOKEN_SUBPROTOCOL_PREFIX))
        {
            return Ok(token);
        }
    }
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("token="))
        .ok_or(AuthError::Missing)
}

/// Authenticates the device holding `secret`, connecting from `addr`.
///
/// Refuses a malformed token without asking the database; an unknown,
/// expired or revoked token, or a disabled user, after. On success records
/// when and from where the device was last seen (best effort: a failure
/// there is logged, not returned).
pub async fn authenticate(
    db: &Db,
    secret: &str,
    addr: Option<SocketAddr>,
) -> Result<Principal, AuthError> {
    if !token::well_formed(secret) {
        return Err(AuthError::Malformed);
    }
    let row = db
        .device_by_token_hash(&token::hash(secret))
        .await
        // Any database failure is ours, not the caller's: a 401 would make a
        // device drop a good token.
        .map_err(AuthError::Unavailable)?
        .ok_or(AuthError::Unknown)?;
    if row.revoked {
        // The answer carries the purge instruction; record that it was given
        // (best effort: the refusal stands either way).
        if let Err(error) = db.mark_purge_instructed(row.device_id).await {
            tracing::warn!(device = %row.device_id, %error, "could not record the purge instruction");
        }
        return Err(AuthError::Revoked(row.device_id));
    }
    if row.expired {
        return Err(AuthError::Expired(row.device_id));
    }
    if row.user_disabled {
        return Err(AuthError::UserDisabled(row.device_id));
    }
    let role = Role::parse(&row.role).ok_or(AuthError::BadRole(row.device_id))?;
    let seen_from = addr.map(|a| a.ip().to_string());
    if let Err(error) = db.touch_device(row.device_id, seen_from.as_deref()).await {
        tracing::warn!(device = %row.device_id, %error, "could not record when the device was seen");
    }
    Ok(Principal {
        user_id: row.user_id,
        username: row.username,
        role,
        device_id: Some(row.device_id),
    })
}

/// [`presented_token`] then [`authenticate`]: a request's principal. Logs a
/// refusal with its reason and the address.
pub async fn authenticate_request(
    db: &Db,
    headers: &HeaderMap,
    query: Option<&str>,
    addr: Option<SocketAddr>,
) -> Result<Principal, AuthError> {
    let result = match presented_token(headers, query) {
        Ok(secret) => authenticate(db, secret, addr).await,
        Err(e) => Err(e),
    };
    if let Err(error) = &result {
        let addr = addr.map(|a| a.to_string()).unwrap_or_default();
        match error {
            AuthError::Unavailable(_) => {
                tracing::warn!(%error, %addr, "device authentication unavailable");
            }
            _ => tracing::info!(%error, %addr, "device authentication refused"),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_header_wins_and_the_query_is_the_fallback() {
        let mut headers = HeaderMap::new();
        assert!(matches!(
            presented_token(&headers, None),
            Err(AuthError::Missing)
        ));
        assert!(matches!(
            presented_token(&headers, Some("a=1&b=2")),
            Err(AuthError::Missing)
        ));
        assert_eq!(
            presented_token(&headers, Some("a=1&token=als_x")).ok(),
            Some("als_x")
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer als_h"),
        );
        assert_eq!(
            presented_token(&headers, Some("token=als_q")).ok(),
            Some("als_h")
        );
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(matches!(
            presented_token(&headers, None),
            Err(AuthError::Malformed)
        ));
    }

    #[test]
    fn a_browser_offers_its_token_as_a_subprotocol_ahead_of_the_query() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("alongside-sync, alongside.token.als_p"),
        );
        assert_eq!(
            presented_token(&headers, Some("token=als_q")).ok(),
            Some("als_p")
        );
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("alongside-sync"),
        );
        assert_eq!(
            presented_token(&headers, Some("token=als_q")).ok(),
            Some("als_q")
        );
    }

    #[test]
    fn refusals_are_generic_401s_and_an_outage_is_a_503() {
        let response = AuthError::Revoked(Uuid::nil()).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        assert_eq!(
            response.headers().get(PURGE_HEADER).map(|v| v.as_bytes()),
            Some(&b"revoked"[..])
        );
        for other in [
            AuthError::Unknown,
            AuthError::Expired(Uuid::nil()),
            AuthError::Malformed,
        ] {
            let response = other.into_response();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert!(response.headers().get(PURGE_HEADER).is_none());
        }
        let response = AuthError::Unavailable(DbError::Unavailable("down".into())).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
