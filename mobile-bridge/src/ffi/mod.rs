//! The FFI surface for the phone apps (UniFFI, proc-macro style): what
//! Kotlin, Swift and the Python test call. Generated bindings live in
//! `mobile-bridge/bindings/` (`bindings/generate.sh` regenerates them).
//!
//! - [`AlongsideDevice`] ([`device`]): open a store with the keystore's key,
//!   then the typed editing API — caseload, participants, notes (UTF-16
//!   text positions), accompaniments, follow-ups, reviews;
//! - [`enrol`]: sign the device in with a password or a provisioned token;
//! - [`trust`]: `trust_certificate`, a development server's CA kept in
//!   the sealed store and trusted by enrolment and every sync;
//! - [`sync`]: `sync_now` and `status`;
//! - [`background`]: `start_background_sync` with a [`SyncListener`] the
//!   app implements, `sync_soon`, `stop_background_sync`;
//! - [`records`] and [`inputs`]: the values crossing the boundary;
//! - [`BridgeError`] ([`error`]): one typed error for every call.
//!
//! # Async across the boundary
//!
//! Every call is blocking. An [`AlongsideDevice`] owns a small tokio
//! runtime (one worker thread) and runs network calls on it with
//! `block_on`; store calls are short and run on the caller's thread. Apps
//! already call storage and network code from background threads (Kotlin
//! `Dispatchers.IO`, Swift tasks or `DispatchQueue`s, WorkManager), so a
//! blocking call fits all of them and the Python test alike, without tying
//! the bindings to each language's async runtime (UniFFI's async needs a
//! foreign executor per language and makes every call a suspend point).
//! Calls never run inside another tokio runtime, which `block_on` forbids.
//! The object is `Send + Sync`: calls from several threads serialise on
//! the store's lock, which a sync holds only briefly, never across the
//! network; a second `sync_now` while one runs (or while background sync
//! runs one) is [`BridgeError::Busy`].
//!
//! Background sync is the one place the bridge calls the app: its
//! [`SyncListener`] is called on a thread of the bridge's own
//! (`alongside-sync-listener`), in order, never on the UI thread; see
//! [`background`].

mod background;
mod device;
mod enrol;
mod error;
mod inputs;
mod records;
mod sync;
mod trust;

#[cfg(test)]
mod background_tests;
#[cfg(test)]
mod tests;

pub use background::{SyncListener, SyncStopReason};
pub use device::AlongsideDevice;
pub use error::BridgeError;
pub use inputs::{AccompanimentStep, NewAccompaniment, NewNote, NoteField, TextEdit};
pub use records::{Identity, ReviewNews, StoreStatus, SyncIssue, SyncReport};

// The typed API's views are the FFI's records, under the names Kotlin and
// Swift give them.
pub use crate::api::{
    AccompanimentView as Accompaniment, CaseloadEntry, FollowUpView as FollowUp, NoteSummary,
    NoteView as Note, ReviewView as Review,
};
