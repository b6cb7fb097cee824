//! Validating what a merge touched finds exactly what validating the whole
//! document finds, when the document was valid before the merge.

#![allow(clippy::unwrap_used)]

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::edit::participant::add_note;
use alongside_shared::doc::{Touched, validate, validate_touched};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue};
use proptest::prelude::*;
use support::{draft_note, id, participant_doc};

#[derive(Debug, Clone)]
enum Edit {
    ValidNote(u8),
    NoteWithIntegerTime(u8),
    BadStatus(u8),
    BadGoalKey,
    SchemaVersion(i64),
    NotesReplacedByString,
    DeleteNote(u8),
    UnknownRootField,
    ProfileNameAsString,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0u8..6).prop_map(Edit::ValidNote),
        1 => (0u8..6).prop_map(Edit::NoteWithIntegerTime),
        1 => (0u8..6).prop_map(Edit::BadStatus),
        1 => Just(Edit::BadGoalKey),
        1 => (1i64..3).prop_map(Edit::SchemaVersion),
        1 => Just(Edit::NotesReplacedByString),
        1 => (0u8..6).prop_map(Edit::DeleteNote),
        1 => Just(Edit::UnknownRootField),
        1 => Just(Edit::ProfileNameAsString),
    ]
}

fn obj(doc: &AutoCommit, key: &str) -> Option<automerge::ObjId> {
    match doc.get(ROOT, key).unwrap() {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    }
}

fn apply(doc: &mut AutoCommit, edit: &Edit) {
    let note_key = |n: u8| id(u128::from(n)).to_string();
    match edit {
        Edit::ValidNote(n) => {
            if obj(doc, "notes").is_some() {
                let _ = add_note(doc, id(u128::from(*n)), &draft_note("met at the library"));
            }
        }
        Edit::NoteWithIntegerTime(n) | Edit::BadStatus(n) => {
            let Some(notes) = obj(doc, "notes") else {
                return;
            };
            let Some((_, note)) = doc.get(&notes, note_key(*n)).unwrap() else {
                return;
            };
            if matches!(edit, Edit::BadStatus(_)) {
                doc.put(&note, "status", "final").unwrap();
            } else {
                doc.put(&note, "encounterAt", 12_i64).unwrap();
            }
        }
        Edit::BadGoalKey => {
            if let Some(goals) = obj(doc, "goals") {
                doc.put_object(&goals, "goal-1", ObjType::Map).unwrap();
            }
        }
        Edit::SchemaVersion(v) => doc.put(ROOT, "schema", ScalarValue::Int(*v)).unwrap(),
        Edit::NotesReplacedByString => doc.put(ROOT, "notes", "none").unwrap(),
        Edit::DeleteNote(n) => {
            if let Some(notes) = obj(doc, "notes") {
                let _ = doc.delete(&notes, note_key(*n));
            }
        }
        Edit::UnknownRootField => doc.put(ROOT, "futureField", 7).unwrap(),
        Edit::ProfileNameAsString => {
            if let Some(profile) = obj(doc, "profile") {
                doc.put(&profile, "displayName", "Al").unwrap();
            }
        }
    }
}

fn sorted(
    result: Result<impl std::fmt::Debug, Vec<alongside_shared::doc::ValidationError>>,
) -> Vec<String> {
    let mut errors: Vec<String> = match result {
        Ok(_) => vec![],
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    errors.sort();
    errors
}

proptest! {
    #[test]
    fn touched_validation_agrees_with_whole_validation(
        setup in proptest::collection::vec((0u8..6).prop_map(Edit::ValidNote), 0..4),
        edits in proptest::collection::vec(edit_strategy(), 1..5),
    ) {
        let mut doc = participant_doc();
        for edit in &setup {
            apply(&mut doc, edit);
        }
        doc.commit();
        prop_assume!(validate(&doc).is_ok());
        let before = doc.get_heads();
        for edit in &edits {
            apply(&mut doc, edit);
        }
        doc.commit();
        let touched = Touched::since(&mut doc, &before);
        prop_assert_eq!(sorted(validate_touched(&doc, &touched)), sorted(validate(&doc)));
    }
}

#[test]
fn a_new_note_touches_only_that_entry() {
    let mut doc = participant_doc();
    doc.commit();
    let before = doc.get_heads();
    add_note(&mut doc, id(1), &draft_note("hello")).unwrap();
    let touched = Touched::since(&mut doc, &before);
    assert!(touched.root_keys.is_empty(), "{touched:?}");
    assert_eq!(
        touched.entries["notes"].iter().collect::<Vec<_>>(),
        [&id(1).to_string()]
    );
}
