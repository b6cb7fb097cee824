//! What each simulated device wrote while offline: participant records made
//! with the typed editing helpers, each followed by progress notes, one
//! Automerge change per note.

use std::collections::BTreeMap;

use alongside_shared::doc::edit::participant::{add_note, create_participant};
use alongside_shared::doc::participant::{Narrative, Note, Profile};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{CalendarDate, DocError, Timestamp};
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use autosurgeon::Text;
use uuid::Uuid;

/// One document a device holds, ready to hand to its hub.
pub struct OfflineDoc {
    /// The document's id.
    pub id: DocumentId,
    /// The document, every change committed.
    pub doc: AutoCommit,
    /// Its heads, sorted.
    pub heads: Vec<ChangeHash>,
}

/// About 200 bytes of note narrative, numbered so notes differ.
fn note_body(device: usize, doc: usize, edit: usize) -> String {
    format!(
        "Met at the library as planned (device {device}, record {doc}, note {edit}). \
         We talked through the week, practised the bus route to the clinic together \
         and wrote down three questions for Thursday's appointment."
    )
}

/// Who writes a device's notes: the user and device its token belongs to,
/// since the server holds every new note to naming its writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    /// The user's id.
    pub user_id: String,
    /// The device's id.
    pub device_id: String,
}

impl Author {
    /// Made-up ids for device `device`, for servers that check no
    /// authorship (the automerge-repo reference).
    pub fn placeholder(device: usize) -> Self {
        Self {
            user_id: format!("load-peer-{device}"),
            device_id: format!("load-device-{device}"),
        }
    }
}

fn note(author: &Author, device: usize, doc: usize, edit: usize) -> Note {
    let at = 1_790_000_000_000 + i64::try_from(edit).unwrap_or(0) * 3_600_000;
    Note {
        author_id: author.user_id.clone(),
        device_id: author.device_id.clone(),
        // The server checks the date against the start (in some zone).
        service_date: CalendarDate::of_utc_millis(at).expect("a date"),
        encounter_at: Timestamp(at),
        encounter_end_at: Timestamp(at + 45 * 60_000),
        setting: "community".into(),
        service_code: "H0038".into(),
        goal_ids: BTreeMap::new(),
        narrative: Narrative {
            intervention: Text::with_value(note_body(device, doc, edit)),
            ..Narrative::default()
        },
        status: NoteStatus::Draft,
        created_at: Timestamp(at),
        author_name: None,
        credentials: Some("CPRS".into()),
        participant_comment: None,
        part2: None,
        submitted_at: None,
        signature: None,
        updated_at: None,
        accompaniment_id: None,
    }
}

/// A new participant record with `edits` notes by `author`, each its own
/// change: `edits + 1` changes in all.
pub fn participant(
    author: &Author,
    device: usize,
    doc: usize,
    edits: usize,
) -> Result<OfflineDoc, Box<DocError>> {
    let mut am = AutoCommit::new();
    create_participant(
        &mut am,
        &Profile::new(&format!("Participant {device}-{doc}")),
    )
    .map_err(Box::new)?;
    am.commit();
    for edit in 0..edits {
        add_note(&mut am, Uuid::new_v4(), &note(author, device, doc, edit)).map_err(Box::new)?;
        am.commit();
    }
    let mut heads = am.get_heads();
    heads.sort();
    Ok(OfflineDoc {
        id: DocumentId::from_uuid(Uuid::new_v4()),
        doc: am,
        heads,
    })
}

/// The `docs` records of one device, `edits` notes each by `author`.
pub fn device_documents(
    author: &Author,
    device: usize,
    docs: usize,
    edits: usize,
) -> Result<Vec<OfflineDoc>, Box<DocError>> {
    (0..docs)
        .map(|d| participant(author, device, d, edits))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alongside_shared::doc::{DocKind, validate};

    #[test]
    fn offline_records_are_valid_with_one_change_per_edit() -> Result<(), Box<DocError>> {
        let mut made = participant(&Author::placeholder(3), 3, 7, 4)?;
        assert_eq!(validate(&made.doc), Ok(DocKind::Participant));
        assert_eq!(made.doc.get_changes(&[]).len(), 5);
        assert_eq!(made.heads.len(), 1);
        Ok(())
    }
}
