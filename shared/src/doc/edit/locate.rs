//! Names for the text fields of each document kind.
//!
//! The text helpers ([`super::text`]) take any [`DocPath`]; these enums name
//! the text fields the schema defines so callers (and the FFI) need not
//! spell paths by hand.

use uuid::Uuid;

use crate::doc::path::DocPath;

/// One of the four parts of a progress note's narrative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NarrativePart {
    /// What the peer specialist did.
    Intervention,
    /// Why.
    Purpose,
    /// The participant's response.
    Response,
    /// Plan and next steps.
    Plan,
}

impl NarrativePart {
    /// The key of this part in the `narrative` map.
    pub const fn key(self) -> &'static str {
        match self {
            NarrativePart::Intervention => "intervention",
            NarrativePart::Purpose => "purpose",
            NarrativePart::Response => "response",
            NarrativePart::Plan => "plan",
        }
    }
}

/// A text field of a participant document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantText {
    /// `profile.displayName`.
    DisplayName,
    /// `profile.preferredName`.
    PreferredName,
    /// `goals.<id>.text`.
    Goal(Uuid),
    /// `notes.<id>.narrative.<part>`.
    Narrative(Uuid, NarrativePart),
    /// `notes.<id>.participantComment`.
    ParticipantComment(Uuid),
    /// `reviews.<id>.comment`.
    ReviewComment(Uuid),
}

impl From<ParticipantText> for DocPath {
    fn from(field: ParticipantText) -> Self {
        match field {
            ParticipantText::DisplayName => DocPath::from(["profile", "displayName"]),
            ParticipantText::PreferredName => DocPath::from(["profile", "preferredName"]),
            ParticipantText::Goal(id) => {
                DocPath::from(["goals".to_owned(), id.to_string(), "text".to_owned()])
            }
            ParticipantText::Narrative(id, part) => {
                DocPath::from(["notes".to_owned(), id.to_string()])
                    .key("narrative")
                    .key(part.key())
            }
            ParticipantText::ParticipantComment(id) => {
                DocPath::from(["notes".to_owned(), id.to_string()]).key("participantComment")
            }
            ParticipantText::ReviewComment(id) => {
                DocPath::from(["reviews".to_owned(), id.to_string()]).key("comment")
            }
        }
    }
}

/// A text field of an accompaniment document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccompanimentText {
    /// `appointment.place`.
    Place,
    /// `purpose`.
    Purpose,
    /// `outcome`.
    Outcome,
    /// `barriers`.
    Barriers,
    /// `followUps.<id>.text`.
    FollowUp(Uuid),
}

impl From<AccompanimentText> for DocPath {
    fn from(field: AccompanimentText) -> Self {
        match field {
            AccompanimentText::Place => DocPath::from(["appointment", "place"]),
            AccompanimentText::Purpose => DocPath::from(["purpose"]),
            AccompanimentText::Outcome => DocPath::from(["outcome"]),
            AccompanimentText::Barriers => DocPath::from(["barriers"]),
            AccompanimentText::FollowUp(id) => {
                DocPath::from(["followUps".to_owned(), id.to_string(), "text".to_owned()])
            }
        }
    }
}
