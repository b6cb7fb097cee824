//! What a phone app embeds (`docs/architecture.md#the-pieces`): the encrypted local store, typed
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
//! - [`ffi`]: the UniFFI surface for Kotlin, Swift and Python.

pub mod api;
pub mod clock;
pub mod ffi;
pub mod storage;
pub mod store;
pub mod sync;

// UniFFI's scaffolding: the C ABI functions and metadata symbols the
// generated bindings call (the `#[uniffi::export]` items in `ffi` add to
// them); it must sit at the crate root. `unsafe_code` stays denied here
// and in `ffi`: the `extern "C"` / `#[unsafe(no_mangle)]` items and raw
// buffer handling are emitted by UniFFI's proc macros, and rustc does not
// apply that lint to code expanded from another crate's macros, so no
// `allow` is needed (one on this invocation would be an unused attribute).
uniffi::setup_scaffolding!("alongside_bridge");
