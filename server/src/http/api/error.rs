//! The API's error type: every failure becomes a status and a JSON body
//! `{"error": code, "message": text}`. The code is stable for programs, the
//! message is for people; neither carries internal detail (database
//! errors, panics), which goes to the log instead.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::admin::AdminError;
use crate::auth::device::{AuthError, PURGE_HEADER, PURGE_REVOKED};
use crate::db::DbError;

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, a missing or invalid field); the
    /// text says what is wrong with it.
    #[error("{0}")]
    BadRequest(String),
    /// The body is not declared as JSON.
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// The body is larger than the API reads.
    #[error("the request body is larger than {} bytes", super::MAX_BODY_BYTES)]
    PayloadTooLarge,
    /// A field's content decodes to more than the server allows (the text
    /// says which and what limit).
    #[error("{0}")]
    DecodesTooLarge(String),
    /// The device's quarantine is full: what it handed over is not kept.
    #[error(
        "this device has handed over as much as the server keeps for it; keep the copy and ask an administrator"
    )]
    QuarantineFull,
    /// Wrong username or password (one answer for both).
    #[error("the username or password is not correct")]
    InvalidCredentials,
    /// No valid device token. `purge` when it is a revoked device's.
    #[error("a valid device token is required (Authorization: Bearer)")]
    Unauthorized {
        /// Tell the device to purge its local store.
        purge: bool,
    },
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// No such document among those this device was given (the same answer
    /// whether or not it exists).
    #[error("no such document among this device's")]
    UnknownDocument,
    /// No such API route.
    #[error("no such API endpoint")]
    NotFound,
    /// Sign-ins for this account or from this address are locked.
    #[error("too many failed sign-ins; try again later")]
    TooManyAttempts {
        /// Seconds until the lock ends (the `Retry-After` header).
        retry_after_secs: u64,
    },
    /// The database cannot be reached now (the detail is logged).
    #[error("the service is unavailable; try again later")]
    Unavailable(String),
    /// Something failed on our side (the detail is logged).
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge | ApiError::DecodesTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::QuarantineFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::InvalidCredentials | ApiError::Unauthorized { .. } => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::UnknownDocument => StatusCode::NOT_FOUND,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in the body's `error` field.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge | ApiError::DecodesTooLarge(_) => "payload_too_large",
            ApiError::QuarantineFull => "quarantine_full",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::UnknownDocument => "unknown_document",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "API: database unavailable"),
            ApiError::Internal(detail) => tracing::error!(%detail, "API: internal error"),
            _ => {}
        }
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized { purge } => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                if purge {
                    headers.insert(PURGE_HEADER, HeaderValue::from_static(PURGE_REVOKED));
                }
            }
            ApiError::TooManyAttempts { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unavailable(db) => db.into(),
            other => ApiError::Unauthorized {
                purge: other.purge(),
            },
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Db(db) => db.into(),
            AdminError::Invalid { field, reason } => {
                ApiError::BadRequest(format!("{}: {reason}", api_field(field)))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The JSON name of a field the admin library names in words.
fn api_field(field: &'static str) -> &'static str {
    match field {
        "device name" => "deviceName",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[tokio::test]
    async fn errors_are_json_with_a_code_and_no_internal_detail() {
        let response =
            ApiError::from(DbError::Unavailable("tcp 5432 refused".into())).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = body_of(response).await;
        assert_eq!(body["error"], "unavailable");
        assert!(!body.to_string().contains("5432"));

        let response =
            ApiError::from(DbError::Query("syntax error at SELECT".into())).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body_of(response).await.to_string().contains("SELECT"));

        let response = ApiError::TooManyAttempts {
            retry_after_secs: 42,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(&b"42"[..])
        );

        let revoked = ApiError::from(AuthError::Revoked(uuid::Uuid::nil())).into_response();
        let unknown = ApiError::from(AuthError::Unknown).into_response();
        assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            revoked.headers().get(PURGE_HEADER).map(|v| v.as_bytes()),
            Some(&b"revoked"[..])
        );
        assert!(unknown.headers().get(PURGE_HEADER).is_none());
        assert_eq!(body_of(revoked).await, body_of(unknown).await);
    }
}
