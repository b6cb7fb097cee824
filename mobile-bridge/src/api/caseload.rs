//! The caseload: participants from the caseload index and those held on
//! the device (including ones created here and not yet synced); creating
//! a participant record.

use std::collections::{BTreeMap, BTreeSet};

use alongside_shared::doc::DocKind;
use alongside_shared::doc::edit::participant::{create_participant, note_ids};
use alongside_shared::doc::edit::text::read_text;
use alongside_shared::doc::participant::Profile;
use alongside_shared::doc::read::read_caseload_index;
use alongside_shared::wire::DocumentId;

use super::error::{ApiError, parse_doc_id};
use super::{CaseloadEntry, Device, input};
use crate::store::MetaKey;

impl Device {
    /// The user's caseload, by display name: every participant the index
    /// lists (held or not yet downloaded) and every participant record
    /// held here (created here, or not yet in the index), minus those the
    /// index says to purge.
    pub fn caseload(&self) -> Result<Vec<CaseloadEntry>, ApiError> {
        let mut indexed = BTreeMap::new();
        let mut purged = BTreeSet::new();
        if let Some(index_id) = self.store.meta(MetaKey::CaseloadIndex)? {
            let index_id = parse_doc_id("caseload_index", &index_id)?;
            if let Some(doc) = self.store.doc(&index_id)
                && self.store.kind(&index_id) == Some(DocKind::CaseloadIndex)
            {
                let index = read_caseload_index(doc)?;
                purged.extend(index.purge.into_keys());
                for (id, p) in index.participants {
                    indexed.insert(id, p.display_name);
                }
            }
        }
        let mut entries = Vec::new();
        for id in self.store.ids_of_kind(DocKind::Participant) {
            let text = id.to_string();
            if purged.contains(&text) {
                continue;
            }
            let Some(doc) = self.store.doc(&id) else {
                continue;
            };
            let name = read_text(doc, ["profile", "displayName"]).unwrap_or_default();
            let notes = note_ids(doc).map_or(0, |n| u64::try_from(n.len()).unwrap_or(u64::MAX));
            entries.push(CaseloadEntry {
                indexed: indexed.remove(&text).is_some(),
                id: text,
                display_name: name,
                held: true,
                pending: self.store.is_pending(&id)?,
                notes,
            });
        }
        for (id, name) in indexed {
            if purged.contains(&id) {
                continue;
            }
            entries.push(CaseloadEntry {
                id,
                display_name: name,
                held: false,
                indexed: true,
                pending: false,
                notes: 0,
            });
        }
        entries.sort_by(|a, b| {
            a.display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase())
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(entries)
    }

    /// Creates a participant record named `display_name`; returns its
    /// document id.
    pub fn create_participant(&mut self, display_name: &str) -> Result<String, ApiError> {
        self.me()?;
        let name = input::label("name", display_name)?;
        let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
        self.store.create(id, |doc| {
            create_participant(doc, &Profile::new(&name)).map_err(ApiError::from)
        })?;
        Ok(id.to_string())
    }
}
