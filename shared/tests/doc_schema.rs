//! The committed JSON Schemas in `docs/schema/` must equal what the Rust
//! shapes generate. Regenerate with
//! `cargo run -p alongside-shared --example write_schemas`, or run this test
//! with `ALONGSIDE_WRITE_SCHEMAS=1`.

use std::path::PathBuf;

use alongside_shared::doc::DocKind;
use alongside_shared::doc::json_schema::{file_name, render};

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/schema")
}

#[test]
fn committed_json_schemas_match_the_shapes() {
    let write = std::env::var_os("ALONGSIDE_WRITE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for kind in DocKind::ALL {
        let path = schema_dir().join(file_name(kind));
        let expected = render(kind);
        if write {
            std::fs::write(&path, &expected).expect("write schema");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != expected {
            stale.push(format!("docs/schema/{}", file_name(kind)));
        }
    }
    assert!(
        stale.is_empty(),
        "JSON Schema out of date: {stale:?}\nregenerate with \
         `cargo run -p alongside-shared --example write_schemas` \
         (or `ALONGSIDE_WRITE_SCHEMAS=1 cargo test -p alongside-shared --test doc_schema`) \
         and commit the result"
    );
}

#[test]
fn committed_schemas_are_valid_json_with_the_expected_header() {
    for kind in DocKind::ALL {
        let text = render(kind);
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            value["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(value["properties"]["@type"]["const"], kind.type_name());
        assert_eq!(value["properties"]["schema"]["const"], 1);
        assert_eq!(value["additionalProperties"], true);
        assert!(
            value["$id"]
                .as_str()
                .is_some_and(|id| id.contains(kind.file_stem()))
        );
        assert!(value["title"].is_string() && value["description"].is_string());
    }
}
