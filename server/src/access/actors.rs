//! Automerge actor ids are bound to the device that first sent a change
//! under them (`docs/sync-protocol.md`); the server's own edits bind theirs to no
//! device. A device that writes under an actor bound elsewhere is refused.
//!
//! The binding of record is the `actor_bindings` table, checked in the
//! persist transaction. This cache holds the bindings this node has seen
//! (from commits, and from the documents it loaded), so that most spoofing
//! is refused in memory, before a commit is attempted, without disturbing
//! anyone else syncing the document.

use std::collections::HashMap;

use alongside_shared::sync::{ChangeMeta, Refusal};
use uuid::Uuid;

/// Most bindings kept; beyond this the cache starts over (the database
/// remains the authority, so forgetting costs only an early refusal).
const MAX_ENTRIES: usize = 1_000_000;

/// Known actor → device bindings (`None`: the server's own actor).
#[derive(Debug, Default)]
pub struct ActorCache {
    bound: HashMap<Vec<u8>, Option<Uuid>>,
}

impl ActorCache {
    /// Refuses changes authored under an actor known to belong to another
    /// device (or to the server) than `device`.
    pub fn check(&self, device: Option<Uuid>, changes: &[ChangeMeta]) -> Result<(), Refusal> {
        for change in changes {
            if let Some(owner) = self.bound.get(change.actor.to_bytes())
                && *owner != device
            {
                return Err(spoofed());
            }
        }
        Ok(())
    }

    /// Records bindings that are now in the database.
    pub fn learn(&mut self, bindings: impl IntoIterator<Item = (Vec<u8>, Option<Uuid>)>) {
        if self.bound.len() > MAX_ENTRIES {
            self.bound.clear();
        }
        self.bound.extend(bindings);
    }
}

/// The refusal for a change under someone else's actor.
pub fn spoofed() -> Refusal {
    Refusal::new(crate::db::access::SPOOFED_ACTOR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ActorId, ChangeHash};

    fn change(actor: &[u8]) -> ChangeMeta {
        ChangeMeta {
            hash: ChangeHash([0; 32]),
            actor: ActorId::from(actor),
            seq: 1,
            deps: Vec::new(),
            timestamp: 0,
        }
    }

    #[test]
    fn a_bound_actor_writes_only_from_its_device() {
        let (d1, d2) = (Uuid::new_v4(), Uuid::new_v4());
        let mut cache = ActorCache::default();
        cache.learn([(vec![1], Some(d1)), (vec![9], None)]);
        assert!(cache.check(Some(d1), &[change(&[1])]).is_ok());
        assert!(cache.check(Some(d2), &[change(&[1])]).is_err());
        assert!(
            cache.check(Some(d2), &[change(&[2])]).is_ok(),
            "unknown: the database decides"
        );
        assert!(
            cache.check(Some(d1), &[change(&[9])]).is_err(),
            "the server's actor"
        );
        assert!(cache.check(None, &[change(&[9])]).is_ok());
    }
}
