//! Validation of a whole document against its schema.
//!
//! [`validate`] reads the envelope (`@type`, `schema`), picks the kind and
//! walks the document against that kind's [`Shape`] tree from
//! [`super::schema`]. It is meant for untrusted input (the server runs it on
//! every document a device pushes), so:
//! - it never panics, whatever the document holds;
//! - it is cheap: it looks at object types and scalar values only and never
//!   reads the contents of a Text object;
//! - it collects every problem (up to [`MAX_ERRORS`]) with the path and what
//!   is wrong, e.g. `notes.<id>.encounterAt: expected timestamp, found integer`;
//! - it ignores keys the schema does not declare (forward compatibility),
//!   and treats `null` in an optional field as absent.
//!
//! Only the winning value of a conflicted key is checked, which is the value
//! every reader (and autosurgeon) sees.

use std::borrow::Cow;

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef};

use super::path::{DocPath, PathSeg};
use super::problem::excerpt;
pub use super::problem::{Problem, ValidationError};
use super::schema::{DocKind, SCHEMA_KEY, SCHEMA_VERSION, TYPE_KEY};
use super::shape::{Const, Field, KeyRule, Shape};
use super::syntax::{is_calendar_date, is_canonical_uuid, is_change_hash_hex};
use super::touched::Touched;

/// At most this many problems are reported; then [`Problem::TooManyErrors`].
pub const MAX_ERRORS: usize = 100;

/// Validates a document of any kind: reads the envelope, then checks the
/// whole document against that kind's schema. Returns the kind, or every
/// problem found (at most [`MAX_ERRORS`] plus a final
/// [`Problem::TooManyErrors`]). An unknown `@type` or `schema` version is an
/// error.
pub fn validate<D: ReadDoc>(doc: &D) -> Result<DocKind, Vec<ValidationError>> {
    let kind = read_envelope(doc)?;
    validate_as(doc, kind)?;
    Ok(kind)
}

/// Validates a document that must be of `kind`.
pub fn validate_as<D: ReadDoc>(doc: &D, kind: DocKind) -> Result<(), Vec<ValidationError>> {
    let mut walker = Walker::new(doc);
    if let Shape::Map(fields) = kind.shape() {
        walker.check_fields(&ROOT, fields);
    }
    walker.finish()
}

/// Validates only what a merge touched (see [`super::touched`]), plus the
/// envelope. For a document that was valid before the merge this finds the
/// same problems as [`validate`], at a cost proportional to the merge.
pub fn validate_touched<D: ReadDoc>(
    doc: &D,
    touched: &Touched,
) -> Result<DocKind, Vec<ValidationError>> {
    let kind = read_envelope(doc)?;
    let Shape::Map(fields) = kind.shape() else {
        return Ok(kind);
    };
    let mut walker = Walker::new(doc);
    for field in *fields {
        if touched.root_keys.contains(field.name) {
            walker.check_fields(&ROOT, std::slice::from_ref(field));
            continue;
        }
        let Some(keys) = touched.entries.get(field.name) else {
            continue;
        };
        let collection = match (&field.shape, doc.get(&ROOT, field.name)) {
            (Shape::MapOf { key, value }, Ok(Some((Value::Object(ObjType::Map), id)))) => {
                Some((*key, value, id))
            }
            _ => None,
        };
        let Some((rule, value, id)) = collection else {
            // Not a collection (or no longer one): check the field whole.
            walker.check_fields(&ROOT, std::slice::from_ref(field));
            continue;
        };
        walker.path.push(PathSeg::Key(field.name.to_owned()));
        walker.check_entries(&id, rule, value, keys);
        walker.path.pop();
    }
    walker.finish()?;
    Ok(kind)
}

/// Validates an `alongside/participant` document.
pub fn validate_participant<D: ReadDoc>(doc: &D) -> Result<(), Vec<ValidationError>> {
    validate_as(doc, DocKind::Participant)
}

/// Validates an `alongside/accompaniment` document.
pub fn validate_accompaniment<D: ReadDoc>(doc: &D) -> Result<(), Vec<ValidationError>> {
    validate_as(doc, DocKind::Accompaniment)
}

/// Validates an `alongside/caseload-index` document.
pub fn validate_caseload_index<D: ReadDoc>(doc: &D) -> Result<(), Vec<ValidationError>> {
    validate_as(doc, DocKind::CaseloadIndex)
}

/// Reads and checks only the envelope: `@type` must name a known kind and
/// `schema` must be [`SCHEMA_VERSION`]. Cheap; does not look further.
pub fn read_envelope<D: ReadDoc>(doc: &D) -> Result<DocKind, Vec<ValidationError>> {
    let mut walker = Walker::new(doc);
    let kind = walker.with_key(TYPE_KEY, |w, seen| match seen {
        Some(Seen::Str(s)) => {
            let kind = DocKind::from_type_name(&s);
            if kind.is_none() {
                w.report(Problem::UnknownType { found: excerpt(&s) });
            }
            kind
        }
        other => {
            w.report_wrong_or_missing("string", other);
            None
        }
    });
    let version = walker.with_key(SCHEMA_KEY, |w, seen| match seen {
        Some(Seen::Int(v)) => Some(v),
        Some(Seen::Uint(v)) => Some(i64::try_from(v).unwrap_or(i64::MAX)),
        other => {
            w.report_wrong_or_missing("integer", other);
            None
        }
    });
    match (kind.flatten(), version.flatten()) {
        (Some(kind), Some(SCHEMA_VERSION)) => return Ok(kind),
        (Some(kind), Some(found)) => {
            walker.path.push(PathSeg::Key(SCHEMA_KEY.into()));
            walker.report(Problem::UnsupportedSchema { kind, found });
            walker.path.pop();
        }
        // Whatever made the kind or the version unknown has been reported.
        _ => {}
    }
    Err(walker.errors)
}

/// Longest Text read as a plain string where the schema expects a string.
const MAX_STRING_AS_TEXT: usize = 1024;

/// A value found in the document, reduced to what validation needs.
enum Seen<'a> {
    Obj(ObjType, ObjId),
    Str(Cow<'a, str>),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Timestamp,
    Null,
    Other(&'static str),
}

impl<'a> Seen<'a> {
    fn from_value(value: &'a Value<'_>, id: ObjId) -> Self {
        match value {
            Value::Object(t) => Seen::Obj(*t, id),
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Seen::Str(Cow::Borrowed(s.as_str())),
                ScalarValue::Int(i) => Seen::Int(*i),
                ScalarValue::Uint(u) => Seen::Uint(*u),
                ScalarValue::Boolean(b) => Seen::Bool(*b),
                ScalarValue::Timestamp(_) => Seen::Timestamp,
                ScalarValue::Null => Seen::Null,
                ScalarValue::F64(_) => Seen::Other("float"),
                ScalarValue::Counter(_) => Seen::Other("counter"),
                ScalarValue::Bytes(_) => Seen::Other("bytes"),
                ScalarValue::Unknown { .. } => Seen::Other("unknown scalar"),
            },
        }
    }

    fn from_ref(value: ValueRef<'a>, id: impl FnOnce() -> ObjId) -> Self {
        match value {
            ValueRef::Object(t) => Seen::Obj(t, id()),
            ValueRef::Scalar(s) => match s {
                ScalarValueRef::Str(s) => Seen::Str(s),
                ScalarValueRef::Int(i) => Seen::Int(i),
                ScalarValueRef::Uint(u) => Seen::Uint(u),
                ScalarValueRef::Boolean(b) => Seen::Bool(b),
                ScalarValueRef::Timestamp(_) => Seen::Timestamp,
                ScalarValueRef::Null => Seen::Null,
                ScalarValueRef::F64(_) => Seen::Other("float"),
                ScalarValueRef::Counter(_) => Seen::Other("counter"),
                ScalarValueRef::Bytes(_) => Seen::Other("bytes"),
                ScalarValueRef::Unknown { .. } => Seen::Other("unknown scalar"),
            },
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Seen::Obj(ObjType::Map, _) => "map",
            Seen::Obj(ObjType::Table, _) => "table",
            Seen::Obj(ObjType::List, _) => "list",
            Seen::Obj(ObjType::Text, _) => "text",
            Seen::Str(_) => "string",
            Seen::Int(_) | Seen::Uint(_) => "integer",
            Seen::Bool(_) => "boolean",
            Seen::Timestamp => "timestamp",
            Seen::Null => "null",
            Seen::Other(kind) => kind,
        }
    }
}

/// A short name for the type of a value read with `ReadDoc::get`
/// (`text`, `map`, `string`, `timestamp`, ...).
pub fn kind_of(value: &Value<'_>) -> &'static str {
    Seen::from_value(value, ROOT).kind()
}

struct Walker<'d, D> {
    doc: &'d D,
    path: DocPath,
    errors: Vec<ValidationError>,
    stopped: bool,
}

impl<'d, D: ReadDoc> Walker<'d, D> {
    fn new(doc: &'d D) -> Self {
        Self {
            doc,
            path: DocPath::root(),
            errors: Vec::new(),
            stopped: false,
        }
    }

    fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    fn report(&mut self, problem: Problem) {
        if self.stopped {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.stopped = true;
            self.errors.push(ValidationError {
                path: DocPath::root(),
                problem: Problem::TooManyErrors { limit: MAX_ERRORS },
            });
            return;
        }
        self.errors.push(ValidationError {
            path: self.path.clone(),
            problem,
        });
    }

    fn report_wrong_or_missing(&mut self, expected: &'static str, seen: Option<Seen<'_>>) {
        match seen {
            None | Some(Seen::Null) => self.report(Problem::Missing),
            Some(other) => self.report(Problem::WrongType {
                expected,
                found: other.kind(),
            }),
        }
    }

    /// Runs `f` on the value under root key `key` (None if absent), with the
    /// path set to that key.
    fn with_key<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Self, Option<Seen<'_>>) -> T,
    ) -> Option<T> {
        let doc = self.doc;
        self.path.push(PathSeg::Key(key.to_owned()));
        let result = match doc.get(&ROOT, key) {
            Ok(found) => {
                let found = found
                    .as_ref()
                    .map(|(v, id)| self.text_as_string(Seen::from_value(v, id.clone())));
                Some(f(self, found))
            }
            Err(e) => {
                self.report(Problem::Unreadable {
                    detail: e.to_string(),
                });
                None
            }
        };
        self.path.pop();
        result
    }

    fn check_fields(&mut self, obj: &ObjId, fields: &[Field]) {
        let doc = self.doc;
        // One pass over the object's keys is much cheaper than one lookup
        // per declared field (validation runs after every merge).
        let present: Vec<_> = doc.map_range(obj, ..).collect();
        for field in fields {
            if self.stopped {
                return;
            }
            self.path.push(PathSeg::Key(field.name.to_owned()));
            match present.iter().find(|item| item.key == field.name) {
                None => {
                    if field.required {
                        self.report(Problem::Missing);
                    }
                }
                Some(item) => {
                    let seen = Seen::from_ref(item.value.clone(), || item.id());
                    match seen {
                        Seen::Null if field.required => self.report(Problem::Missing),
                        Seen::Null => {}
                        seen => self.check(seen, &field.shape),
                    }
                }
            }
            self.path.pop();
        }
    }

    fn check_collection(&mut self, obj: &ObjId, rule: KeyRule, value: &Shape) {
        let doc = self.doc;
        for item in doc.map_range(obj, ..) {
            if self.stopped {
                return;
            }
            self.path.push(PathSeg::Key(item.key.to_string()));
            if !rule.accepts(&item.key) {
                self.report(match rule {
                    KeyRule::Uuid => Problem::KeyNotUuid,
                    KeyRule::NonEmpty => Problem::EmptyKey,
                });
            }
            let id = || item.id();
            let seen = Seen::from_ref(item.value.clone(), id);
            self.check(seen, value);
            self.path.pop();
        }
    }

    /// Checks the named entries of a collection (absent ones were deleted,
    /// which is always valid).
    fn check_entries(
        &mut self,
        obj: &ObjId,
        rule: KeyRule,
        value: &Shape,
        keys: &std::collections::BTreeSet<String>,
    ) {
        let doc = self.doc;
        for key in keys {
            if self.stopped {
                return;
            }
            let found = match doc.get(obj, key.as_str()) {
                Ok(Some((found, id))) => Some((found, id)),
                Ok(None) => None,
                Err(e) => {
                    self.report(Problem::Unreadable {
                        detail: e.to_string(),
                    });
                    None
                }
            };
            let Some((found, id)) = found else { continue };
            self.path.push(PathSeg::Key(key.clone()));
            if !rule.accepts(key) {
                self.report(match rule {
                    KeyRule::Uuid => Problem::KeyNotUuid,
                    KeyRule::NonEmpty => Problem::EmptyKey,
                });
            }
            let seen = Seen::from_value(&found, id);
            self.check(seen, value);
            self.path.pop();
        }
    }

    fn check_list(&mut self, obj: &ObjId, shape: &Shape) {
        let doc = self.doc;
        for item in doc.list_range(obj, ..) {
            if self.stopped {
                return;
            }
            self.path.push(PathSeg::Index(item.index));
            let id = || item.id();
            let seen = Seen::from_ref(item.value.clone(), id);
            self.check(seen, shape);
            self.path.pop();
        }
    }

    /// JavaScript automerge writes every JS string as Text unless the client
    /// wraps it in `ImmutableString`, so a short Text stands for a string
    /// wherever the schema expects one (ids, enum values, dates, `@type`).
    fn text_as_string<'s>(&self, seen: Seen<'s>) -> Seen<'s> {
        match seen {
            Seen::Obj(ObjType::Text, ref id) if self.doc.length(id) <= MAX_STRING_AS_TEXT => {
                match self.doc.text(id) {
                    Ok(text) => Seen::Str(Cow::Owned(text)),
                    Err(_) => seen,
                }
            }
            other => other,
        }
    }

    fn check(&mut self, seen: Seen<'_>, shape: &Shape) {
        let stringly = matches!(
            shape,
            Shape::Str
                | Shape::Enum(_)
                | Shape::Date
                | Shape::Uuid
                | Shape::ChangeHash
                | Shape::Const(Const::Str(_))
        );
        let seen = if stringly {
            self.text_as_string(seen)
        } else {
            seen
        };
        match (shape, seen) {
            (Shape::Map(fields), Seen::Obj(ObjType::Map, id)) => self.check_fields(&id, fields),
            (Shape::MapOf { key, value }, Seen::Obj(ObjType::Map, id)) => {
                self.check_collection(&id, *key, value)
            }
            (Shape::List(item), Seen::Obj(ObjType::List, id)) => self.check_list(&id, item),
            (Shape::Text, Seen::Obj(ObjType::Text, _)) => {}
            (Shape::Str, Seen::Str(_)) => {}
            (Shape::Enum(allowed), Seen::Str(s)) => {
                if !allowed.contains(&s.as_ref()) {
                    self.report(Problem::NotOneOf {
                        allowed,
                        found: excerpt(&s),
                    });
                }
            }
            (Shape::Date, Seen::Str(s)) => {
                if !is_calendar_date(&s) {
                    self.report(Problem::NotADate { found: excerpt(&s) });
                }
            }
            (Shape::Uuid, Seen::Str(s)) => {
                if !is_canonical_uuid(&s) {
                    self.report(Problem::NotAUuid { found: excerpt(&s) });
                }
            }
            (Shape::ChangeHash, Seen::Str(s)) => {
                if !is_change_hash_hex(&s) {
                    self.report(Problem::NotAChangeHash { found: excerpt(&s) });
                }
            }
            (Shape::Timestamp, Seen::Timestamp) => {}
            (Shape::Bool, Seen::Bool(_)) => {}
            (Shape::Int, Seen::Int(_) | Seen::Uint(_)) => {}
            (Shape::Const(expected), seen) => self.check_const(*expected, seen),
            (shape, seen) => self.report(Problem::WrongType {
                expected: shape.expected(),
                found: seen.kind(),
            }),
        }
    }

    fn check_const(&mut self, expected: Const, seen: Seen<'_>) {
        let found = match (&expected, &seen) {
            (Const::Str(want), Seen::Str(s)) if *want == s.as_ref() => return,
            (Const::Int(want), Seen::Int(i)) if want == i => return,
            (Const::Int(want), Seen::Uint(u)) if i64::try_from(*u).ok() == Some(*want) => return,
            (Const::Bool(want), Seen::Bool(b)) if want == b => return,
            (Const::Str(_), Seen::Str(s)) => excerpt(s),
            (Const::Int(_), Seen::Int(i)) => i.to_string(),
            (Const::Int(_), Seen::Uint(u)) => u.to_string(),
            (Const::Bool(_), Seen::Bool(b)) => b.to_string(),
            (_, other) => other.kind().to_owned(),
        };
        self.report(Problem::NotConst { expected, found });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType};

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
            [
                "schema: unsupported schema version 2 for alongside/caseload-index (this build reads 1)"
            ]
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
}
