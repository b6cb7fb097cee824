//! Alongside's shared core: the domain documents and the sans-IO sync core.
//!
//! - [`doc`]: the three document kinds (participant record, accompaniment
//!   log, caseload index) — typed views, intent-keeping edits, validation and
//!   the published JSON Schema.
//! - [`wire`]: the automerge-repo network protocol v1 — ids, messages, CBOR.
//! - [`sync`]: the sans-IO connection and document-sync state machine that
//!   the server and the mobile bridge drive.
//! - [`time`]: the wall clock and UTC calendar dates, for the drivers.
//!
//! The documents, the wire format and the sync core do no I/O, read no
//! clock and draw no random numbers: time and randomness are passed in by
//! the drivers. The one clock reading the drivers share is
//! [`time::now_ms`] (and [`time::now_micros`]); the core never calls it.

pub mod doc;
pub mod sync;
pub mod time;
pub mod wire;
