//! `alongside-server dev-cert`: a self-signed certificate and its key, PEM,
//! for development only (clients must be told to trust it).

use std::path::{Path, PathBuf};

use super::TlsError;

/// The names a development certificate is for when none are given.
pub const DEFAULT_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// The certificate's file name.
pub const CERT_FILE: &str = "cert.pem";
/// The key's file name.
pub const KEY_FILE: &str = "key.pem";

/// A generated pair, PEM-encoded.
#[derive(Debug, Clone)]
pub struct DevCert {
    /// The self-signed certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

/// Generates a self-signed certificate for `hosts` (DNS names or IP
/// addresses; [`DEFAULT_HOSTS`] when empty).
pub fn generate(hosts: &[String]) -> Result<DevCert, TlsError> {
    let hosts: Vec<String> = if hosts.is_empty() {
        DEFAULT_HOSTS.iter().map(|h| (*h).to_owned()).collect()
    } else {
        hosts.to_vec()
    };
    let mut params =
        rcgen::CertificateParams::new(hosts).map_err(|e| TlsError::Generate(e.to_string()))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Alongside development certificate",
    );
    let key = rcgen::KeyPair::generate().map_err(|e| TlsError::Generate(e.to_string()))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    Ok(DevCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Generates a pair for `hosts` and writes [`CERT_FILE`] and [`KEY_FILE`]
/// into `dir` (created if needed; the key readable by its owner only).
/// Existing files are kept unless `overwrite`. Returns their paths.
pub fn write(
    dir: &Path,
    hosts: &[String],
    overwrite: bool,
) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if !overwrite {
        for path in [&cert_path, &key_path] {
            if path.exists() {
                return Err(TlsError::Io {
                    action: "not overwriting (use --force)",
                    path: path.clone(),
                    source: std::io::ErrorKind::AlreadyExists.into(),
                });
            }
        }
    }
    let pair = generate(hosts)?;
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Io {
        action: "creating",
        path: dir.to_owned(),
        source,
    })?;
    write_file(&key_path, pair.key_pem.as_bytes(), true)?;
    write_file(&cert_path, pair.cert_pem.as_bytes(), false)?;
    Ok((cert_path, key_path))
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    let io = |source| TlsError::Io {
        action: "writing",
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, bytes).map_err(io)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_pair_and_does_not_overwrite_it() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write(dir.path(), &[], false).unwrap();
        let cert_text = std::fs::read_to_string(&cert).unwrap();
        assert!(cert_text.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(
            std::fs::read_to_string(&key)
                .unwrap()
                .contains("PRIVATE KEY")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        assert!(write(dir.path(), &[], false).is_err());
        write(dir.path(), &["example.test".into()], true).unwrap();
        assert_ne!(std::fs::read_to_string(&cert).unwrap(), cert_text);
    }
}
