//! Validation of whole documents: what third-party clients may write, and
//! the path and problem reported for each kind of invalid document.

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::edit::participant::{NoteField, add_note, set_note_field};
use alongside_shared::doc::edit::text::{read_text, replace_text};
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::validate::{MAX_ERRORS, Problem, read_envelope};
use alongside_shared::doc::{DocKind, validate, validate_as};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

fn messages(doc: &AutoCommit) -> Vec<String> {
    match validate(doc) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn map(doc: &AutoCommit, parent: &ObjId, key: &str) -> ObjId {
    match doc.get(parent, key).expect("get") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("{key}: {other:?}"),
    }
}

fn text(doc: &mut AutoCommit, parent: &ObjId, key: &str, value: &str) {
    let t = doc.put_object(parent, key, ObjType::Text).expect("text");
    doc.splice_text(&t, 0, 0, value).expect("splice");
}

/// Exactly what a third-party client (e.g. JS automerge writing
/// `{ "@type": ..., schema: 1, profile: { displayName: "..." }, goals: {}, notes: {}, reviews: {} }`)
/// puts in a new participant document.
fn minimal_participant() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/participant")
        .expect("put");
    doc.put(ROOT, "schema", 1).expect("put");
    let profile = doc.put_object(ROOT, "profile", ObjType::Map).expect("put");
    text(&mut doc, &profile, "displayName", "Alex");
    for key in ["goals", "notes", "reviews"] {
        doc.put_object(ROOT, key, ObjType::Map).expect("put");
    }
    doc
}

/// A note written field by field, as a third-party client would.
fn put_raw_note(doc: &mut AutoCommit, key: &str) -> ObjId {
    let notes = map(doc, &ROOT, "notes");
    let note = doc.put_object(&notes, key, ObjType::Map).expect("note");
    for (k, v) in [
        ("authorId", "peer-1"),
        ("deviceId", "phone-1"),
        ("serviceDate", "2025-03-04"),
    ] {
        doc.put(&note, k, v).expect("put");
    }
    doc.put(&note, "encounterAt", ScalarValue::Timestamp(1))
        .expect("put");
    doc.put(&note, "encounterEndAt", ScalarValue::Timestamp(2))
        .expect("put");
    doc.put(&note, "setting", "home").expect("put");
    doc.put(&note, "serviceCode", "H0038").expect("put");
    doc.put_object(&note, "goalIds", ObjType::Map).expect("put");
    let narrative = doc
        .put_object(&note, "narrative", ObjType::Map)
        .expect("put");
    for part in ["intervention", "purpose", "response", "plan"] {
        text(doc, &narrative, part, "…");
    }
    doc.put(&note, "status", "draft").expect("put");
    doc.put(&note, "createdAt", ScalarValue::Timestamp(3))
        .expect("put");
    note
}

const NOTE: &str = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

#[test]
fn minimal_third_party_participant_validates() {
    let doc = minimal_participant();
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    assert_eq!(read_envelope(&doc), Ok(DocKind::Participant));
}

#[test]
fn third_party_note_validates_and_hydrates() {
    let mut doc = minimal_participant();
    put_raw_note(&mut doc, NOTE);
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    let id = uuid::Uuid::parse_str(NOTE).expect("uuid");
    let note = alongside_shared::doc::read::read_note(&doc, id).expect("hydrate");
    assert_eq!(note.setting, "home");
    assert!(note.signature.is_none() && note.part2.is_none());
}

#[test]
fn minimal_accompaniment_and_index_validate() {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/accompaniment")
        .expect("put");
    doc.put(ROOT, "schema", 1).expect("put");
    doc.put(ROOT, "participantId", "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk")
        .expect("put");
    doc.put(ROOT, "peerId", "peer-1").expect("put");
    let appt = doc
        .put_object(ROOT, "appointment", ObjType::Map)
        .expect("put");
    doc.put(&appt, "kind", "court").expect("put");
    text(&mut doc, &appt, "place", "Magistrates' court");
    doc.put(&appt, "provider", "Court").expect("put");
    for key in ["purpose", "outcome", "barriers"] {
        text(&mut doc, &ROOT, key, "");
    }
    doc.put_object(ROOT, "followUps", ObjType::Map)
        .expect("put");
    doc.put(ROOT, "status", "planned").expect("put");
    doc.put(ROOT, "createdAt", ScalarValue::Timestamp(0))
        .expect("put");
    assert_eq!(messages(&doc), Vec::<String>::new());

    let mut index = AutoCommit::new();
    index
        .put(ROOT, "@type", "alongside/caseload-index")
        .expect("put");
    index.put(ROOT, "schema", 1).expect("put");
    index.put(ROOT, "userId", "peer-1").expect("put");
    index
        .put_object(ROOT, "participants", ObjType::Map)
        .expect("put");
    index
        .put_object(ROOT, "accompaniments", ObjType::Map)
        .expect("put");
    index.put_object(ROOT, "purge", ObjType::Map).expect("put");
    index
        .put(ROOT, "updatedAt", ScalarValue::Timestamp(0))
        .expect("put");
    assert_eq!(validate(&index), Ok(DocKind::CaseloadIndex));
}

#[test]
fn plain_string_where_text_is_expected_is_rejected() {
    let mut doc = minimal_participant();
    let profile = map(&doc, &ROOT, "profile");
    doc.put(&profile, "displayName", "Alex").expect("put");
    assert_eq!(
        messages(&doc),
        ["profile.displayName: expected text, found string"]
    );
}

/// What a stock JavaScript client writes: every string is Text.
#[test]
fn text_where_a_scalar_string_is_expected_is_accepted_and_checked() {
    let mut doc = minimal_participant();
    text(&mut doc, &ROOT, "@type", "alongside/participant");
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    text(&mut doc, &ROOT, "@type", "alongside/unknown");
    assert_eq!(
        messages(&doc),
        ["@type: unknown document type \"alongside/unknown\""]
    );
}

#[test]
fn missing_required_fields_are_named() {
    let mut doc = minimal_participant();
    let profile = map(&doc, &ROOT, "profile");
    doc.delete(&profile, "displayName").expect("delete");
    doc.delete(ROOT, "reviews").expect("delete");
    assert_eq!(
        messages(&doc),
        [
            "profile.displayName: missing required field",
            "reviews: missing required field"
        ]
    );
}

#[test]
fn wrong_scalar_types_name_path_and_types() {
    let mut doc = minimal_participant();
    let note = put_raw_note(&mut doc, NOTE);
    doc.put(&note, "encounterAt", 1_741_082_400_000_i64)
        .expect("put");
    doc.put(&note, "part2", "yes").expect("put");
    assert_eq!(
        messages(&doc),
        [
            format!("notes.{NOTE}.encounterAt: expected timestamp, found integer"),
            format!("notes.{NOTE}.part2: expected boolean, found string"),
        ]
    );
}

#[test]
fn collection_keys_must_be_canonical_uuids() {
    let mut doc = minimal_participant();
    let goals = map(&doc, &ROOT, "goals");
    doc.put_object(&goals, "goal-1", ObjType::Map).expect("put");
    doc.put_object(&goals, NOTE.to_uppercase(), ObjType::Map)
        .expect("put");
    let errors = validate(&doc).expect_err("invalid");
    let key_errors: Vec<String> = errors
        .iter()
        .filter(|e| e.problem == Problem::KeyNotUuid)
        .map(|e| e.path.to_string())
        .collect();
    assert_eq!(
        key_errors,
        [
            format!("goals.{}", NOTE.to_uppercase()),
            "goals.goal-1".into()
        ]
    );
    assert!(
        errors[0]
            .to_string()
            .ends_with(": key is not a UUID (expected lowercase hyphenated 8-4-4-4-12 hex)")
    );
}

#[test]
fn enums_dates_uuids_and_heads_are_checked() {
    let mut doc = minimal_participant();
    let note = put_raw_note(&mut doc, NOTE);
    doc.put(&note, "status", "final").expect("put");
    doc.put(&note, "serviceDate", "2025-02-30").expect("put");
    let reviews = map(&doc, &ROOT, "reviews");
    let review = doc
        .put_object(
            &reviews,
            "0e5e2a2c-8d2f-4a5b-9c1d-2f3a4b5c6d7e",
            ObjType::Map,
        )
        .expect("put");
    doc.put(&review, "noteId", "note-1").expect("put");
    doc.put(&review, "state", "approved").expect("put");
    text(&mut doc, &review, "comment", "ok");
    doc.put(&review, "reviewerId", "sup-1").expect("put");
    doc.put(&review, "at", ScalarValue::Timestamp(9))
        .expect("put");
    let heads = doc
        .put_object(&review, "heads", ObjType::List)
        .expect("put");
    doc.insert(&heads, 0, "ab".repeat(32)).expect("insert");
    doc.insert(&heads, 1, "not-a-hash").expect("insert");
    assert_eq!(
        messages(&doc),
        [
            format!("notes.{NOTE}.serviceDate: expected a calendar date YYYY-MM-DD, found \"2025-02-30\""),
            format!("notes.{NOTE}.status: expected one of \"draft\", \"submitted\", found \"final\""),
            "reviews.0e5e2a2c-8d2f-4a5b-9c1d-2f3a4b5c6d7e.noteId: expected a UUID (lowercase, hyphenated), found \"note-1\"".into(),
            "reviews.0e5e2a2c-8d2f-4a5b-9c1d-2f3a4b5c6d7e.heads[1]: expected a change hash (64 lowercase hex digits), found \"not-a-hash\"".into(),
        ]
    );
}

#[test]
fn collections_must_be_maps_not_lists() {
    let mut doc = minimal_participant();
    doc.put_object(ROOT, "notes", ObjType::List).expect("put");
    assert_eq!(messages(&doc), ["notes: expected map, found list"]);
}

#[test]
fn goal_links_must_be_true() {
    let mut doc = minimal_participant();
    let note = put_raw_note(&mut doc, NOTE);
    let links = map(&doc, &note, "goalIds");
    doc.put(&links, "5eed0000-0000-4000-8000-000000000001", false)
        .expect("put");
    assert_eq!(
        messages(&doc),
        [format!(
            "notes.{NOTE}.goalIds.5eed0000-0000-4000-8000-000000000001: expected true, found false"
        )]
    );
}

#[test]
fn envelope_is_checked_first() {
    let mut doc = minimal_participant();
    doc.put(ROOT, "schema", 2).expect("put");
    assert_eq!(
        messages(&doc),
        ["schema: unsupported schema version 2 for alongside/participant (this build reads 1)"]
    );
    doc.put(ROOT, "@type", "alongside/diary").expect("put");
    doc.put(ROOT, "schema", 1).expect("put");
    assert_eq!(
        messages(&doc),
        ["@type: unknown document type \"alongside/diary\""]
    );
    let empty = AutoCommit::new();
    assert_eq!(
        messages(&empty),
        [
            "@type: missing required field",
            "schema: missing required field"
        ]
    );
    // Validating as the wrong kind names the envelope mismatch.
    let doc = minimal_participant();
    let errors = validate_as(&doc, DocKind::Accompaniment).expect_err("wrong kind");
    assert_eq!(
        errors[0].to_string(),
        "@type: expected \"alongside/accompaniment\", found \"alongside/participant\""
    );
}

#[test]
fn null_means_absent_for_optional_fields_only() {
    let mut doc = minimal_participant();
    let profile = map(&doc, &ROOT, "profile");
    doc.put(&profile, "pronouns", ScalarValue::Null)
        .expect("put");
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    doc.put(&profile, "displayName", ScalarValue::Null)
        .expect("put");
    assert_eq!(
        messages(&doc),
        ["profile.displayName: missing required field"]
    );
}

#[test]
fn unknown_fields_are_allowed_and_survive_edits() {
    let mut doc = support::participant_doc();
    let note_id = support::id(2);
    doc.put(ROOT, "x-future", "kept").expect("put");
    let notes = map(&doc, &ROOT, "notes");
    let note = map(&doc, &notes, &note_id.to_string());
    doc.put(&note, "billingUnits", 3).expect("put");
    assert_eq!(validate(&doc), Ok(DocKind::Participant));

    replace_text(
        &mut doc,
        ParticipantText::Narrative(note_id, NarrativePart::Plan),
        "Friday.",
    )
    .expect("text");
    set_note_field(&mut doc, note_id, NoteField::Part2(true)).expect("field");
    add_note(
        &mut doc,
        support::id(7),
        &support::draft_note("Phone call."),
    )
    .expect("note");
    // Even a whole-document typed round trip keeps fields it does not know.
    let mut typed = alongside_shared::doc::read::read_participant(&doc).expect("hydrate");
    typed.profile.pronouns = Some("she/her".into());
    autosurgeon::reconcile(&mut doc, &typed).expect("reconcile");

    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    let kept = doc
        .get(ROOT, "x-future")
        .expect("get")
        .map(|(v, _)| v.into_string().ok());
    assert_eq!(kept, Some(Some("kept".to_owned())));
    assert!(doc.get(&note, "billingUnits").expect("get").is_some());
    assert_eq!(
        read_text(
            &doc,
            ParticipantText::Narrative(note_id, NarrativePart::Plan)
        )
        .expect("read"),
        "Friday."
    );
}

#[test]
fn errors_are_bounded() {
    let mut doc = minimal_participant();
    let goals = map(&doc, &ROOT, "goals");
    for i in 0..500 {
        doc.put(&goals, format!("g{i}"), i).expect("put");
    }
    let errors = validate(&doc).expect_err("invalid");
    assert_eq!(errors.len(), MAX_ERRORS + 1);
    assert_eq!(
        errors[MAX_ERRORS].to_string(),
        "(root): too many problems; stopped after 100"
    );
}
