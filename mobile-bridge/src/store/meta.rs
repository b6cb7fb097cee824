//! Sealed metadata: the device's identity, the caseload index's id, the
//! last sync time. Values are strings, encrypted like everything else.

use automerge::ActorId;
use rusqlite::OptionalExtension;

use super::crypt::Purpose;
use super::{SqliteStore, sql_err};
use crate::storage::StorageError;

/// What the store remembers besides documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    /// The signed-in user's id.
    UserId,
    /// This device's id (given at enrolment).
    DeviceId,
    /// The device's stable Automerge actor, hex.
    Actor,
    /// Document id (bs58check) of the user's caseload index.
    CaseloadIndex,
    /// When the last sync completed, ms since the epoch.
    LastSyncAt,
    /// The user's display name, for signing notes.
    UserName,
    /// The server's URL (the sync client's business).
    ServerUrl,
    /// The device token (the sync client's business). Secret: shown only
    /// when asked for.
    DeviceToken,
    /// The server's change-feed cursor after the last complete sync.
    SyncCursor,
    /// The user's sign-in name (from enrolment).
    Username,
    /// The user's role, `peer` or `supervisor` (from enrolment).
    Role,
    /// When the device token expires (RFC 3339), when the server said.
    TokenExpiresAt,
    /// When the last sync was attempted, ms since the epoch (whatever its
    /// outcome).
    LastSyncAttemptAt,
    /// The outcome of the last sync attempt: a JSON object written by the
    /// device CLI (`ok`, the report or the error).
    LastSyncResult,
    /// When the server said this device was revoked, ms since the epoch.
    /// A revoked store never syncs again.
    RevokedAt,
    /// A CA certificate (PEM) the app trusts besides the platform roots,
    /// for a development server with a self-signed certificate.
    TrustedCaPem,
}

impl MetaKey {
    /// The row key.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetaKey::UserId => "user_id",
            MetaKey::DeviceId => "device_id",
            MetaKey::Actor => "actor",
            MetaKey::CaseloadIndex => "caseload_index",
            MetaKey::LastSyncAt => "last_sync_at",
            MetaKey::UserName => "user_name",
            MetaKey::ServerUrl => "server_url",
            MetaKey::DeviceToken => "device_token",
            MetaKey::SyncCursor => "sync_cursor",
            MetaKey::Username => "username",
            MetaKey::Role => "role",
            MetaKey::TokenExpiresAt => "token_expires_at",
            MetaKey::LastSyncAttemptAt => "last_sync_attempt_at",
            MetaKey::LastSyncResult => "last_sync_result",
            MetaKey::RevokedAt => "revoked_at",
            MetaKey::TrustedCaPem => "trusted_ca_pem",
        }
    }
}

impl SqliteStore {
    /// The value stored under `key`, if any.
    pub fn meta(&self, key: MetaKey) -> Result<Option<String>, StorageError> {
        let name = key.as_str();
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM meta WHERE key = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql_err)?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = self
            .cipher
            .open(Purpose::Meta(name), &sealed)
            .ok_or_else(|| StorageError::Corrupt(format!("meta {name} does not decrypt")))?;
        String::from_utf8(plain)
            .map(Some)
            .map_err(|_| StorageError::Corrupt(format!("meta {name} is not text")))
    }

    /// Stores `value` under `key` (one transaction).
    pub fn set_meta(&mut self, key: MetaKey, value: &str) -> Result<(), StorageError> {
        let name = key.as_str();
        let sealed = self.cipher.seal(Purpose::Meta(name), value.as_bytes())?;
        self.conn
            .execute(
                "INSERT INTO meta (key, sealed) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed",
                rusqlite::params![name, sealed],
            )
            .map_err(sql_err)?;
        if key == MetaKey::Actor {
            self.actor = parse_actor(value);
        }
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) several values in one transaction.
    pub fn set_metas(&mut self, values: &[(MetaKey, Option<&str>)]) -> Result<(), StorageError> {
        let mut sealed = Vec::with_capacity(values.len());
        for (key, value) in values {
            let name = key.as_str();
            let s = value
                .map(|v| self.cipher.seal(Purpose::Meta(name), v.as_bytes()))
                .transpose()?;
            sealed.push((name, s));
        }
        let tx = self.conn.transaction().map_err(sql_err)?;
        for (name, s) in sealed {
            match s {
                Some(s) => tx.execute(
                    "INSERT INTO meta (key, sealed) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed",
                    rusqlite::params![name, s],
                ),
                None => tx.execute("DELETE FROM meta WHERE key = ?1", [name]),
            }
            .map_err(sql_err)?;
        }
        tx.commit().map_err(sql_err)?;
        if let Some((_, Some(actor))) = values.iter().find(|(k, _)| *k == MetaKey::Actor) {
            self.actor = parse_actor(actor);
        }
        Ok(())
    }

    /// Removes `key`.
    pub fn clear_meta(&mut self, key: MetaKey) -> Result<(), StorageError> {
        self.conn
            .execute("DELETE FROM meta WHERE key = ?1", [key.as_str()])
            .map_err(sql_err)?;
        Ok(())
    }

    /// The device's stable actor, if one was stored.
    pub fn device_actor(&self) -> Result<Option<ActorId>, StorageError> {
        Ok(self.meta(MetaKey::Actor)?.as_deref().and_then(parse_actor))
    }

    /// When the last sync completed (ms), if ever.
    pub fn last_sync_at(&self) -> Result<Option<i64>, StorageError> {
        Ok(self.meta(MetaKey::LastSyncAt)?.and_then(|s| s.parse().ok()))
    }

    /// Records that a sync completed at `ms`.
    pub fn set_last_sync_at(&mut self, ms: i64) -> Result<(), StorageError> {
        self.set_meta(MetaKey::LastSyncAt, &ms.to_string())
    }
}

fn parse_actor(hex: &str) -> Option<ActorId> {
    hex.parse().ok()
}
