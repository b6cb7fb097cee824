//! Typed view of an `alongside/participant` document.
//!
//! These structs hydrate from and reconcile into the document with
//! autosurgeon; field names follow [`super::schema::PARTICIPANT`] (a test
//! checks they agree). Free text is [`Text`] (collaborative, merged by
//! character); optional fields are `Option` and may be absent or null in the
//! document. Hydrating a whole participant reads every note: for targeted
//! reads and edits use [`super::read`] and [`super::edit`].

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use super::date::CalendarDate;
use super::schema::{DocKind, SCHEMA_VERSION};
use super::timestamp::Timestamp;
use super::vocab::{GoalStatus, NoteStatus, ReviewState};

/// A participant record: the root of an `alongside/participant` document.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Participant {
    /// Always `alongside/participant`.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "@type")]
    pub doc_type: String,
    /// Schema version.
    pub schema: i64,
    /// Who the participant is.
    pub profile: Profile,
    /// Recovery goals, by goal id.
    #[autosurgeon(with = "autosurgeon::map_with_parseable_keys")]
    pub goals: BTreeMap<Uuid, Goal>,
    /// Progress notes, by note id.
    #[autosurgeon(with = "autosurgeon::map_with_parseable_keys")]
    pub notes: BTreeMap<Uuid, Note>,
    /// Supervisor reviews, by review id.
    #[autosurgeon(with = "autosurgeon::map_with_parseable_keys")]
    pub reviews: BTreeMap<Uuid, Review>,
}

impl Participant {
    /// A new record with this profile and no goals, notes or reviews.
    pub fn new(profile: Profile) -> Self {
        Self {
            doc_type: DocKind::Participant.type_name().to_owned(),
            schema: SCHEMA_VERSION,
            profile,
            goals: BTreeMap::new(),
            notes: BTreeMap::new(),
            reviews: BTreeMap::new(),
        }
    }
}

/// The participant's profile.
#[derive(Debug, Clone, Default, Hydrate, Reconcile)]
pub struct Profile {
    /// Name shown in the caseload.
    #[autosurgeon(rename = "displayName")]
    pub display_name: Text,
    /// Name the participant prefers to be called.
    #[autosurgeon(rename = "preferredName", missing = "Default::default")]
    pub preferred_name: Option<Text>,
    /// Pronouns.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        missing = "Default::default"
    )]
    pub pronouns: Option<String>,
    /// Preferred language.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "preferredLanguage",
        missing = "Default::default"
    )]
    pub preferred_language: Option<String>,
}

impl Profile {
    /// A profile with only a display name.
    pub fn new(display_name: &str) -> Self {
        Self {
            display_name: Text::with_value(display_name),
            ..Self::default()
        }
    }
}

/// A recovery goal, in the participant's own words.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Goal {
    /// The goal text.
    pub text: Text,
    /// Where it stands.
    pub status: GoalStatus,
    /// When it was recorded.
    #[autosurgeon(rename = "createdAt")]
    pub created_at: Timestamp,
    /// User id of whoever recorded it.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "createdBy",
        missing = "Default::default"
    )]
    pub created_by: Option<String>,
}

/// A progress note.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Note {
    /// User id of the author.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "authorId")]
    pub author_id: String,
    /// Device the note was written on.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "deviceId")]
    pub device_id: String,
    /// Date of service.
    #[autosurgeon(rename = "serviceDate")]
    pub service_date: CalendarDate,
    /// Start of the encounter.
    #[autosurgeon(rename = "encounterAt")]
    pub encounter_at: Timestamp,
    /// End of the encounter.
    #[autosurgeon(rename = "encounterEndAt")]
    pub encounter_end_at: Timestamp,
    /// Place of service (community, home, clinic, telehealth, hospital, other).
    #[autosurgeon(hydrate = "crate::doc::lenient::string")]
    pub setting: String,
    /// Service type or billing code, e.g. `H0038`.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "serviceCode")]
    pub service_code: String,
    /// Goals addressed: goal id → `true`.
    #[autosurgeon(rename = "goalIds", with = "autosurgeon::map_with_parseable_keys")]
    pub goal_ids: BTreeMap<Uuid, bool>,
    /// The four-part narrative.
    pub narrative: Narrative,
    /// Draft or submitted.
    pub status: NoteStatus,
    /// When the note was created.
    #[autosurgeon(rename = "createdAt")]
    pub created_at: Timestamp,
    /// Author's name as signed.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "authorName",
        missing = "Default::default"
    )]
    pub author_name: Option<String>,
    /// Author's credentials, e.g. `CPRS`.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        missing = "Default::default"
    )]
    pub credentials: Option<String>,
    /// The participant's own comment (collaborative documentation).
    #[autosurgeon(rename = "participantComment", missing = "Default::default")]
    pub participant_comment: Option<Text>,
    /// True if the note holds 42 CFR Part 2 (substance-use) content.
    #[autosurgeon(missing = "Default::default")]
    pub part2: Option<bool>,
    /// When the note was submitted.
    #[autosurgeon(rename = "submittedAt", missing = "Default::default")]
    pub submitted_at: Option<Timestamp>,
    /// The author's signature.
    #[autosurgeon(missing = "Default::default")]
    pub signature: Option<Signature>,
    /// Last edit.
    #[autosurgeon(rename = "updatedAt", missing = "Default::default")]
    pub updated_at: Option<Timestamp>,
    /// Document id of the accompaniment this note documents.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "accompanimentId",
        missing = "Default::default"
    )]
    pub accompaniment_id: Option<String>,
}

/// The narrative of a progress note, in the usual four parts.
#[derive(Debug, Clone, Default, Hydrate, Reconcile)]
pub struct Narrative {
    /// What the peer specialist did.
    pub intervention: Text,
    /// Why: how it relates to the participant's goals.
    pub purpose: Text,
    /// The participant's response.
    pub response: Text,
    /// Plan and next steps.
    pub plan: Text,
}

/// A signature over the document as it stood at `heads`.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct Signature {
    /// User id of the signer.
    #[autosurgeon(hydrate = "crate::doc::lenient::string")]
    pub by: String,
    /// When it was signed.
    pub at: Timestamp,
    /// The heads signed, as hex change hashes (see [`super::ids::heads_to_hex`]).
    pub heads: Vec<String>,
}

/// A supervisor's review of a note.
#[derive(Debug, Clone, Hydrate, Reconcile)]
pub struct Review {
    /// Key of the reviewed note in `notes`.
    #[autosurgeon(rename = "noteId", with = "super::ids::uuid_string")]
    pub note_id: Uuid,
    /// The decision.
    pub state: ReviewState,
    /// The supervisor's comment.
    pub comment: Text,
    /// User id of the reviewer.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "reviewerId")]
    pub reviewer_id: String,
    /// When the review was made.
    pub at: Timestamp,
    /// The heads the reviewer saw, as hex change hashes.
    pub heads: Vec<String>,
    /// Reviewer's name.
    #[autosurgeon(
        hydrate = "crate::doc::lenient::opt_string",
        rename = "reviewerName",
        missing = "Default::default"
    )]
    pub reviewer_name: Option<String>,
}
