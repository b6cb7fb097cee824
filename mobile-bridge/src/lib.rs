//! What a phone app embeds (DESIGN.md §2): the encrypted local store, typed
//! editing API and sync client driving [`alongside_shared::sync::Hub`] in the
//! initiating role.
//!
//! - [`storage`]: the contract between the sync client and the local store
//!   ([`storage::DeviceStore`]), so that each can be built and tested on its
//!   own.
//! - [`store`]: the encrypted SQLite store implementing it.
//! - [`api`]: the typed editing API over the shared documents ([`api::Device`]).
//! - [`clock`]: the injected clock.
//! - [`sync`]: the sync client, [`sync::SyncClient`], and background sync.

pub mod api;
pub mod clock;
pub mod storage;
pub mod store;
pub mod sync;
