//! A small client for the server's JSON API (`/api/v1`): one HTTP/1.1
//! request per connection, over the same TCP and TLS setup as the sync
//! socket, with the server's error bodies (`{"error", "message"}`) mapped
//! to [`SyncError`].

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::SyncError;
use super::server_url::ServerUrl;
use super::transport::{PURGE_HEADER, PURGE_REVOKED, open_stream};

/// Largest response body accepted.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// How long one request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A caller of one server's API.
#[derive(Clone, Debug)]
pub(crate) struct ApiClient<'a> {
    pub server: &'a ServerUrl,
    pub extra_ca_pem: Option<&'a [u8]>,
    pub token: Option<&'a str>,
}

/// The error body the server sends.
#[derive(serde::Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

impl ApiClient<'_> {
    /// `GET path`, decoding a JSON answer.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, SyncError> {
        Ok(self.call(Method::GET, path, None).await?.0)
    }

    /// `GET path`, decoding a JSON answer, with the answer's body size.
    pub async fn get_sized<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, usize), SyncError> {
        self.call(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body, decoding a JSON answer.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| SyncError::Config(format!("cannot encode the request: {e}")))?;
        Ok(self.call(Method::POST, path, Some(body)).await?.0)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(T, usize), SyncError> {
        let (status, retry_after, revoked, bytes) =
            tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(method, path, body))
                .await
                .map_err(|_| SyncError::Connection(format!("{path}: no answer in time")))??;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(|answer| (answer, bytes.len()))
                .map_err(|e| {
                    SyncError::Protocol(format!("{path}: unexpected answer from the server: {e}"))
                });
        }
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => (body.error, body.message),
            Err(_) => (String::new(), String::from_utf8_lossy(&bytes).into_owned()),
        };
        Err(match status {
            StatusCode::UNAUTHORIZED if revoked => SyncError::Revoked {
                purged: 0,
                failed: 0,
            },
            StatusCode::UNAUTHORIZED if code == "invalid_credentials" => {
                SyncError::InvalidCredentials
            }
            StatusCode::UNAUTHORIZED => SyncError::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => SyncError::Locked {
                retry_after_secs: retry_after.unwrap_or(0),
            },
            _ => SyncError::Api {
                status: status.as_u16(),
                code,
                message,
            },
        })
    }

    /// Sends one request; returns the status, `Retry-After` seconds, whether
    /// the revocation header was present, and the body.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Option<u64>, bool, Bytes), SyncError> {
        let url = self.server.api(path);
        let uri: Uri = url
            .parse()
            .map_err(|e| SyncError::Config(format!("bad URL {url}: {e}")))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| SyncError::Config(format!("bad URL {url}: no host")))?;
        let stream = open_stream(&uri, self.extra_ca_pem).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| SyncError::Connection(format!("{path}: {e}")))?;
        let driver = tokio::spawn(connection);

        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, host);
        if let Some(token) = self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| SyncError::Config(format!("{path}: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| SyncError::Connection(format!("{path}: {e}")));
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                driver.abort();
                return Err(e);
            }
        };
        let status = response.status();
        let headers = response.headers();
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let revoked = headers.get_all(PURGE_HEADER).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case(PURGE_REVOKED))
        });
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| SyncError::Connection(format!("{path}: reading the answer: {e}")));
        driver.abort();
        Ok((status, retry_after, revoked, body?))
    }
}
