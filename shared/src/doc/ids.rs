//! Ids as they are stored: UUIDs as canonical strings.
//!
//! autosurgeon's own `Uuid` support stores bytes; Alongside stores ids as
//! lowercase hyphenated strings (readable by any client, and the same text as
//! the collection keys). [`uuid_string`] is an `#[autosurgeon(with = ...)]`
//! adaptor for a `Uuid` field stored that way. Collections keyed by UUID use
//! `autosurgeon::map_with_parseable_keys`, whose keys are `Uuid::to_string`.

use automerge::ChangeHash;

/// `#[autosurgeon(with = "crate::doc::ids::uuid_string")]` for `Uuid` fields.
pub mod uuid_string {
    use autosurgeon::{HydrateError, Prop, ReadDoc, Reconciler};
    use uuid::Uuid;

    use crate::doc::syntax::is_canonical_uuid;

    /// Reads a canonical UUID string.
    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<Uuid, HydrateError> {
        let s: String = autosurgeon::hydrate_prop(doc, obj, prop)?;
        if !is_canonical_uuid(&s) {
            return Err(HydrateError::unexpected("a UUID string", format!("{s:?}")));
        }
        Uuid::parse_str(&s).map_err(|_| HydrateError::unexpected("a UUID string", format!("{s:?}")))
    }

    /// Writes the UUID as a lowercase hyphenated string.
    pub fn reconcile<R: Reconciler>(id: &Uuid, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(id.hyphenated().to_string())
    }
}

/// Change hashes as the lowercase hex strings stored in `heads` lists.
pub fn heads_to_hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ChangeHash::to_string).collect()
}

/// Parses stored `heads` back into change hashes; None if any is malformed.
pub fn heads_from_hex<S: AsRef<str>>(heads: &[S]) -> Option<Vec<ChangeHash>> {
    heads.iter().map(|h| h.as_ref().parse().ok()).collect()
}
