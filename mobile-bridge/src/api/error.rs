//! The typed API's error: every refusal the app can show a person.

use alongside_shared::doc::DocError;
use alongside_shared::doc::rules::StepOrderError;
use alongside_shared::wire::DocumentId;

use crate::storage::StorageError;
use crate::store::EditError;

/// Why an operation of [`super::Device`] did not happen. Nothing was
/// stored when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The device has no identity yet (enrol first).
    #[error("this device is not enrolled")]
    NotEnrolled,
    /// An input is not acceptable.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No participant record with this id is held.
    #[error("no participant {0}")]
    UnknownParticipant(String),
    /// No accompaniment log with this id is held.
    #[error("no accompaniment {0}")]
    UnknownAccompaniment(String),
    /// The participant has no note with this id.
    #[error("no note {0}")]
    UnknownNote(String),
    /// The accompaniment has no follow-up with this id.
    #[error("no follow-up {0}")]
    UnknownFollowUp(String),
    /// A text position (UTF-16 code units) is past the end of the text or
    /// splits a character.
    #[error("position {pos} (+{len}) is outside the text or splits a character")]
    TextRange {
        /// Start, in UTF-16 code units.
        pos: usize,
        /// Length, in UTF-16 code units.
        len: usize,
    },
    /// An accompaniment step would go out of order (names the step and the
    /// stamped step it conflicts with).
    #[error("{0}")]
    StepOrder(StepOrderError),
    /// The stored document does not have the expected shape.
    #[error("document problem: {0}")]
    Document(Box<DocError>),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ApiError {
    /// An invalid-input error.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}

impl From<DocError> for ApiError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::OutOfRange { pos, len, .. } => ApiError::TextRange { pos, len },
            DocError::StepOrder(e) => ApiError::StepOrder(e),
            other => ApiError::Document(Box::new(other)),
        }
    }
}

impl From<EditError<ApiError>> for ApiError {
    fn from(e: EditError<ApiError>) -> Self {
        match e {
            EditError::Rejected(e) => e,
            EditError::NotHeld(id) => ApiError::UnknownParticipant(id.to_string()),
            EditError::AlreadyHeld(id) => ApiError::invalid("id", format!("{id} already exists")),
            EditError::Storage(e) => ApiError::Storage(e),
        }
    }
}

/// Parses a document id typed or passed by the app.
pub(crate) fn parse_doc_id(field: &'static str, text: &str) -> Result<DocumentId, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("{text:?} is not a document id")))
}

/// Parses an entry id (a UUID).
pub(crate) fn parse_uuid(field: &'static str, text: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(text.trim())
        .map_err(|_| ApiError::invalid(field, format!("{text:?} is not an id")))
}
