//! The audit trail (`docs/security.md`): every read of a participant's data and
//! every write is an event — who, which device, which document, what, when,
//! from where — appended to a hash chain that `admin audit verify` checks.
//!
//! - [`record`]: [`AuditRecord`] (what to append) and [`AuditEvent`] (a
//!   stored row);
//! - [`chain`]: the canonical encoding and the row hash;
//! - [`auditor`]: [`Auditor`], batched appends with back-pressure;
//! - [`edge`]: the events handlers at the HTTP edge record (tokens,
//!   sign-ins, devices);
//! - [`console`]: the console's and its API's views and denials;
//! - [`verify`]: walks the stored chain and reports the first bad row.
//!
//! Appends inside another transaction use [`crate::db::audit::append`].

pub mod auditor;
pub mod chain;
pub mod console;
pub mod edge;
pub mod record;
pub mod verify;

pub use auditor::{AuditError, AuditWriter, Auditor, AuditorSettings};
pub use record::{AuditAction, AuditEvent, AuditOutcome, AuditRecord};
pub use verify::{Problem, Report, verify};
