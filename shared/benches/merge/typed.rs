//! The typed layer as the benchmark uses it: the participant document,
//! adding a note on a device, and validating the merged document.

use std::collections::BTreeMap;

use alongside_shared::doc::edit::participant::{add_note as add_typed_note, create_participant};
use alongside_shared::doc::participant::{Narrative, Note, Profile};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{CalendarDate, DocKind, Timestamp, validate};
use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::Text;

/// A new participant record.
pub fn participant() -> AutoCommit {
    let mut doc = AutoCommit::new();
    let profile = Profile {
        display_name: Text::with_value("Ada"),
        ..Profile::default()
    };
    create_participant(&mut doc, &profile).unwrap();
    doc
}

/// Adds note number `n` with `body` as its intervention narrative.
pub fn add_note(doc: &mut AutoCommit, n: usize, body: &str) {
    let at = 1_790_000_000_000 + n as i64 * 60_000;
    let note = Note {
        author_id: "peer-1".into(),
        device_id: "phone-1".into(),
        service_date: CalendarDate::from_ymd(2026, 11, 20).unwrap(),
        encounter_at: Timestamp(at),
        encounter_end_at: Timestamp(at + 45 * 60_000),
        setting: "community".into(),
        service_code: "H0038".into(),
        goal_ids: BTreeMap::new(),
        narrative: Narrative {
            intervention: Text::with_value(body),
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
    };
    let id = uuid::Uuid::from_u64_pair(0xa1, n as u64);
    add_typed_note(doc, id, &note).unwrap();
}

/// Validates the whole document against its schema; panics if invalid.
pub fn validate_participant(doc: &AutoCommit) {
    assert_eq!(validate(doc), Ok(DocKind::Participant));
}

/// Notes in the document.
pub fn note_count(doc: &AutoCommit) -> usize {
    let notes = doc.get(ROOT, "notes").unwrap().unwrap().1;
    doc.length(&notes)
}
