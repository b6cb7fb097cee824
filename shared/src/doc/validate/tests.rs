//! Unit tests of validation: envelopes, keys, nested fields, the error
//! limit and shortened values in messages.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ScalarValue};

use super::*;

fn caseload_index() -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "@type", "alongside/caseload-index")
        .expect("put");
    doc.put(ROOT, "schema", 1).expect("put");
    doc.put(ROOT, "userId", "u1").expect("put");
    doc.put_object(ROOT, "participants", ObjType::Map)
        .expect("put");
    doc.put_object(ROOT, "accompaniments", ObjType::Map)
        .expect("put");
    doc.put_object(ROOT, "purge", ObjType::Map).expect("put");
    doc.put(ROOT, "updatedAt", ScalarValue::Timestamp(1))
        .expect("put");
    doc
}

fn messages(doc: &AutoCommit) -> Vec<String> {
    match validate(doc) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn accepts_a_valid_index() {
    assert_eq!(validate(&caseload_index()), Ok(DocKind::CaseloadIndex));
}

#[test]
fn envelope_problems_are_reported_alone() {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "userId", 5).expect("put");
    assert_eq!(
        messages(&doc),
        [
            "@type: missing required field",
            "schema: missing required field"
        ]
    );
    doc.put(ROOT, "@type", "alongside/unknown").expect("put");
    doc.put(ROOT, "schema", 2).expect("put");
    assert_eq!(
        messages(&doc),
        [r#"@type: unknown document type "alongside/unknown""#]
    );
    doc.put(ROOT, "@type", "alongside/caseload-index")
        .expect("put");
    assert_eq!(
        messages(&doc),
        ["schema: unsupported schema version 2 for alongside/caseload-index (this build reads 1)"]
    );
    doc.put(ROOT, "schema", ScalarValue::Uint(1)).expect("put");
    assert!(messages(&doc).contains(&"userId: expected string, found integer".to_owned()));
}

#[test]
fn checks_keys_values_and_nested_fields() {
    let mut doc = caseload_index();
    let ps = match doc.get(ROOT, "participants").expect("get") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("{other:?}"),
    };
    let entry = doc.put_object(&ps, "", ObjType::Map).expect("put");
    doc.put(&entry, "displayName", "Sam").expect("put");
    doc.put(&entry, "assignedAt", 7).expect("put");
    doc.put(ROOT, "updatedAt", ScalarValue::Null).expect("put");
    assert_eq!(
        messages(&doc),
        [
            r#"participants."": key is empty"#,
            r#"participants."".assignedAt: expected timestamp, found integer"#,
            "updatedAt: missing required field",
        ]
    );
}

#[test]
fn stops_after_max_errors() {
    let mut doc = caseload_index();
    let ps = match doc.get(ROOT, "participants").expect("get") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("{other:?}"),
    };
    for i in 0..300 {
        doc.put(&ps, format!("d{i}"), i).expect("put");
    }
    let errors = validate(&doc).expect_err("invalid");
    assert_eq!(errors.len(), MAX_ERRORS + 1);
    assert_eq!(
        errors[MAX_ERRORS].problem,
        Problem::TooManyErrors { limit: MAX_ERRORS }
    );
}

#[test]
fn long_values_are_shortened_in_messages() {
    let mut doc = caseload_index();
    doc.put(ROOT, "@type", "x".repeat(500)).expect("put");
    let message = &messages(&doc)[0];
    assert!(message.len() < 120, "{message}");
    assert!(message.ends_with("…"));
}
