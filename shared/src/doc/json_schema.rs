//! The published JSON Schema (draft 2020-12) of each document kind.
//!
//! Generated from the [`Shape`] trees of [`super::schema`], so it always says
//! what the validator checks. The files live in `docs/schema/` and a test
//! (`tests/doc_schema.rs`) fails when they drift; regenerate them with
//! `cargo run -p alongside-shared --example write_schemas`.
//!
//! JSON alone cannot say how a value is stored in Automerge, so every string
//! or timestamp carries an extension keyword `x-automerge`:
//! - `"text"`: an Automerge Text object (collaborative, merged by character);
//! - `"string"`: a scalar string, **not** Text (in JavaScript write it as an
//!   `ImmutableString`/`RawString`, since plain JS strings become Text);
//! - `"timestamp"`: an Automerge timestamp scalar, milliseconds since the
//!   Unix epoch (what JavaScript writes for a `Date`).
//!
//! Keys come out sorted so the output is byte-for-byte stable whatever
//! serde_json features other crates enable.

use serde_json::{Map, Value, json};

use super::schema::DocKind;
use super::shape::{Const, Field, KeyRule, Shape};

/// The JSON Schema dialect used.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Regular expression for canonical UUID strings.
pub const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

const CONVENTIONS: &str = "Describes the logical content of an Automerge document. \
`x-automerge` says how a value is stored: \"text\" = Automerge Text object; \"string\" = \
scalar string, preferred (JavaScript: ImmutableString); a short Text is also accepted, as plain \
JavaScript strings become Text; \"timestamp\" = Automerge \
timestamp scalar in milliseconds since the Unix epoch (a JavaScript Date). Collections are maps, \
never lists, keyed by lowercase hyphenated UUIDs (or by document ids where stated). An optional \
field may be absent or null. Fields not listed here are allowed and must be preserved.";

/// The `$id` of a kind's schema.
pub fn schema_id(kind: DocKind) -> String {
    format!(
        "urn:alongside:schema:{}:{}",
        kind.file_stem(),
        super::SCHEMA_VERSION
    )
}

/// The file name of a kind's schema under `docs/schema/`.
pub fn file_name(kind: DocKind) -> String {
    format!("{}.schema.json", kind.file_stem())
}

/// The JSON Schema of `kind`.
pub fn json_schema(kind: DocKind) -> Value {
    let mut root = shape_schema(kind.shape());
    if let Value::Object(obj) = &mut root {
        obj.insert("$schema".into(), json!(DIALECT));
        obj.insert("$id".into(), json!(schema_id(kind)));
        obj.insert(
            "title".into(),
            json!(format!(
                "{} (schema {})",
                kind.title(),
                super::SCHEMA_VERSION
            )),
        );
        obj.insert(
            "description".into(),
            json!(format!("{} {}", kind.description(), CONVENTIONS)),
        );
    }
    sorted(root)
}

/// The JSON Schema of `kind` as the committed file holds it: pretty JSON
/// with sorted keys and a trailing newline.
pub fn render(kind: DocKind) -> String {
    format!("{:#}\n", json_schema(kind))
}

fn shape_schema(shape: &Shape) -> Value {
    match shape {
        Shape::Map(fields) => {
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f| (f.name.to_owned(), field_schema(f)))
                .collect();
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect();
            json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": true,
            })
        }
        Shape::MapOf { key, value } => json!({
            "type": "object",
            "propertyNames": key_schema(*key),
            "additionalProperties": shape_schema(value),
        }),
        Shape::List(item) => json!({ "type": "array", "items": shape_schema(item) }),
        Shape::Text => json!({ "type": "string", "x-automerge": "text" }),
        Shape::Str => json!({ "type": "string", "x-automerge": "string" }),
        Shape::Enum(values) | Shape::Vocab(values) => {
            json!({ "type": "string", "enum": values, "x-automerge": "string" })
        }
        Shape::Date => json!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "x-automerge": "string",
        }),
        Shape::Uuid => json!({
            "type": "string",
            "format": "uuid",
            "pattern": UUID_PATTERN,
            "x-automerge": "string",
        }),
        Shape::ChangeHash => json!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "x-automerge": "string",
        }),
        Shape::Timestamp => json!({ "type": "integer", "x-automerge": "timestamp" }),
        Shape::Bool => json!({ "type": "boolean" }),
        Shape::Int => json!({ "type": "integer" }),
        Shape::Const(Const::Str(s)) => {
            json!({ "type": "string", "const": s, "x-automerge": "string" })
        }
        Shape::Const(Const::Int(i)) => json!({ "type": "integer", "const": i }),
        Shape::Const(Const::Bool(b)) => json!({ "type": "boolean", "const": b }),
    }
}

fn field_schema(field: &Field) -> Value {
    let inner = shape_schema(&field.shape);
    if field.required {
        let mut inner = inner;
        if let Value::Object(obj) = &mut inner {
            obj.insert("description".into(), json!(field.description));
        }
        inner
    } else {
        json!({
            "description": format!("{} Optional; absent or null means not given.", field.description),
            "anyOf": [inner, { "type": "null" }],
        })
    }
}

fn key_schema(rule: KeyRule) -> Value {
    match rule {
        KeyRule::Uuid => json!({ "pattern": UUID_PATTERN }),
        KeyRule::NonEmpty => json!({ "minLength": 1 }),
    }
}

/// Rebuilds every object with its keys inserted in sorted order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(obj) => {
            let mut entries: Vec<(String, Value)> = obj.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_text_and_timestamps() {
        let schema = json_schema(DocKind::Participant);
        let name = &schema["properties"]["profile"]["properties"]["displayName"];
        assert_eq!(name["x-automerge"], "text");
        let note = &schema["properties"]["notes"]["additionalProperties"];
        assert_eq!(
            note["properties"]["encounterAt"]["x-automerge"],
            "timestamp"
        );
        assert_eq!(schema["additionalProperties"], true);
        assert_eq!(
            schema["properties"]["@type"]["const"],
            "alongside/participant"
        );
        assert!(render(DocKind::Participant).ends_with("}\n"));
    }
}
