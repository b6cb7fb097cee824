//! Regenerates the published JSON Schemas in `docs/schema/` from the Rust
//! shapes: `cargo run -p alongside-shared --example write_schemas`.

use std::path::Path;

use alongside_shared::doc::DocKind;
use alongside_shared::doc::json_schema::{file_name, render};

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema");
    std::fs::create_dir_all(&dir)?;
    for kind in DocKind::ALL {
        let path = dir.join(file_name(kind));
        std::fs::write(&path, render(kind))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
