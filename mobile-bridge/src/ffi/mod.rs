//! The FFI surface for the phone apps (UniFFI, proc-macro style): what
//! Kotlin, Swift and the Python test call. Generated bindings live in
//! `mobile-bridge/bindings/` (`bindings/generate.sh` regenerates them).
//!
//! - [`AlongsideDevice`] ([`device`]): open a store with the keystore's key,
//!   then the typed editing API — caseload, participants, notes (UTF-16
//!   text positions), accompaniments, follow-ups, reviews;
//! - [`enrol`]: sign the device in with a password or a provisioned token;
//! - [`sync`]: `sync_now` and `status`;
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
//! network; a second `sync_now` while one runs is [`BridgeError::Busy`].

mod device;
mod enrol;
mod error;
mod inputs;
mod records;
mod sync;

#[cfg(test)]
mod tests;

pub use device::AlongsideDevice;
pub use error::BridgeError;
pub use inputs::{AccompanimentStep, NewAccompaniment, NewNote, NoteField, TextEdit};
pub use records::{
    Accompaniment, CaseloadEntry, FollowUp, Identity, Note, NoteSummary, Review, StoreStatus,
    SyncIssue, SyncReport,
};
