//! What validation reports: [`ValidationError`] (a path and a
//! [`Problem`]) and how it reads.
//!
//! Messages are meant for a developer of a third-party client or an
//! administrator reading the quarantine: `path: problem`, e.g.
//! `notes.<id>.encounterAt: expected timestamp, found integer` or
//! `status: expected one of "draft", "submitted", found "final"`. Values
//! quoted from the document are shortened and escaped.

use std::fmt;

use super::path::DocPath;
use super::schema::{DocKind, SCHEMA_VERSION};
use super::shape::Const;

/// Longest excerpt of an offending string value quoted in a message.
const EXCERPT_CHARS: usize = 40;

/// One problem found in a document: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where in the document.
    pub path: DocPath,
    /// What is wrong there.
    pub problem: Problem,
}

/// What is wrong at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required field is absent (or null).
    Missing,
    /// The value has the wrong type.
    WrongType {
        /// What the schema expects (`text`, `string`, `timestamp`, `map`, ...).
        expected: &'static str,
        /// What the document holds.
        found: &'static str,
    },
    /// A string is not one of the allowed values.
    NotOneOf {
        /// The allowed values.
        allowed: &'static [&'static str],
        /// An excerpt of the value found.
        found: String,
    },
    /// A value differs from the one fixed value allowed.
    NotConst {
        /// The value required.
        expected: Const,
        /// The value found, rendered.
        found: String,
    },
    /// A collection key is not a canonical UUID string.
    KeyNotUuid,
    /// A collection key is the empty string.
    EmptyKey,
    /// A string is not a calendar date `YYYY-MM-DD`.
    NotADate {
        /// An excerpt of the value found.
        found: String,
    },
    /// A string is not a canonical UUID.
    NotAUuid {
        /// An excerpt of the value found.
        found: String,
    },
    /// A string is not a hex change hash.
    NotAChangeHash {
        /// An excerpt of the value found.
        found: String,
    },
    /// `@type` names no known document kind.
    UnknownType {
        /// An excerpt of the value found.
        found: String,
    },
    /// `schema` is a version this build does not know.
    UnsupportedSchema {
        /// The document kind.
        kind: DocKind,
        /// The version found.
        found: i64,
    },
    /// Automerge refused to read the value.
    Unreadable {
        /// Automerge's error message.
        detail: String,
    },
    /// Validation stopped after [`MAX_ERRORS`](super::validate::MAX_ERRORS) problems.
    TooManyErrors {
        /// The limit that was reached.
        limit: usize,
    },
}

impl fmt::Display for Const {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Const::Str(s) => write!(f, "{s:?}"),
            Const::Int(i) => write!(f, "{i}"),
            Const::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing required field"),
            Problem::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            Problem::NotOneOf { allowed, found } => {
                f.write_str("expected one of ")?;
                for (i, v) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v:?}")?;
                }
                write!(f, ", found {found}")
            }
            Problem::NotConst { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            Problem::KeyNotUuid => {
                f.write_str("key is not a UUID (expected lowercase hyphenated 8-4-4-4-12 hex)")
            }
            Problem::EmptyKey => f.write_str("key is empty"),
            Problem::NotADate { found } => {
                write!(f, "expected a calendar date YYYY-MM-DD, found {found}")
            }
            Problem::NotAUuid { found } => {
                write!(f, "expected a UUID (lowercase, hyphenated), found {found}")
            }
            Problem::NotAChangeHash { found } => {
                write!(
                    f,
                    "expected a change hash (64 lowercase hex digits), found {found}"
                )
            }
            Problem::UnknownType { found } => write!(f, "unknown document type {found}"),
            Problem::UnsupportedSchema { kind, found } => write!(
                f,
                "unsupported schema version {found} for {} (this build reads {SCHEMA_VERSION})",
                kind.type_name()
            ),
            Problem::Unreadable { detail } => write!(f, "could not be read: {detail}"),
            Problem::TooManyErrors { limit } => {
                write!(f, "too many problems; stopped after {limit}")
            }
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl std::error::Error for ValidationError {}

/// A quoted, shortened rendering of a string from the document.
pub(crate) fn excerpt(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{head:?}…")
    } else {
        format!("{head:?}")
    }
}
