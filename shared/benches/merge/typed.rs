//! The typed layer as the benchmark uses it: adding a note on a device and
//! validating the merged document on the server.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};

/// Adds note number `n` with `body` as its intervention narrative.
pub fn add_note(doc: &mut AutoCommit, n: usize, body: &str) {
    let notes = doc.get(ROOT, "notes").unwrap().unwrap().1;
    let key = uuid::Uuid::from_u64_pair(0xa1, n as u64).to_string();
    let note = doc.put_object(&notes, &key, ObjType::Map).unwrap();
    let narrative = doc.put_object(&note, "narrative", ObjType::Map).unwrap();
    let text = doc
        .put_object(&narrative, "intervention", ObjType::Text)
        .unwrap();
    doc.splice_text(&text, 0, 0, body).unwrap();
}

/// Validates the whole document; panics if it is invalid.
pub fn validate(doc: &AutoCommit) {
    let notes = doc.get(ROOT, "notes").unwrap().unwrap().1;
    for key in doc.keys(&notes) {
        let note = doc.get(&notes, &key).unwrap().unwrap().1;
        assert!(doc.get(&note, "narrative").unwrap().is_some());
    }
}

/// Notes in the document.
pub fn note_count(doc: &AutoCommit) -> usize {
    let notes = doc.get(ROOT, "notes").unwrap().unwrap().1;
    doc.length(&notes)
}
