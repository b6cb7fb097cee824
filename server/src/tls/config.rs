//! The server's rustls configuration: a PEM certificate chain and private
//! key, the ring provider, TLS 1.2 and 1.3 only, HTTP/1.1 over ALPN (what
//! the WebSocket upgrade needs).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsError;

/// What [`super::TlsListener`] needs.
#[derive(Clone, Debug)]
pub struct TlsSettings {
    /// The rustls configuration ([`server_config`]).
    pub config: Arc<ServerConfig>,
    /// A handshake that takes longer is dropped.
    pub handshake_timeout: Duration,
    /// Most handshakes in progress at once; more connections are dropped.
    pub max_pending_handshakes: usize,
}

impl TlsSettings {
    /// Settings with a 10 s handshake timeout and 1024 pending handshakes.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            handshake_timeout: Duration::from_secs(10),
            max_pending_handshakes: 1024,
        }
    }

    /// Reads the certificate chain and key files ([`server_config`]).
    pub fn from_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        Ok(Self::new(server_config(cert, key)?))
    }
}

/// A server configuration from a PEM certificate chain (leaf first) and a
/// PEM private key (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = read_certs(cert)?;
    let key = read_key(key)?;
    config_from(certs, key)
}

/// A server configuration from certificates and a key in memory.
pub fn config_from(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_owned(),
            reason: format!("not a PEM certificate chain: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_owned(),
            reason: "no CERTIFICATE block found".into(),
        });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Pem {
        path: path.to_owned(),
        reason: format!("no usable PEM private key: {e}"),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Io {
        action: "reading",
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tls::dev_cert;

    #[test]
    fn a_generated_pair_loads_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = dev_cert::write(dir.path(), &["localhost".into()], false).unwrap();
        let config = server_config(&cert, &key).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);

        let err = server_config(&key, &key).unwrap_err().to_string();
        assert!(err.contains("key.pem"), "{err}");
        let err = server_config(&cert, &cert).unwrap_err().to_string();
        assert!(err.contains("private key"), "{err}");
        let missing = dir.path().join("nope.pem");
        let err = server_config(&missing, &key).unwrap_err().to_string();
        assert!(err.contains("nope.pem"), "{err}");
    }
}
