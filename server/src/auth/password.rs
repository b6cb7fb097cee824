//! Password hashing with Argon2id (`docs/security.md`), in PHC string form.
//!
//! Parameters follow OWASP's recommendation for Argon2id: 19 MiB of memory,
//! two passes, one lane. Hashing costs tens of milliseconds of CPU on purpose:
//! async callers run [`hash`] and [`verify`] in
//! `tokio::task::spawn_blocking`.
//!
//! [`verify`] spends a full hash even when there is no stored hash (an
//! unknown user), so the time a sign-in takes does not tell whether the
//! account exists.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// Memory cost in KiB (19 MiB).
const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
const ITERATIONS: u32 = 2;
/// Lanes.
const PARALLELISM: u32 = 1;

/// Longest password accepted, in bytes (hashing cost must not depend on
/// attacker-chosen sizes beyond this).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Empty or longer than [`MAX_PASSWORD_BYTES`].
    #[error("a password must have between 1 and {MAX_PASSWORD_BYTES} bytes")]
    BadLength,
    /// The hash function failed (does not happen with valid parameters).
    #[error("hashing failed: {0}")]
    Hash(String),
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within Argon2's limits; `Params::new` only
    // fails outside them, so the default (same algorithm) is a safe fallback.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a fresh random salt; returns the PHC string to
/// store (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::BadLength);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `stored` (a PHC string). With `stored` absent
/// (no such user) or unparsable, a dummy hash is checked instead and the
/// answer is `false`: the time spent is the same either way.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let password = if password.len() > MAX_PASSWORD_BYTES {
        // Still spend the hash, on a bounded input.
        &password[..0]
    } else {
        password
    };
    let parsed = stored.and_then(|s| PasswordHash::new(s).ok());
    match parsed {
        Some(hash) => argon2().verify_password(password.as_bytes(), &hash).is_ok(),
        None => {
            if let Some(dummy) = dummy_hash().and_then(|s| PasswordHash::new(s).ok()) {
                let _ = argon2().verify_password(password.as_bytes(), &dummy);
            }
            false
        }
    }
}

/// A hash of a random password with the same parameters, made once.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).ok()).as_deref()
}

/// A random password for an account created without one: 18 random bytes,
/// base64url (24 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_wrong_passwords_and_unknown_users_do_not() {
        let stored = hash("correct horse").unwrap_or_default();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse", Some(&stored)));
        assert!(!verify("correct horsE", Some(&stored)));
        assert!(!verify("correct horse", None));
        assert!(!verify("correct horse", Some("not a hash")));
        assert_ne!(hash("correct horse").unwrap_or_default(), stored, "salted");
        assert!(matches!(hash(""), Err(PasswordError::BadLength)));
        assert_ne!(generate(), generate());
        assert_eq!(generate().len(), 24);
    }
}
