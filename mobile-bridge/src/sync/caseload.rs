//! Reading the caseload index: which documents the device must delete and
//! which it should hold.

use std::collections::BTreeSet;
use std::str::FromStr;

use alongside_shared::doc::caseload::CaseloadIndex;
use alongside_shared::wire::DocumentId;

/// What the index asks of the device.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Instructions {
    /// Documents to delete (listed under `purge` and not listed again as
    /// held, which would mean access came back).
    pub purge: BTreeSet<DocumentId>,
    /// Documents to hold: participants and accompaniment logs.
    pub hold: BTreeSet<DocumentId>,
    /// Keys that are not document ids (ignored, reported).
    pub bad_keys: Vec<String>,
}

/// Works out what `index` asks of the device.
pub(crate) fn instructions(index: &CaseloadIndex) -> Instructions {
    let mut out = Instructions::default();
    let mut parse = |key: &String| match DocumentId::from_str(key) {
        Ok(id) => Some(id),
        Err(_) => {
            out.bad_keys.push(key.clone());
            None
        }
    };
    let hold: BTreeSet<DocumentId> = index
        .participants
        .keys()
        .chain(index.accompaniments.keys())
        .filter_map(&mut parse)
        .collect();
    let purge: BTreeSet<DocumentId> = index
        .purge
        .keys()
        .filter_map(&mut parse)
        .filter(|id| !hold.contains(id))
        .collect();
    out.hold = hold;
    out.purge = purge;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alongside_shared::doc::Timestamp;
    use alongside_shared::doc::caseload::{CaseloadParticipant, PurgedDocument};
    use uuid::Uuid;

    #[test]
    fn a_purged_document_listed_again_is_kept() {
        let a = DocumentId::from_uuid(Uuid::new_v4());
        let b = DocumentId::from_uuid(Uuid::new_v4());
        let mut index = CaseloadIndex::new("u", Timestamp::from_millis(0));
        let p = CaseloadParticipant {
            display_name: "P".into(),
            assigned_at: Timestamp::from_millis(0),
        };
        let gone = PurgedDocument {
            purged_at: Timestamp::from_millis(0),
            reason: "reassigned".into(),
        };
        index.participants.insert(a.to_string(), p);
        index.purge.insert(a.to_string(), gone.clone());
        index.purge.insert(b.to_string(), gone.clone());
        index.purge.insert("nonsense".into(), gone);
        let i = instructions(&index);
        assert_eq!(i.hold, [a].into_iter().collect());
        assert_eq!(i.purge, [b].into_iter().collect());
        assert_eq!(i.bad_keys, vec!["nonsense".to_string()]);
    }
}
