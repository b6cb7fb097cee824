//! The typed editing API a phone app calls (through the FFI) and the
//! device CLI drives.
//!
//! A [`Device`] owns the encrypted store, the device's identity (user id,
//! device id, a stable Automerge actor) and an injected clock. Every
//! operation checks its input, applies one targeted edit from
//! [`alongside_shared::doc::edit`] and commits it as ONE store transaction
//! (or returns an [`ApiError`] having stored nothing). Text positions are
//! UTF-16 code units, as Kotlin and Swift count them.
//!
//! - [`caseload`](Device::caseload), [`create_participant`](Device::create_participant);
//! - notes: [`add_note`](Device::add_note), [`edit_note_text`](Device::edit_note_text),
//!   [`submit_note`](Device::submit_note), [`note`](Device::note),
//!   [`notes`](Device::notes), [`reviews`](Device::reviews);
//! - accompaniments: [`start_accompaniment`](Device::start_accompaniment),
//!   [`stamp`](Device::stamp), [`set_outcome`](Device::set_outcome),
//!   [`set_barriers`](Device::set_barriers), [`add_follow_up`](Device::add_follow_up),
//!   [`tick_follow_up`](Device::tick_follow_up), [`accompaniment`](Device::accompaniment).
//!
//! The sync client syncs a `Device` directly (it implements
//! [`crate::storage::DeviceStore`]): share one `Arc<Mutex<Device>>`.

mod accompany;
mod caseload;
mod error;
mod input;
mod notes;
mod read;
mod sync_store;
mod views;

#[cfg(test)]
mod tests;

use std::path::Path;

use alongside_shared::doc::{DocKind, Timestamp};
use alongside_shared::wire::DocumentId;
use automerge::ActorId;

use crate::clock::SharedClock;
use crate::store::{MetaKey, SqliteStore, StoreKey, StoreStatus};

pub use accompany::Step;
pub use error::ApiError;
pub use input::{MAX_LABEL_CHARS, MAX_TEXT_CHARS, NewAccompaniment, NewNote, NoteText, TextEdit};
pub use views::{
    AccompanimentView, CaseloadEntry, FollowUpView, Identity, NoteSummary, NoteView, ReviewView,
};

/// What enrolment tells a device about itself.
#[derive(Debug, Clone, Default)]
pub struct Enrolment {
    /// The user's id.
    pub user_id: String,
    /// The user's name, as notes are signed.
    pub user_name: Option<String>,
    /// This device's id.
    pub device_id: String,
    /// The user's caseload index document (bs58check), if known.
    pub caseload_index: Option<String>,
}

/// A worker's device: the store, who it is, and its clock.
pub struct Device {
    store: SqliteStore,
    clock: SharedClock,
    identity: Option<Identity>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Device {
    /// Opens the device's store at `path` with `key`.
    pub fn open(path: &Path, key: &StoreKey, clock: SharedClock) -> Result<Self, ApiError> {
        let store = SqliteStore::open(path, key, clock.clone())?;
        Self::from_store(store, clock)
    }

    /// A device whose store lives in memory (tests).
    pub fn open_in_memory(key: &StoreKey, clock: SharedClock) -> Result<Self, ApiError> {
        let store = SqliteStore::open_in_memory(key, clock.clone())?;
        Self::from_store(store, clock)
    }

    /// Wraps an open store.
    pub fn from_store(store: SqliteStore, clock: SharedClock) -> Result<Self, ApiError> {
        let identity = read_identity(&store)?;
        Ok(Self {
            store,
            clock,
            identity,
        })
    }

    /// Records who this device is (after enrolment with the server, or
    /// provisioned offline). Creates the device's Automerge actor the
    /// first time; it never changes afterwards.
    pub fn enrol(&mut self, e: &Enrolment) -> Result<Identity, ApiError> {
        self.enrol_with(e, &[])
    }

    /// [`enrol`](Self::enrol), storing `also` (for example the server's
    /// URL and the device token) in the same transaction as the identity:
    /// afterwards the device is enrolled with all of them, or, on any
    /// error, nothing was written. Identity keys in `also` are ignored
    /// (the enrolment's own values win).
    pub fn enrol_with(
        &mut self,
        e: &Enrolment,
        also: &[(MetaKey, Option<&str>)],
    ) -> Result<Identity, ApiError> {
        let user_id = input::label("user_id", &e.user_id)?;
        let device_id = input::label("device_id", &e.device_id)?;
        let user_name = e
            .user_name
            .as_deref()
            .map(|n| input::label("user_name", n))
            .transpose()?;
        let index = e
            .caseload_index
            .as_deref()
            .map(|t| error::parse_doc_id("caseload_index", t))
            .transpose()?;
        let actor = match self.store.device_actor()? {
            Some(actor) => actor.to_hex_string(),
            None => {
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes)
                    .map_err(|e| crate::storage::StorageError::Io(format!("no randomness: {e}")))?;
                ActorId::from(bytes).to_hex_string()
            }
        };
        let index = index.map(|i| i.to_string());
        let mut values = vec![
            (MetaKey::Actor, Some(actor.as_str())),
            (MetaKey::UserId, Some(user_id.as_str())),
            (MetaKey::DeviceId, Some(device_id.as_str())),
            (MetaKey::UserName, user_name.as_deref()),
        ];
        if let Some(index) = &index {
            values.push((MetaKey::CaseloadIndex, Some(index.as_str())));
        }
        let identity_keys: Vec<MetaKey> = values.iter().map(|(k, _)| *k).collect();
        values.extend(
            also.iter()
                .filter(|(k, _)| !identity_keys.contains(k))
                .copied(),
        );
        // One transaction: a device is enrolled entirely or not at all.
        self.store.set_metas(&values)?;
        self.identity = read_identity(&self.store)?;
        self.identity.clone().ok_or(ApiError::NotEnrolled)
    }

    /// Records the caseload index's id (the sync client learns it).
    pub fn set_caseload_index(&mut self, id: &DocumentId) -> Result<(), ApiError> {
        self.store
            .set_meta(MetaKey::CaseloadIndex, &id.to_string())?;
        self.identity = read_identity(&self.store)?;
        Ok(())
    }

    /// Who this device is, if enrolled.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// Pending documents and changes, last sync.
    pub fn status(&self) -> Result<StoreStatus, ApiError> {
        Ok(self.store.status()?)
    }

    /// The store (read).
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// The store, for the sync client.
    pub fn store_mut(&mut self) -> &mut SqliteStore {
        &mut self.store
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.clock.now_ms())
    }

    fn me(&self) -> Result<&Identity, ApiError> {
        self.identity.as_ref().ok_or(ApiError::NotEnrolled)
    }

    /// A held document of `kind`, or the matching "unknown" error.
    fn require(
        &self,
        field: &'static str,
        id: &str,
        kind: DocKind,
    ) -> Result<DocumentId, ApiError> {
        let doc_id = error::parse_doc_id(field, id)?;
        if self.store.kind(&doc_id) == Some(kind) {
            return Ok(doc_id);
        }
        Err(match kind {
            DocKind::Accompaniment => ApiError::UnknownAccompaniment(id.to_owned()),
            _ => ApiError::UnknownParticipant(id.to_owned()),
        })
    }
}

fn read_identity(store: &SqliteStore) -> Result<Option<Identity>, ApiError> {
    let (Some(user_id), Some(device_id), Some(actor)) = (
        store.meta(MetaKey::UserId)?,
        store.meta(MetaKey::DeviceId)?,
        store.meta(MetaKey::Actor)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(Identity {
        user_id,
        user_name: store.meta(MetaKey::UserName)?,
        device_id,
        actor,
        caseload_index: store.meta(MetaKey::CaseloadIndex)?,
    }))
}
