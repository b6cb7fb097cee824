//! Typed view of an `alongside/caseload-index` document.
//!
//! The server maintains one index per user listing the documents that
//! user's devices should hold; devices only read it. Keys are document ids
//! (bs58check strings), not UUIDs. Field names follow
//! [`super::schema::CASELOAD_INDEX`] (a test checks they agree).

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use super::schema::{DocKind, SCHEMA_VERSION};
use super::timestamp::Timestamp;

/// A user's caseload index: the root of an `alongside/caseload-index` document.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct CaseloadIndex {
    /// Always `alongside/caseload-index`.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "@type")]
    pub doc_type: String,
    /// Schema version.
    pub schema: i64,
    /// The user this index is for.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "userId")]
    pub user_id: String,
    /// Participant records, by document id.
    pub participants: BTreeMap<String, CaseloadParticipant>,
    /// Accompaniment logs, by document id.
    pub accompaniments: BTreeMap<String, CaseloadAccompaniment>,
    /// Documents the user's devices must delete, by document id.
    pub purge: BTreeMap<String, PurgedDocument>,
    /// Last change to the index.
    #[autosurgeon(rename = "updatedAt")]
    pub updated_at: Timestamp,
}

impl CaseloadIndex {
    /// An empty index for `user_id`.
    pub fn new(user_id: &str, updated_at: Timestamp) -> Self {
        Self {
            doc_type: DocKind::CaseloadIndex.type_name().to_owned(),
            schema: SCHEMA_VERSION,
            user_id: user_id.to_owned(),
            participants: BTreeMap::new(),
            accompaniments: BTreeMap::new(),
            purge: BTreeMap::new(),
            updated_at,
        }
    }
}

/// A participant record in the index.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct CaseloadParticipant {
    /// Name shown in the caseload list.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "displayName")]
    pub display_name: String,
    /// When the participant was assigned to the user.
    #[autosurgeon(rename = "assignedAt")]
    pub assigned_at: Timestamp,
}

/// An accompaniment log in the index.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct CaseloadAccompaniment {
    /// Document id of the participant record.
    #[autosurgeon(hydrate = "crate::doc::lenient::string", rename = "participantId")]
    pub participant_id: String,
}

/// A document the user lost access to; devices delete their copy.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile)]
pub struct PurgedDocument {
    /// When access ended.
    #[autosurgeon(rename = "purgedAt")]
    pub purged_at: Timestamp,
    /// Why, for the user (e.g. `reassigned`).
    #[autosurgeon(hydrate = "crate::doc::lenient::string")]
    pub reason: String,
}
