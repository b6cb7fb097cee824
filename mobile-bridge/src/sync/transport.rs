//! Opening the `/sync` WebSocket: TCP, TLS for `wss://` (platform roots
//! from webpki-roots plus an optional extra CA), the device token as
//! `Authorization: Bearer`, the app's version as `Alongside-App-Version`,
//! and the server's refusals mapped to
//! [`SyncError`] (a 401 carrying `Alongside-Purge: revoked` is
//! [`SyncError::Revoked`] before anything is purged; the caller purges).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, Response, Uri};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::config::SyncConfig;
use super::error::SyncError;

/// The response header that tells a revoked device to purge.
pub const PURGE_HEADER: &str = "alongside-purge";
/// Its value for a revoked device.
pub const PURGE_REVOKED: &str = "revoked";

/// The request header reporting the app's version on the upgrade.
pub const APP_VERSION_HEADER: &str = "alongside-app-version";

/// A byte stream, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open `/sync` WebSocket.
pub type Socket = WebSocketStream<Box<dyn Io>>;

/// Largest message accepted from the server (the hub checks frames too).
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// What the caller must do after a refused upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 401 with the purge instruction.
    Revoked,
    /// 401 without it.
    Unauthorized,
}

/// Connects and upgrades. A 401 is returned as `Err(Ok(refusal))`, other
/// failures as `Err(Err(error))`.
pub(crate) async fn connect(config: &SyncConfig) -> Result<Socket, Result<Refusal, SyncError>> {
    let mut request = config
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| Err(SyncError::Config(format!("bad URL: {e}"))))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {}", config.token)).map_err(|_| {
        Err(SyncError::Config(
            "the token is not a valid header value".into(),
        ))
    })?;
    request.headers_mut().insert("Authorization", bearer);
    if let Some(version) = &config.app_version {
        let version = HeaderValue::from_str(version).map_err(|_| {
            Err(SyncError::Config(
                "the app version is not a valid header value".into(),
            ))
        })?;
        request.headers_mut().insert(APP_VERSION_HEADER, version);
    }

    let stream = open_stream(request.uri(), config.extra_ca_pem.as_deref())
        .await
        .map_err(Err)?;

    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    match tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config)).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => Err(refusal(&response)),
        Err(e) => Err(Err(SyncError::Connection(format!("upgrade: {e}")))),
    }
}

/// Opens TCP to `uri`'s host and port, with TLS for `wss://` and
/// `https://` (plain for `ws://` and `http://`, tests and development).
pub(crate) async fn open_stream(
    uri: &Uri,
    extra_ca_pem: Option<&[u8]>,
) -> Result<Box<dyn Io>, SyncError> {
    let secure = match uri.scheme_str() {
        Some("wss" | "https") => true,
        Some("ws" | "http") => false,
        _ => {
            return Err(SyncError::Config(
                "the URL must be wss://, https://, ws:// or http://".into(),
            ));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| SyncError::Config("the URL has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });

    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| SyncError::Connection(format!("connect to {host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    if !secure {
        return Ok(Box::new(tcp));
    }
    let tls = tls_config(extra_ca_pem)?;
    let name = ServerName::try_from(host.clone())
        .map_err(|_| SyncError::Config(format!("bad server name {host}")))?;
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(tls_error)?;
    Ok(Box::new(stream))
}

/// A failed TLS handshake: a server certificate the client does not trust
/// (self-signed, unknown issuer, wrong name, expired) is
/// [`SyncError::UntrustedCertificate`], anything else a connection error.
fn tls_error(e: std::io::Error) -> SyncError {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(why @ rustls::Error::InvalidCertificate(_)) => {
            SyncError::UntrustedCertificate(why.to_string())
        }
        _ => SyncError::Connection(format!("TLS: {e}")),
    }
}

/// Checks that `pem` holds at least one certificate usable as a trusted
/// root (what [`SyncConfig::extra_ca_pem`] must hold); a
/// [`SyncError::Config`] says what is wrong.
pub fn check_extra_ca(pem: &[u8]) -> Result<(), SyncError> {
    tls_config(Some(pem)).map(|_| ())
}

/// Maps a non-101 answer to the upgrade.
fn refusal(response: &Response<Option<Vec<u8>>>) -> Result<Refusal, SyncError> {
    let status = response.status().as_u16();
    if status != 401 {
        return Err(SyncError::Http(status));
    }
    let revoked = response.headers().get_all(PURGE_HEADER).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case(PURGE_REVOKED))
    });
    Ok(if revoked {
        Refusal::Revoked
    } else {
        Refusal::Unauthorized
    })
}

/// The client TLS configuration: webpki roots plus `extra_ca_pem`.
pub(crate) fn tls_config(extra_ca_pem: Option<&[u8]>) -> Result<Arc<ClientConfig>, SyncError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_ca_pem {
        let mut added = 0usize;
        for der in CertificateDer::pem_slice_iter(pem) {
            let der = der.map_err(|e| SyncError::Config(format!("extra CA certificate: {e}")))?;
            roots
                .add(der)
                .map_err(|e| SyncError::Config(format!("extra CA certificate: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(SyncError::Config(
                "the extra CA PEM holds no certificate".into(),
            ));
        }
    }
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| SyncError::Config(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server that answers every upgrade with `reply`.
    async fn answering(reply: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        format!("ws://{addr}/sync")
    }

    fn config(url: String) -> SyncConfig {
        SyncConfig::new(url, "token", "peer")
    }

    #[tokio::test]
    async fn a_401_with_the_purge_header_is_revoked() {
        let url = answering(
            "HTTP/1.1 401 Unauthorized\r\nAlongside-Purge: revoked\r\ncontent-length: 0\r\n\r\n",
        )
        .await;
        assert!(matches!(
            connect(&config(url)).await,
            Err(Ok(Refusal::Revoked))
        ));
    }

    #[tokio::test]
    async fn a_plain_401_is_unauthorized_and_a_503_is_http() {
        let url = answering("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n").await;
        assert!(matches!(
            connect(&config(url)).await,
            Err(Ok(Refusal::Unauthorized))
        ));
        let url = answering("HTTP/1.1 503 Unavailable\r\ncontent-length: 0\r\n\r\n").await;
        assert!(matches!(
            connect(&config(url)).await,
            Err(Err(SyncError::Http(503)))
        ));
    }

    #[tokio::test]
    async fn the_upgrade_reports_the_app_version() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/sync", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let n = s.read(&mut buf).await.unwrap();
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let reply = "HTTP/1.1 503 Unavailable\r\ncontent-length: 0\r\n\r\n";
            let _ = s.write_all(reply.as_bytes()).await;
        });
        let _ = connect(&config(url)).await;
        let request = rx.await.unwrap().to_ascii_lowercase();
        let version = super::super::config::BRIDGE_VERSION;
        assert!(
            version.starts_with("alongside-mobile-bridge/0."),
            "{version}"
        );
        let expected = format!("{APP_VERSION_HEADER}: {version}");
        assert!(request.contains(&expected), "{request}");
    }

    #[test]
    fn a_bad_extra_ca_is_a_config_error() {
        assert!(matches!(
            tls_config(Some(b"not a certificate")),
            Err(SyncError::Config(_))
        ));
        assert!(tls_config(None).is_ok());
    }
}
