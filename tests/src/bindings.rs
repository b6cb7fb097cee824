//! The mobile bridge as a phone app loads it: where the built C library
//! (`cdylib`) is, where its committed bindings live, and comparing a
//! directory of generated bindings with the committed one. The generation
//! itself (UniFFI's bindgen) is a dev-dependency of the tests that use it,
//! so that building this library does not pay for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The file name of the bridge's C library on this platform.
pub const LIBRARY_FILE: &str = if cfg!(target_os = "macos") {
    "libalongside_mobile_bridge.dylib"
} else {
    "libalongside_mobile_bridge.so"
};

/// `mobile-bridge/bindings/` in this checkout.
pub fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile-bridge/bindings")
}

/// The bridge's C library that Cargo built for the running test: the
/// bridge is a dependency of the tests and declares a `cdylib`, which Cargo
/// writes into `deps/` beside the test binary (and into the profile
/// directory when the bridge is built directly). The newest one wins.
pub fn bridge_library() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the test binary's directory");
    let candidates = [Some(deps), deps.parent()];
    candidates
        .into_iter()
        .flatten()
        .map(|dir| dir.join(LIBRARY_FILE))
        .filter_map(|path| {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((modified, path))
        })
        .max_by_key(|(modified, _): &(SystemTime, PathBuf)| *modified)
        .map(|(_, path)| path)
        .unwrap_or_else(|| panic!("no {LIBRARY_FILE} near {}", deps.display()))
}

/// Every file under `dir`, by path relative to it, with its contents.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .to_string_lossy()
                    .into_owned();
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                out.insert(relative, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// What differs between two trees: files missing from `committed`, files
/// only in `committed`, and files whose contents differ.
pub fn differences(
    committed: &BTreeMap<String, Vec<u8>>,
    generated: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, bytes) in generated {
        match committed.get(path) {
            None => out.push(format!("{path}: not committed")),
            Some(old) if old != bytes => out.push(format!("{path}: differs")),
            Some(_) => {}
        }
    }
    for path in committed.keys() {
        if !generated.contains_key(path) {
            out.push(format!("{path}: committed but no longer generated"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_every_kind_of_drift() {
        let committed: BTreeMap<String, Vec<u8>> = [
            ("a.kt".to_owned(), b"same".to_vec()),
            ("b.kt".to_owned(), b"old".to_vec()),
            ("gone.kt".to_owned(), b"x".to_vec()),
        ]
        .into();
        let generated: BTreeMap<String, Vec<u8>> = [
            ("a.kt".to_owned(), b"same".to_vec()),
            ("b.kt".to_owned(), b"new".to_vec()),
            ("new.kt".to_owned(), b"y".to_vec()),
        ]
        .into();
        assert_eq!(
            differences(&committed, &generated),
            vec![
                "b.kt: differs".to_owned(),
                "new.kt: not committed".to_owned(),
                "gone.kt: committed but no longer generated".to_owned(),
            ]
        );
        assert!(differences(&generated, &generated).is_empty());
    }
}
