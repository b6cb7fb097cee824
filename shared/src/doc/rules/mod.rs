//! The domain rules every client obeys, written once: the device library
//! (its API, FFI and CLI) checks them before it writes, the server checks
//! the zone-independent ones on every write that changes what they look
//! at, and the field app's TypeScript domain module runs the same cases
//! (`docs/schema/rule-cases.json`) through its own port.
//!
//! - [`steps`]: accompaniment steps go in order; a missed step is entered
//!   late with the time it happened;
//! - [`note_input`]: a note's service date agrees with its start, its end
//!   is not before its start, its setting comes from the vocabulary;
//! - [`write`]: those note checks applied to what a write changed, so old
//!   documents never become unwritable;
//! - [`standing`]: where a note stands in review;
//! - [`news`]: what a sync brought a worker about their notes' reviews.
//!
//! Pure functions: no clock, no I/O; times are passed in.

pub mod news;
pub mod note_input;
pub mod standing;
pub mod steps;
pub mod write;

pub use news::{ReviewNews, headline, review_news};
pub use note_input::{NoteInput, NoteInputError, NoteProblem, Zone, check_note_input};
pub use standing::{NoteStanding, note_standing};
pub use steps::{StepOrderError, StepOrderProblem, StepTimes, check_stamp, out_of_order};
pub use write::check_note_writes;
