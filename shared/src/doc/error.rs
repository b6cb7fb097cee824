//! The error type of the `doc` module.
//!
//! Editing helpers and typed reads return [`DocError`]. Validation has its
//! own list-of-problems result ([`super::validate::ValidationError`]) because
//! it reports every problem at once rather than stopping at the first.

use super::path::DocPath;

/// Why a document operation failed. Never a panic: a malformed document
/// yields one of these.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// Nothing at this path (an unknown note id, a missing collection, ...).
    #[error("{path}: not found")]
    NotFound {
        /// Where the value was looked for.
        path: DocPath,
    },
    /// The value at this path has the wrong type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// Where.
        path: DocPath,
        /// What the operation needs.
        expected: &'static str,
        /// What the document holds.
        found: &'static str,
    },
    /// An entry with this key already exists (ids must be fresh).
    #[error("{path}: already exists")]
    AlreadyExists {
        /// The existing entry.
        path: DocPath,
    },
    /// A collection key is not acceptable (empty document id, ...).
    #[error("{path}: invalid key")]
    InvalidKey {
        /// The offending key's path.
        path: DocPath,
    },
    /// A document can only be created in an empty Automerge document.
    #[error("document is not empty")]
    NotEmpty,
    /// A text position or range lies outside the text or splits a character.
    #[error("{path}: position {pos} (+{len}) is out of range or splits a character")]
    OutOfRange {
        /// The text edited.
        path: DocPath,
        /// Start of the range, in the caller's units.
        pos: usize,
        /// Length of the range, in the caller's units.
        len: usize,
    },
    /// The document was opened with a text encoding positions cannot be
    /// converted to (grapheme clusters).
    #[error("unsupported text encoding for positional edits: {0:?}")]
    UnsupportedTextEncoding(automerge::TextEncoding),
    /// Recording an accompaniment step would put the steps out of order.
    #[error(transparent)]
    StepOrder(#[from] super::rules::steps::StepOrderError),
    /// Automerge failed.
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
    /// Writing a typed value failed.
    #[error(transparent)]
    Reconcile(#[from] autosurgeon::ReconcileError),
    /// Reading a typed value failed (the document does not match the type).
    #[error(transparent)]
    Hydrate(#[from] autosurgeon::HydrateError),
}
