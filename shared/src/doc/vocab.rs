//! Closed vocabularies: the enum-valued string fields of the schema.
//!
//! Each enum is stored in the document as a scalar string (its wire value,
//! e.g. `"changes-requested"`). The `VALUES` list of each type is what the
//! schema ([`super::schema`]) uses for its [`super::shape::Shape::Enum`], so
//! the Rust type and the validator share one list.

use std::fmt;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler, reconcile::NoKey};

/// Declares a string-valued enum with its wire values and its autosurgeon
/// (de)serialisation as a scalar string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every wire value, in declaration order.
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// The wire value stored in the document.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text ),+
                }
            }

            /// The variant for a wire value, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $text => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
                Self::parse(s).ok_or_else(|| {
                    HydrateError::unexpected(
                        concat!("a ", stringify!($name), " value"),
                        format!("{s:?}"),
                    )
                })
            }

            // JavaScript clients write plain strings as Text.
            fn hydrate_text<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, HydrateError> {
                Self::hydrate_string(&doc.text(obj)?)
            }
        }

        impl Reconcile for $name {
            type Key<'a> = NoKey;

            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }

        impl From<$name> for automerge::ScalarValue {
            fn from(v: $name) -> Self {
                automerge::ScalarValue::Str(v.as_str().into())
            }
        }
    };
}

string_enum! {
    /// Where a recovery goal stands.
    GoalStatus {
        /// Being worked on.
        Active => "active",
        /// Reached.
        Achieved => "achieved",
        /// Set aside for now.
        Paused => "paused",
        /// No longer pursued.
        Closed => "closed",
    }
}

string_enum! {
    /// Lifecycle of a progress note.
    NoteStatus {
        /// Being written; not yet signed.
        Draft => "draft",
        /// Signed by its author and sent for review.
        Submitted => "submitted",
    }
}

string_enum! {
    /// A supervisor's decision on a note.
    ReviewState {
        /// Co-signed.
        Approved => "approved",
        /// Sent back to the worker with a comment.
        ChangesRequested => "changes-requested",
    }
}

string_enum! {
    /// Where a progress note's service took place (place of service). Older
    /// documents may hold free text here; a write that sets `setting` must
    /// use one of these (see [`crate::doc::rules`]).
    Setting {
        /// Out in the community (a café, a park, an office visited together).
        Community => "community",
        /// The participant's home.
        Home => "home",
        /// A clinic or the programme's office.
        Clinic => "clinic",
        /// By phone or video.
        Telehealth => "telehealth",
        /// A hospital (inpatient or emergency).
        Hospital => "hospital",
        /// Anywhere else.
        Other => "other",
    }
}

string_enum! {
    /// What kind of appointment a participant was accompanied to.
    AppointmentKind {
        /// Medical (GP, hospital, dentist, ...).
        Medical => "medical",
        /// Mental-health service.
        MentalHealth => "mental-health",
        /// Housing office or landlord.
        Housing => "housing",
        /// Benefits office.
        Benefits => "benefits",
        /// Solicitor or legal advice.
        Legal => "legal",
        /// Court hearing.
        Court => "court",
        /// Employment service or interview.
        Employment => "employment",
        /// School, college or training.
        Education => "education",
        /// Community group or activity.
        Community => "community",
        /// Anything else.
        Other => "other",
    }
}

string_enum! {
    /// How the worker and participant travelled.
    Transport {
        /// On foot.
        Walk => "walk",
        /// Bus, train, tram.
        PublicTransport => "public-transport",
        /// Private car.
        Car => "car",
        /// Taxi or ride service.
        Taxi => "taxi",
        /// Anything else.
        Other => "other",
    }
}

string_enum! {
    /// Lifecycle of an accompanied appointment.
    AccompanimentStatus {
        /// Arranged, not started.
        Planned => "planned",
        /// Under way.
        InProgress => "in-progress",
        /// Done.
        Completed => "completed",
        /// Did not happen.
        Cancelled => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for v in ReviewState::VALUES {
            let parsed = ReviewState::parse(v).map(ReviewState::as_str);
            assert_eq!(parsed, Some(*v));
        }
        assert_eq!(Transport::PublicTransport.to_string(), "public-transport");
        assert_eq!(AccompanimentStatus::parse("done"), None);
    }
}
