//! The two moments a write is judged between: the merged document at the
//! heads before the write and as it is now, read field by field as
//! comparable text.

use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::Touched;

/// The document as it was before the write (`Then`) and as it is (`Now`).
#[derive(Clone, Copy)]
pub(crate) enum At {
    Then,
    Now,
}

pub(crate) struct Views<'a> {
    pub(crate) doc: &'a AutoCommit,
    pub(crate) before: &'a [ChangeHash],
}

impl Views<'_> {
    fn get(&self, obj: &ObjId, key: &str, at: At) -> Option<(Value<'_>, ObjId)> {
        match at {
            At::Then if self.before.is_empty() => None,
            At::Then => self.doc.get_at(obj, key, self.before).ok().flatten(),
            At::Now => self.doc.get(obj, key).ok().flatten(),
        }
    }

    pub(crate) fn keys(&self, obj: &ObjId, at: At) -> Vec<String> {
        match at {
            At::Then if self.before.is_empty() => Vec::new(),
            At::Then => self.doc.keys_at(obj, self.before).collect(),
            At::Now => self.doc.keys(obj).collect(),
        }
    }

    pub(crate) fn map(&self, obj: &ObjId, key: &str, at: At) -> Option<ObjId> {
        match self.get(obj, key, at)? {
            (Value::Object(ObjType::Map), id) => Some(id),
            _ => None,
        }
    }

    /// A field as comparable text: a string or text object's content, any
    /// other scalar's rendering, a list's items joined.
    pub(crate) fn field(&self, obj: &ObjId, key: &str, at: At) -> Option<String> {
        let (value, id) = self.get(obj, key, at)?;
        Some(match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => s.to_string(),
                ScalarValue::Null => return None,
                other => other.to_string(),
            },
            Value::Object(ObjType::Text) => match at {
                At::Then => self.doc.text_at(&id, self.before).ok()?,
                At::Now => self.doc.text(&id).ok()?,
            },
            Value::Object(ObjType::List) => {
                let len = match at {
                    At::Then => self.doc.length_at(&id, self.before),
                    At::Now => self.doc.length(&id),
                };
                let items: Vec<String> = (0..len)
                    .filter_map(|i| {
                        let item = match at {
                            At::Then => self.doc.get_at(&id, i, self.before),
                            At::Now => self.doc.get(&id, i),
                        };
                        match item.ok().flatten() {
                            Some((Value::Scalar(s), _)) => Some(s.to_string()),
                            _ => None,
                        }
                    })
                    .collect();
                items.join(",")
            }
            Value::Object(kind) => format!("({kind:?} {id})"),
        })
    }

    /// The entry keys of root collection `collection` the write touched:
    /// those named, or every entry then and now when the collection itself
    /// was replaced.
    pub(crate) fn touched_entries(&self, touched: &Touched, collection: &str) -> Vec<String> {
        let mut keys: Vec<String> = touched
            .entries
            .get(collection)
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default();
        if touched.root_keys.contains(collection) {
            for at in [At::Then, At::Now] {
                if let Some(map) = self.map(&ROOT, collection, at) {
                    keys.extend(self.keys(&map, at));
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Entry `key` of root collection `collection`, then or now.
    pub(crate) fn entry(&self, collection: &str, key: &str, at: At) -> Option<ObjId> {
        let map = self.map(&ROOT, collection, at)?;
        self.map(&map, key, at)
    }
}
