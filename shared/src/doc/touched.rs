//! Which parts of a document a merge touched, so that validation after a
//! merge costs what changed rather than the size of the document.
//!
//! A document that was valid before a merge can only have become invalid in
//! what the merge touched: a root field, or entries of a root collection
//! (`notes.<id>`, `goals.<id>`, ...). [`Touched::since`] finds them from
//! automerge's diff between the heads before and after, and
//! [`super::validate::validate_touched`] checks only those.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ChangeHash, PatchAction, Prop};

/// The root fields and collection entries a set of changes touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Root keys whose value changed as a whole (or in a way not attributed
    /// to an entry): validated in full.
    pub root_keys: BTreeSet<String>,
    /// Root key → keys of the entries under it that changed.
    pub entries: BTreeMap<String, BTreeSet<String>>,
}

fn prop_key(prop: &Prop) -> String {
    match prop {
        Prop::Map(key) => key.clone(),
        Prop::Seq(index) => index.to_string(),
    }
}

fn action_key(action: &PatchAction) -> Option<String> {
    match action {
        PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => Some(key.clone()),
        PatchAction::Increment { prop, .. } | PatchAction::Conflict { prop } => {
            Some(prop_key(prop))
        }
        _ => None,
    }
}

impl Touched {
    /// What changed in `doc` between `before` and its current heads.
    pub fn since(doc: &mut AutoCommit, before: &[ChangeHash]) -> Self {
        let after = doc.get_heads();
        let mut touched = Self::default();
        for patch in doc.diff(before, &after) {
            match patch.path.as_slice() {
                [] => {
                    if let Some(key) = action_key(&patch.action) {
                        touched.root_keys.insert(key);
                    }
                }
                [(_, root)] => match action_key(&patch.action) {
                    Some(entry) => touched.entry(prop_key(root), entry),
                    None => {
                        touched.root_keys.insert(prop_key(root));
                    }
                },
                [(_, root), (_, entry), ..] => touched.entry(prop_key(root), prop_key(entry)),
            }
        }
        touched
    }

    /// Everything in `doc`, as a write that created it touched it: every
    /// root key (without diffing, which for a large new document costs far
    /// more than the check it serves).
    pub fn whole<D: automerge::ReadDoc>(doc: &D) -> Self {
        Self {
            root_keys: doc.keys(automerge::ROOT).collect(),
            entries: BTreeMap::new(),
        }
    }

    fn entry(&mut self, root: String, entry: String) {
        self.entries.entry(root).or_default().insert(entry);
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.root_keys.is_empty() && self.entries.is_empty()
    }
}
