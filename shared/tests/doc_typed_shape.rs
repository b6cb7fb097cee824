//! The typed autosurgeon views and the schema shapes must not drift apart.
//!
//! For each kind, a fully populated typed value (every optional field set,
//! every collection holding an entry) is reconciled into a fresh document.
//! That document must validate, and walking it, every key it holds must be
//! declared by the shape and every field the shape declares must be
//! present. Adding a field to one side only fails here.

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::shape::Shape;
use alongside_shared::doc::{DocKind, validate_as};
use automerge::{AutoCommit, ObjId, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::Reconcile;

/// Walks `obj` against `shape`, collecting every disagreement.
fn walk(doc: &AutoCommit, obj: &ObjId, shape: &Shape, path: &str, problems: &mut Vec<String>) {
    match shape {
        Shape::Map(fields) => {
            for key in doc.keys(obj) {
                if !fields.iter().any(|f| f.name == key) {
                    problems.push(format!(
                        "{path}.{key}: written by the Rust type, unknown to the shape"
                    ));
                }
            }
            for field in *fields {
                let here = format!("{path}.{}", field.name);
                match doc.get(obj, field.name).expect("get") {
                    None => problems.push(format!(
                        "{here}: declared by the shape, not written by the Rust type"
                    )),
                    Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Null) => {
                        problems.push(format!("{here}: null in a fully populated fixture"))
                    }
                    Some((Value::Object(_), id)) => walk(doc, &id, &field.shape, &here, problems),
                    Some(_) => {}
                }
            }
        }
        Shape::MapOf { value, .. } => {
            if doc.length(obj) == 0 {
                problems.push(format!(
                    "{path}: empty collection; the fixture must hold an entry"
                ));
            }
            for key in doc.keys(obj) {
                if let Some((Value::Object(_), id)) = doc.get(obj, key.as_str()).expect("get") {
                    walk(doc, &id, value, &format!("{path}.{key}"), problems);
                }
            }
        }
        Shape::List(item) => {
            if doc.length(obj) == 0 {
                problems.push(format!("{path}: empty list; the fixture must hold an item"));
            }
            for i in 0..doc.length(obj) {
                if let Some((Value::Object(_), id)) = doc.get(obj, i).expect("get") {
                    walk(doc, &id, item, &format!("{path}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

fn check<T: Reconcile>(kind: DocKind, value: T) -> AutoCommit {
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, value).expect("reconcile");
    if let Err(errors) = validate_as(&doc, kind) {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!(
            "{kind:?}: the typed value does not validate:\n{}",
            list.join("\n")
        );
    }
    let mut problems = Vec::new();
    walk(&doc, &ROOT, kind.shape(), "(root)", &mut problems);
    assert!(
        problems.is_empty(),
        "{kind:?}: Rust type and shape disagree:\n{}",
        problems.join("\n")
    );
    doc
}

#[test]
fn participant_type_matches_shape() {
    let doc = check(DocKind::Participant, support::full_participant());
    let back = alongside_shared::doc::read::read_participant(&doc).expect("hydrate");
    let note = &back.notes[&support::id(2)];
    assert_eq!(note.credentials.as_deref(), Some("CPRS"));
    assert_eq!(note.signature.as_ref().map(|s| s.heads.len()), Some(1));
    assert_eq!(back.reviews[&support::id(3)].note_id, support::id(2));
    assert_eq!(
        back.profile.preferred_name.as_ref().map(|t| t.as_str()),
        Some("Lex")
    );
}

#[test]
fn accompaniment_type_matches_shape() {
    let doc = check(DocKind::Accompaniment, support::full_accompaniment());
    let back = alongside_shared::doc::read::read_accompaniment(&doc).expect("hydrate");
    assert_eq!(
        back.follow_ups[&support::id(10)].done_at,
        Some(support::at(300))
    );
    assert_eq!(back.outcome.as_str(), "Inspection booked.");
}

#[test]
fn caseload_index_type_matches_shape() {
    let doc = check(DocKind::CaseloadIndex, support::full_caseload_index());
    let back = alongside_shared::doc::read::read_caseload_index(&doc).expect("hydrate");
    assert_eq!(back, support::full_caseload_index());
}

#[test]
fn typed_none_is_written_as_null_and_still_validates() {
    // autosurgeon writes null for None; the schema treats null as absent.
    let mut p = support::full_participant();
    let note = p.notes.get_mut(&support::id(2)).expect("note");
    note.signature = None;
    note.participant_comment = None;
    p.profile.pronouns = None;
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, &p).expect("reconcile");
    assert_eq!(validate_as(&doc, DocKind::Participant), Ok(()));
    let back = alongside_shared::doc::read::read_participant(&doc).expect("hydrate");
    assert!(back.notes[&support::id(2)].signature.is_none());
}
