//! Encryption at rest: XChaCha20-Poly1305 with a key the app supplies.
//!
//! Every sealed value is `nonce (24 random bytes) || ciphertext+tag`. The
//! associated data binds a value to what it is ([`Purpose`]) and, for
//! document rows, to the document id, so a row copied under another
//! document or into another column fails to open instead of being
//! misread. The key never leaves [`StoreKey`], which wipes it on drop.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::storage::StorageError;

/// Length of a store key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the random nonce prefixed to every sealed value.
pub const NONCE_LEN: usize = 24;

/// The 32-byte key that encrypts a store (from the platform keystore).
pub struct StoreKey(Zeroizing<[u8; KEY_LEN]>);

impl StoreKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A key from a slice, which must be exactly [`KEY_LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self::from_bytes(arr))
    }

    /// A fresh random key (for tests and the device CLI's key file).
    pub fn generate() -> Result<Self, StorageError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(bytes.as_mut_slice())
            .map_err(|e| StorageError::Io(format!("no randomness: {e}")))?;
        Ok(Self(bytes))
    }

    /// The key bytes (to hand to a keystore or write to a key file).
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

/// What a sealed value is; part of its associated data.
#[derive(Debug, Clone, Copy)]
pub enum Purpose<'a> {
    /// The key-check row.
    KeyCheck,
    /// An Automerge chunk of document `id` (bs58check text).
    Chunk(&'a str),
    /// Metadata value under `key`.
    Meta(&'a str),
}

impl Purpose<'_> {
    fn aad(self) -> Vec<u8> {
        let (tag, subject) = match self {
            Purpose::KeyCheck => ("key-check", ""),
            Purpose::Chunk(id) => ("chunk", id),
            Purpose::Meta(key) => ("meta", key),
        };
        format!("alongside-store/v1\0{tag}\0{subject}").into_bytes()
    }
}

/// Seals and opens values with one store key.
pub struct Cipher(XChaCha20Poly1305);

impl Cipher {
    /// A cipher for `key`.
    pub fn new(key: &StoreKey) -> Self {
        Self(XChaCha20Poly1305::new(key.as_bytes().into()))
    }

    /// Encrypts `plain` for `purpose` under a fresh random nonce.
    pub fn seal(&self, purpose: Purpose<'_>, plain: &[u8]) -> Result<Vec<u8>, StorageError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| StorageError::Io(format!("no randomness: {e}")))?;
        let aad = purpose.aad();
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| StorageError::Io("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a value sealed for `purpose`; None if the key is wrong or
    /// the value was altered or moved.
    pub fn open(&self, purpose: Purpose<'_>, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let aad = purpose.aad();
        self.0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = StoreKey::generate().expect("key");
        let c = Cipher::new(&key);
        let sealed = c.seal(Purpose::Chunk("abc"), b"hello").expect("seal");
        assert_eq!(
            c.open(Purpose::Chunk("abc"), &sealed).as_deref(),
            Some(&b"hello"[..])
        );
        assert!(c.open(Purpose::Chunk("abd"), &sealed).is_none());
        assert!(c.open(Purpose::Meta("abc"), &sealed).is_none());
        let other = Cipher::new(&StoreKey::generate().expect("key"));
        assert!(other.open(Purpose::Chunk("abc"), &sealed).is_none());
        let again = c.seal(Purpose::Chunk("abc"), b"hello").expect("seal");
        assert_ne!(sealed, again, "nonces are fresh");
    }
}
