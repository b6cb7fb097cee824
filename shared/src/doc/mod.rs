//! Alongside's domain documents: schema, validation and typed views.
//!
//! Three kinds of Automerge document (see `docs/architecture.md#documents`): a participant
//! record, an accompanied-appointment log and a per-user caseload index.
//! Every root carries an envelope `"@type"` and `"schema"` (integer, now 1).
//! Collections are maps keyed by UUID strings, free text is Automerge Text,
//! instants are Automerge timestamps, calendar dates `YYYY-MM-DD` strings.
//!
//! - [`schema`] describes each kind as a [`shape::Shape`] tree — the single
//!   source of truth from which [`validate`](validate::validate) and the
//!   published JSON Schema ([`json_schema`]) are derived;
//! - [`participant`], [`accompaniment`], [`caseload`] are typed autosurgeon
//!   views, checked against the shapes by a test; [`read`] hydrates one
//!   entry (a note, a goal) without reading the rest;
//! - [`edit`] holds the targeted editing helpers that keep intent under
//!   concurrency (UUID-keyed inserts, text diffs and splices, scalar sets);
//!   [`utf16`] converts the mobile platforms' UTF-16 positions.
//!
//! Nothing here reads the clock or generates randomness: ids and
//! timestamps are passed in by the caller.

pub mod accompaniment;
pub mod authorship;
pub mod caseload;
pub mod date;
pub mod edit;
pub mod error;
pub mod ids;
pub mod json_schema;
pub mod lenient;
pub mod participant;
pub mod path;
pub mod problem;
pub mod read;
pub mod rules;
pub mod schema;
pub mod shape;
pub mod syntax;
pub mod timestamp;
pub mod touched;
pub mod utf16;
pub mod validate;
pub mod vocab;

pub use authorship::{AuthorshipError, Writer};
pub use date::CalendarDate;
pub use error::DocError;
pub use path::DocPath;
pub use schema::{DocKind, SCHEMA_VERSION};
pub use timestamp::Timestamp;
pub use touched::Touched;
pub use validate::{Problem, ValidationError, validate, validate_as, validate_touched};
