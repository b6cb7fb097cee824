//! [`Timestamp`]: a point in time stored as an Automerge timestamp scalar.
//!
//! Milliseconds since the Unix epoch, the same scalar a JavaScript client
//! writes for a `Date`. The shared crate never reads the clock: callers pass
//! timestamps in.

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler, reconcile::NoKey};

/// Milliseconds since 1970-01-01T00:00:00Z, stored as `ScalarValue::Timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }
}

impl From<Timestamp> for automerge::ScalarValue {
    fn from(t: Timestamp) -> Self {
        automerge::ScalarValue::Timestamp(t.0)
    }
}

impl Hydrate for Timestamp {
    fn hydrate_timestamp(t: i64) -> Result<Self, HydrateError> {
        Ok(Self(t))
    }
}

impl Reconcile for Timestamp {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.timestamp(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ROOT, ReadDoc, ScalarValue, Value};

    #[test]
    fn stored_as_timestamp_scalar() {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile_prop(&mut doc, ROOT, "at", Timestamp(1_700_000_000_123))
            .expect("reconcile");
        let (value, _) = doc.get(ROOT, "at").expect("get").expect("present");
        assert_eq!(
            value,
            Value::Scalar(std::borrow::Cow::Owned(ScalarValue::Timestamp(
                1_700_000_000_123
            )))
        );
        let back: Timestamp = autosurgeon::hydrate_prop(&doc, ROOT, "at").expect("hydrate");
        assert_eq!(back.millis(), 1_700_000_000_123);
    }

    #[test]
    fn plain_integers_are_not_timestamps() {
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile_prop(&mut doc, ROOT, "at", 5_i64).expect("reconcile");
        let back: Result<Timestamp, _> = autosurgeon::hydrate_prop(&doc, ROOT, "at");
        assert!(back.is_err());
    }
}
