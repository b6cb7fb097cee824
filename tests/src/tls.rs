//! TLS for tests: a development certificate made by the real server
//! command and a server serving it, a client configuration trusting one
//! certificate, HTTPS GET over it, a `wss://` connection to `/sync`, and
//! hand-made ClientHello records that a TLS 1.2+ server must refuse.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;

use crate::server::TestServer;

/// The stream a `wss://` test client speaks over.
pub type WssStream = WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// A certificate and key written by `alongside-server dev-cert`.
#[derive(Debug, Clone)]
pub struct DevCert {
    /// The certificate (PEM), which clients trust.
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// What the command printed.
    pub stdout: String,
}

impl DevCert {
    /// Runs `server_binary dev-cert --out dir`; panics with its errors.
    pub fn make(server_binary: &str, dir: &Path) -> Self {
        let out = Command::new(server_binary)
            .args(["dev-cert", "--out"])
            .arg(dir)
            .output()
            .expect("run dev-cert");
        assert!(
            out.status.success(),
            "dev-cert failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        }
    }

    /// Starts `server_binary serve` over TLS with this pair (and `extra`
    /// flags), waiting until `/healthz` answers over HTTPS.
    pub fn serve(&self, server_binary: &str, database_url: &str, extra: &[&str]) -> TestServer {
        let probe = client_config(&self.cert);
        let (cert, key) = (
            self.cert.display().to_string(),
            self.key.display().to_string(),
        );
        let mut args = vec!["--tls-cert", &cert, "--tls-key", &key];
        args.extend_from_slice(extra);
        TestServer::start_probed(
            server_binary,
            database_url,
            &args,
            Box::new(move |addr| matches!(https_get(addr, "/healthz", &probe), Some((200, _)))),
        )
    }
}

/// A client configuration (ring, TLS 1.2 and 1.3) trusting only the
/// certificates in the PEM file `cert`.
pub fn client_config(cert: &Path) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for der in CertificateDer::pem_file_iter(cert).expect("read the certificate") {
        roots
            .add(der.expect("a PEM certificate"))
            .expect("a usable root");
    }
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// An HTTPS GET (HTTP/1.1, `Connection: close`) for `localhost` at `addr`:
/// status code and body; `None` if the connection or handshake fails.
pub fn https_get(
    addr: SocketAddr,
    path: &str,
    config: &Arc<ClientConfig>,
) -> Option<(u16, String)> {
    let name = ServerName::try_from("localhost").ok()?;
    let connection = rustls::ClientConnection::new(config.clone(), name).ok()?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    // A peer closing without close_notify still leaves a full response.
    let _ = tls.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    Some((status, body))
}

/// The upgrade request for `/sync` at `addr`. Headers (a device token, once
/// `/sync` requires one) are added here.
pub fn sync_request(addr: SocketAddr, token: Option<&str>) -> Request {
    let mut request = format!("wss://localhost:{}/sync", addr.port())
        .into_client_request()
        .expect("a valid request");
    if let Some(token) = token {
        let value = format!("Bearer {token}")
            .parse()
            .expect("a token is a valid header value");
        request.headers_mut().insert("Authorization", value);
    }
    request
}

/// Opens a WebSocket over TLS to `addr` with `request`.
pub async fn connect_wss(
    addr: SocketAddr,
    request: Request,
    config: &Arc<ClientConfig>,
) -> Result<WssStream, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(config.clone())
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake: {e}"))?;
    let (ws, _response) = tokio_tungstenite::client_async(request, tls)
        .await
        .map_err(|e| format!("WebSocket upgrade: {e}"))?;
    Ok(ws)
}

/// A ClientHello record offering only `version` (no `supported_versions`
/// extension) and only `suites`, with the extensions a TLS 1.2 server
/// needs to consider it.
pub fn client_hello(version: [u8; 2], suites: &[u16]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version);
    body.extend_from_slice(&[7u8; 32]); // random
    body.push(0); // session id
    let suite_bytes: Vec<u8> = suites.iter().flat_map(|s| s.to_be_bytes()).collect();
    body.extend_from_slice(&u16::try_from(suite_bytes.len()).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(&suite_bytes);
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut extensions = Vec::new();
    // supported_groups: x25519, secp256r1
    extensions.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]);
    // ec_point_formats: uncompressed
    extensions.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
    extensions.extend_from_slice(&[0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04]);
    body.extend_from_slice(&u16::try_from(extensions.len()).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(&extensions);
    let mut handshake = vec![1u8]; // client_hello
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    handshake.extend_from_slice(&len[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&u16::try_from(handshake.len()).unwrap_or(0).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// Sends `hello` to `addr` and returns the first byte of the answer (the
/// record type: 0x15 alert, 0x16 handshake), or `None` if the server
/// closed without answering.
pub fn answer_to_hello(addr: SocketAddr, hello: &[u8]) -> Option<u8> {
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    tcp.write_all(hello).ok()?;
    let mut first = [0u8; 1];
    match tcp.read(&mut first) {
        Ok(1) => Some(first[0]),
        _ => None,
    }
}
