//! Device and session tokens: 32 random bytes, shown to the holder once and
//! stored only as a SHA-256 hash.
//!
//! A token is `als_` followed by the unpadded base64url of the random bytes,
//! so it is easy to recognise in a leaked log and safe in a URL.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "als_";

/// A freshly generated token: the secret to hand out and the hash to store.
#[derive(Debug)]
pub struct NewToken {
    /// The token itself; never stored.
    pub secret: String,
    /// What the database keeps.
    pub hash: [u8; 32],
}

/// Generates a token from the operating system's random source.
pub fn generate() -> NewToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&secret);
    NewToken { secret, hash }
}

/// The stored form of a presented token. Any string hashes; a token that was
/// never issued simply matches no row.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `secret` has the shape of a token (checked before a database
/// lookup, so that garbage is refused cheaply).
pub fn well_formed(secret: &str) -> bool {
    secret
        .strip_prefix(PREFIX)
        .and_then(|rest| URL_SAFE_NO_PAD.decode(rest).ok())
        .is_some_and(|bytes| bytes.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_well_formed_and_hash_stably() {
        let a = generate();
        let b = generate();
        assert_ne!(a.secret, b.secret);
        assert!(well_formed(&a.secret));
        assert_eq!(hash(&a.secret), a.hash);
        assert_ne!(a.hash, b.hash);
        assert!(!well_formed("als_short"));
        assert!(!well_formed("Bearer nonsense"));
        let mut tampered = a.secret.clone();
        tampered.pop();
        tampered.push(if a.secret.ends_with('A') { 'B' } else { 'A' });
        assert_ne!(hash(&tampered), a.hash);
    }
}
