//! Schema version 1 of the three document kinds, as [`Shape`] trees.
//!
//! This file is the single source of truth for field names, which fields
//! are required, and what each holds. Validation and the published JSON
//! Schema (`docs/schema/*.schema.json`) are derived from it; the typed views
//! in `participant.rs`, `accompaniment.rs` and `caseload.rs` are tested
//! against it. Changing a field here means regenerating the JSON Schema
//! (see `tests/doc_schema.rs`) and updating the typed view.

use super::shape::{Const, Field, KeyRule, Shape};
use super::vocab::{
    AccompanimentStatus, AppointmentKind, GoalStatus, NoteStatus, ReviewState, Setting, Transport,
};

/// The schema version this build writes and validates.
pub const SCHEMA_VERSION: i64 = 1;

/// Root key holding the document type.
pub const TYPE_KEY: &str = "@type";
/// Root key holding the schema version.
pub const SCHEMA_KEY: &str = "schema";

/// The kinds of document Alongside stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// `alongside/participant`: profile, goals, progress notes, reviews.
    Participant,
    /// `alongside/accompaniment`: one accompanied appointment.
    Accompaniment,
    /// `alongside/caseload-index`: a user's document list, server-maintained.
    CaseloadIndex,
}

impl DocKind {
    /// Every kind.
    pub const ALL: [DocKind; 3] = [
        DocKind::Participant,
        DocKind::Accompaniment,
        DocKind::CaseloadIndex,
    ];

    /// The `@type` value of this kind.
    pub const fn type_name(self) -> &'static str {
        match self {
            DocKind::Participant => "alongside/participant",
            DocKind::Accompaniment => "alongside/accompaniment",
            DocKind::CaseloadIndex => "alongside/caseload-index",
        }
    }

    /// The kind whose `@type` is `name`.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.type_name() == name)
    }

    /// The root shape of this kind (schema version [`SCHEMA_VERSION`]).
    pub const fn shape(self) -> &'static Shape {
        match self {
            DocKind::Participant => &PARTICIPANT,
            DocKind::Accompaniment => &ACCOMPANIMENT,
            DocKind::CaseloadIndex => &CASELOAD_INDEX,
        }
    }

    /// Short name used for the schema file: `<stem>.schema.json`.
    pub const fn file_stem(self) -> &'static str {
        match self {
            DocKind::Participant => "participant",
            DocKind::Accompaniment => "accompaniment",
            DocKind::CaseloadIndex => "caseload-index",
        }
    }

    /// Human title of the published schema.
    pub const fn title(self) -> &'static str {
        match self {
            DocKind::Participant => "Alongside participant record",
            DocKind::Accompaniment => "Alongside accompanied appointment",
            DocKind::CaseloadIndex => "Alongside caseload index",
        }
    }

    /// What a document of this kind is, for the published schema.
    pub const fn description(self) -> &'static str {
        match self {
            DocKind::Participant => {
                "One Automerge document per participant: profile, recovery goals in the \
                 participant's own words, progress notes and supervisor reviews."
            }
            DocKind::Accompaniment => {
                "One Automerge document per accompanied appointment: where, with whom, the \
                 steps of the day, what came of it and the follow-ups."
            }
            DocKind::CaseloadIndex => {
                "One Automerge document per user, maintained by the server and read-only for \
                 devices: the documents that user's devices should hold."
            }
        }
    }
}

const fn envelope_type(kind: DocKind) -> Field {
    Field::required(
        TYPE_KEY,
        Shape::Const(Const::Str(kind.type_name())),
        "Document type.",
    )
}

const ENVELOPE_SCHEMA: Field = Field::required(
    SCHEMA_KEY,
    Shape::Const(Const::Int(SCHEMA_VERSION)),
    "Schema version of this document.",
);

const HEADS: Shape = Shape::List(&Shape::ChangeHash);

// ---------------------------------------------------------------- participant

const PROFILE: Shape = Shape::Map(&[
    Field::required("displayName", Shape::Text, "Name shown in the caseload."),
    Field::optional(
        "preferredName",
        Shape::Text,
        "Name the participant prefers to be called.",
    ),
    Field::optional(
        "pronouns",
        Shape::Str,
        "Pronouns, in the participant's words.",
    ),
    Field::optional(
        "preferredLanguage",
        Shape::Str,
        "Preferred language (BCP 47 tag or free text).",
    ),
]);

const GOAL: Shape = Shape::Map(&[
    Field::required(
        "text",
        Shape::Text,
        "The goal in the participant's own words.",
    ),
    Field::required(
        "status",
        Shape::Enum(GoalStatus::VALUES),
        "Where the goal stands.",
    ),
    Field::required("createdAt", Shape::Timestamp, "When the goal was recorded."),
    Field::optional("createdBy", Shape::Str, "User id of whoever recorded it."),
]);

const NARRATIVE: Shape = Shape::Map(&[
    Field::required("intervention", Shape::Text, "What the peer specialist did."),
    Field::required(
        "purpose",
        Shape::Text,
        "Why: how it relates to the participant's goals.",
    ),
    Field::required("response", Shape::Text, "The participant's response."),
    Field::required("plan", Shape::Text, "Plan and next steps."),
]);

const SIGNATURE: Shape = Shape::Map(&[
    Field::required("by", Shape::Str, "User id of the signer."),
    Field::required("at", Shape::Timestamp, "When it was signed."),
    Field::required(
        "heads",
        HEADS,
        "Document heads the signer signed (hex change hashes).",
    ),
]);

const GOAL_LINK: Shape = Shape::Const(Const::Bool(true));

const NOTE: Shape = Shape::Map(&[
    Field::required("authorId", Shape::Str, "User id of the author."),
    Field::required("deviceId", Shape::Str, "Device the note was written on."),
    Field::required("serviceDate", Shape::Date, "Date of service."),
    Field::required("encounterAt", Shape::Timestamp, "Start of the encounter."),
    Field::required("encounterEndAt", Shape::Timestamp, "End of the encounter."),
    Field::required(
        "setting",
        Shape::Vocab(Setting::VALUES),
        "Place of service. A write that sets it uses one of these values; documents \
         written before the vocabulary may hold free text, which readers accept.",
    ),
    Field::required(
        "serviceCode",
        Shape::Str,
        "Service type or billing code, e.g. H0038.",
    ),
    Field::required(
        "goalIds",
        Shape::MapOf {
            key: KeyRule::Uuid,
            value: &GOAL_LINK,
        },
        "Goals this note addresses: goal id -> true.",
    ),
    Field::required("narrative", NARRATIVE, "The four-part narrative."),
    Field::required(
        "status",
        Shape::Enum(NoteStatus::VALUES),
        "Draft or submitted.",
    ),
    Field::required("createdAt", Shape::Timestamp, "When the note was created."),
    Field::optional("authorName", Shape::Str, "Author's name as signed."),
    Field::optional(
        "credentials",
        Shape::Str,
        "Author's credentials, e.g. CPRS.",
    ),
    Field::optional(
        "participantComment",
        Shape::Text,
        "The participant's own comment (collaborative documentation).",
    ),
    Field::optional(
        "part2",
        Shape::Bool,
        "True if the note holds 42 CFR Part 2 content.",
    ),
    Field::optional(
        "submittedAt",
        Shape::Timestamp,
        "When the note was submitted.",
    ),
    Field::optional("signature", SIGNATURE, "The author's signature."),
    Field::optional(
        "updatedAt",
        Shape::Timestamp,
        "Last edit, as stamped by the editor.",
    ),
    Field::optional(
        "accompanimentId",
        Shape::Str,
        "Document id of the accompaniment this note documents.",
    ),
]);

const REVIEW: Shape = Shape::Map(&[
    Field::required(
        "noteId",
        Shape::Uuid,
        "Key of the reviewed note in `notes`.",
    ),
    Field::required(
        "state",
        Shape::Enum(ReviewState::VALUES),
        "The supervisor's decision.",
    ),
    Field::required("comment", Shape::Text, "The supervisor's comment."),
    Field::required("reviewerId", Shape::Str, "User id of the reviewer."),
    Field::required("at", Shape::Timestamp, "When the review was made."),
    Field::required(
        "heads",
        HEADS,
        "Document heads the reviewer saw (hex change hashes).",
    ),
    Field::optional("reviewerName", Shape::Str, "Reviewer's name."),
]);

/// Root shape of `alongside/participant`.
pub static PARTICIPANT: Shape = Shape::Map(&[
    envelope_type(DocKind::Participant),
    ENVELOPE_SCHEMA,
    Field::required("profile", PROFILE, "Who the participant is."),
    Field::required(
        "goals",
        Shape::MapOf {
            key: KeyRule::Uuid,
            value: &GOAL,
        },
        "Recovery goals (the individual service plan), keyed by goal id.",
    ),
    Field::required(
        "notes",
        Shape::MapOf {
            key: KeyRule::Uuid,
            value: &NOTE,
        },
        "Progress notes, keyed by note id.",
    ),
    Field::required(
        "reviews",
        Shape::MapOf {
            key: KeyRule::Uuid,
            value: &REVIEW,
        },
        "Supervisor reviews, keyed by review id.",
    ),
]);

// -------------------------------------------------------------- accompaniment

const APPOINTMENT: Shape = Shape::Map(&[
    Field::required(
        "kind",
        Shape::Enum(AppointmentKind::VALUES),
        "Kind of appointment.",
    ),
    Field::required("place", Shape::Text, "Where it is."),
    Field::required(
        "provider",
        Shape::Str,
        "Who it is with (organisation or person).",
    ),
    Field::optional("scheduledAt", Shape::Timestamp, "When it is booked for."),
]);

const FOLLOW_UP: Shape = Shape::Map(&[
    Field::required("text", Shape::Text, "What needs doing."),
    Field::optional("dueOn", Shape::Date, "Due date."),
    Field::required("done", Shape::Bool, "Whether it is done."),
    Field::optional(
        "doneAt",
        Shape::Timestamp,
        "When it was ticked done; meaningful only if done.",
    ),
    Field::optional(
        "doneBy",
        Shape::Str,
        "User id of whoever ticked it done; meaningful only if done.",
    ),
    Field::required("createdAt", Shape::Timestamp, "When it was added."),
    Field::optional("createdBy", Shape::Str, "User id of whoever added it."),
]);

/// What each `<step>By` field of an accompaniment holds.
const STAMPED_BY: &str = "User id of whoever stamped the step's time.";

/// What each `<step>EnteredAt` field of an accompaniment holds.
const ENTERED_LATE: &str = "Set when the step was missed and its time entered afterwards \
     (\"entered late\"): when it was entered. Absent when the step was stamped as it happened.";

/// Root shape of `alongside/accompaniment`.
pub static ACCOMPANIMENT: Shape = Shape::Map(&[
    envelope_type(DocKind::Accompaniment),
    ENVELOPE_SCHEMA,
    Field::required(
        "participantId",
        Shape::Str,
        "Document id of the participant record.",
    ),
    Field::required("peerId", Shape::Str, "User id of the accompanying worker."),
    Field::required("appointment", APPOINTMENT, "The appointment."),
    Field::optional("departedAt", Shape::Timestamp, "When they set off."),
    Field::optional("departedBy", Shape::Str, STAMPED_BY),
    Field::optional("departedEnteredAt", Shape::Timestamp, ENTERED_LATE),
    Field::optional("arrivedAt", Shape::Timestamp, "When they arrived."),
    Field::optional("arrivedBy", Shape::Str, STAMPED_BY),
    Field::optional("arrivedEnteredAt", Shape::Timestamp, ENTERED_LATE),
    Field::optional(
        "startedAt",
        Shape::Timestamp,
        "When the participant was seen.",
    ),
    Field::optional("startedBy", Shape::Str, STAMPED_BY),
    Field::optional("startedEnteredAt", Shape::Timestamp, ENTERED_LATE),
    Field::optional("endedAt", Shape::Timestamp, "When the appointment ended."),
    Field::optional("endedBy", Shape::Str, STAMPED_BY),
    Field::optional("endedEnteredAt", Shape::Timestamp, ENTERED_LATE),
    Field::optional("returnedAt", Shape::Timestamp, "When they got back."),
    Field::optional("returnedBy", Shape::Str, STAMPED_BY),
    Field::optional("returnedEnteredAt", Shape::Timestamp, ENTERED_LATE),
    Field::optional(
        "transport",
        Shape::Enum(Transport::VALUES),
        "How they travelled.",
    ),
    Field::required("purpose", Shape::Text, "Why the participant is going."),
    Field::required("outcome", Shape::Text, "What came of it."),
    Field::required(
        "barriers",
        Shape::Text,
        "Barriers met on the way or at the appointment.",
    ),
    Field::required(
        "followUps",
        Shape::MapOf {
            key: KeyRule::Uuid,
            value: &FOLLOW_UP,
        },
        "Follow-up actions, keyed by id.",
    ),
    Field::required(
        "status",
        Shape::Enum(AccompanimentStatus::VALUES),
        "Lifecycle status.",
    ),
    Field::optional(
        "noteId",
        Shape::Str,
        "Id of the progress note that documents it.",
    ),
    Field::required("createdAt", Shape::Timestamp, "When the log was created."),
]);

// ------------------------------------------------------------- caseload index

const INDEXED_PARTICIPANT: Shape = Shape::Map(&[
    Field::required(
        "displayName",
        Shape::Str,
        "Name shown in the caseload list.",
    ),
    Field::required(
        "assignedAt",
        Shape::Timestamp,
        "When the participant was assigned.",
    ),
]);

const INDEXED_ACCOMPANIMENT: Shape = Shape::Map(&[Field::required(
    "participantId",
    Shape::Str,
    "Document id of the participant record.",
)]);

const PURGED_DOCUMENT: Shape = Shape::Map(&[
    Field::required(
        "purgedAt",
        Shape::Timestamp,
        "When the user lost access to the document.",
    ),
    Field::required(
        "reason",
        Shape::Str,
        "Why (for example `reassigned`), shown to the user.",
    ),
]);

/// Root shape of `alongside/caseload-index`.
pub static CASELOAD_INDEX: Shape = Shape::Map(&[
    envelope_type(DocKind::CaseloadIndex),
    ENVELOPE_SCHEMA,
    Field::required("userId", Shape::Str, "The user this index is for."),
    Field::required(
        "participants",
        Shape::MapOf {
            key: KeyRule::NonEmpty,
            value: &INDEXED_PARTICIPANT,
        },
        "Participant records, keyed by document id (bs58check).",
    ),
    Field::required(
        "accompaniments",
        Shape::MapOf {
            key: KeyRule::NonEmpty,
            value: &INDEXED_ACCOMPANIMENT,
        },
        "Accompaniment logs, keyed by document id (bs58check).",
    ),
    Field::required(
        "purge",
        Shape::MapOf {
            key: KeyRule::NonEmpty,
            value: &PURGED_DOCUMENT,
        },
        "Documents the user's devices must delete: the user no longer has \
         access to them (keyed by document id, bs58check).",
    ),
    Field::required("updatedAt", Shape::Timestamp, "Last change to the index."),
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_round_trip() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::from_type_name(kind.type_name()), Some(kind));
            let Shape::Map(fields) = kind.shape() else {
                panic!("root of {kind:?} is not a map");
            };
            assert_eq!(fields[0].name, TYPE_KEY);
            assert_eq!(fields[1].name, SCHEMA_KEY);
        }
        assert_eq!(DocKind::from_type_name("alongside/other"), None);
    }
}
