//! What a phone app embeds (DESIGN.md §2): the encrypted local store, typed
//! editing API and sync client driving [`alongside_shared::sync::Hub`] in the
//! initiating role.
//!
//! - [`storage`]: the contract between the sync client and the local store
//!   ([`storage::DeviceStore`]), so that each can be built and tested on its
//!   own.
//! - [`sync`]: the sync client, [`sync::SyncClient`], and background sync.

pub mod storage;
pub mod sync;
