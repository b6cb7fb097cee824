//! Documents written by a stock JavaScript client (every string as Text)
//! read through the typed views as well as they validate.

#![allow(clippy::unwrap_used)]

use alongside_shared::doc::read::read_participant;
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{DocKind, validate};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};

fn text(doc: &mut AutoCommit, obj: &automerge::ObjId, key: &str, value: &str) {
    let id = doc.put_object(obj, key, ObjType::Text).unwrap();
    doc.splice_text(&id, 0, 0, value).unwrap();
}

#[test]
fn a_javascript_style_participant_reads_through_the_typed_view() {
    let mut doc = AutoCommit::new();
    text(&mut doc, &ROOT, "@type", "alongside/participant");
    doc.put(ROOT, "schema", 1).unwrap();
    let profile = doc.put_object(ROOT, "profile", ObjType::Map).unwrap();
    text(&mut doc, &profile, "displayName", "Ada");
    text(&mut doc, &profile, "pronouns", "she/her");
    doc.put_object(ROOT, "goals", ObjType::Map).unwrap();
    doc.put_object(ROOT, "reviews", ObjType::Map).unwrap();
    let notes = doc.put_object(ROOT, "notes", ObjType::Map).unwrap();
    let note = doc
        .put_object(&notes, "5eed0000-0000-4000-8000-000000000001", ObjType::Map)
        .unwrap();
    for (key, value) in [
        ("authorId", "peer-1"),
        ("deviceId", "phone-1"),
        ("serviceDate", "2026-11-20"),
        ("setting", "community"),
        ("serviceCode", "H0038"),
        ("status", "draft"),
    ] {
        text(&mut doc, &note, key, value);
    }
    for key in ["encounterAt", "encounterEndAt", "createdAt"] {
        doc.put(&note, key, ScalarValue::Timestamp(1_790_000_000_000))
            .unwrap();
    }
    doc.put_object(&note, "goalIds", ObjType::Map).unwrap();
    let narrative = doc.put_object(&note, "narrative", ObjType::Map).unwrap();
    for key in ["intervention", "purpose", "response", "plan"] {
        text(&mut doc, &narrative, key, "…");
    }

    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    let participant = read_participant(&doc).unwrap();
    assert_eq!(participant.doc_type, "alongside/participant");
    assert_eq!(participant.profile.pronouns.as_deref(), Some("she/her"));
    let note = participant.notes.values().next().unwrap();
    assert_eq!(
        (note.author_id.as_str(), note.status),
        ("peer-1", NoteStatus::Draft)
    );
    assert_eq!(note.service_date.as_str(), "2026-11-20");
}
