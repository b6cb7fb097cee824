//! Turning typed values into ones safe to write under a new key.
//!
//! An `autosurgeon::Text` that was hydrated from a document remembers that
//! document's heads and only replays its own edits when reconciled. Written
//! under a new key it would lose its content, so before inserting a value
//! the helpers rebuild every Text from its string ("fresh"). They also fill
//! optional text fields with an empty Text (see the module docs of
//! [`super`] for why).

use autosurgeon::Text;

use crate::doc::accompaniment::{Accompaniment, Appointment, FollowUp};
use crate::doc::participant::{Goal, Narrative, Note, Profile, Review};

/// A copy whose Text values are fresh.
pub(crate) trait Fresh {
    /// The copy.
    fn fresh(&self) -> Self;
}

impl Fresh for Text {
    fn fresh(&self) -> Self {
        Text::with_value(self.as_str())
    }
}

/// A fresh copy of an optional text, or an empty one if absent.
fn fresh_or_empty(text: &Option<Text>) -> Option<Text> {
    Some(text.as_ref().map(Fresh::fresh).unwrap_or_default())
}

impl Fresh for Profile {
    fn fresh(&self) -> Self {
        Self {
            display_name: self.display_name.fresh(),
            preferred_name: fresh_or_empty(&self.preferred_name),
            ..self.clone()
        }
    }
}

impl Fresh for Goal {
    fn fresh(&self) -> Self {
        Self {
            text: self.text.fresh(),
            ..self.clone()
        }
    }
}

impl Fresh for Narrative {
    fn fresh(&self) -> Self {
        Self {
            intervention: self.intervention.fresh(),
            purpose: self.purpose.fresh(),
            response: self.response.fresh(),
            plan: self.plan.fresh(),
        }
    }
}

impl Fresh for Note {
    fn fresh(&self) -> Self {
        Self {
            narrative: self.narrative.fresh(),
            participant_comment: fresh_or_empty(&self.participant_comment),
            ..self.clone()
        }
    }
}

impl Fresh for Review {
    fn fresh(&self) -> Self {
        Self {
            comment: self.comment.fresh(),
            ..self.clone()
        }
    }
}

impl Fresh for Appointment {
    fn fresh(&self) -> Self {
        Self {
            place: self.place.fresh(),
            ..self.clone()
        }
    }
}

impl Fresh for FollowUp {
    fn fresh(&self) -> Self {
        Self {
            text: self.text.fresh(),
            ..self.clone()
        }
    }
}

impl Fresh for Accompaniment {
    fn fresh(&self) -> Self {
        Self {
            appointment: self.appointment.fresh(),
            purpose: self.purpose.fresh(),
            outcome: self.outcome.fresh(),
            barriers: self.barriers.fresh(),
            follow_ups: self
                .follow_ups
                .iter()
                .map(|(id, f)| (*id, f.fresh()))
                .collect(),
            ..self.clone()
        }
    }
}
