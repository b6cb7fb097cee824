//! The hash chain: how one row's hash is computed from the previous row's
//! hash and the row's own fields.
//!
//! `hash = SHA-256(prev_hash ‖ canonical(fields))`, where `prev_hash` is the
//! previous row's 32-byte hash ([`GENESIS`], 32 zero bytes, for seq 1) and
//! `canonical` is this byte string, every field in this order, nothing
//! optional left out:
//!
//! | field | encoding |
//! | --- | --- |
//! | version | one byte, `0x01` |
//! | `seq` | 8 bytes, big-endian two's complement |
//! | `at` | 8 bytes, big-endian: microseconds since 1970-01-01T00:00:00Z |
//! | `user_id` | absent: `0x00`; present: `0x01` then the 16 UUID bytes |
//! | `username` | absent: `0x00`; present: `0x01` then *text* |
//! | `device_id` | as `user_id` |
//! | `document_id` | as `user_id` |
//! | `action` | *text* (snake_case name) |
//! | `outcome` | *text* |
//! | `detail` | *text* |
//! | `address` | as `username` |
//!
//! *text* is the UTF-8 byte length as 4 bytes big-endian, then the bytes.
//! Length prefixes and presence tags make the encoding injective: no two
//! different rows encode alike, so moving bytes between fields changes the
//! hash. Time is stored as `TIMESTAMPTZ`, which has microsecond resolution,
//! and read back as integer microseconds, so it round-trips exactly.
//!
//! The chain proves order and completeness against anyone who cannot also
//! rewrite every later row and `audit_head`; keeping the head's hash
//! somewhere else (printed by `admin audit verify`) extends that to a
//! database superuser.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::record::{AuditEvent, AuditRecord};

/// Length of a hash, bytes.
pub const HASH_LEN: usize = 32;
/// The `prev_hash` of the first row.
pub const GENESIS: [u8; HASH_LEN] = [0; HASH_LEN];
/// The encoding's version byte.
pub const VERSION: u8 = 1;

/// The hashed fields of one row, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    /// Position in the chain.
    pub seq: i64,
    /// Microseconds since the epoch.
    pub at_micros: i64,
    /// The acting user.
    pub user_id: Option<Uuid>,
    /// Their username.
    pub username: Option<&'a str>,
    /// The device.
    pub device_id: Option<Uuid>,
    /// The document.
    pub document_id: Option<Uuid>,
    /// The action's stored name.
    pub action: &'a str,
    /// The outcome's stored name.
    pub outcome: &'a str,
    /// Free text.
    pub detail: &'a str,
    /// The client's address.
    pub address: Option<&'a str>,
}

impl AuditRecord {
    /// This record's fields at position `seq`.
    pub fn fields(&self, seq: i64) -> Fields<'_> {
        Fields {
            seq,
            at_micros: self.at_micros,
            user_id: self.user_id,
            username: self.username.as_deref(),
            device_id: self.device_id,
            document_id: self.document_id,
            action: self.action.as_str(),
            outcome: self.outcome.as_str(),
            detail: &self.detail,
            address: self.address.as_deref(),
        }
    }
}

impl AuditEvent {
    /// This stored row's fields.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            seq: self.seq,
            at_micros: self.at_micros,
            user_id: self.user_id,
            username: self.username.as_deref(),
            device_id: self.device_id,
            document_id: self.document_id,
            action: &self.action,
            outcome: &self.outcome,
            detail: &self.detail,
            address: self.address.as_deref(),
        }
    }
}

/// The canonical encoding of `fields` (see the module docs).
pub fn canonical(fields: &Fields<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        64 + fields.action.len()
            + fields.outcome.len()
            + fields.detail.len()
            + fields.username.map_or(0, str::len)
            + fields.address.map_or(0, str::len),
    );
    out.push(VERSION);
    out.extend_from_slice(&fields.seq.to_be_bytes());
    out.extend_from_slice(&fields.at_micros.to_be_bytes());
    put_uuid(&mut out, fields.user_id);
    put_optional_text(&mut out, fields.username);
    put_uuid(&mut out, fields.device_id);
    put_uuid(&mut out, fields.document_id);
    put_text(&mut out, fields.action);
    put_text(&mut out, fields.outcome);
    put_text(&mut out, fields.detail);
    put_optional_text(&mut out, fields.address);
    out
}

/// `SHA-256(prev_hash ‖ canonical(fields))`.
pub fn chain_hash(prev_hash: &[u8], fields: &Fields<'_>) -> [u8; HASH_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical(fields));
    hasher.finalize().into()
}

fn put_uuid(out: &mut Vec<u8>, id: Option<Uuid>) {
    match id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            out.extend_from_slice(id.as_bytes());
        }
    }
}

fn put_optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            put_text(out, text);
        }
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    // Records are cut far below 4 GiB (record::MAX_DETAIL_CHARS); saturate
    // rather than wrap if a stored row were ever that long.
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::audit::record::{AuditAction, AuditOutcome};

    fn sample() -> AuditRecord {
        AuditRecord::new(AuditAction::WriteAccepted, AuditOutcome::Allowed)
            .user(
                Uuid::parse_str("00000000-0000-0000-0000-0000000000aa").unwrap(),
                "sam",
            )
            .device(Uuid::parse_str("00000000-0000-0000-0000-0000000000bb").unwrap())
            .document(Uuid::parse_str("00000000-0000-0000-0000-0000000000cc").unwrap())
            .detail("2 changes")
            .ip("127.0.0.1".parse().unwrap())
            .at(1_700_000_000_123_456)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn encoding_is_exactly_as_documented() {
        let record = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Denied)
            .detail("x")
            .at(1);
        let bytes = canonical(&record.fields(7));
        let mut expected = vec![1u8];
        expected.extend_from_slice(&7i64.to_be_bytes());
        expected.extend_from_slice(&1i64.to_be_bytes());
        expected.extend_from_slice(&[0, 0, 0, 0]); // user, username, device, document
        expected.extend_from_slice(&[0, 0, 0, 7]);
        expected.extend_from_slice(b"sign_in");
        expected.extend_from_slice(&[0, 0, 0, 6]);
        expected.extend_from_slice(b"denied");
        expected.extend_from_slice(&[0, 0, 0, 1]);
        expected.extend_from_slice(b"x");
        expected.push(0); // address
        assert_eq!(bytes, expected);
    }

    #[test]
    fn a_known_row_has_a_known_hash() {
        // Pinned: changing the encoding breaks every stored chain.
        let hash = chain_hash(&GENESIS, &sample().fields(1));
        assert_eq!(
            hex(&hash),
            hex(&chain_hash(&GENESIS, &sample().fields(1))),
            "deterministic"
        );
        let mut manual = Sha256::new();
        manual.update(GENESIS);
        manual.update(canonical(&sample().fields(1)));
        assert_eq!(hash, <[u8; 32]>::from(manual.finalize()));
        assert_eq!(
            hex(&hash),
            "1d2fec926dcdb87df4d0a5a278262d1a11eef66fbadf90fa77da122cedb33da8",
            "update only with a migration of stored chains"
        );
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = sample();
        let h = |r: &AuditRecord, seq: i64, prev: &[u8]| chain_hash(prev, &r.fields(seq));
        let reference = h(&base, 1, &GENESIS);
        assert_ne!(reference, h(&base, 2, &GENESIS));
        assert_ne!(reference, h(&base, 1, &[1; 32]));
        let variants = [
            base.clone().at(base.at_micros + 1),
            base.clone().user(base.user_id.unwrap(), "sam2"),
            base.clone().user(Uuid::nil(), "sam"),
            AuditRecord {
                user_id: None,
                ..base.clone()
            },
            AuditRecord {
                device_id: None,
                ..base.clone()
            },
            base.clone().document(Uuid::nil()),
            AuditRecord {
                action: AuditAction::WriteRefused,
                ..base.clone()
            },
            AuditRecord {
                outcome: AuditOutcome::Denied,
                ..base.clone()
            },
            base.clone().detail("3 changes"),
            base.clone().ip("127.0.0.2".parse().unwrap()),
            AuditRecord {
                address: None,
                ..base.clone()
            },
        ];
        for variant in &variants {
            assert_ne!(reference, h(variant, 1, &GENESIS), "{variant:?}");
        }
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_encoding() {
        let a = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Allowed)
            .user(Uuid::nil(), "ab")
            .detail("c")
            .at(0);
        let b = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Allowed)
            .user(Uuid::nil(), "a")
            .detail("bc")
            .at(0);
        let empty = AuditRecord {
            username: Some(String::new()),
            ..a.clone()
        };
        let none = AuditRecord {
            username: None,
            ..a.clone()
        };
        assert_ne!(canonical(&a.fields(1)), canonical(&b.fields(1)));
        assert_ne!(canonical(&empty.fields(1)), canonical(&none.fields(1)));
    }

    #[test]
    fn a_stored_row_hashes_like_the_record_it_came_from() {
        let record = sample();
        let hash = chain_hash(&GENESIS, &record.fields(1));
        let stored = AuditEvent {
            seq: 1,
            at_micros: record.at_micros,
            user_id: record.user_id,
            username: record.username.clone(),
            device_id: record.device_id,
            document_id: record.document_id,
            action: record.action.as_str().into(),
            outcome: record.outcome.as_str().into(),
            detail: record.detail.clone(),
            address: record.address.clone(),
            prev_hash: GENESIS.to_vec(),
            hash: hash.to_vec(),
        };
        assert_eq!(stored.fields(), record.fields(1));
        assert_eq!(chain_hash(&stored.prev_hash, &stored.fields()), hash);
    }
}
