//! The device's sync client (`docs/architecture.md#the-pieces`, `docs/sync-protocol.md`, `docs/security.md`): drives the shared sync
//! core ([`alongside_shared::sync::Hub`], initiating role) over a WebSocket
//! (rustls for `wss://`) against the server's `/sync`, reading and writing
//! the local store only through [`crate::storage::DeviceStore`].
//!
//! - [`SyncClient::sync_now`]: one sync, returning a [`SyncReport`].
//! - [`BackgroundSync`]: syncs on a schedule and on demand, with
//!   exponential backoff and jitter after failures.
//! - [`enrol`], [`who_am_i`]: signing a device in over the API, with the
//!   server given as a [`ServerUrl`].
//! - [`MemoryStore`]: an in-memory store for tests and measurements.
//!
//! Guarantees: what arrives is stored before the hub is told it is durable;
//! local changes are never deleted by a sync (the server's acknowledged
//! heads are only recorded); documents are deleted only when the caseload
//! index lists them under `purge`, or all of them when the server says the
//! device was revoked.

mod account;
mod api_client;
mod background;
mod backoff;
mod caseload;
mod client;
mod config;
mod error;
mod feed;
mod memory;
mod purge;
mod report;
mod server_url;
mod session;
mod transport;

pub use account::{Enrolled, Me, enrol, enrol_as, who_am_i};
pub use background::{BackgroundSync, Schedule, StopReason, SyncEvent, SyncStatus};
pub use backoff::Backoff;
pub use client::SyncClient;
pub use config::{BRIDGE_VERSION, SyncConfig};
pub use error::SyncError;
pub use memory::MemoryStore;
pub use report::{News, SyncIssue, SyncReport};
pub use server_url::ServerUrl;
pub use transport::{APP_VERSION_HEADER, PURGE_HEADER, PURGE_REVOKED, check_extra_ca};
