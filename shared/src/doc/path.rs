//! Paths into a document, for error messages and for addressing fields.
//!
//! A [`DocPath`] is a list of map keys and list indexes from the document
//! root. It displays as `notes.1b4e28ba-….narrative.plan` or
//! `notes.<id>.signature.heads[0]`; the root displays as `(root)`. Keys that
//! are not plain identifiers (empty, containing dots, spaces or control
//! characters) are shown quoted, so a hostile key cannot forge a path.

use std::fmt;

/// One step of a [`DocPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    /// A key in a map.
    Key(String),
    /// An index in a list.
    Index(usize),
}

/// A location in a document: the keys and indexes from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DocPath(Vec<PathSeg>);

impl DocPath {
    /// The document root.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// A path made of map keys only.
    pub fn keys<I, S>(keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(keys.into_iter().map(|k| PathSeg::Key(k.into())).collect())
    }

    /// This path extended by one map key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSeg::Key(key.into()));
        self
    }

    /// This path extended by one list index.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSeg::Index(index));
        self
    }

    /// The steps of this path.
    pub fn segments(&self) -> &[PathSeg] {
        &self.0
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path without its last step, and that step (None at the root).
    pub fn split_last(&self) -> Option<(DocPath, &PathSeg)> {
        let (last, parent) = self.0.split_last()?;
        Some((DocPath(parent.to_vec()), last))
    }

    pub(crate) fn push(&mut self, seg: PathSeg) {
        self.0.push(seg);
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }
}

/// Keys made of these characters are shown bare; anything else is quoted.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@'))
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_plain_key(k) {
                        f.write_str(k)?;
                    } else {
                        let shown: String = k.chars().take(64).collect();
                        write!(f, "{shown:?}")?;
                    }
                }
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for DocPath {
    fn from(keys: [S; N]) -> Self {
        Self::keys(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_keys_indexes_and_root() {
        assert_eq!(DocPath::root().to_string(), "(root)");
        let p = DocPath::keys(["notes", "abc"])
            .key("signature")
            .key("heads")
            .index(2);
        assert_eq!(p.to_string(), "notes.abc.signature.heads[2]");
    }

    #[test]
    fn quotes_odd_keys() {
        let p = DocPath::keys(["goals", "a.b", ""]);
        assert_eq!(p.to_string(), r#"goals."a.b"."""#);
        let p = DocPath::keys(["x\nnotes"]);
        assert_eq!(p.to_string(), r#""x\nnotes""#);
    }
}
