//! Editing Text fields so that concurrent edits merge by character.
//!
//! Two ways to change a text field:
//! - [`replace_text`]: give the whole new value; the helper computes a
//!   minimal diff against the current text (automerge's `update_text`,
//!   grapheme-aware) and applies only the insertions and deletions — use it
//!   when the editor hands over the whole string;
//! - [`splice_text`] / [`splice_text_utf16`]: apply one edit at a position —
//!   use it when the editor reports keystroke-level edits (better intent).
//!
//! Positions for [`splice_text`] count Unicode scalar values (`char`s);
//! [`splice_text_utf16`] takes UTF-16 code units as the mobile FFI does.
//! Both are converted to whatever text encoding the Automerge document was
//! opened with. A text field that is absent or null is created empty first
//! (the parent map must exist).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, TextEncoding, Value};

use super::map_at;
use crate::doc::error::DocError;
use crate::doc::path::{DocPath, PathSeg};
use crate::doc::utf16::utf16_to_char_index;
use crate::doc::validate::kind_of;

/// Where a text field is: an existing Text object, or an empty slot.
enum Slot {
    Text(ObjId),
    Empty { parent: ObjId, key: String },
}

fn locate<D: ReadDoc>(doc: &D, path: &DocPath) -> Result<Slot, DocError> {
    let Some((parent_path, PathSeg::Key(key))) = path.split_last() else {
        return Err(DocError::NotFound { path: path.clone() });
    };
    let parent = map_at(doc, &parent_path)?;
    match doc.get(&parent, key.as_str())? {
        Some((Value::Object(ObjType::Text), id)) => Ok(Slot::Text(id)),
        Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Null) => Ok(Slot::Empty {
            parent,
            key: key.clone(),
        }),
        None => Ok(Slot::Empty {
            parent,
            key: key.clone(),
        }),
        Some((value, _)) => Err(DocError::WrongType {
            path: path.clone(),
            expected: "text",
            found: kind_of(&value),
        }),
    }
}

fn text_for_write(doc: &mut AutoCommit, path: &DocPath) -> Result<ObjId, DocError> {
    match locate(doc, path)? {
        Slot::Text(id) => Ok(id),
        Slot::Empty { parent, key } => Ok(doc.put_object(&parent, key, ObjType::Text)?),
    }
}

/// The current value of the text field at `at` (empty if absent or null).
pub fn read_text<D: ReadDoc>(doc: &D, at: impl Into<DocPath>) -> Result<String, DocError> {
    match locate(doc, &at.into())? {
        Slot::Text(id) => Ok(doc.text(&id)?),
        Slot::Empty { .. } => Ok(String::new()),
    }
}

/// Changes the text field at `at` to `new_text` by applying a minimal diff,
/// so concurrent edits to other parts of the text survive.
pub fn replace_text(
    doc: &mut AutoCommit,
    at: impl Into<DocPath>,
    new_text: &str,
) -> Result<(), DocError> {
    let obj = text_for_write(doc, &at.into())?;
    doc.update_text(&obj, new_text)?;
    Ok(())
}

/// Deletes `del` characters at character position `pos` of the text field
/// at `at` and inserts `insert` there.
pub fn splice_text(
    doc: &mut AutoCommit,
    at: impl Into<DocPath>,
    pos: usize,
    del: usize,
    insert: &str,
) -> Result<(), DocError> {
    let path = at.into();
    let obj = text_for_write(doc, &path)?;
    let out_of_range = || DocError::OutOfRange {
        path: path.clone(),
        pos,
        len: del,
    };
    let end = pos.checked_add(del).ok_or_else(out_of_range)?;
    let (start_units, end_units) = match doc.text_encoding() {
        TextEncoding::UnicodeCodePoint => {
            if end > doc.length(&obj) {
                return Err(out_of_range());
            }
            (pos, end)
        }
        encoding @ (TextEncoding::Utf8CodeUnit | TextEncoding::Utf16CodeUnit) => {
            let text = doc.text(&obj)?;
            let start = units_before(&text, pos, encoding).ok_or_else(out_of_range)?;
            let end = units_before(&text, end, encoding).ok_or_else(out_of_range)?;
            (start, end)
        }
        other => return Err(DocError::UnsupportedTextEncoding(other)),
    };
    let del_units = isize::try_from(end_units - start_units).map_err(|_| out_of_range())?;
    doc.splice_text(&obj, start_units, del_units, insert)?;
    Ok(())
}

/// Like [`splice_text`] with `pos` and `del` in UTF-16 code units, as the
/// mobile platforms count them. A range that splits a surrogate pair is
/// refused with [`DocError::OutOfRange`].
pub fn splice_text_utf16(
    doc: &mut AutoCommit,
    at: impl Into<DocPath>,
    pos: usize,
    del: usize,
    insert: &str,
) -> Result<(), DocError> {
    let path = at.into();
    let current = read_text(doc, path.clone())?;
    let out_of_range = || DocError::OutOfRange {
        path: path.clone(),
        pos,
        len: del,
    };
    let start = utf16_to_char_index(&current, pos).ok_or_else(out_of_range)?;
    let end = pos
        .checked_add(del)
        .and_then(|end| utf16_to_char_index(&current, end))
        .ok_or_else(out_of_range)?;
    splice_text(doc, path.clone(), start, end - start, insert)
}

/// The number of `encoding` units taken by the first `chars` characters of
/// `text`, or None if it has fewer characters.
fn units_before(text: &str, chars: usize, encoding: TextEncoding) -> Option<usize> {
    let mut iter = text.chars();
    let mut units = 0;
    for _ in 0..chars {
        let c = iter.next()?;
        units += match encoding {
            TextEncoding::Utf8CodeUnit => c.len_utf8(),
            TextEncoding::Utf16CodeUnit => c.len_utf16(),
            _ => 1,
        };
    }
    Some(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ROOT;

    fn doc_with_text(encoding: TextEncoding, value: &str) -> AutoCommit {
        let mut doc = AutoCommit::new_with_encoding(encoding);
        let t = doc.put_object(ROOT, "t", ObjType::Text).expect("put");
        doc.splice_text(&t, 0, 0, value).expect("splice");
        doc
    }

    #[test]
    fn splice_counts_chars_in_every_encoding() {
        for enc in [
            TextEncoding::UnicodeCodePoint,
            TextEncoding::Utf8CodeUnit,
            TextEncoding::Utf16CodeUnit,
        ] {
            let mut doc = doc_with_text(enc, "a\u{1F600}é b");
            splice_text(&mut doc, ["t"], 2, 1, "e").expect("splice");
            assert_eq!(
                read_text(&doc, ["t"]).expect("read"),
                "a\u{1F600}e b",
                "{enc:?}"
            );
            assert!(matches!(
                splice_text(&mut doc, ["t"], 5, 1, "x"),
                Err(DocError::OutOfRange { .. })
            ));
        }
    }

    #[test]
    fn utf16_splice_refuses_half_a_surrogate_pair() {
        let mut doc = doc_with_text(TextEncoding::UnicodeCodePoint, "a\u{1F600}b");
        assert!(matches!(
            splice_text_utf16(&mut doc, ["t"], 2, 0, "x"),
            Err(DocError::OutOfRange { .. })
        ));
        splice_text_utf16(&mut doc, ["t"], 3, 1, "c").expect("splice");
        assert_eq!(read_text(&doc, ["t"]).expect("read"), "a\u{1F600}c");
    }

    #[test]
    fn missing_text_is_created_but_wrong_types_are_refused() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "s", "plain").expect("put");
        replace_text(&mut doc, ["new"], "hello").expect("create");
        assert_eq!(read_text(&doc, ["new"]).expect("read"), "hello");
        assert!(matches!(
            replace_text(&mut doc, ["s"], "x"),
            Err(DocError::WrongType {
                expected: "text",
                found: "string",
                ..
            })
        ));
        assert!(matches!(
            replace_text(&mut doc, ["nowhere", "t"], "x"),
            Err(DocError::NotFound { .. })
        ));
    }
}
