//! Who may read and write which document (`docs/sync-protocol.md`, `docs/security.md`).
//!
//! - [`table`]: the in-memory picture of users, teams and document
//!   ownership that every access decision reads, loaded from the database
//!   and kept current by the sync driver;
//! - [`rules`]: whether a write a peer sent may be merged (schema, what the
//!   writer may touch, claiming a new document);
//! - [`actors`]: Automerge actor ids bound to the device that first used
//!   them;
//! - [`caseload`]: the per-user caseload index documents the server keeps,
//!   and assignment of participants to peers; [`index_writer`] applies the
//!   sync driver's index edits, coalesced per user; [`cover_expiry`] ends
//!   covers granted until a day.
//!
//! The rules are pure functions over these structures, so they are tested
//! without a database; the sync driver feeds them and enforces them through
//! the hub's policy hook ([`crate::sync::ServerPolicy`]).

pub mod actors;
pub mod caseload;
pub mod cover_expiry;
pub mod index_writer;
pub mod rules;
pub mod table;

pub use table::{AccessTable, DocClass};
