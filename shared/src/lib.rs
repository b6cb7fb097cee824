//! Alongside's shared core: the domain documents and the sans-IO sync core.
//!
//! - [`doc`]: the three document kinds (participant record, accompaniment
//!   log, caseload index) — typed views, intent-keeping edits, validation and
//!   the published JSON Schema.
//! - [`wire`]: the automerge-repo network protocol v1 — ids, messages, CBOR.
//! - [`sync`]: the sans-IO connection and document-sync state machine that
//!   the server and the mobile bridge drive.
//!
//! Nothing here does I/O, reads a clock or draws random numbers: time and
//! randomness are passed in by the drivers.

pub mod doc;
pub mod sync;
pub mod wire;
