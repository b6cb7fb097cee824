//! The vocabulary for describing a document schema: [`Shape`].
//!
//! A schema is a static tree of `Shape`s (see [`super::schema`] for the
//! three document kinds). It is the single source of truth: the validator
//! ([`super::validate()`]) walks a document against it and the published JSON
//! Schema ([`super::json_schema`]) is generated from it, so the two cannot
//! disagree. The typed autosurgeon views are checked against it by a test.
//!
//! Conventions every shape follows:
//! - a field that is not [`Field::required`] may be absent **or** `null`
//!   (autosurgeon writes `null` for `None`); both mean "not given";
//! - keys a [`Shape::Map`] does not declare are allowed and ignored, so newer
//!   clients can add fields without older validators rejecting them.

/// The shape of one value in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A map with named fields. Undeclared keys are allowed.
    Map(&'static [Field]),
    /// A map used as a collection: every key obeys `key`, every value `value`.
    MapOf {
        /// What each key must look like.
        key: KeyRule,
        /// The shape of every value.
        value: &'static Shape,
    },
    /// A list whose items all have the same shape.
    List(&'static Shape),
    /// An Automerge Text object (collaborative text, merged by character).
    Text,
    /// A scalar string (not Text).
    Str,
    /// A scalar string that is one of a closed set of values.
    Enum(&'static [&'static str]),
    /// A scalar string from a closed vocabulary that older documents held
    /// as free text: the published schema lists the values (what a writer
    /// must use), while validation accepts any string, so that old
    /// documents stay readable and writable. Whether a write that sets the
    /// field uses the vocabulary is a domain rule checked on the change
    /// ([`super::rules::write`]).
    Vocab(&'static [&'static str]),
    /// A scalar string holding a calendar date `YYYY-MM-DD`.
    Date,
    /// A scalar string holding a canonical UUID (lowercase, hyphenated).
    Uuid,
    /// A scalar string holding an Automerge change hash in lowercase hex.
    ChangeHash,
    /// An Automerge timestamp scalar: milliseconds since the Unix epoch.
    Timestamp,
    /// A boolean scalar.
    Bool,
    /// An integer scalar (signed or unsigned).
    Int,
    /// Exactly this value.
    Const(Const),
}

/// A fixed value for [`Shape::Const`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Const {
    /// A scalar string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

/// The rule for keys of a [`Shape::MapOf`] collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRule {
    /// A canonical UUID string (lowercase, hyphenated), so that entries
    /// created concurrently on different devices never collide.
    Uuid,
    /// Any non-empty string (used for document ids, which are bs58check).
    NonEmpty,
}

/// A named field of a [`Shape::Map`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The key in the Automerge map (camelCase).
    pub name: &'static str,
    /// The shape of the value.
    pub shape: Shape,
    /// Whether the field must be present (and not null).
    pub required: bool,
    /// What the field means; published in the JSON Schema.
    pub description: &'static str,
}

impl Field {
    /// A field that must be present.
    pub const fn required(name: &'static str, shape: Shape, description: &'static str) -> Self {
        Self {
            name,
            shape,
            required: true,
            description,
        }
    }

    /// A field that may be absent or null.
    pub const fn optional(name: &'static str, shape: Shape, description: &'static str) -> Self {
        Self {
            name,
            shape,
            required: false,
            description,
        }
    }
}

impl Shape {
    /// The declared field `name` of a [`Shape::Map`], if any.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        match self {
            Shape::Map(fields) => fields.iter().find(|f| f.name == name),
            _ => None,
        }
    }

    /// A short human name for the expected value, used in error messages.
    pub fn expected(&self) -> &'static str {
        match self {
            Shape::Map(_) | Shape::MapOf { .. } => "map",
            Shape::List(_) => "list",
            Shape::Text => "text",
            Shape::Str
            | Shape::Enum(_)
            | Shape::Vocab(_)
            | Shape::Uuid
            | Shape::ChangeHash
            | Shape::Date => "string",
            Shape::Timestamp => "timestamp",
            Shape::Bool => "boolean",
            Shape::Int => "integer",
            Shape::Const(Const::Str(_)) => "string",
            Shape::Const(Const::Int(_)) => "integer",
            Shape::Const(Const::Bool(_)) => "boolean",
        }
    }
}

impl KeyRule {
    /// True if `key` obeys this rule.
    pub fn accepts(self, key: &str) -> bool {
        match self {
            KeyRule::Uuid => super::syntax::is_canonical_uuid(key),
            KeyRule::NonEmpty => !key.is_empty(),
        }
    }
}
