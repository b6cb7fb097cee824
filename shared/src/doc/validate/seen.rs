//! What validation sees of a value: its object type or scalar, reduced to
//! what the checks need, and the short name of its type that problems
//! report (`text`, `map`, `string`, `timestamp`, ...).

use std::borrow::Cow;

use automerge::{ObjId, ObjType, ScalarValue, ScalarValueRef, Value, ValueRef};

/// A value found in the document, reduced to what validation needs.
pub(super) enum Seen<'a> {
    Obj(ObjType, ObjId),
    Str(Cow<'a, str>),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Timestamp,
    Null,
    Other(&'static str),
}

impl<'a> Seen<'a> {
    pub(super) fn from_value(value: &'a Value<'_>, id: ObjId) -> Self {
        match value {
            Value::Object(t) => Seen::Obj(*t, id),
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Seen::Str(Cow::Borrowed(s.as_str())),
                ScalarValue::Int(i) => Seen::Int(*i),
                ScalarValue::Uint(u) => Seen::Uint(*u),
                ScalarValue::Boolean(b) => Seen::Bool(*b),
                ScalarValue::Timestamp(_) => Seen::Timestamp,
                ScalarValue::Null => Seen::Null,
                ScalarValue::F64(_) => Seen::Other("float"),
                ScalarValue::Counter(_) => Seen::Other("counter"),
                ScalarValue::Bytes(_) => Seen::Other("bytes"),
                ScalarValue::Unknown { .. } => Seen::Other("unknown scalar"),
            },
        }
    }

    pub(super) fn from_ref(value: ValueRef<'a>, id: impl FnOnce() -> ObjId) -> Self {
        match value {
            ValueRef::Object(t) => Seen::Obj(t, id()),
            ValueRef::Scalar(s) => match s {
                ScalarValueRef::Str(s) => Seen::Str(s),
                ScalarValueRef::Int(i) => Seen::Int(i),
                ScalarValueRef::Uint(u) => Seen::Uint(u),
                ScalarValueRef::Boolean(b) => Seen::Bool(b),
                ScalarValueRef::Timestamp(_) => Seen::Timestamp,
                ScalarValueRef::Null => Seen::Null,
                ScalarValueRef::F64(_) => Seen::Other("float"),
                ScalarValueRef::Counter(_) => Seen::Other("counter"),
                ScalarValueRef::Bytes(_) => Seen::Other("bytes"),
                ScalarValueRef::Unknown { .. } => Seen::Other("unknown scalar"),
            },
        }
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            Seen::Obj(ObjType::Map, _) => "map",
            Seen::Obj(ObjType::Table, _) => "table",
            Seen::Obj(ObjType::List, _) => "list",
            Seen::Obj(ObjType::Text, _) => "text",
            Seen::Str(_) => "string",
            Seen::Int(_) | Seen::Uint(_) => "integer",
            Seen::Bool(_) => "boolean",
            Seen::Timestamp => "timestamp",
            Seen::Null => "null",
            Seen::Other(kind) => kind,
        }
    }
}
