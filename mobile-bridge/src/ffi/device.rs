//! [`AlongsideDevice`]: the object an app holds for its store. Opening it
//! checks the key; every editing and reading call goes straight to the
//! typed API ([`crate::api::Device`]) behind one shared lock, and the sync
//! calls (see [`super::enrol`] and [`super::sync`]) run on the runtime the
//! object owns.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

use super::background::Running;
use super::error::BridgeError;
use super::inputs::{AccompanimentStep, NewAccompaniment, NewNote, NoteField, TextEdit};
use super::records::Identity;
use super::{Accompaniment, CaseloadEntry, Note, NoteSummary, Review};
use crate::api::Device;
use crate::clock;
use crate::store::{KEY_LEN, MetaKey, StoreKey};
use crate::sync::SyncClient;

/// A worker's device: its encrypted store, who it is, and its sync client.
///
/// Every method blocks the calling thread until done (call it off the UI
/// thread). Calls from several threads are safe: edits hold the store's
/// lock briefly, and a sync never holds it while waiting on the network.
#[derive(uniffi::Object)]
pub struct AlongsideDevice {
    pub(super) device: Arc<Mutex<Device>>,
    pub(super) runtime: tokio::runtime::Runtime,
    /// The sync client, made on first use from the stored server and token
    /// (and dropped when they change), so that two `sync_now` calls at
    /// once are told [`BridgeError::Busy`].
    pub(super) sync: Mutex<Option<Arc<SyncClient<Device>>>>,
    /// Background sync, while started (see [`super::background`]).
    pub(super) background: Mutex<Option<Running>>,
}

impl std::fmt::Debug for AlongsideDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlongsideDevice").finish_non_exhaustive()
    }
}

/// Locks a mutex, turning a poisoned lock (a panic in another call) into
/// an error rather than a second panic.
pub(super) fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, BridgeError> {
    m.lock().map_err(|_| BridgeError::Internal {
        detail: "the store lock is poisoned".into(),
    })
}

#[uniffi::export]
impl AlongsideDevice {
    /// Opens (or creates) the store at `path` with the 32-byte `key` from
    /// the platform keystore. A key that does not open an existing store is
    /// [`BridgeError::WrongKey`], and nothing in the file is changed.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> Result<Arc<Self>, BridgeError> {
        let key = Zeroizing::new(key);
        let key = StoreKey::from_slice(&key).ok_or_else(|| {
            BridgeError::invalid("key", format!("must be exactly {KEY_LEN} bytes"))
        })?;
        if path.trim().is_empty() {
            return Err(BridgeError::invalid("path", "must not be empty"));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("alongside-bridge")
            .enable_all()
            .build()
            .map_err(|e| BridgeError::Internal {
                detail: format!("cannot start the sync runtime: {e}"),
            })?;
        let device = Device::open(Path::new(&path), &key, clock::system())?;
        Ok(Arc::new(Self {
            device: Arc::new(Mutex::new(device)),
            runtime,
            sync: Mutex::new(None),
            background: Mutex::new(None),
        }))
    }

    /// Who this device is, if enrolled.
    pub fn identity(&self) -> Result<Option<Identity>, BridgeError> {
        let device = lock(&self.device)?;
        let server = device.store().meta(MetaKey::ServerUrl)?;
        Ok(device.identity().map(|i| Identity::new(i, server)))
    }

    /// The caseload: participants the server lists and those held here
    /// (including ones created offline), by name.
    pub fn caseload(&self) -> Result<Vec<CaseloadEntry>, BridgeError> {
        Ok(lock(&self.device)?.caseload()?)
    }

    /// Creates a participant record; returns its id.
    pub fn create_participant(&self, display_name: String) -> Result<String, BridgeError> {
        Ok(lock(&self.device)?.create_participant(&display_name)?)
    }

    /// Adds a draft note to `participant`; returns the note's id.
    pub fn add_note(&self, participant: String, note: NewNote) -> Result<String, BridgeError> {
        Ok(lock(&self.device)?.add_note(&participant, &note.into())?)
    }

    /// Edits one text field of a note (positions in UTF-16 code units);
    /// returns the field's new text.
    pub fn edit_note(
        &self,
        participant: String,
        note: String,
        field: NoteField,
        edit: TextEdit,
    ) -> Result<String, BridgeError> {
        Ok(lock(&self.device)?.edit_note_text(&participant, &note, field.into(), &edit.into())?)
    }

    /// Submits (signs) a note; it must say what was done.
    pub fn submit_note(&self, participant: String, note: String) -> Result<Note, BridgeError> {
        Ok(lock(&self.device)?.submit_note(&participant, &note)?)
    }

    /// One note, with its reviews.
    pub fn note(&self, participant: String, note: String) -> Result<Note, BridgeError> {
        Ok(lock(&self.device)?.note(&participant, &note)?)
    }

    /// A participant's notes, newest service date first.
    pub fn notes(&self, participant: String) -> Result<Vec<NoteSummary>, BridgeError> {
        Ok(lock(&self.device)?.notes(&participant)?)
    }

    /// Supervisor reviews of a participant's notes (of one note, if
    /// given), oldest first.
    pub fn reviews(
        &self,
        participant: String,
        note: Option<String>,
    ) -> Result<Vec<Review>, BridgeError> {
        Ok(lock(&self.device)?.reviews(&participant, note.as_deref())?)
    }

    /// Sets off with `participant` to an appointment: creates its log,
    /// stamped departed now. Returns the accompaniment's id.
    pub fn start_accompaniment(
        &self,
        participant: String,
        appointment: NewAccompaniment,
    ) -> Result<String, BridgeError> {
        Ok(lock(&self.device)?.start_accompaniment(&participant, &appointment.into())?)
    }

    /// Stamps a step of an accompaniment with the device's time now, or,
    /// with `at` (ms), enters a missed step with the time it happened
    /// (marked entered late). Steps go in order: out of order is
    /// [`BridgeError::StepOutOfOrder`], with nothing stored.
    #[uniffi::method(default(at = None))]
    pub fn stamp(
        &self,
        accompaniment: String,
        step: AccompanimentStep,
        at: Option<i64>,
    ) -> Result<Accompaniment, BridgeError> {
        Ok(lock(&self.device)?.stamp_at(&accompaniment, step.into(), at)?)
    }

    /// Sets what came of the appointment (only the difference is applied).
    pub fn set_outcome(
        &self,
        accompaniment: String,
        text: String,
    ) -> Result<Accompaniment, BridgeError> {
        Ok(lock(&self.device)?.set_outcome(&accompaniment, &text)?)
    }

    /// Sets the barriers met (only the difference is applied).
    pub fn set_barriers(
        &self,
        accompaniment: String,
        text: String,
    ) -> Result<Accompaniment, BridgeError> {
        Ok(lock(&self.device)?.set_barriers(&accompaniment, &text)?)
    }

    /// Links an accompaniment to the note that documents it.
    pub fn link_note(&self, accompaniment: String, note: String) -> Result<(), BridgeError> {
        Ok(lock(&self.device)?.link_note(&accompaniment, &note)?)
    }

    /// Adds a follow-up (due `YYYY-MM-DD`, if given); returns its id.
    pub fn add_follow_up(
        &self,
        accompaniment: String,
        text: String,
        due_on: Option<String>,
    ) -> Result<String, BridgeError> {
        Ok(lock(&self.device)?.add_follow_up(&accompaniment, &text, due_on.as_deref())?)
    }

    /// Ticks a follow-up done, now.
    pub fn tick_follow_up(
        &self,
        accompaniment: String,
        follow_up: String,
    ) -> Result<Accompaniment, BridgeError> {
        Ok(lock(&self.device)?.tick_follow_up(&accompaniment, &follow_up)?)
    }

    /// One accompaniment log.
    pub fn accompaniment(&self, accompaniment: String) -> Result<Accompaniment, BridgeError> {
        Ok(lock(&self.device)?.accompaniment(&accompaniment)?)
    }

    /// Every accompaniment log held (of one participant, if given).
    pub fn accompaniments(
        &self,
        participant: Option<String>,
    ) -> Result<Vec<Accompaniment>, BridgeError> {
        Ok(lock(&self.device)?.accompaniments(participant.as_deref())?)
    }
}
