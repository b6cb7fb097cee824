//! Trusting a development server's certificate: the app gives a CA
//! certificate (PEM) with [`AlongsideDevice::trust_certificate`]; enrolment
//! (`enrol`, `enrol_with_token`), `sync_now` and background sync then trust
//! it besides the platform roots.
//!
//! # Why a stored setting, not an argument of `enrol`
//!
//! The certificate is needed by every later connection, not only by
//! enrolment: each sync, background sync after the app restarts, a
//! re-enrolment. As an argument of `enrol` the app would have to keep the
//! PEM itself and hand it over again after every `open` before it could
//! sync. Stored once, sealed in the encrypted store's metadata like the
//! server URL and token, it belongs to the store it was given for and
//! survives restarts; [`AlongsideDevice::forget_trusted_certificate`]
//! removes it. It is checked when given (a PEM with at least one
//! certificate usable as a root, at most [`MAX_PEM_BYTES`]), so junk is
//! an [`BridgeError::InvalidInput`] naming `pem` then, not a failed
//! connection later.
//!
//! Changing it drops the cached sync client and stops background sync (the
//! next sync, or `start_background_sync`, uses the new setting).

use super::device::{AlongsideDevice, lock};
use super::error::BridgeError;
use crate::store::MetaKey;
use crate::sync::{SyncError, check_extra_ca};

/// The largest PEM accepted (a CA certificate is a few KiB; a bundle of a
/// handful fits easily).
pub const MAX_PEM_BYTES: usize = 64 * 1024;

#[uniffi::export]
impl AlongsideDevice {
    /// Trusts the CA certificate(s) in `pem` (`-----BEGIN CERTIFICATE-----`
    /// blocks, for example a development server's self-signed certificate)
    /// for every later enrolment and sync of this store, besides the
    /// platform roots. Replaces a certificate given before. Text that holds
    /// no usable certificate is [`BridgeError::InvalidInput`] (field `pem`)
    /// and changes nothing.
    pub fn trust_certificate(&self, pem: String) -> Result<(), BridgeError> {
        let pem = pem.trim();
        if pem.len() > MAX_PEM_BYTES {
            return Err(BridgeError::invalid(
                "pem",
                format!("longer than {MAX_PEM_BYTES} bytes; a CA certificate is far smaller"),
            ));
        }
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(BridgeError::invalid(
                "pem",
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            ));
        }
        check_extra_ca(pem.as_bytes()).map_err(|e| match e {
            SyncError::Config(reason) => BridgeError::invalid("pem", reason),
            other => other.into(),
        })?;
        self.set_trusted(Some(pem))
    }

    /// Stops trusting the certificate given to
    /// [`trust_certificate`](Self::trust_certificate) (only the platform
    /// roots are trusted again). Nothing happens if none was given.
    pub fn forget_trusted_certificate(&self) -> Result<(), BridgeError> {
        self.set_trusted(None)
    }

    /// The certificate given to [`trust_certificate`](Self::trust_certificate),
    /// if any (PEM).
    pub fn trusted_certificate(&self) -> Result<Option<String>, BridgeError> {
        Ok(lock(&self.device)?.store().meta(MetaKey::TrustedCaPem)?)
    }
}

impl AlongsideDevice {
    /// The extra CA to trust, as the sync client takes it.
    pub(super) fn extra_ca(&self) -> Result<Option<Vec<u8>>, BridgeError> {
        Ok(self.trusted_certificate()?.map(String::into_bytes))
    }

    fn set_trusted(&self, pem: Option<&str>) -> Result<(), BridgeError> {
        self.stop_background()?;
        lock(&self.device)?
            .store_mut()
            .set_metas(&[(MetaKey::TrustedCaPem, pem)])?;
        *lock(&self.sync)? = None;
        Ok(())
    }
}
