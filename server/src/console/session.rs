//! Console sessions and CSRF tokens.
//!
//! Signing in creates a session: a random token ([`crate::auth::token`])
//! that the browser keeps in a cookie (HttpOnly, SameSite=Strict, `Secure`
//! and the `__Host-` prefix when the server serves TLS) and the database
//! keeps only as its SHA-256. Every request through [`Supervisor`] touches
//! the session; one unused for longer than the idle timeout, or past its
//! lifetime, is ended and the browser is sent to the sign-in page. The
//! role is read again on every request, so a supervisor demoted or
//! disabled is out at their next click.
//!
//! CSRF: every form carries a token derived from the session secret
//! (SHA-256 of a label and the secret), so it needs no storage and dies
//! with the session; every POST checks it in constant time and answers 403
//! without it. The sign-in form, before any session exists, uses a
//! double-submit cookie instead ([`signin_cookie_name`]), `__Host-` under
//! TLS too.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ConsoleSettings;
use super::ConsoleState;
use super::page::ConsoleError;
use crate::auth::{Role, token};

/// The session cookie's name over plain HTTP.
pub const COOKIE: &str = "alongside-session";
/// The session cookie's name under TLS (the `__Host-` prefix pins it to
/// this host, path `/`, `Secure`).
pub const SECURE_COOKIE: &str = "__Host-alongside-session";
/// The sign-in form's double-submit cookie over plain HTTP.
pub const SIGNIN_COOKIE: &str = "alongside-signin";
/// The sign-in form's double-submit cookie under TLS (`__Host-`, like the
/// session's: a sibling subdomain or a plain-HTTP page cannot plant one
/// to fix the token a login-CSRF form would need).
pub const SECURE_SIGNIN_COOKIE: &str = "__Host-alongside-signin";

/// A signed-in supervisor, from the request's session cookie.
#[derive(Debug, Clone)]
pub struct Supervisor {
    /// The user.
    pub user_id: Uuid,
    /// Their sign-in name.
    pub username: String,
    /// Their name as shown.
    pub display_name: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    id_hash: [u8; 32],
}

impl Supervisor {
    /// Refuses (403) a form whose CSRF token is missing or not this
    /// session's.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), ConsoleError> {
        match presented {
            Some(p) if constant_time_eq(p.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(ConsoleError::Csrf),
        }
    }

    /// This supervisor as the audit trail names them.
    pub fn viewer(&self) -> crate::audit::console::Viewer<'_> {
        crate::audit::console::Viewer {
            user: self.user_id,
            username: &self.username,
            device: None,
        }
    }

    /// The stored hash of this session's id (for sign-out).
    pub fn id_hash(&self) -> &[u8; 32] {
        &self.id_hash
    }
}

/// The name of the session cookie under `settings`.
pub fn cookie_name(settings: &ConsoleSettings) -> &'static str {
    if settings.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The name of the sign-in form's cookie under `settings`.
pub fn signin_cookie_name(settings: &ConsoleSettings) -> &'static str {
    if settings.secure_cookies {
        SECURE_SIGNIN_COOKIE
    } else {
        SIGNIN_COOKIE
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, `Secure`
/// under TLS; `max_age` 0 deletes it.
pub fn set_cookie(
    settings: &ConsoleSettings,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if settings.secure_cookies {
        cookie.push_str("; Secure");
    }
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    cookie
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// The CSRF token of the session whose secret is `secret`.
pub fn csrf_token(secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"alongside console csrf\0");
    hasher.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Byte-wise equality whose time does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<ConsoleState> for Supervisor {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, ConsoleError> {
        let settings = &state.settings;
        let secret = cookie(&parts.headers, cookie_name(settings))
            .filter(|s| token::well_formed(s))
            .ok_or(ConsoleError::SignedOut)?;
        let id_hash = token::hash(secret);
        let row = state
            .db
            .touch_console_session(&id_hash, settings.idle_secs)
            .await?
            .ok_or(ConsoleError::SignedOut)?;
        if row.disabled || Role::parse(&row.role) != Some(Role::Supervisor) {
            state.db.end_console_session(&id_hash).await?;
            return Err(ConsoleError::SignedOut);
        }
        Ok(Supervisor {
            user_id: row.user_id,
            username: row.username,
            display_name: row.display_name,
            csrf: csrf_token(secret),
            id_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; alongside-session=als_x; alongside-sessionx=no"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("als_x"));
        assert_eq!(cookie(&headers, "b"), None);
        assert_eq!(cookie(&headers, SECURE_COOKIE), None);
    }

    #[test]
    fn cookies_are_strict_and_secure_only_under_tls() {
        let plain = ConsoleSettings::default();
        let c = set_cookie(&plain, COOKIE, "v", None);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"));
        assert!(!c.contains("Secure"));
        let tls = ConsoleSettings {
            secure_cookies: true,
            ..plain
        };
        assert!(set_cookie(&tls, SECURE_COOKIE, "v", Some(0)).contains("; Secure; Max-Age=0"));
        assert_eq!(cookie_name(&tls), SECURE_COOKIE);
        assert_eq!(signin_cookie_name(&tls), SECURE_SIGNIN_COOKIE);
        assert_eq!(signin_cookie_name(&plain), SIGNIN_COOKIE);
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let a = token::generate();
        let b = token::generate();
        assert_eq!(csrf_token(&a.secret), csrf_token(&a.secret));
        assert_ne!(csrf_token(&a.secret), csrf_token(&b.secret));
        assert!(!csrf_token(&a.secret).contains(&a.secret));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
