//! The walk over a document: follows a kind's [`Shape`] tree through the
//! document's maps, collections and lists, checks each value it reaches,
//! and records each problem with its path until [`MAX_ERRORS`].

use std::borrow::Cow;

use automerge::{ObjId, ObjType, ROOT, ReadDoc};

use super::MAX_ERRORS;
use super::seen::Seen;
use crate::doc::path::{DocPath, PathSeg};
use crate::doc::problem::{Problem, ValidationError, excerpt};
use crate::doc::shape::{Const, Field, KeyRule, Shape};
use crate::doc::syntax::{is_calendar_date, is_canonical_uuid, is_change_hash_hex};

/// Longest Text read as a plain string where the schema expects a string.
const MAX_STRING_AS_TEXT: usize = 1024;

pub(super) struct Walker<'d, D> {
    doc: &'d D,
    pub(super) path: DocPath,
    pub(super) errors: Vec<ValidationError>,
    stopped: bool,
}

impl<'d, D: ReadDoc> Walker<'d, D> {
    pub(super) fn new(doc: &'d D) -> Self {
        Self {
            doc,
            path: DocPath::root(),
            errors: Vec::new(),
            stopped: false,
        }
    }

    pub(super) fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    pub(super) fn report(&mut self, problem: Problem) {
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

    pub(super) fn report_wrong_or_missing(
        &mut self,
        expected: &'static str,
        seen: Option<Seen<'_>>,
    ) {
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
    pub(super) fn with_key<T>(
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

    pub(super) fn check_fields(&mut self, obj: &ObjId, fields: &[Field]) {
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
    pub(super) fn check_entries(
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
                | Shape::Vocab(_)
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
            (Shape::Str | Shape::Vocab(_), Seen::Str(_)) => {}
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
