//! TLS (`docs/security.md`): HTTPS and WSS served with rustls (ring provider,
//! TLS 1.2 and 1.3 only), development certificates, and the rule that
//! plain HTTP is only served on loopback unless the operator says a proxy
//! terminates TLS.
//!
//! - [`config`]: certificate and key files into a `rustls::ServerConfig`;
//! - [`listener`]: [`TlsListener`], an `axum::serve::Listener` that
//!   handshakes concurrently, with a timeout, without stopping on failures;
//!   [`ServeListener`] is what [`crate::app::run`] serves on;
//! - [`dev_cert`]: a self-signed pair for `alongside-server dev-cert`.

pub mod config;
pub mod dev_cert;
pub mod listener;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use config::{TlsSettings, server_config};
pub use listener::{ServeListener, TlsListener};

/// Errors of the TLS layer.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// To which file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A PEM file held nothing usable.
    #[error("{}: {reason}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls refused the certificate or key.
    #[error("certificate or key refused: {0}")]
    Rustls(#[from] rustls::Error),
    /// A certificate could not be generated.
    #[error("could not generate a certificate: {0}")]
    Generate(String),
    /// Plain HTTP on a non-loopback address without `--insecure-http`.
    #[error(
        "refusing to serve plain HTTP on {0}, which is not a loopback address: device tokens and \
         participants' notes would cross the network unencrypted. Give --tls-cert FILE and \
         --tls-key FILE (ALONGSIDE_TLS_CERT, ALONGSIDE_TLS_KEY; `alongside-server dev-cert` \
         writes a pair for development), or, when a proxy in front of this server terminates \
         TLS, --insecure-http (ALONGSIDE_INSECURE_HTTP=true)"
    )]
    PlainHttpRefused(SocketAddr),
}

/// Whether plain HTTP may be served on `bind`: always on loopback; on any
/// other address only with `insecure_http` (TLS terminated by a proxy).
pub fn check_plain_http(bind: SocketAddr, insecure_http: bool) -> Result<(), TlsError> {
    if bind.ip().is_loopback() || insecure_http {
        Ok(())
    } else {
        Err(TlsError::PlainHttpRefused(bind))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_unless_told() {
        for ok in ["127.0.0.1:8080", "[::1]:8080", "127.1.2.3:1"] {
            assert!(check_plain_http(ok.parse().unwrap(), false).is_ok(), "{ok}");
        }
        for refused in ["0.0.0.0:8080", "[::]:8080", "10.0.0.5:443"] {
            let err = check_plain_http(refused.parse().unwrap(), false).unwrap_err();
            assert!(err.to_string().contains("--insecure-http"), "{err}");
            assert!(check_plain_http(refused.parse().unwrap(), true).is_ok());
        }
    }
}
