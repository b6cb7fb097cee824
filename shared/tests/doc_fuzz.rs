//! Validation never panics, whatever a document holds: random Automerge
//! documents built from random operations under the root (and under a
//! valid participant document) are validated as every kind.

use alongside_shared::doc::{DocKind, validate, validate_as};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use proptest::prelude::*;

/// Keys likely to hit the schema, plus junk.
const KEYS: &[&str] = &[
    "@type",
    "schema",
    "profile",
    "displayName",
    "goals",
    "notes",
    "reviews",
    "narrative",
    "plan",
    "status",
    "encounterAt",
    "goalIds",
    "signature",
    "heads",
    "followUps",
    "participants",
    "appointment",
    "kind",
    "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
    "",
    "x",
];

#[derive(Debug, Clone)]
enum Op {
    PutScalar {
        target: usize,
        key: usize,
        value: Scalar,
    },
    PutObject {
        target: usize,
        key: usize,
        kind: u8,
    },
    Insert {
        target: usize,
        value: Scalar,
    },
    InsertObject {
        target: usize,
        kind: u8,
    },
    Splice {
        target: usize,
        text: String,
    },
    Delete {
        target: usize,
        key: usize,
    },
}

#[derive(Debug, Clone)]
enum Scalar {
    Str(String),
    Int(i64),
    Uint(u64),
    F64(f64),
    Bool(bool),
    Timestamp(i64),
    Counter(i64),
    Bytes(Vec<u8>),
    Null,
}

impl From<Scalar> for ScalarValue {
    fn from(s: Scalar) -> Self {
        match s {
            Scalar::Str(s) => ScalarValue::Str(s.into()),
            Scalar::Int(i) => ScalarValue::Int(i),
            Scalar::Uint(u) => ScalarValue::Uint(u),
            Scalar::F64(f) => ScalarValue::F64(f),
            Scalar::Bool(b) => ScalarValue::Boolean(b),
            Scalar::Timestamp(t) => ScalarValue::Timestamp(t),
            Scalar::Counter(c) => ScalarValue::counter(c),
            Scalar::Bytes(b) => ScalarValue::Bytes(b),
            Scalar::Null => ScalarValue::Null,
        }
    }
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        prop_oneof![
            Just("alongside/participant".to_owned()),
            Just("alongside/accompaniment".to_owned()),
            Just("alongside/caseload-index".to_owned()),
            Just("draft".to_owned()),
            Just("2025-02-29".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Scalar::Str),
        (-2i64..3).prop_map(Scalar::Int),
        any::<i64>().prop_map(Scalar::Int),
        any::<u64>().prop_map(Scalar::Uint),
        any::<f64>().prop_map(Scalar::F64),
        any::<bool>().prop_map(Scalar::Bool),
        any::<i64>().prop_map(Scalar::Timestamp),
        any::<i64>().prop_map(Scalar::Counter),
        proptest::collection::vec(any::<u8>(), 0..4).prop_map(Scalar::Bytes),
        Just(Scalar::Null),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0usize..64;
    let k = 0..KEYS.len();
    prop_oneof![
        (t.clone(), k.clone(), scalar()).prop_map(|(target, key, value)| Op::PutScalar {
            target,
            key,
            value
        }),
        (t.clone(), k.clone(), 0u8..4).prop_map(|(target, key, kind)| Op::PutObject {
            target,
            key,
            kind
        }),
        (t.clone(), scalar()).prop_map(|(target, value)| Op::Insert { target, value }),
        (t.clone(), 0u8..4).prop_map(|(target, kind)| Op::InsertObject { target, kind }),
        (t.clone(), ".{0,6}").prop_map(|(target, text)| Op::Splice { target, text }),
        (t, k).prop_map(|(target, key)| Op::Delete { target, key }),
    ]
}

fn obj_type(kind: u8) -> ObjType {
    match kind {
        0 => ObjType::Map,
        1 => ObjType::List,
        2 => ObjType::Text,
        _ => ObjType::Map,
    }
}

/// Applies `ops` to `doc`; objects created are remembered as targets.
/// Operations automerge refuses (wrong object type, ...) are skipped.
fn apply(doc: &mut AutoCommit, ops: Vec<Op>) {
    let mut objects = all_objects(doc, ROOT);
    for op in ops {
        let pick = |t: usize| objects[t % objects.len()].clone();
        match op {
            Op::PutScalar { target, key, value } => {
                let _ = doc.put(pick(target), KEYS[key], ScalarValue::from(value));
            }
            Op::PutObject { target, key, kind } => {
                if let Ok(id) = doc.put_object(pick(target), KEYS[key], obj_type(kind)) {
                    objects.push(id);
                }
            }
            Op::Insert { target, value } => {
                let obj = pick(target);
                let len = doc.length(&obj);
                let _ = doc.insert(&obj, len, ScalarValue::from(value));
            }
            Op::InsertObject { target, kind } => {
                let obj = pick(target);
                let len = doc.length(&obj);
                if let Ok(id) = doc.insert_object(&obj, len, obj_type(kind)) {
                    objects.push(id);
                }
            }
            Op::Splice { target, text } => {
                let _ = doc.splice_text(pick(target), 0, 0, &text);
            }
            Op::Delete { target, key } => {
                let _ = doc.delete(pick(target), KEYS[key]);
            }
        }
    }
}

/// `obj` and every object below it.
fn all_objects(doc: &AutoCommit, obj: ObjId) -> Vec<ObjId> {
    let mut found = vec![obj.clone()];
    let children: Vec<ObjId> = match doc.object_type(&obj) {
        Ok(ObjType::Map) => doc
            .map_range(&obj, ..)
            .filter(|item| matches!(item.value, automerge::ValueRef::Object(_)))
            .map(|item| item.id())
            .collect(),
        Ok(ObjType::List) => doc
            .list_range(&obj, ..)
            .filter(|item| matches!(item.value, automerge::ValueRef::Object(_)))
            .map(|item| item.id())
            .collect(),
        _ => Vec::new(),
    };
    for child in children {
        found.extend(all_objects(doc, child));
    }
    found
}

fn validate_every_way<D: ReadDoc>(doc: &D) {
    let _ = validate(doc);
    for kind in DocKind::ALL {
        if let Err(errors) = validate_as(doc, kind) {
            for e in &errors {
                let _ = e.to_string();
            }
            assert!(errors.len() <= alongside_shared::doc::validate::MAX_ERRORS + 1);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn validation_never_panics_on_random_documents(ops in proptest::collection::vec(op(), 0..40)) {
        let mut doc = AutoCommit::new();
        apply(&mut doc, ops);
        validate_every_way(&doc);
        // And after a save/load round trip, as the server would see it.
        let loaded = automerge::Automerge::load(&doc.save()).expect("load");
        validate_every_way(&loaded);
    }

    #[test]
    fn validation_never_panics_on_mutated_valid_documents(ops in proptest::collection::vec(op(), 0..40)) {
        let mut doc = AutoCommit::new();
        let mut p = alongside_shared::doc::participant::Participant::new(
            alongside_shared::doc::participant::Profile::new("Alex"),
        );
        p.profile.pronouns = Some("they".into());
        autosurgeon::reconcile(&mut doc, &p).expect("reconcile");
        apply(&mut doc, ops);
        validate_every_way(&doc);
    }
}
