//! Hydrating string fields leniently: a stock JavaScript automerge client
//! writes every JS string as Text, and validation accepts a short Text where
//! the schema wants a string, so the typed views read either. Writing always
//! produces a scalar string.
//!
//! Used through `#[autosurgeon(hydrate = "...")]` on `String` fields.

use automerge::{ObjId, ObjType, Value};
use autosurgeon::ReadDoc;
use autosurgeon::{HydrateError, Prop};

fn read<D: ReadDoc>(doc: &D, obj: &ObjId, prop: &Prop<'_>) -> Result<Option<String>, HydrateError> {
    match doc.get(obj, prop)? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            automerge::ScalarValue::Str(s) => Ok(Some(s.to_string())),
            automerge::ScalarValue::Null => Ok(None),
            other => Err(HydrateError::unexpected("a string", format!("{other:?}"))),
        },
        Some((Value::Object(ObjType::Text), id)) => Ok(Some(doc.text(&id)?)),
        Some((Value::Object(t), _)) => Err(HydrateError::unexpected("a string", format!("{t:?}"))),
    }
}

/// A required string field: a scalar string or a Text.
pub fn string<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<String, HydrateError> {
    read(doc, obj, &prop)?.ok_or_else(|| HydrateError::unexpected("a string", "nothing".into()))
}

/// An optional string field: absent or null is `None`.
pub fn opt_string<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: Prop<'_>,
) -> Result<Option<String>, HydrateError> {
    read(doc, obj, &prop)
}
