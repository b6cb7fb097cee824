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

mod seen;
#[cfg(test)]
mod tests;
mod walker;

use automerge::{ObjType, ROOT, ReadDoc, Value};

use super::path::PathSeg;
use super::problem::excerpt;
pub use super::problem::{Problem, ValidationError};
use super::schema::{DocKind, SCHEMA_KEY, SCHEMA_VERSION, TYPE_KEY};
use super::shape::Shape;
use super::touched::Touched;
use seen::Seen;
use walker::Walker;

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

/// A short name for the type of a value read with `ReadDoc::get`
/// (`text`, `map`, `string`, `timestamp`, ...).
pub fn kind_of(value: &Value<'_>) -> &'static str {
    Seen::from_value(value, ROOT).kind()
}
