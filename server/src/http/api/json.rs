//! [`ApiJson`]: the API's JSON body extractor. The body must be declared as
//! JSON (415 otherwise), fit the route's body limit (413) and parse as the
//! expected shape (400, with serde's account of what is wrong: a missing
//! field, a wrong type, a syntax error and where).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::ApiError;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest("the request body could not be read".into())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON body: {e}")))
    }
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn declares_json(value: Option<&header::HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_is_recognised_with_parameters_and_in_any_case() {
        let yes = |s: &'static str| declares_json(Some(&HeaderValue::from_static(s)));
        assert!(yes("application/json"));
        assert!(yes("Application/JSON; charset=utf-8"));
        assert!(!yes("text/plain"));
        assert!(!yes("application/jsonx"));
        assert!(!declares_json(None));
    }
}
